// Issue 16's three-device loop (a benchmark, bounded in time): one vault on a real S3 server
// (OpenStack Swift's s3api, testing/s3-server.ts) seen through a listing lag, as Swift's own
// listings are by design. Devices A and B back up their homes in a loop, each through its own
// outbox as the app and the CLI do (throughOutbox); device C forgets by a keep-last policy and
// prunes in a loop (a short safety margin, so packs really go). A backup that meets C's prune
// waits for it (bounded by --lock-wait-s), else keeps its snapshot in its outbox; the next run
// uploads it. At the end A and B run once more with no prune (uploading what waited), and a
// fresh device D restores every snapshot still in the vault and compares it byte for byte with
// the home it was taken of.
//
//   node bench/three-devices.ts [--minutes 5] [--lag-s 2] [--lock-wait-s 120] [--margin-s 30] [--keep-last 3]
//
// Prints one JSON line: backups attempted / succeeded (of which met a prune and waited) /
// kept in the outbox / failed, prunes run / locked out, snapshots restored / lost, outbox
// snapshots uploaded / repaired (a prune removed their data meanwhile; stored again first) /
// still waiting / dropped at upload (must be 0), and the error messages of anything that failed.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SnapshotId } from '../shared/ids.ts';
import { CairnError } from '../shared/errors.ts';
import { forget, runBackup, throughOutbox } from '../main/engine/operations.ts';
import { OutboxBlobStore } from '../main/engine/outbox/index.ts';
import { Repository } from '../main/engine/repository.ts';
import { restore } from '../main/engine/restore/index.ts';
import { LaggingBlobStore, RetryingBlobStore, S3BlobStore } from '../main/engine/storage/index.ts';
import { prune } from '../main/engine/vault/index.ts';
import { createWorkerCodec } from '../main/engine/workers/index.ts';
import { startS3Server } from '../testing/s3-server.ts';
import { benchArgs } from './args.ts';

export interface ThreeDeviceOptions {
  durationMs: number;
  lagMs: number;
  lockWaitMs: number;
  marginMs: number;
  keepLast: number;
  /** Pause between one device's runs (each device). Default 1 s. */
  pauseMs?: number;
}

export interface ThreeDeviceResult {
  seconds: number;
  backupsAttempted: number;
  backupsSucceeded: number;
  /** Succeeded though C was pruning while it ran (it waited for the prune, or met only its start or end). */
  backupsMetPruneThenSucceeded: number;
  /** Kept in the outbox (the prune outlasted the wait, or the vault was pruned while scanning). */
  backupsToOutbox: number;
  backupsFailed: number;
  outboxSnapshotsUploaded: number;
  /** Outbox snapshots whose index files a prune replaced while they waited: checked blob by blob at upload. */
  outboxSnapshotsRechecked: number;
  /** Of those uploaded, snapshots whose data a prune removed while they waited: stored again first. */
  outboxSnapshotsRepaired: number;
  /** Still in an outbox at the end: data they refer to was pruned and is gone from the home too. */
  outboxSnapshotsStillWaiting: number;
  /** Outbox snapshots gone without upload (neither in the vault nor waiting): must be 0. */
  outboxSnapshotsDropped: number;
  prunes: number;
  prunesLockedOut: number;
  packsDeleted: number;
  packsMarked: number;
  snapshotsForgotten: number;
  snapshotsLeft: number;
  snapshotsRestored: number;
  lost: number;
  failures: string[];
}

const PASSPHRASE = 'three devices passphrase';

function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) out.set(name, readFileSync(join(dir, name)));
  return out;
}

function sameTree(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  return a.size === b.size && [...a].every(([name, bytes]) => b.get(name)?.equals(bytes));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runThreeDevices(options: ThreeDeviceOptions): Promise<ThreeDeviceResult> {
  const started = Date.now();
  const pauseMs = options.pauseMs ?? 1000;
  const server = await startS3Server({ buckets: ['three'] });
  const root = mkdtempSync(join(tmpdir(), 'cairn-three-'));
  const s3 = new S3BlobStore({ bucket: 'three', prefix: 'cairn', endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
  // One store for everybody: the lag is the server's, the same for every device.
  const store = new LaggingBlobStore(new RetryingBlobStore(s3), { lagMs: options.lagMs });
  const makeCodec = (v: Parameters<typeof createWorkerCodec>[0]) => createWorkerCodec(v, { threads: 1 });
  const result: ThreeDeviceResult = {
    seconds: 0, backupsAttempted: 0, backupsSucceeded: 0, backupsMetPruneThenSucceeded: 0, backupsToOutbox: 0, backupsFailed: 0, outboxSnapshotsUploaded: 0, outboxSnapshotsRechecked: 0, outboxSnapshotsRepaired: 0, outboxSnapshotsStillWaiting: 0, outboxSnapshotsDropped: 0,
    prunes: 0, prunesLockedOut: 0, packsDeleted: 0, packsMarked: 0, snapshotsForgotten: 0, snapshotsLeft: 0, snapshotsRestored: 0, lost: 0, failures: [],
  };
  /** Every snapshot made, with the home it was taken of. */
  const expected = new Map<string, Map<string, Buffer>>();
  const forgotten = new Set<string>();
  /** Snapshots that went into an outbox first. */
  const spooled = new Set<string>();
  /** When C held its exclusive lock (start, end) — a backup overlapping one met a prune. */
  const pruneSpans: [number, number][] = [];
  let pruneStartedAt: number | undefined;
  const repos: Repository[] = [];
  try {
    const { repo: c } = await Repository.init({ store, stateDir: join(root, 'c'), passphrase: PASSPHRASE, scrypt: { N: 2 ** 10, r: 8, p: 1 }, deviceName: 'C', makeCodec });
    repos.push(c);
    await sleep(options.lagMs + 100);
    const device = async (name: string) => {
      const outbox = new OutboxBlobStore(store, { dir: join(root, `outbox-${name}`), fsync: false });
      const repo = await Repository.open({ store: outbox, stateDir: join(root, name), secret: { passphrase: PASSPHRASE }, deviceName: name, makeCodec });
      repos.push(repo);
      const home = join(root, `home-${name}`);
      mkdirSync(home);
      return { name, repo, outbox, home };
    };
    const a = await device('A');
    const b = await device('B');
    const deadline = started + options.durationMs;

    const backOnce = async (d: Awaited<ReturnType<typeof device>>, round: number) => {
      // The home changes like an agent's: a transcript grows, a new file, an old one goes.
      appendFileSync(join(d.home, 'session.jsonl'), `${JSON.stringify({ round, text: randomBytes(2000).toString('base64') })}\n`);
      writeFileSync(join(d.home, `tool-${round}.bin`), randomBytes(32 * 1024 + ((round * 997) % 8192)));
      if (round >= 4) rmSync(join(d.home, `tool-${round - 4}.bin`), { force: true });
      const state = readTree(d.home);
      const run = (offline: boolean) => runBackup(d.repo, { sources: [{ label: 'home', path: d.home }], reason: 'manual', offline, lockWaitMs: options.lockWaitMs });
      const t0 = Date.now();
      result.backupsAttempted++;
      try {
        const outcome = await throughOutbox(d.repo, d.outbox, () => run(false), () => run(true));
        const t1 = Date.now();
        result.outboxSnapshotsUploaded += outcome.flushed;
        result.outboxSnapshotsRepaired += outcome.repaired;
        result.outboxSnapshotsRechecked += outcome.rechecked;
        const done = outcome.offline ? outcome.offline.result : outcome.online;
        if (done.snapshotId && !done.unchanged) {
          expected.set(done.snapshotId, state);
          if (outcome.offline) spooled.add(done.snapshotId);
        }
        if (outcome.offline) result.backupsToOutbox++;
        else {
          result.backupsSucceeded++;
          const spans = pruneStartedAt === undefined ? pruneSpans : [...pruneSpans, [pruneStartedAt, t1] as [number, number]];
          if (spans.some(([s, e]) => s < t1 && e > t0)) result.backupsMetPruneThenSucceeded++;
        }
      } catch (error) {
        result.backupsFailed++;
        result.failures.push(`${d.name}: ${error instanceof CairnError ? `${error.code}: ` : ''}${(error as Error).message}`);
      }
    };
    const backupLoop = async (d: Awaited<ReturnType<typeof device>>) => {
      for (let round = 0; Date.now() < deadline; round++) {
        await backOnce(d, round);
        await sleep(pauseMs * (0.5 + Math.random()));
      }
    };
    const pruneLoop = async () => {
      while (Date.now() < deadline) {
        await sleep(pauseMs * (0.5 + Math.random()));
        try {
          const forgot = await forget(c, { keepLast: options.keepLast, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 }, false);
          for (const s of forgot.forget) forgotten.add(s.id);
          result.snapshotsForgotten += forgot.forget.length;
          result.prunes++;
          pruneStartedAt = Date.now();
          const pruned = await prune(c.vault, c.db, c.codec, { device: c.device.id, marginMs: options.marginMs });
          result.packsDeleted += pruned.packsDeleted;
          result.packsMarked += pruned.packsMarked;
        } catch (error) {
          if (error instanceof CairnError && error.code === 'locked') result.prunesLockedOut++;
          else result.failures.push(`C: ${error instanceof CairnError ? `${error.code}: ` : ''}${(error as Error).message}`);
        } finally {
          if (pruneStartedAt !== undefined) pruneSpans.push([pruneStartedAt, Date.now()]);
          pruneStartedAt = undefined;
        }
      }
    };
    await Promise.all([backupLoop(a), backupLoop(b), pruneLoop()]);

    // No prune any more: each backing-up device runs once more, which uploads what waited.
    for (const d of [a, b]) {
      if (d.outbox.pendingSnapshots() === 0) continue;
      const outcome = await throughOutbox(d.repo, d.outbox, () => runBackup(d.repo, { sources: [{ label: 'home', path: d.home }], reason: 'manual' }), () => Promise.reject(new Error('unreachable at the end')));
      result.outboxSnapshotsUploaded += outcome.flushed;
      result.outboxSnapshotsRepaired += outcome.repaired;
      result.outboxSnapshotsRechecked += outcome.rechecked;
      for (const w of outcome.stillWaiting) result.failures.push(`${d.name}: ${w.message}`);
    }
    const stillWaiting = new Set<string>();
    for (const d of [a, b]) for (const e of d.outbox.entries()) if (e.spooled && e.key.startsWith('snapshots/')) stillWaiting.add(e.key.split('/')[2] as string);
    result.outboxSnapshotsStillWaiting = stillWaiting.size;

    // A fresh device reads everything back once the listings caught up.
    await sleep(options.lagMs + 100);
    const reader = await Repository.open({ store, stateDir: join(root, 'd'), secret: { passphrase: PASSPHRASE }, deviceName: 'D', makeCodec, readOnly: true });
    repos.push(reader);
    await reader.refreshIndex();
    const left = await reader.vault.listSnapshots();
    result.snapshotsLeft = left.length;
    const inVault = new Set(left.map((s) => s.id as string));
    for (const snapshot of left) {
      const want = expected.get(snapshot.id);
      if (!want) continue;
      const target = join(root, `restore-${snapshot.id.slice(0, 8)}`);
      try {
        await restore({ vault: reader.vault, db: reader.db, codec: reader.codec, snapshot, target });
        if (sameTree(readTree(join(target, 'home')), want)) result.snapshotsRestored++;
        else {
          result.lost++;
          result.failures.push(`restore ${snapshot.id.slice(0, 8)}: differs from the home it was taken of`);
        }
      } catch (error) {
        result.lost++;
        result.failures.push(`restore ${snapshot.id.slice(0, 8)}: ${(error as Error).message}`);
      }
      rmSync(target, { recursive: true, force: true });
    }
    // A snapshot made that neither forget removed nor is in the vault: one still waiting in an
    // outbox (counted above), an outbox snapshot dropped at upload, or lost.
    for (const id of expected.keys()) {
      if (inVault.has(id) || forgotten.has(id as SnapshotId) || stillWaiting.has(id)) continue;
      if (spooled.has(id)) {
        result.outboxSnapshotsDropped++;
        result.failures.push(`snapshot ${id.slice(0, 8)} left the outbox without being uploaded`);
      }
      else {
        result.lost++;
        result.failures.push(`snapshot ${id.slice(0, 8)} is gone, and no forget removed it`);
      }
    }
  } finally {
    for (const r of repos) await r.close().catch(() => undefined);
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
  result.seconds = Math.round((Date.now() - started) / 100) / 10;
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = benchArgs({ numbers: { minutes: 5, 'lag-s': 2, 'lock-wait-s': 120, 'margin-s': 30, 'keep-last': 3 } });
  const r = await runThreeDevices({
    durationMs: args.minutes * 60_000,
    lagMs: args['lag-s'] * 1000,
    lockWaitMs: args['lock-wait-s'] * 1000,
    marginMs: args['margin-s'] * 1000,
    keepLast: args['keep-last'],
  });
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

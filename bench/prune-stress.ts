// Issue 10's stress run (a benchmark; a short version runs as a test): two devices on one vault
// whose listings lag writes and deletes by 10 s (store time on a sped-up clock). Each round,
// device A changes its home and backs up while device B, at the same moment, forgets all but
// A's newest snapshots and prunes (with a safety margin a few rounds long). A backs up as the
// app and the CLI do (runBackup through its outbox): one that meets the prune waits for it, or
// scans again when the prune finished meanwhile, or keeps its snapshot in the outbox, uploaded
// by the next round. Afterwards every snapshot left restores byte for byte and
// `check --read-data` is clean: nothing was lost.
//
//   node bench/prune-stress.ts [--rounds 50] [--lag-s 10] [--factor 100]

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runBackup, throughOutbox } from '../main/engine/operations.ts';
import { OutboxBlobStore } from '../main/engine/outbox/index.ts';
import { Repository } from '../main/engine/repository.ts';
import { restore } from '../main/engine/restore/index.ts';
import { FastClock, LaggingBlobStore, MemoryBlobStore } from '../main/engine/storage/index.ts';
import { checkVault, prune } from '../main/engine/vault/index.ts';
import { createWorkerCodec } from '../main/engine/workers/index.ts';
import { benchArgs } from './args.ts';

export interface StressOptions {
  rounds: number;
  lagMs: number;
  factor: number;
  /** Prune's safety margin in store time. Default 3 × lag. */
  marginMs?: number;
  conditionalWrites?: boolean;
}

export interface StressResult {
  rounds: number;
  backups: number;
  /** Backups that failed with `locked` (none since they wait, scan again, or use the outbox). */
  backupsLocked: number;
  /** Backups kept in A's outbox because the prune held the vault; uploaded by a later round. */
  backupsToOutbox: number;
  outboxUploaded: number;
  prunes: number;
  prunesLocked: number;
  packsDeleted: number;
  packsMarked: number;
  snapshotsLeft: number;
  snapshotsRestored: number;
  lost: number;
  checkProblems: string[];
  seconds: number;
}

const PASSPHRASE = 'correct horse battery staple';

function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) out.set(name, readFileSync(join(dir, name)));
  return out;
}

export async function runPruneStress(options: StressOptions): Promise<StressResult> {
  const started = Date.now();
  const clock = new FastClock(options.factor);
  const store = new LaggingBlobStore(new MemoryBlobStore('stress', { now: () => clock.now(), conditionalWrites: options.conditionalWrites ?? false }), { lagMs: options.lagMs, clock });
  const root = mkdtempSync(join(tmpdir(), 'cairn-stress-'));
  const home = join(root, 'home');
  mkdirSync(home);
  const makeCodec = (v: Parameters<typeof createWorkerCodec>[0]) => createWorkerCodec(v, { threads: 1 });
  const outbox = new OutboxBlobStore(store, { dir: join(root, 'outbox-a'), fsync: false });
  const { repo: a } = await Repository.init({ store: outbox, now: () => clock.now(), stateDir: join(root, 'a'), passphrase: PASSPHRASE, scrypt: { N: 2 ** 10, r: 8, p: 1 }, deviceName: 'A', makeCodec });
  await clock.sleep(options.lagMs + 1);
  const b = await Repository.open({ store, stateDir: join(root, 'b'), secret: { passphrase: PASSPHRASE }, deviceName: 'B', makeCodec });
  const result: StressResult = { rounds: options.rounds, backups: 0, backupsLocked: 0, backupsToOutbox: 0, outboxUploaded: 0, prunes: 0, prunesLocked: 0, packsDeleted: 0, packsMarked: 0, snapshotsLeft: 0, snapshotsRestored: 0, lost: 0, checkProblems: [], seconds: 0 };
  const expected = new Map<string, Map<string, Buffer>>();
  const marginMs = options.marginMs ?? 3 * options.lagMs;
  try {
    for (let round = 0; round < options.rounds; round++) {
      // A's home changes: a new file, a grown one, and (from round 3) an old one gone.
      writeFileSync(join(home, `new-${round}.bin`), randomBytes(64 * 1024 + round * 1000));
      writeFileSync(join(home, 'log.jsonl'), `${'x'.repeat(4000)}\n`.repeat(round + 1));
      if (round >= 3) rmSync(join(home, `new-${round - 3}.bin`), { force: true });
      const state = readTree(home);
      const backUp = (offline: boolean) => runBackup(a, { sources: [{ label: 'home', path: home }], reason: 'manual', offline });
      const forgetAndPrune = async () => {
        for (const s of (await b.vault.listSnapshots(a.device.id)).slice(0, -2)) await b.vault.deleteSnapshot(s.device, s.id);
        return prune(b.vault, b.db, b.codec, { device: b.device.id, marginMs, clock });
      };
      const [backed, pruned] = await Promise.allSettled([
        throughOutbox(a, outbox, () => backUp(false), () => backUp(true)),
        forgetAndPrune(),
      ]);
      result.backups++;
      if (backed.status === 'fulfilled') {
        const done = backed.value.offline ? backed.value.offline.result : backed.value.online;
        if (!done.unchanged) expected.set(done.snapshotId as string, state);
        if (backed.value.offline) result.backupsToOutbox++;
        result.outboxUploaded += backed.value.flushed;
      } else if ((backed.reason as { code?: string }).code === 'locked') result.backupsLocked++;
      else throw backed.reason;
      result.prunes++;
      if (pruned.status === 'fulfilled') {
        result.packsDeleted += pruned.value.packsDeleted;
        result.packsMarked += pruned.value.packsMarked;
      } else if ((pruned.reason as { code?: string }).code === 'locked') result.prunesLocked++;
      else throw pruned.reason;
    }
    // No prune any more: what waits in A's outbox goes up.
    if (outbox.pendingSnapshots() > 0) result.outboxUploaded += (await throughOutbox(a, outbox, () => runBackup(a, { sources: [{ label: 'home', path: home }], reason: 'manual' }), () => Promise.reject(new Error('the vault is reachable')))).flushed;
    // Let the listings catch up, then read everything back on a third, fresh device.
    await clock.sleep(options.lagMs + 1);
    const c = await Repository.open({ store, stateDir: join(root, 'c'), secret: { passphrase: PASSPHRASE }, deviceName: 'C', makeCodec });
    try {
      await c.refreshIndex();
      const left = await c.vault.listSnapshots(a.device.id);
      result.snapshotsLeft = left.length;
      for (const snapshot of left) {
        const want = expected.get(snapshot.id);
        if (!want) continue;
        const target = join(root, `restore-${snapshot.id.slice(0, 8)}`);
        try {
          await restore({ vault: c.vault, db: c.db, codec: c.codec, snapshot, target });
          const got = readTree(join(target, 'home'));
          const same = got.size === want.size && [...want].every(([name, bytes]) => got.get(name)?.equals(bytes));
          if (same) result.snapshotsRestored++;
          else result.lost++;
        } catch {
          result.lost++;
        }
      }
      result.checkProblems = (await checkVault(c.vault, c.codec, { readData: true })).problems;
    } finally {
      await c.close();
    }
  } finally {
    await a.close();
    await b.close();
    rmSync(root, { recursive: true, force: true });
  }
  result.seconds = Math.round((Date.now() - started) / 100) / 10;
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = benchArgs({ numbers: { 'lag-s': 10, rounds: 50, factor: 100 } });
  const lagMs = args['lag-s'] * 1000;
  for (const conditionalWrites of [false, true]) {
    const r = await runPruneStress({ rounds: args.rounds, lagMs, factor: args.factor, conditionalWrites });
    process.stdout.write(`${JSON.stringify({ conditionalWrites, lagS: lagMs / 1000, ...r })}\n`);
  }
}

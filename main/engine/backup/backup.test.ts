import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAgentHome, transcriptLine, rng } from '../../../testing/agent-home.ts';
import type { AgentHomeSummary } from '../../../testing/agent-home.ts';
import { backupOf, diffTrees, initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { DEVICE_LAST_SEEN_RESOLUTION_MS } from '../repository.ts';
import type { Repository } from '../repository.ts';
import { damagedFilesError, restore } from '../restore/index.ts';
import { FaultyBlobStore, LocalBlobStore, MemoryBlobStore } from '../storage/index.ts';
import { runBackup } from '../operations.ts';
import { acquireLock, checkVault, keys, listLocks } from '../vault/index.ts';

const require = createRequire(import.meta.url);
const isSidecarOrSecretOrDb = (rel: string) => /(-wal|-shm)$/.test(rel) || /\.credentials\.json$|auth\.json$|secrets\.yaml$|oauth_creds\.json$|(^|\/)\.env$/.test(rel) || rel.endsWith('.sqlite');

async function restoreAll(repo: Repository, snapshotId: string, target: string) {
  const snap = await repo.findSnapshot(snapshotId);
  await repo.refreshIndex();
  return restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: snap, target });
}

describe('backup and restore through a local folder', () => {
  let home: string;
  let summary: AgentHomeSummary;
  let store: FaultyBlobStore;
  let repo: Repository;
  let firstSnapshot: string;

  beforeAll(async () => {
    home = join(tempDir('cairn-home-'), 'home');
    summary = generateAgentHome(home, { seed: 7, sizeMiB: 12, smallFiles: 300 });
    symlinkSync('settings.json', join(home, '.claude', 'settings-link.json'));
    store = new FaultyBlobStore(new LocalBlobStore(join(tempDir('cairn-vault-'), 'vault')));
    ({ repo } = await initRepo(store));
  });

  afterAll(async () => {
    await repo.close();
    removeTempDirs();
  });

  it('round-trips a generated agent home byte for byte, with modes and mtimes, and no secrets', async () => {
    const result = await backupOf(repo, [{ label: 'home', path: home }]);
    expect(result.unchanged).toBe(false);
    expect(result.stats.secretsSkipped).toBe(summary.secrets.length);
    firstSnapshot = result.snapshotId as string;

    const target = tempDir('cairn-restore-');
    await restoreAll(repo, firstSnapshot, target);
    expect(diffTrees(home, join(target, 'home'), { skip: isSidecarOrSecretOrDb })).toEqual([]);
    for (const secret of summary.secrets) {
      expect(existsSync(join(target, 'home', secret.slice(home.length)))).toBe(false);
    }
    // The database comes back as a consistent copy with every row.
    const db = new Database(join(target, 'home', summary.database.slice(home.length)), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((db.prepare('SELECT count(*) AS n FROM threads').get() as { n: number }).n).toBe(3000);
    db.close();
  });

  it('uploads nothing when nothing changed, with at most 3 requests', async () => {
    const before = { ...store.calls };
    const result = await backupOf(repo, [{ label: 'home', path: home }]);
    expect(result.unchanged).toBe(true);
    const requests = (Object.keys(before) as (keyof typeof before)[]).reduce((n, k) => n + store.calls[k] - before[k], 0);
    expect(store.calls.put - before.put).toBe(0);
    expect(requests).toBeLessThanOrEqual(3);
  });

  it('spends no request reading back its own lock or device record, and releases the lock', async () => {
    appendFileSync(summary.transcripts[0] as string, `${transcriptLine(rng(7), 'more', Date.UTC(2026, 10, 2))}\n`);
    await runBackup(repo, { sources: [{ label: 'home', path: home }], reason: 'manual' }); // writes the device record once
    appendFileSync(summary.transcripts[0] as string, `${transcriptLine(rng(8), 'more', Date.UTC(2026, 10, 3))}\n`);
    const from = store.log.length;
    const before = new Date().toISOString();
    const result = await runBackup(repo, { sources: [{ label: 'home', path: home }], reason: 'manual' });
    expect(result.unchanged).toBe(false);
    const calls = store.log.slice(from);
    const lockPut = calls.find((c) => c.startsWith('put locks/'));
    expect(lockPut).toBeDefined();
    expect(calls).not.toContain(`get ${(lockPut as string).slice(4)}`);
    expect(calls).toContain(`delete ${(lockPut as string).slice(4)}`);
    expect(calls.filter((c) => c.startsWith('get devices/'))).toEqual([]);
    // The record written by the backup before is fresh: rewriting it would only move lastSeen
    // (and one key written twice within a second gets a 429 from R2).
    expect(calls.filter((c) => c.startsWith('put devices/'))).toHaveLength(0);
    expect(await listLocks(repo.vault)).toEqual([]);
    const device = await repo.vault.loadDevice(repo.device.id);
    expect(device && Date.parse(before) - Date.parse(device.lastSeen)).toBeLessThan(DEVICE_LAST_SEEN_RESOLUTION_MS);
  });

  it('uploads about the size of the tail when a JSONL transcript grows', async () => {
    const biggest = [...summary.transcripts].sort((a, b) => statSync(b).size - statSync(a).size)[0] as string;
    const r = rng(99);
    let tail = '';
    for (let i = 0; i < 20; i++) tail += transcriptLine(r, 'tail', Date.UTC(2026, 10, 1) + i) + '\n';
    appendFileSync(biggest, tail);
    const result = await backupOf(repo, [{ label: 'home', path: home }]);
    expect(result.unchanged).toBe(false);
    expect(result.stats.changedFiles).toBe(1);
    // New data: the tail plus at most the one chunk the old end shared with it; compressed, the
    // upload is a fraction of that.
    const maxChunk = repo.vault.config.chunker.max;
    expect(result.stats.newBytes).toBeLessThanOrEqual(tail.length + maxChunk);
    expect(result.stats.uploadedBytes).toBeLessThan(tail.length + maxChunk / 2);
    expect(statSync(biggest).size).toBeGreaterThan(1024 * 1024);
    // Only its old last chunk and the tail were chunked: the prefix was verified by hash.
    expect(result.resumedFiles).toBe(1);
  });

  it('chunks a grown transcript whole when bytes before its end changed too, and restores it exactly', async () => {
    const file = [...summary.transcripts].sort((a, b) => statSync(b).size - statSync(a).size)[1] as string;
    const bytes = readFileSync(file);
    bytes[100] = bytes[100] === 0x61 ? 0x62 : 0x61; // an edit near the start, same length
    writeFileSync(file, Buffer.concat([bytes, Buffer.from(`${transcriptLine(rng(3), 'edit', Date.UTC(2026, 10, 4))}\n`)]));
    const result = await backupOf(repo, [{ label: 'home', path: home }]);
    expect(result.stats.changedFiles).toBe(1);
    expect(result.resumedFiles).toBe(0);
    const target = tempDir('cairn-restore-');
    await restoreAll(repo, result.snapshotId as string, target);
    expect(readFileSync(join(target, 'home', file.slice(home.length))).equals(readFileSync(file))).toBe(true);
  });

  it('leaves earlier snapshots restorable when a run is killed mid-upload, and the next run succeeds', async () => {
    // New content big enough for several packs, then every put after the second fails.
    const r = rng(5);
    mkdirSync(join(home, 'big'), { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(join(home, 'big', `blob-${i}.bin`), r.bytes(6 * 1024 * 1024));
    store.failAfter('put', 2);
    await expect(backupOf(repo, [{ label: 'home', path: home }])).rejects.toThrow();
    store.clear();

    const target = tempDir('cairn-restore-');
    await restoreAll(repo, firstSnapshot, target);
    expect(existsSync(join(target, 'home', '.claude', 'settings.json'))).toBe(true);
    expect(existsSync(join(target, 'home', 'big'))).toBe(false);

    const again = await backupOf(repo, [{ label: 'home', path: home }]);
    expect(again.unchanged).toBe(false);
    const target2 = tempDir('cairn-restore-');
    await restoreAll(repo, again.snapshotId as string, target2);
    expect(diffTrees(home, join(target2, 'home'), { skip: isSidecarOrSecretOrDb })).toEqual([]);
    const report = await checkVault(repo.vault, repo.codec, { readData: true });
    expect(report.problems).toEqual([]);
  });

  it('refuses to overwrite existing files unless asked', async () => {
    const target = tempDir('cairn-restore-');
    await restoreAll(repo, firstSnapshot, target);
    await expect(restoreAll(repo, firstSnapshot, target)).rejects.toMatchObject({ code: 'exists' });
    const snap = await repo.findSnapshot(firstSnapshot);
    await expect(restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: snap, target, overwrite: true })).resolves.toBeTruthy();
  });

  it('sweeps temporary files a killed restore left behind', async () => {
    const target = tempDir('cairn-restore-');
    await restoreAll(repo, firstSnapshot, target);
    const leftover = join(target, 'home', '.claude', '.settings.json.cairn-0badf00d.tmp');
    writeFileSync(leftover, 'half a file');
    const snap = await repo.findSnapshot(firstSnapshot);
    await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: snap, target, overwrite: true });
    expect(existsSync(leftover)).toBe(false);
  });

  it('restores one file by path', async () => {
    const target = tempDir('cairn-restore-');
    const snap = await repo.findSnapshot(firstSnapshot);
    const result = await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: snap, target, paths: ['home/.claude/settings.json'] });
    expect(result.files).toBe(1);
    expect(readFileSync(join(target, 'settings.json'), 'utf8')).toContain('cleanupPeriodDays');
  });
});

describe('errors on bad input', () => {
  let store: FaultyBlobStore;
  let repo: Repository;
  let snapshotId: string;
  let recoveryKey: string;
  let stateDir: string;

  beforeAll(async () => {
    const home = join(tempDir('cairn-home-'), 'home');
    generateAgentHome(home, { seed: 3, sizeMiB: 2, smallFiles: 20 });
    store = new FaultyBlobStore(new MemoryBlobStore());
    stateDir = tempDir('cairn-state-');
    ({ repo, recoveryKey } = await initRepo(store, stateDir));
    snapshotId = (await backupOf(repo, [{ label: 'home', path: home }])).snapshotId as string;
  });

  afterAll(async () => {
    await repo.close();
    removeTempDirs();
  });

  it('says the passphrase is wrong, and accepts the recovery key', async () => {
    await expect(openRepo(store, tempDir(), { passphrase: 'not the passphrase' })).rejects.toMatchObject({ code: 'wrong_key', message: expect.stringMatching(/passphrase does not unlock/) });
    await expect(openRepo(store, tempDir(), { recoveryKey: 'AAAAA-BBBBB' })).rejects.toMatchObject({ code: 'wrong_key' });
    const other = await openRepo(store, tempDir(), { recoveryKey });
    expect(other.vault.fingerprint).toBe(repo.vault.fingerprint);
    await other.close();
  });

  it('reports a tampered pack as an integrity error naming the problem', async () => {
    store.corruptGets('data/');
    const target = tempDir('cairn-restore-');
    // One byte flipped in every read of a pack: the blob it falls in fails authentication, and
    // that blob's files are left out and listed; the read's other blobs are sound and written…
    const result = await restoreAll(repo, snapshotId, target);
    expect(result.damaged.length).toBeGreaterThan(0);
    expect(result.damaged.filter((p) => existsSync(p))).toEqual([]);
    expect(result.files).toBeGreaterThan(0);
    // …and the request ends with the integrity error that names them (restore-request.ts).
    expect(damagedFilesError(result.damaged, result.files)).toMatchObject({ code: 'integrity', message: expect.stringMatching(/could not be restored: their data in the vault is damaged, missing or unreadable/) });
    store.clear();
  });

  it('reports a truncated pack as an integrity error', async () => {
    store.truncateGets('data/', 10);
    await expect(restoreAll(repo, snapshotId, tempDir('cairn-restore-'))).rejects.toMatchObject({ code: 'integrity' });
    store.clear();
  });

  it('reports a tampered snapshot record and a tampered vault.json', async () => {
    const inner = store.inner as MemoryBlobStore;
    const snapKey = keys.snapshot(repo.device.id, snapshotId as never);
    const original = await inner.get(snapKey);
    const bad = Buffer.from(original);
    bad[40] = (bad[40] as number) ^ 0xff;
    await inner.put(snapKey, bad);
    // Read from storage, as a device without this one's local cache does.
    await expect(repo.vault.loadSnapshot(repo.device.id, snapshotId as never)).rejects.toMatchObject({ code: 'integrity' });
    await expect((await openRepo(store, tempDir())).findSnapshot(snapshotId)).rejects.toMatchObject({ code: 'integrity' });
    await inner.put(snapKey, original);

    const config = JSON.parse(Buffer.from(await inner.get('vault.json')).toString()) as { chunker: { avg: number } };
    const saved = await inner.get('vault.json');
    config.chunker.avg = 1024;
    await inner.put('vault.json', Buffer.from(JSON.stringify(config)));
    await expect(openRepo(store, stateDir)).rejects.toMatchObject({ code: 'integrity', message: expect.stringMatching(/vault.json/) });
    await inner.put('vault.json', saved);
  });

  it('finds tampering with check --read-data', async () => {
    const inner = store.inner as MemoryBlobStore;
    let packKey = '';
    for await (const o of inner.list('data/')) packKey = o.key;
    const bytes = Buffer.from(await inner.get(packKey));
    bytes[100] = (bytes[100] as number) ^ 1;
    await inner.put(packKey, bytes);
    const report = await checkVault(repo.vault, repo.codec, { readData: true });
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/does not hash to its id/);
  });

  it('says there is no vault at an empty location', async () => {
    await expect(openRepo(new MemoryBlobStore(), tempDir())).rejects.toMatchObject({ code: 'no_vault' });
  });
});

describe('a SQLite database nobody has open', () => {
  it('is copied without touching the agent folder, so the next backup finds nothing changed', async () => {
    const home = tempDir('cairn-home-');
    const dbPath = join(home, 'state.sqlite');
    const db = new Database(dbPath);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x)');
    db.prepare('INSERT INTO t VALUES (1)').run();
    db.close();
    const before = statSync(home, { bigint: true }).mtimeNs;
    const { repo } = await initRepo(new MemoryBlobStore());
    try {
      await backupOf(repo, [{ label: 'db', path: home, sqlite: ['**/*.sqlite'] }]);
      expect(existsSync(`${dbPath}-wal`)).toBe(false);
      expect(statSync(home, { bigint: true }).mtimeNs).toBe(before);
      expect((await backupOf(repo, [{ label: 'db', path: home, sqlite: ['**/*.sqlite'] }])).unchanged).toBe(true);
    } finally {
      await repo.close();
    }
  });
});

describe('a live SQLite database in WAL mode', () => {
  it('is copied consistently while another process writes to it', async () => {
    const home = tempDir('cairn-home-');
    const dbPath = join(home, 'state_5.sqlite');
    const db = new Database(dbPath);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    db.close();
    const writer = spawn(process.execPath, ['-e', `
      const D = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new D(${JSON.stringify(dbPath)}); db.pragma('journal_mode = WAL');
      const ins = db.prepare('INSERT INTO t (body) VALUES (?)');
      setInterval(() => { for (let i = 0; i < 50; i++) ins.run('x'.repeat(500)); }, 20);
      process.stdout.write('ready\\n');
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => writer.stdout.once('data', resolve));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { repo } = await initRepo(new MemoryBlobStore());
    try {
      const result = await backupOf(repo, [{ label: 'db', path: home, sqlite: ['**/*.sqlite'] }]);
      expect(result.stats.files).toBe(1); // the -wal and -shm files are never uploaded
      const target = tempDir('cairn-restore-');
      await restoreAll(repo, result.snapshotId as string, target);
      expect(existsSync(join(target, 'db', 'state_5.sqlite-wal'))).toBe(false);
      const copy = new Database(join(target, 'db', 'state_5.sqlite'), { readonly: true });
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect((copy.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBeGreaterThan(0);
      copy.close();
    } finally {
      writer.kill();
      await repo.close();
    }
  });
});

describe('where chunks are sealed', () => {
  it('seals a new file’s chunks in the worker that cuts them, a changed file’s on request; a copy is stored once', async () => {
    const home = tempDir('cairn-home-');
    const r = rng(5);
    let text = '';
    for (let i = 0; i < 3000; i++) text += transcriptLine(r, 'seal', Date.UTC(2026, 10, 1) + i) + '\n';
    writeFileSync(join(home, 'a.jsonl'), text);
    writeFileSync(join(home, 'copy-of-a.jsonl'), text);
    writeFileSync(join(home, 'b.txt'), 'a small file');
    const { repo } = await initRepo(new MemoryBlobStore());
    try {
      const calls = { chunkFile: 0, chunkAndSeal: 0, bytesSealedOnRequest: 0 };
      const codec = {
        ...repo.codec,
        chunkFile: (...args: Parameters<typeof repo.codec.chunkFile>) => (calls.chunkFile++, repo.codec.chunkFile(...args)),
        chunkAndSeal: (...args: Parameters<typeof repo.codec.chunkAndSeal>) => (calls.chunkAndSeal++, repo.codec.chunkAndSeal(...args)),
        compressAndSeal: (blobs: Parameters<typeof repo.codec.compressAndSeal>[0]) => ((calls.bytesSealedOnRequest += blobs.reduce((n, b) => n + b.data.length, 0)), repo.codec.compressAndSeal(blobs)),
      };
      const first = await backupOf(repo, [{ label: 'home', path: home }], { codec });
      expect(calls).toMatchObject({ chunkFile: 0, chunkAndSeal: 3 });
      // Only the snapshot's own small blobs (its trees: ~5 KB) were sealed on request, none of the files' chunks.
      expect(text.length).toBeGreaterThan(300_000);
      expect(calls.bytesSealedOnRequest).toBeLessThan(text.length / 20);
      // The copy's chunks were sealed too (in its worker), but stored once.
      expect(first.stats.newBytes).toBe(text.length + 'a small file'.length);

      appendFileSync(join(home, 'b.txt'), ', grown');
      const second = await backupOf(repo, [{ label: 'home', path: home }], { codec });
      expect(calls.chunkFile).toBe(1);
      expect(calls.chunkAndSeal).toBe(3);
      expect(second.stats.changedFiles).toBe(1);

      const target = tempDir('cairn-restore-');
      await restoreAll(repo, second.snapshotId as string, target);
      expect(diffTrees(home, join(target, 'home'))).toEqual([]);
    } finally {
      await repo.close();
    }
  });
});

describe("a backup's vault lock", () => {
  it('is asked for as soon as the run has something to upload, while the walk goes on, and none is taken when nothing changed', async () => {
    const store = new FaultyBlobStore(new MemoryBlobStore());
    const { repo } = await initRepo(store);
    const home = tempDir('cairn-lock-early-');
    // The first file is new; the walk then has 40 more to look at.
    for (let i = 0; i < 41; i++) writeFileSync(join(home, `f${String(i).padStart(2, '0')}.txt`), `file ${i}\n`);
    try {
      const seen: boolean[] = [];
      store.clear();
      const first = await backupOf(repo, [{ label: 'home', path: home }], { onFileWalked: () => seen.push(store.log.some((c) => c.startsWith('put locks/'))) });
      expect(first.snapshot).toBeDefined();
      expect(seen).toHaveLength(41);
      // Before: the lock was written once every file was walked, just before the first upload.
      expect(seen.at(-1)).toBe(true);
      expect(store.log.filter((c) => c.startsWith('put locks/'))).toHaveLength(1);
      expect(await listLocks(repo.vault)).toEqual([]);

      store.clear();
      const again = await backupOf(repo, [{ label: 'home', path: home }]);
      expect(again.unchanged).toBe(true);
      expect(store.log.filter((c) => c.startsWith('put locks/'))).toEqual([]);

      // Cancelled mid-walk while its lock is being written: the lock is released all the same, once held.
      for (let i = 0; i < 41; i++) writeFileSync(join(home, `f${String(i).padStart(2, '0')}.txt`), `changed ${i}\n`);
      store.clear().delay('put', 200);
      const stop = new AbortController();
      const cancelled = backupOf(repo, [{ label: 'home', path: home }], { signal: stop.signal, onFileWalked: () => store.log.some((c) => c.startsWith('put locks/')) && stop.abort() });
      await expect(cancelled).rejects.toThrow(/cancelled/);
      // Long enough for a lock left to itself to have landed (its write waits 200 ms).
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(store.log.filter((c) => c.startsWith('put locks/'))).toHaveLength(1);
      expect(await listLocks(repo.vault)).toEqual([]);
    } finally {
      await repo.close();
    }
  });

  it('stops asking for it when the run fails while a prune holds the vault: the error comes at once, not after the wait', async () => {
    const store = new FaultyBlobStore(new MemoryBlobStore());
    const { repo } = await initRepo(store);
    const home = tempDir('cairn-lock-fail-');
    for (let i = 0; i < 41; i++) writeFileSync(join(home, `f${String(i).padStart(2, '0')}.txt`), `file ${i}\n`);
    const prune = await acquireLock(repo.vault, { exclusive: true, operation: 'prune', device: 'another-device' });
    try {
      // The walk fails once this run has asked for its lock (which waits for the prune, up to a minute).
      const failing = backupOf(repo, [{ label: 'home', path: home }], {
        lockWaitMs: 60_000,
        onFileWalked: () => {
          if (store.log.some((c) => c.startsWith('put locks/'))) throw new Error('the disk went away');
        },
      });
      await expect(failing).rejects.toThrow('the disk went away');
      expect((await listLocks(repo.vault)).map((l) => l.operation)).toEqual(['prune']);
    } finally {
      await prune.release();
      await repo.close();
    }
  }, 20_000);
});

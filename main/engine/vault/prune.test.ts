import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../../../testing/agent-home.ts';
import { backupOf, diffTrees, initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { forget } from '../operations.ts';
import type { Repository } from '../repository.ts';
import { restore } from '../restore/index.ts';
import { LocalBlobStore } from '../storage/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { acquireLock, checkVault, packIdOf, prune } from './index.ts';

afterAll(() => removeTempDirs());

async function storedBytes(store: BlobStore): Promise<number> {
  let n = 0;
  for await (const o of store.list('')) n += o.size;
  return n;
}

/** A home with three snapshots; the first two hold data the third no longer has. */
async function threeSnapshots() {
  const home = tempDir('cairn-prune-home-');
  const r = rng(11);
  mkdirSync(join(home, 'a'), { recursive: true });
  for (let i = 0; i < 4; i++) writeFileSync(join(home, 'a', `keep-${i}.bin`), r.bytes(2 * 1024 * 1024));
  writeFileSync(join(home, 'a', 'old.bin'), r.bytes(12 * 1024 * 1024));
  const store = new LocalBlobStore(join(tempDir('cairn-prune-vault-'), 'v'));
  const { repo } = await initRepo(store);
  await backupOf(repo, [{ label: 'home', path: home }]);
  rmSync(join(home, 'a', 'old.bin'));
  writeFileSync(join(home, 'a', 'newer.bin'), r.bytes(6 * 1024 * 1024));
  await backupOf(repo, [{ label: 'home', path: home }]);
  rmSync(join(home, 'a', 'newer.bin'));
  writeFileSync(join(home, 'a', 'newest.txt'), 'hello\n');
  const last = await backupOf(repo, [{ label: 'home', path: home }]);
  return { home, store, repo, last: last.snapshotId as string };
}

async function restoresExactly(repo: Repository, snapshotId: string, home: string) {
  const target = tempDir('cairn-prune-restore-');
  await repo.refreshIndex();
  await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: await repo.findSnapshot(snapshotId), target });
  expect(diffTrees(home, join(target, 'home'))).toEqual([]);
}

const keepLast1 = { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 };

describe('prune', () => {
  it('previews forget-then-prune without changing anything: a dry run with the forgotten snapshots assumed gone says what the real run does', async () => {
    const { store, repo } = await threeSnapshots();
    try {
      const dry = await forget(repo, keepLast1, true);
      const assumeForgotten = dry.forget.map((s) => `${s.device}/${s.id}`);
      const before = await storedBytes(store);
      const preview = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 0, dryRun: true, assumeForgotten });
      // Without the assumption a dry run sees every byte still used.
      const plain = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 0, dryRun: true });
      expect(plain.bytesFreed).toBe(0);
      expect(preview.snapshots).toBe(1);
      expect(preview.bytesFreed + preview.packsRepacked).toBeGreaterThan(0);
      expect(await storedBytes(store)).toBe(before);
      expect(await repo.vault.listSnapshots()).toHaveLength(3);
      await expect(prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, assumeForgotten })).rejects.toThrow(/dry runs only/);

      await forget(repo, keepLast1, false);
      const real = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 0 });
      expect({ deleted: real.packsDeleted, repacked: real.packsRepacked, freed: real.bytesFreed, snapshots: real.snapshots }).toEqual({ deleted: preview.packsDeleted, repacked: preview.packsRepacked, freed: preview.bytesFreed, snapshots: preview.snapshots });
    } finally {
      await repo.close();
    }
  });

  it('after forget, frees the space and every remaining snapshot restores byte for byte', async () => {
    const { home, store, repo, last } = await threeSnapshots();
    try {
      const dry = await forget(repo, keepLast1, true);
      expect(dry.forget).toHaveLength(2);
      expect(await repo.vault.listSnapshots()).toHaveLength(3);
      await forget(repo, keepLast1, false);
      const before = await storedBytes(store);
      const result = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 0 });
      const after = await storedBytes(store);
      expect(result.snapshots).toBe(1);
      // old.bin + newer.bin are 18 MiB, incompressible; packs they share with kept data stay.
      expect(before - after).toBeGreaterThan(16 * 1024 * 1024);
      expect(after).toBeLessThan(10 * 1024 * 1024);
      await restoresExactly(repo, last, home);
      expect((await checkVault(repo.vault, repo.codec, { readData: true })).problems).toEqual([]);
      // Nothing left to do.
      const again = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 0 });
      expect(again.packsDeleted).toBe(0);
      // Blobs went away, so the file cache no longer vouches for anything: the next backup reads
      // every file again, finds everything stored, and needs no new snapshot. It counts them
      // against the parent snapshot: unchanged (it said each of the 5 was new).
      expect(repo.db.getFiles('home').size).toBe(0);
      const next = await backupOf(repo, [{ label: 'home', path: home }]);
      expect(next.stats).toMatchObject({ newFiles: 0, changedFiles: 0, unchangedFiles: 5, newBytes: 0 });
      expect(next.unchanged).toBe(true);
    } finally {
      await repo.close();
    }
  });

  it('the backup after a prune counts one changed and one added file as such, not every file as new', async () => {
    const { home, repo } = await threeSnapshots();
    try {
      await forget(repo, keepLast1, false);
      await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 0 });
      expect(repo.db.getFiles('home').size).toBe(0);
      writeFileSync(join(home, 'a', 'keep-0.bin'), 'changed\n', { flag: 'a' });
      writeFileSync(join(home, 'a', 'added.txt'), 'new\n');
      const next = await backupOf(repo, [{ label: 'home', path: home }]);
      expect(next.stats).toMatchObject({ files: 6, newFiles: 1, changedFiles: 1, unchangedFiles: 4 });
    } finally {
      await repo.close();
    }
  });

  it('refuses while another device holds a lock, and ignores a stale one', async () => {
    const { store, repo } = await threeSnapshots();
    const other = await openRepo(store, tempDir(), undefined, 'other');
    try {
      const lock = await acquireLock(other.vault, { exclusive: false, operation: 'backup', device: other.device.id });
      await expect(prune(repo.vault, repo.db, repo.codec, { device: repo.device.id })).rejects.toMatchObject({ code: 'locked', message: expect.stringMatching(/backup lock is held by device/) });
      await lock.release();
      // A lock from a process that died an hour ago doesn't block.
      // (Its file's time, the store's clock, says so; the record's own times are never trusted.)
      const dead = await acquireLock(other.vault, { exclusive: false, operation: 'backup', device: other.device.id, refresh: false });
      const hourAgo = new Date(Date.now() - 3_600_000);
      utimesSync(join(store.root, 'locks', dead.record.id), hourAgo, hourAgo);
      await expect(prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, staleMs: 60_000, marginMs: 0 })).resolves.toBeTruthy();
      // And a backup waits for nobody but refuses while a prune holds the exclusive lock.
      const exclusive = await acquireLock(repo.vault, { exclusive: true, operation: 'prune', device: repo.device.id });
      await expect(acquireLock(other.vault, { exclusive: false, operation: 'backup', device: other.device.id })).rejects.toMatchObject({ code: 'locked' });
      await exclusive.release();
    } finally {
      await other.close();
      await repo.close();
    }
  });

  it.each(['repacked', 'indexed', 'old-index-deleted'] as const)('killed after step %s leaves a vault that check passes and that restores', async (step) => {
    const { home, repo, last } = await threeSnapshots();
    try {
      await forget(repo, keepLast1, false);
      await expect(
        prune(repo.vault, repo.db, repo.codec, {
          device: repo.device.id,
          repackThreshold: 0.01,
          marginMs: 0,
          afterStep: (s) => {
            if (s === step) throw new Error(`killed after ${s}`);
          },
        }),
      ).rejects.toThrow(`killed after ${step}`);
      const report = await checkVault(repo.vault, repo.codec, { readData: true });
      expect(report.problems).toEqual([]);
      await restoresExactly(repo, last, home);
      // The next prune finishes the job.
      await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 0 });
      expect((await checkVault(repo.vault, repo.codec, { readData: true })).problems).toEqual([]);
      await restoresExactly(repo, last, home);
    } finally {
      await repo.close();
    }
  });
});

describe('prune with a safety margin', () => {
  it("leaves a backup's packs alone while no listed index names them yet, and deletes in two phases", async () => {
    const { home, store, repo, last } = await threeSnapshots();
    try {
      // A pack uploaded just now by a backup whose index and snapshot the listing doesn't show yet.
      const bytes = new Uint8Array(1000).fill(7);
      const fresh = packIdOf(bytes);
      await store.put(`data/${fresh.slice(0, 2)}/${fresh}`, bytes);
      await forget(repo, keepLast1, false);
      const before = await storedBytes(store);
      const first = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 3_600_000 });
      expect(first.packsDeleted).toBe(0);
      expect(first.packsMarked).toBeGreaterThan(0);
      expect(first.deleteAfter).toBeDefined();
      expect(await store.stat(`data/${fresh.slice(0, 2)}/${fresh}`)).toBeDefined();
      expect(await storedBytes(store)).toBeGreaterThan(before - 1024 * 1024); // nothing freed yet
      expect((await checkVault(repo.vault, repo.codec, { readData: true })).problems.filter((p) => !p.includes(fresh))).toEqual([]);
      await restoresExactly(repo, last, home);
      // A second prune inside the margin deletes nothing either.
      expect((await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 3_600_000 })).packsDeleted).toBe(0);
      // Once the marks are older than the margin (here: a margin shorter than their age), they go.
      const later = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 1 });
      expect(later.packsDeleted).toBeGreaterThanOrEqual(first.packsMarked);
      expect(later.bytesFreed).toBeGreaterThan(16 * 1024 * 1024);
      // The stray pack, now older than that margin, is only marked: deleted by the next prune.
      expect(later.packsMarked).toBe(1);
      expect((await checkVault(repo.vault, repo.codec, { readData: true })).problems.filter((p) => !p.includes(fresh))).toEqual([]);
      await restoresExactly(repo, last, home);
    } finally {
      await repo.close();
    }
  });

  it('revives a marked pack that a snapshot written after the mark uses', async () => {
    const { home, store, repo } = await threeSnapshots();
    try {
      // Forget everything but the last, mark, then bring the first snapshot's data back by
      // backing up the old contents again while the old index is cached (a backup that raced the mark).
      const snaps = await repo.vault.listSnapshots();
      await forget(repo, keepLast1, false);
      const cachedIndex = [...repo.db.knownIndexIds()];
      const marked = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 3_600_000 });
      expect(marked.packsMarked).toBeGreaterThan(0);
      // Re-save the forgotten first snapshot record: it uses blobs that now sit only in marked packs.
      const first = snaps[0];
      if (!first) throw new Error('no snapshot');
      await repo.vault.saveSnapshot(first);
      const revived = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 1 });
      expect(revived.packsRevived).toBeGreaterThan(0);
      expect(cachedIndex.length).toBeGreaterThan(0);
      expect((await checkVault(repo.vault, repo.codec, { readData: true })).problems).toEqual([]);
      void home;
      void store;
    } finally {
      await repo.close();
    }
  });
});

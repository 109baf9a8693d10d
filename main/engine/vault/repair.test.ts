// A pack missing from storage (deleted by hand or by a lifecycle rule): every later backup relied
// on the index and never stored that data again, so even the newest snapshot of files still on the
// machine couldn't be restored whole. repairIndex takes the missing packs out of the index; the
// next backup stores again what is still here, and its snapshot restores whole.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BlobId } from '../../../shared/ids.ts';
import { rng } from '../../../testing/agent-home.ts';
import { backupOf, initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { ForwardingBlobStore, MemoryBlobStore } from '../storage/index.ts';
import type { CallOptions, ObjectInfo } from '../storage/index.ts';
import { restore } from '../restore/index.ts';
import type { Repository } from '../repository.ts';
import { checkVault, keys, listIndexIds, prune, repairIndex } from './index.ts';

afterAll(() => removeTempDirs());

const NAMES = ['a.bin', 'b.bin', 'c.bin', 'd.bin'];

/** A store whose listings leave out the keys in `hidden` (a listing that lags the writes). */
class HidingBlobStore extends ForwardingBlobStore {
  readonly hidden = new Set<string>();
  override async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    for await (const info of this.inner.list(prefix, options)) if (!this.hidden.has(info.key)) yield info;
  }
}

function homeWithFiles(): string {
  const home = tempDir('cairn-repair-home-');
  const r = rng(11);
  for (const name of NAMES) writeFileSync(join(home, name), r.bytes(700 * 1024));
  return home;
}

async function restoreLatest(repo: Repository): Promise<{ files: number; damaged: string[]; target: string }> {
  const snapshot = (await repo.listSnapshots()).sort((x, y) => x.time.localeCompare(y.time)).pop();
  if (!snapshot) throw new Error('no snapshot');
  const target = tempDir('cairn-repair-out-');
  const result = await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot, target });
  return { files: result.files, damaged: result.damaged, target };
}

/** a.bin backed up, then b.bin beside it: the first backup's one pack (its folder listings in it too) and index file. */
async function twoBackups(repo: Repository, store: MemoryBlobStore, seed: number): Promise<{ home: string; firstPack: string; firstIndex: string }> {
  const home = tempDir('cairn-repair-two-');
  const r = rng(seed);
  writeFileSync(join(home, 'a.bin'), r.bytes(300 * 1024));
  await backupOf(repo, [{ label: 'home', path: home }]);
  const first: string[] = [];
  for await (const info of store.list('')) if (info.key.startsWith(keys.packsPrefix) || info.key.startsWith(keys.indexPrefix)) first.push(info.key);
  const firstPack = first.filter((k) => k.startsWith(keys.packsPrefix));
  const firstIndex = first.filter((k) => k.startsWith(keys.indexPrefix));
  expect([firstPack.length, firstIndex.length]).toEqual([1, 1]);
  writeFileSync(join(home, 'b.bin'), r.bytes(300 * 1024));
  await backupOf(repo, [{ label: 'home', path: home }]);
  return { home, firstPack: firstPack[0] as string, firstIndex: firstIndex[0] as string };
}

describe('repairIndex', () => {
  it('takes a missing pack out of the index, so that the next backup stores its data again and restores whole', async () => {
    const store = new MemoryBlobStore();
    const { repo } = await initRepo(store);
    try {
      const home = homeWithFiles();
      await backupOf(repo, [{ label: 'home', path: home }], { packSize: 1 << 20 });
      const gone = repo.db.getBlob(repo.db.getFile('home', 'a.bin')?.content[0] as BlobId)?.pack;
      if (!gone) throw new Error('a.bin not in the index');
      await store.delete(keys.pack(gone));

      // Before: the next backup relies on the index and stores nothing again.
      await backupOf(repo, [{ label: 'home', path: home }], { packSize: 1 << 20 });
      expect((await restoreLatest(repo)).damaged.length).toBeGreaterThan(0);
      const before = await checkVault(repo.vault, repo.codec);
      expect(before.missingPacks).toEqual([gone]);

      // A dry run changes nothing.
      const indexIds = await listIndexIds(repo.vault);
      const dry = await repairIndex(repo.vault, repo.db, repo.codec, { device: repo.device.id, dryRun: true });
      expect(dry).toMatchObject({ missingPacks: [gone], indexFilesReplaced: 0 });
      expect(dry.blobsDropped).toBeGreaterThan(0);
      expect(await listIndexIds(repo.vault)).toEqual(indexIds);

      const repaired = await repairIndex(repo.vault, repo.db, repo.codec, { device: repo.device.id });
      expect(repaired).toMatchObject({ missingPacks: [gone], blobsDropped: dry.blobsDropped, indexFilesReplaced: indexIds.size });
      expect((await listIndexIds(repo.vault)).size).toBe(1);
      expect((await checkVault(repo.vault, repo.codec)).missingPacks).toBeUndefined();
      // No lock left behind.
      const locks: string[] = [];
      for await (const info of store.list(keys.locksPrefix)) locks.push(info.key);
      expect(locks).toEqual([]);

      // The next backup reads every file again and stores the missing data: restored whole.
      await backupOf(repo, [{ label: 'home', path: home }], { packSize: 1 << 20 });
      const after = await restoreLatest(repo);
      expect(after.damaged).toEqual([]);
      expect(after.files).toBe(NAMES.length);
      for (const name of NAMES) expect(readFileSync(join(after.target, 'home', name)).equals(readFileSync(join(home, name)))).toBe(true);

      // Another device that had read the old index: it forgets it and reads the new one.
      const other = await openRepo(store, tempDir());
      try {
        await other.refreshIndex();
        expect(other.db.knownIndexIds().size).toBeGreaterThanOrEqual(1);
        expect(readdirSync((await restoreLatest(other)).target + '/home').sort()).toEqual(NAMES);
      } finally {
        await other.close();
      }
      // Nothing missing: nothing to do.
      expect(await repairIndex(repo.vault, repo.db, repo.codec, { device: repo.device.id })).toEqual({ missingPacks: [], blobsDropped: 0, damagedBlobsDropped: 0, indexFilesReplaced: 0, lostTrees: 0, damagedIndexFiles: 0, packsReindexed: 0 });
    } finally {
      await repo.close();
    }
  });

  it('takes a damaged blob (a flipped bit in its pack) out of the index: the next backup stores it again and every snapshot restores whole', async () => {
    const store = new MemoryBlobStore();
    const { repo } = await initRepo(store);
    try {
      const home = homeWithFiles();
      await backupOf(repo, [{ label: 'home', path: home }], { packSize: 1 << 20 });
      const [first] = await repo.listSnapshots();
      const id = repo.db.getFile('home', 'b.bin')?.content[1] as BlobId;
      const loc = repo.db.getBlob(id);
      if (!loc || !first) throw new Error('b.bin not in the index');
      const bytes = new Uint8Array(await store.get(keys.pack(loc.pack)));
      bytes[loc.offset + 100] = (bytes[loc.offset + 100] as number) ^ 0x40;
      await store.put(keys.pack(loc.pack), bytes);

      // Before: backups rely on the index and never store that data again; the restore leaves b.bin out.
      await backupOf(repo, [{ label: 'home', path: home }], { packSize: 1 << 20 });
      expect((await restoreLatest(repo)).damaged).toEqual([expect.stringMatching(/b\.bin$/)]);
      const before = await checkVault(repo.vault, repo.codec, { readData: true });
      expect(before.damagedBlobs).toEqual([{ pack: loc.pack, id }]);
      expect(before.problems).toEqual([expect.stringMatching(/does not hash to its id, and 1 of its \d+ blobs fails authentication/)]);

      // A blob reported damaged that reads sound anew (a download garbled on its way) stays in the index.
      const sound = repo.db.getBlob(repo.db.getFile('home', 'a.bin')?.content[0] as BlobId);
      const notAgain = await repairIndex(repo.vault, repo.db, repo.codec, { device: repo.device.id, damagedBlobs: sound ? [{ pack: sound.pack, id: sound.id }] : [] });
      expect(notAgain.damagedBlobsDropped).toBe(0);
      expect(repo.db.getBlob(sound?.id as BlobId)).toBeDefined();

      const repaired = await repairIndex(repo.vault, repo.db, repo.codec, { device: repo.device.id, damagedBlobs: before.damagedBlobs ?? [] });
      expect(repaired).toMatchObject({ missingPacks: [], damagedBlobsDropped: 1 });
      expect(repo.db.getBlob(id)).toBeUndefined();

      // The next backup reads b.bin again and stores that blob again (the same id): the new
      // snapshot and the one made before the damage restore whole.
      await backupOf(repo, [{ label: 'home', path: home }], { packSize: 1 << 20 });
      expect(repo.db.getBlob(id)?.pack).not.toBe(loc.pack);
      const after = await restoreLatest(repo);
      expect(after.damaged).toEqual([]);
      for (const name of NAMES) expect(readFileSync(join(after.target, 'home', name)).equals(readFileSync(join(home, name)))).toBe(true);
      const old = tempDir('cairn-repair-old-');
      expect((await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: first, target: old })).damaged).toEqual([]);
      expect(readFileSync(join(old, 'home', 'b.bin')).equals(readFileSync(join(home, 'b.bin')))).toBe(true);

      // The damaged copy is dead data now: a note, not a problem.
      const healed = await checkVault(repo.vault, repo.codec, { readData: true });
      expect(healed.ok).toBe(true);
      expect(healed.warnings).toEqual([expect.stringMatching(/holds a damaged blob no index lists/)]);
    } finally {
      await repo.close();
    }
  });

  it('does not call a pack missing because a lagging listing doesn’t show it yet', async () => {
    // A listing behind the writes (as Swift's, or Wasabi's): one pack isn't listed, but is there.
    const store = new HidingBlobStore(new MemoryBlobStore());
    const { repo } = await initRepo(store);
    try {
      await backupOf(repo, [{ label: 'home', path: homeWithFiles() }], { packSize: 1 << 20 });
      const pack = repo.db.getBlob(repo.db.getFile('home', 'b.bin')?.content[0] as BlobId)?.pack;
      if (!pack) throw new Error('b.bin not in the index');
      store.hidden.add(keys.pack(pack));
      // Asked for by name, it is there: nothing is taken out.
      expect(await repairIndex(repo.vault, repo.db, repo.codec, { device: repo.device.id })).toEqual({ missingPacks: [], blobsDropped: 0, damagedBlobsDropped: 0, indexFilesReplaced: 0, lostTrees: 0, damagedIndexFiles: 0, packsReindexed: 0 });
      expect((await restoreLatest(repo)).damaged).toEqual([]);
    } finally {
      await repo.close();
    }
  });

  it('lets prune work again on a vault whose lost pack held folder listings, keeping what the newer snapshots use', async () => {
    // The first backup's only pack holds its folder listings too: once it is gone, prune refused
    // the vault ("a folder listing … is missing"), and went on refusing after the repair.
    const store = new MemoryBlobStore();
    const { repo } = await initRepo(store);
    try {
      const { home, firstPack } = await twoBackups(repo, store, 12);
      await store.delete(firstPack);

      await expect(prune(repo.vault, repo.db, repo.codec, { device: repo.device.id })).rejects.toMatchObject({ code: 'integrity', message: expect.stringMatching(/which is missing from storage or can't be read: nothing was pruned.*'cairn check --repair'/) });
      await repairIndex(repo.vault, repo.db, repo.codec, { device: repo.device.id });
      await backupOf(repo, [{ label: 'home', path: home }]);
      const pruned = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 0 });
      expect(pruned.lostTrees).toBeGreaterThan(0);
      // Twice: marked packs go at the second.
      await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 0 });
      const after = await restoreLatest(repo);
      expect(after.damaged).toEqual([]);
      for (const name of ['a.bin', 'b.bin']) expect(readFileSync(join(after.target, 'home', name)).equals(readFileSync(join(home, name)))).toBe(true);
    } finally {
      await repo.close();
    }
  });

  it('records the folder listings of a pack deleted with its index file, so prune works again', async () => {
    // Nothing lists the pack any more, so nothing calls it missing; prune still met the
    // snapshots' folder listings that no index places, and refused.
    const store = new MemoryBlobStore();
    const { repo } = await initRepo(store);
    try {
      const { home, firstPack, firstIndex } = await twoBackups(repo, store, 13);
      for (const key of [firstPack, firstIndex]) await store.delete(key);

      const report = await checkVault(repo.vault, repo.codec);
      expect(report.missingPacks).toBeUndefined();
      expect(report.missingTrees).toBeGreaterThan(0);
      await expect(prune(repo.vault, repo.db, repo.codec, { device: repo.device.id })).rejects.toMatchObject({ code: 'integrity', message: expect.stringMatching(/is missing from the vault's index: nothing was pruned/) });
      const repaired = await repairIndex(repo.vault, repo.db, repo.codec, { device: repo.device.id });
      expect(repaired).toMatchObject({ missingPacks: [], blobsDropped: 0, indexFilesReplaced: 0 });
      expect(repaired.lostTrees).toBeGreaterThan(0);
      // Still damage to the old snapshots, but nothing more to repair.
      const afterRepair = await checkVault(repo.vault, repo.codec);
      expect(afterRepair.missingTrees).toBeUndefined();
      expect(afterRepair.problems.join('\n')).toMatch(/was lost \(its pack missing, or its bytes damaged\); a repair recorded it/);
      await repo.refreshIndex();
      await backupOf(repo, [{ label: 'home', path: home }]);
      expect((await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 0 })).lostTrees).toBeGreaterThan(0);
      const after = await restoreLatest(repo);
      expect(after.damaged).toEqual([]);
      expect(after.files).toBe(2);
      // Recorded once: a second repair finds nothing new.
      expect(await repairIndex(repo.vault, repo.db, repo.codec, { device: repo.device.id })).toEqual({ missingPacks: [], blobsDropped: 0, damagedBlobsDropped: 0, indexFilesReplaced: 0, lostTrees: 0, damagedIndexFiles: 0, packsReindexed: 0 });
    } finally {
      await repo.close();
    }
  });

  it('rebuilds a damaged index file from the packs’ own headers: backups and restores go on meanwhile', async () => {
    // One flipped byte in the only index file stopped every backup and every restore on a device
    // that hadn't read it yet ("failed authentication"), though every pack was intact.
    const store = new MemoryBlobStore();
    const { repo } = await initRepo(store);
    try {
      const home = homeWithFiles();
      await backupOf(repo, [{ label: 'home', path: home }], { packSize: 1 << 20 });
      const snapshot = (await repo.listSnapshots())[0];
      if (!snapshot) throw new Error('no snapshot');
      const [indexKey] = [...(await listIndexIds(repo.vault))].map((id) => keys.index(id));
      const bytes = new Uint8Array(await store.get(indexKey as string));
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 1;
      await store.put(indexKey as string, bytes);

      // Another device: the damaged index file is told and left out; its backup stores its data again.
      const other = await openRepo(store, tempDir());
      try {
        const damaged: string[] = [];
        await other.refreshIndex((key) => damaged.push(key));
        expect(damaged).toEqual([indexKey]);
        const otherHome = homeWithFiles();
        const backedUp = await backupOf(other, [{ label: 'home', path: otherHome }], { packSize: 1 << 20, onDamaged: (key) => damaged.push(key) });
        expect(backedUp.snapshot).toBeDefined();

        const repaired = await repairIndex(other.vault, other.db, other.codec, { device: other.device.id });
        expect(repaired).toMatchObject({ missingPacks: [], damagedIndexFiles: 1, lostTrees: 0 });
        expect(repaired.packsReindexed).toBeGreaterThan(0);
        expect((await checkVault(other.vault, other.codec, { readData: true })).problems).toEqual([]);
        // The first device's snapshot restores whole again, on a device that never read the old index.
        const third = await openRepo(store, tempDir());
        try {
          await third.refreshIndex();
          const target = tempDir('cairn-repair-rebuilt-');
          const result = await restore({ vault: third.vault, db: third.db, codec: third.codec, snapshot, target });
          expect(result.damaged).toEqual([]);
          for (const name of NAMES) expect(readFileSync(join(target, 'home', name)).equals(readFileSync(join(home, name)))).toBe(true);
        } finally {
          await third.close();
        }
      } finally {
        await other.close();
      }
    } finally {
      await repo.close();
    }
  });

  it('goes on past a damaged folder listing (check names it) instead of failing the repair', async () => {
    const store = new MemoryBlobStore();
    const { repo } = await initRepo(store);
    try {
      const { firstPack } = await twoBackups(repo, store, 14);
      const snapshot = (await repo.listSnapshots()).sort((x, y) => x.time.localeCompare(y.time)).at(-1);
      const at = snapshot ? repo.db.getBlob(snapshot.tree) : undefined;
      if (!at) throw new Error('no root tree in the index');
      const pack = new Uint8Array(await store.get(keys.pack(at.pack)));
      pack[at.offset + 20] = (pack[at.offset + 20] ?? 0) ^ 0xff;
      await store.put(keys.pack(at.pack), pack);
      await store.delete(firstPack);
      const repaired = await repairIndex(repo.vault, repo.db, repo.codec, { device: repo.device.id });
      expect(repaired.missingPacks).toEqual([firstPack.split('/').pop()]);
    } finally {
      await repo.close();
    }
  });
});

// A backup asks the state database whether each folder's tree is stored already. Asked one by
// one, each lookup was its own read transaction (~7.5 µs, and ~22 µs in a busy sync); the tree
// saver gathers the questions of one turn and asks them in one transaction.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { backupOf, diffTrees, initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { StateDb } from '../state/index.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import { restore } from '../restore/index.ts';

afterAll(() => removeTempDirs());

describe("a backup's tree lookups", () => {
  it('are made in read transactions, many at a time; only new trees are cached; every folder is stored and restores', async () => {
    const home = tempDir('cairn-trees-home-');
    for (let d = 0; d < 150; d++) {
      mkdirSync(join(home, `session-${d}`, 'parts'), { recursive: true });
      writeFileSync(join(home, `session-${d}`, 'parts', 'p.json'), `{"d":${d}}`);
    }
    const store = new MemoryBlobStore();
    const { repo } = await initRepo(store);
    const sources = [{ label: 'home', path: home }];
    let snapshotId: string;
    try {
      await backupOf(repo, sources);
      const inTransaction: boolean[] = [];
      const real = StateDb.prototype.hasBlob;
      const spy = vi.spyOn(StateDb.prototype, 'hasBlob').mockImplementation(function (this: StateDb, id) {
        inTransaction.push(this.inTransaction);
        return real.call(this, id);
      });
      const cached = vi.spyOn(StateDb.prototype, 'putTrees');
      try {
        // A new folder among the old ones: its tree (and its parents') must still be stored.
        mkdirSync(join(home, 'session-new', 'parts'), { recursive: true });
        writeFileSync(join(home, 'session-new', 'parts', 'p.json'), '{"new":true}');
        snapshotId = (await backupOf(repo, sources)).snapshotId as string;
        // Only the trees this backup stored go to the tree cache: the new folder's two and the
        // roots above them, not the 150 folders the last backup cached already.
        const trees = cached.mock.calls.flatMap(([batch]) => batch.map(([id]) => id));
        expect(trees.length).toBeGreaterThanOrEqual(3);
        expect(trees.length).toBeLessThanOrEqual(4);
      } finally {
        spy.mockRestore();
        cached.mockRestore();
      }
      // 151 × 2 folders and the root's trees, each looked up once.
      expect(inTransaction.length).toBeGreaterThanOrEqual(300);
      // Alone: only the new file's one chunk, looked up by the file saver.
      expect(inTransaction.filter((t) => !t)).toHaveLength(1);
    } finally {
      await repo.close();
    }
    // Every tree is in the vault: another device (no tree cache) restores the whole folder.
    const other = await openRepo(store);
    try {
      await other.refreshIndex();
      const target = tempDir('cairn-trees-restored-');
      await restore({ vault: other.vault, db: other.db, codec: other.codec, snapshot: await other.findSnapshot(snapshotId), target });
      expect(diffTrees(home, join(target, 'home'))).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

// A prune that finishes between a backup's index sync and its lock (the backup was scanning)
// makes that run untrustworthy: blobs it counted as stored may be gone. runBackup scans again
// at once (the index cache is current by then) instead of sending the backup to the outbox.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffTrees, initRepo, openRepo, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { forget, runBackup } from './operations.ts';
import { restore } from './restore/index.ts';
import { MemoryBlobStore } from './storage/index.ts';
import { checkVault, prune } from './vault/index.ts';

afterAll(removeTempDirs);

/** Runs `beforeLock` once, just before the next lock record is written (not a probe). */
class BeforeLockStore extends MemoryBlobStore {
  beforeLock: (() => Promise<void>) | undefined;

  override async put(key: string, data: Uint8Array): Promise<void> {
    const hook = this.beforeLock;
    if (hook && key.startsWith('locks/') && !key.startsWith('locks/probe-')) {
      this.beforeLock = undefined;
      await hook();
    }
    return super.put(key, data);
  }
}

describe('a backup during which another device pruned', () => {
  it('scans again and stores its snapshot in the vault, restorable', async () => {
    const store = new BeforeLockStore('before-lock');
    const { repo: a } = await initRepo(store, tempDir(), 'A');
    const b = await openRepo(store, tempDir(), undefined, 'B');
    const home = tempDir('cairn-home-');
    mkdirSync(join(home, 'p'), { recursive: true });
    const backUp = () => runBackup(a, { sources: [{ label: 'home', path: home }], reason: 'manual', lockWaitMs: 0 });
    try {
      writeFileSync(join(home, 'p', 'old.bin'), 'old '.repeat(50_000));
      await backUp();
      writeFileSync(join(home, 'p', 'old.bin'), 'newer '.repeat(50_000));
      await backUp();
      writeFileSync(join(home, 'p', 'session.jsonl'), '{"turn":3}\n');
      let pruned = false;
      store.beforeLock = async () => {
        await forget(b, { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 }, false);
        const r = await prune(b.vault, b.db, b.codec, { device: b.device.id, marginMs: 0 });
        pruned = r.indexFilesReplaced > 0;
      };
      const result = await backUp();
      expect(pruned).toBe(true);
      expect(result.snapshotId).toBeDefined();
      const snapshot = await a.vault.loadSnapshot(a.device.id, result.snapshotId as never);
      const target = tempDir('cairn-restore-');
      await restore({ vault: a.vault, db: a.db, codec: a.codec, snapshot, target });
      expect(diffTrees(home, join(target, 'home'))).toEqual([]);
      expect((await checkVault(a.vault, a.codec, { readData: true })).problems).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

// A backup that meets another device's prune waits for it (bounded) instead of failing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { acquireLock } from '../vault/index.ts';

afterAll(removeTempDirs);

async function twoDevices() {
  const store = new LocalBlobStore(tempDir('cairn-vault-'), { fsync: false });
  const { repo: pruner } = await initRepo(store, tempDir(), 'pruner');
  const backer = await openRepo(store, tempDir(), undefined, 'backer');
  const home = tempDir('cairn-home-');
  mkdirSync(join(home, 'p'), { recursive: true });
  writeFileSync(join(home, 'p', 'session.jsonl'), '{"type":"user"}\n');
  return { pruner, backer, home };
}

describe('a backup that meets a prune', () => {
  it('waits for the prune to finish, then completes', async () => {
    const { pruner, backer, home } = await twoDevices();
    try {
      const lock = await acquireLock(pruner.vault, { exclusive: true, operation: 'prune', device: pruner.device.id });
      let released = false;
      setTimeout(() => {
        released = true;
        void lock.release();
      }, 1500);
      const result = await backupOf(backer, [{ label: 'home', path: home }]);
      expect(released).toBe(true);
      expect(result.snapshot).toBeDefined();
    } finally {
      await backer.close();
      await pruner.close();
    }
  });

  it('gives up with `locked` once its wait is spent', async () => {
    const { pruner, backer, home } = await twoDevices();
    try {
      const lock = await acquireLock(pruner.vault, { exclusive: true, operation: 'prune', device: pruner.device.id });
      await expect(backupOf(backer, [{ label: 'home', path: home }], { lockWaitMs: 300 })).rejects.toMatchObject({ code: 'locked' });
      await lock.release();
    } finally {
      await backer.close();
      await pruner.close();
    }
  });
});

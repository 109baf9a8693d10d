import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../../../testing/agent-home.ts';
import { backupOf, diffTrees, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { restore } from '../restore/index.ts';
import { FaultyBlobStore, MemoryBlobStore, RetryingBlobStore } from '../storage/index.ts';

afterAll(() => removeTempDirs());

// Issue 16: a full restore through a quarter of failed reads completes, byte for byte. Ranged
// reads (the pack reads a restore makes) get the generous retry budget.
describe('restore through 25% injected read faults', () => {
  it('completes byte-exact', async () => {
    const home = tempDir('cairn-faults-home-');
    const r = rng(5);
    mkdirSync(join(home, 'p'), { recursive: true });
    for (let i = 0; i < 40; i++) writeFileSync(join(home, 'p', `f${i}.bin`), r.bytes(20_000 + i * 3000));
    const faulty = new FaultyBlobStore(new MemoryBlobStore());
    const store = new RetryingBlobStore(faulty, { maxAttempts: 5, sleep: async () => undefined });
    const { repo } = await initRepo(store);
    try {
      const { snapshotId } = await backupOf(repo, [{ label: 'home', path: home }], { packSize: 256 * 1024 });
      faulty.failRandomly('get', 0.25, 16);
      const target = tempDir('cairn-faults-restore-');
      await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: await repo.findSnapshot(snapshotId as string), target });
      expect(diffTrees(home, join(target, 'home'))).toEqual([]);
      expect(faulty.injected).toBeGreaterThan(0);
    } finally {
      await repo.close();
    }
  });
});

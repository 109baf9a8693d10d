// What making a restore plan asks of the store and the engine: one listing of the index unless the
// caller just made it, and the worker threads started while the plan is made (a one-file restore
// otherwise waits for them at its first write).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { backupOf, initRepo, openRepo, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { planRestore } from './restore-request.ts';
import type { RestoreRequest } from './restore-request.ts';
import { FaultyBlobStore, MemoryBlobStore } from './storage/index.ts';

afterAll(() => removeTempDirs());

describe('a restore plan', () => {
  it('warms the worker threads, and lists the index once, or not at all when the caller just did', async () => {
    const store = new FaultyBlobStore(new MemoryBlobStore());
    const stateDir = tempDir('cairn-plan-state-');
    const { repo: first } = await initRepo(store, stateDir);
    const home = tempDir('cairn-plan-home-');
    writeFileSync(join(home, 'session.jsonl'), '{"type":"user"}\n');
    const backed = await backupOf(first, [{ label: 'home', path: home }]);
    await first.close();
    const repo = await openRepo(store, stateDir);
    try {
      const snapshot = await repo.findSnapshot(backed.snapshotId as string);
      const request: RestoreRequest = { snapshot, paths: ['home/session.jsonl'], destination: { kind: 'folder', path: tempDir('cairn-plan-target-') }, existing: 'refuse' };
      const warm = vi.spyOn(repo.codec, 'warm');
      store.clear();
      expect((await planRestore(repo, request)).files).toBe(1);
      expect(warm).toHaveBeenCalledTimes(1);
      expect(store.log.filter((c) => c === 'list index/')).toHaveLength(1);
      store.clear();
      await repo.refreshIndex();
      expect((await planRestore(repo, request, { indexRefreshed: true })).files).toBe(1);
      expect(store.log.filter((c) => c === 'list index/')).toHaveLength(1);
    } finally {
      await repo.close();
    }
  });
});

// A restore interrupted while a file of several blobs is half written (Ctrl-C: the CLI's exit
// path calls removeLiveTempFiles) leaves no `.NAME.cairn-….tmp` in the target — an agent's own
// folder for `restore --original`. Before, it stayed until a later restore into that folder swept it.

import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { rng } from '../../../testing/agent-home.ts';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import { removeLiveTempFiles } from '../temp-files.ts';
import type { BlobCodec } from '../vault/index.ts';
import { restore } from './index.ts';

afterAll(() => removeTempDirs());

describe('a restore interrupted half way through a file', () => {
  it('has the temporary file of its parts removed on the way out; one that ends leaves none', async () => {
    const home = tempDir('cairn-rint-home-');
    writeFileSync(join(home, 'big.bin'), rng(3).bytes(12 * 2 ** 20));
    const { repo } = await initRepo(new MemoryBlobStore());
    try {
      const { snapshotId } = await backupOf(repo, [{ label: 'home', path: home }]);
      const snap = await repo.findSnapshot(snapshotId as string);
      // Writes stop after the first batch until released: the moment Ctrl-C comes.
      let release = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      let calls = 0;
      const codec: BlobCodec = { ...repo.codec, openAndWrite: async (items, opts) => (calls++ === 0 ? repo.codec.openAndWrite(items, opts) : gate.then(() => repo.codec.openAndWrite(items, opts))) };
      const target = tempDir('cairn-rint-target-');
      const temps = () => readdirSync(join(target, 'home')).filter((n) => n.includes('.cairn-'));
      const restoring = restore({ vault: repo.vault, db: repo.db, codec, snapshot: snap, target }).catch((error: unknown) => error);
      await vi.waitFor(() => expect(calls).toBeGreaterThan(1), { timeout: 10_000 });
      expect(temps()).toHaveLength(1);
      expect(removeLiveTempFiles()).toBe(1);
      expect(temps()).toEqual([]);
      release();
      await restoring;
      expect(removeLiveTempFiles()).toBe(0);
    } finally {
      await repo.close();
    }
  });
});

// A prune that starts right after a backup finished may list the backup's snapshot but not yet
// its index file (listings lag writes; the index was written a moment before the snapshot). It
// must not call that vault damaged: it lists the index again (after waiting out the lag) and
// prunes with it. The three-device bench hit this 8 times in 43 prunes on Swift.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, diffTrees, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { restore } from '../restore/index.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import type { ObjectInfo } from '../storage/index.ts';
import { checkVault, prune } from './index.ts';

afterAll(removeTempDirs);

/** A store whose `index/` listings can leave out the index files written lately. */
class IndexListingLags extends MemoryBlobStore {
  #hideFrom: number | undefined;
  #hiddenListings = 0;
  readonly #written = new Map<string, number>();
  #seq = 0;

  /** From now on, writes count as recent. */
  mark(): void {
    this.#hideFrom = this.#seq;
  }

  /** The next `listings` listings of index/ leave out what was written since mark(). */
  hide(listings: number): void {
    this.#hiddenListings = listings;
  }

  override async put(key: string, data: Uint8Array): Promise<void> {
    this.#written.set(key, this.#seq++);
    return super.put(key, data);
  }

  override async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const hide = prefix.startsWith('index/') && this.#hideFrom !== undefined && this.#hiddenListings > 0;
    if (hide) this.#hiddenListings--;
    for await (const info of super.list(prefix)) {
      if (hide && (this.#written.get(info.key) ?? -1) >= (this.#hideFrom as number)) continue;
      yield info;
    }
  }
}

describe('prune right after a backup, under listing lag', () => {
  for (const listings of [1, 2]) {
    it(`finds the backup's index file once it is listed (hidden from ${listings} listing(s)), and loses nothing`, async () => {
      const store = new IndexListingLags('lagging-index');
      const { repo } = await initRepo(store);
      try {
        const home = tempDir('cairn-home-');
        mkdirSync(join(home, 'p'), { recursive: true });
        writeFileSync(join(home, 'p', 'a.jsonl'), '{"turn":1}\n');
        await backupOf(repo, [{ label: 'home', path: home }]);
        writeFileSync(join(home, 'p', 'b.jsonl'), '{"turn":2}\n'.repeat(1000));
        store.mark();
        const second = await backupOf(repo, [{ label: 'home', path: home }]);
        store.hide(listings);
        const result = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 0 });
        expect(result.snapshots).toBe(2);
        const target = tempDir('cairn-restore-');
        const snapshot = await repo.vault.loadSnapshot(repo.device.id, second.snapshotId as never);
        await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot, target });
        expect(diffTrees(home, join(target, 'home'))).toEqual([]);
        expect((await checkVault(repo.vault, repo.codec, { readData: true })).problems).toEqual([]);
      } finally {
        await repo.close();
      }
    });
  }
});

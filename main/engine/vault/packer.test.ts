// The packer's pack buffers: reused from one pack to the next, never while a pack is uploading.

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobId, PackId } from '../../../shared/ids.ts';
import { initRepo, removeTempDirs } from '../../../testing/repo.ts';
import type { Repository } from '../repository.ts';
import { ForwardingBlobStore, MemoryBlobStore } from '../storage/index.ts';
import type { CallOptions } from '../storage/index.ts';
import { keys, packIdOf } from './format.ts';
import type { BlobLocation } from './format.ts';
import { Packer } from './packer.ts';

/** Records which buffers packs arrive in, and holds each put open a while before it stores the bytes. */
class SlowRecordingStore extends ForwardingBlobStore {
  readonly packBuffers = new Set<ArrayBufferLike>();
  readonly damaged: string[] = [];

  override async put(key: string, data: Uint8Array, options?: CallOptions): Promise<void> {
    if (!key.startsWith('data/')) return this.inner.put(key, data, options);
    this.packBuffers.add(data.buffer);
    const name = key.slice(key.lastIndexOf('/') + 1);
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    // What a slow upload reads at its end must still be the pack it was given.
    if (packIdOf(data) !== name) this.damaged.push(name);
    await this.inner.put(key, data, options);
  }
}

let repo: Repository;
let store: SlowRecordingStore;

beforeEach(async () => {
  store = new SlowRecordingStore(new MemoryBlobStore());
  ({ repo } = await initRepo(store));
});
afterEach(async () => repo.close());
afterAll(removeTempDirs);

describe('Packer', () => {
  it('builds packs in at most concurrency + 1 buffers, reusing one only once its pack is stored', async () => {
    const stored: BlobLocation[] = [];
    const packer = new Packer(repo.vault, repo.db, { packSize: 64 * 1024, concurrency: 2, indexEvery: 4, onPackStored: (entries) => stored.push(...entries) });
    const added = new Map<string, Uint8Array>();
    // ~40 packs of 64 KiB, from blobs of 1–8 KiB: a pack then never outgrows a kept buffer
    // (packSize + 1/4; a pack that does gets a buffer of its own).
    for (let i = 0; i < 1000; i++) {
      const sealed = randomBytes(1024 + Math.floor(Math.random() * 7 * 1024));
      const id = createHash('sha256').update(sealed).digest('hex') as BlobId;
      added.set(id, sealed);
      await packer.add({ id, type: 'data', rawLength: sealed.length, sealed });
    }
    await packer.flush();

    expect(store.damaged).toEqual([]);
    expect(packer.packCount).toBeGreaterThan(30);
    expect(store.packBuffers.size).toBeLessThanOrEqual(3);
    // Every blob reads back from where its pack says it is.
    expect(stored).toHaveLength(added.size);
    for (const { id, pack, offset, length } of stored) {
      const bytes = await store.get(keys.pack(pack as PackId), { offset, length });
      expect(Buffer.from(bytes).equals(added.get(id)!)).toBe(true);
    }
  });
});

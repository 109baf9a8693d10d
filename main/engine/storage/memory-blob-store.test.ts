import { describe, expect, it } from 'vitest';
import { describeBlobStoreConformance } from './conformance.ts';
import { MemoryBlobStore } from './memory-blob-store.ts';

describeBlobStoreConformance('MemoryBlobStore', () => new MemoryBlobStore());

describe('MemoryBlobStore', () => {
  it('counts its objects', async () => {
    const store = new MemoryBlobStore('test');
    await store.put('a', Uint8Array.of(1));
    await store.put('b/c', Uint8Array.of(2));
    await store.put('a', Uint8Array.of(3));
    expect(store.size).toBe(2);
    expect(store.location).toBe('memory:test');
  });

  it('lists a snapshot: writes during a listing do not disturb it', async () => {
    const store = new MemoryBlobStore();
    for (const key of ['k/1', 'k/2', 'k/3']) await store.put(key, Uint8Array.of(0));
    const seen: string[] = [];
    for await (const info of store.list('k/')) {
      seen.push(info.key);
      await store.put(`k/new-${info.key}`, Uint8Array.of(1));
      await store.delete('k/3');
    }
    expect(seen).toEqual(['k/1', 'k/2', 'k/3']);
  });
});

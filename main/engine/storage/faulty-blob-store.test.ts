import { describe, expect, it } from 'vitest';
import { describeBlobStoreConformance } from './conformance.ts';
import { FaultyBlobStore } from './faulty-blob-store.ts';
import { MemoryBlobStore } from './memory-blob-store.ts';

describeBlobStoreConformance('FaultyBlobStore without faults', () => new FaultyBlobStore(new MemoryBlobStore()));

async function seeded(): Promise<{ inner: MemoryBlobStore; store: FaultyBlobStore }> {
  const inner = new MemoryBlobStore();
  await inner.put('data/a', Uint8Array.from({ length: 10 }, (_, i) => i));
  await inner.put('index/b', Uint8Array.of(1, 2, 3, 4));
  return { inner, store: new FaultyBlobStore(inner) };
}

describe('FaultyBlobStore', () => {
  it('fails only the Nth call from now, counting matching calls', async () => {
    const { store } = await seeded();
    await store.get('data/a');
    store.failNth('get', 2);
    await store.get('data/a');
    await expect(store.get('data/a')).rejects.toMatchObject({ code: 'storage', retryable: true });
    await store.get('data/a');
    expect(store.calls.get).toBe(4);
    expect(store.injected).toBe(1);
  });

  it('fails every call after N, as a killed run, without writing', async () => {
    const { inner, store } = await seeded();
    store.failAfter('put', 2);
    await store.put('p/1', Uint8Array.of(1));
    await store.put('p/2', Uint8Array.of(2));
    await expect(store.put('p/3', Uint8Array.of(3))).rejects.toMatchObject({ retryable: false });
    await expect(store.put('p/4', Uint8Array.of(4))).rejects.toThrow(/Injected fault: put #4/);
    expect(await inner.stat('p/2')).toBeDefined();
    expect(await inner.stat('p/3')).toBeUndefined();
    await store.get('p/1'); // other operations are untouched
  });

  it('filters faults by key prefix', async () => {
    const { store } = await seeded();
    store.failNth('put', 1, { keyPrefix: 'data/' });
    await store.put('index/x', Uint8Array.of(1));
    await expect(store.put('data/x', Uint8Array.of(1))).rejects.toThrow();
    await store.put('data/y', Uint8Array.of(1));
  });

  it('can fail after the inner store acted (a lost response)', async () => {
    const { inner, store } = await seeded();
    store.failNth('put', 1, { reachesStore: true }).failNth('delete', 1, { reachesStore: true });
    await expect(store.put('lost', Uint8Array.of(9))).rejects.toThrow();
    expect([...(await inner.get('lost'))]).toEqual([9]);
    await expect(store.delete('lost')).rejects.toThrow();
    expect(await inner.stat('lost')).toBeUndefined();
  });

  it('throws a custom error', async () => {
    const { store } = await seeded();
    store.failNth('stat', 1, { error: (op, key) => new RangeError(`${op}:${key}`) });
    await expect(store.stat('data/a')).rejects.toThrow(new RangeError('stat:data/a'));
  });

  it('fails a listing midway', async () => {
    const { store } = await seeded();
    store.failNth('list', 1, { listAfter: 1 });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const info of store.list('')) seen.push(info.key);
      })(),
    ).rejects.toThrow(/Injected fault: list/);
    expect(seen.length).toBe(1);
  });

  it('corrupts one byte of what get returns, leaving the stored object intact', async () => {
    const { inner, store } = await seeded();
    store.corruptGets('data/');
    const read = await store.get('data/a');
    expect([...read]).toEqual([0, 1, 2, 3, 4, 5 ^ 0xff, 6, 7, 8, 9]);
    expect([...(await store.get('data/a', { offset: 2, length: 2 }))]).toEqual([2, 3 ^ 0xff]);
    expect([...(await store.get('index/b'))]).toEqual([1, 2, 3, 4]);
    expect((await inner.get('data/a'))[5]).toBe(5);
    store.clear().corruptGets('index/', 0);
    expect([...(await store.get('index/b'))]).toEqual([1 ^ 0xff, 2, 3, 4]);
  });

  it('truncates objects as get and stat see them, refusing ranges past the cut', async () => {
    const { store } = await seeded();
    store.truncateGets('data/', 4);
    expect([...(await store.get('data/a'))]).toEqual([0, 1, 2, 3]);
    expect(await store.stat('data/a')).toMatchObject({ key: 'data/a', size: 4 });
    expect([...(await store.get('data/a', { offset: 1, length: 3 }))]).toEqual([1, 2, 3]);
    await expect(store.get('data/a', { offset: 2, length: 3 })).rejects.toMatchObject({ code: 'integrity' });
    expect(await store.stat('index/b')).toMatchObject({ key: 'index/b', size: 4 });
  });

  it('delays calls through the injected sleep', async () => {
    const sleeps: number[] = [];
    const store = new FaultyBlobStore(new MemoryBlobStore(), {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    store.delay('put', 30).delay('get', 5);
    await store.put('k', Uint8Array.of(1));
    await store.get('k');
    await store.stat('k');
    expect(sleeps).toEqual([30, 5]);
  });

  it('clear() removes faults and resets counters', async () => {
    const { store } = await seeded();
    store.failAfter('get', 0);
    await expect(store.get('data/a')).rejects.toThrow();
    store.clear();
    expect(store.calls.get).toBe(0);
    expect(store.injected).toBe(0);
    await store.get('data/a');
  });
});

import { describe, expect, it } from 'vitest';
import { CairnError, StorageError } from '../../../shared/errors.ts';
import { describeBlobStoreConformance } from './conformance.ts';
import { FaultyBlobStore } from './faulty-blob-store.ts';
import { MemoryBlobStore } from './memory-blob-store.ts';
import { RetryingBlobStore, type RetryEvent, type RetryOptions } from './retrying-blob-store.ts';

describeBlobStoreConformance('RetryingBlobStore over MemoryBlobStore', () => new RetryingBlobStore(new MemoryBlobStore()));

function setup(options: RetryOptions = {}): { faulty: FaultyBlobStore; store: RetryingBlobStore; sleeps: number[]; events: RetryEvent[] } {
  const sleeps: number[] = [];
  const events: RetryEvent[] = [];
  const faulty = new FaultyBlobStore(new MemoryBlobStore());
  const store = new RetryingBlobStore(faulty, {
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onRetry: (event) => events.push(event),
    ...options,
  });
  return { faulty, store, sleeps, events };
}

describe('RetryingBlobStore', () => {
  it('retries retryable failures with exponential backoff and full jitter', async () => {
    const { faulty, store, sleeps, events } = setup({ baseDelayMs: 100 });
    faulty.failNth('put', 1).failNth('put', 2).failNth('put', 3);
    await store.put('k', Uint8Array.of(1));
    expect(faulty.calls.put).toBe(4);
    expect(sleeps).toEqual([50, 100, 200]); // random 0.5 × 100, 200, 400
    expect(events.map((event) => [event.op, event.key, event.attempt])).toEqual([
      ['put', 'k', 1],
      ['put', 'k', 2],
      ['put', 'k', 3],
    ]);
    expect([...(await store.get('k'))]).toEqual([1]);
  });

  it('draws each delay uniformly below a ceiling that doubles up to maxDelayMs', () => {
    const draws = [0, 0.999, 0.25];
    const store = new RetryingBlobStore(new MemoryBlobStore(), { baseDelayMs: 1000, maxDelayMs: 5000, random: () => draws.shift() ?? 1 });
    expect(store.delayFor(1)).toBe(0);
    expect(store.delayFor(2)).toBe(1998);
    expect(store.delayFor(10)).toBe(1250); // 0.25 × the 5 s ceiling
  });

  it('gives up after maxAttempts with the last error', async () => {
    const { faulty, store, sleeps } = setup({ maxAttempts: 3 });
    faulty.failAfter('get', 0, { retryable: true });
    await store.put('k', Uint8Array.of(1));
    const error = await store.get('k').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toContain('get #3');
    expect(faulty.calls.get).toBe(3);
    expect(sleeps.length).toBe(2);
  });

  it('does not retry errors that are not retryable', async () => {
    const { faulty, store, sleeps } = setup();
    faulty.failNth('put', 1, { retryable: false });
    await expect(store.put('k', Uint8Array.of(1))).rejects.toMatchObject({ code: 'storage', retryable: false });
    await expect(store.get('missing')).rejects.toMatchObject({ code: 'not_found' });
    expect(faulty.calls.put).toBe(1);
    expect(faulty.calls.get).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('does not retry errors that are not CairnErrors (bugs)', async () => {
    const { faulty, store, sleeps } = setup();
    faulty.failNth('stat', 1, { error: () => new TypeError('boom') });
    await expect(store.stat('k')).rejects.toBeInstanceOf(TypeError);
    expect(sleeps).toEqual([]);
  });

  it('retries stat and delete', async () => {
    const { faulty, store } = setup();
    await store.put('k', Uint8Array.of(1, 2));
    faulty.failNth('stat', 1).failNth('delete', 1);
    expect(await store.stat('k')).toMatchObject({ key: 'k', size: 2 });
    await store.delete('k');
    expect(await store.stat('k')).toBeUndefined();
  });

  it('restarts a listing that fails midway without repeating keys', async () => {
    const { faulty, store, sleeps } = setup();
    for (let i = 0; i < 10; i += 1) await store.put(`l/${i}`, Uint8Array.of(i));
    faulty.failNth('list', 1, { listAfter: 4 }).failNth('list', 2, { listAfter: 0 });
    const keys: string[] = [];
    for await (const info of store.list('l/')) keys.push(info.key);
    expect(keys.length).toBe(10);
    expect(new Set(keys).size).toBe(10);
    expect(faulty.calls.list).toBe(3);
    expect(sleeps.length).toBe(2);
  });

  it('counts listing attempts afresh after a try that made progress', async () => {
    const { faulty, store } = setup({ maxAttempts: 2 });
    for (let i = 0; i < 6; i += 1) await store.put(`l/${i}`, Uint8Array.of(i));
    // Three failures in a row would exceed 2 attempts, but each one came after new keys.
    faulty.failNth('list', 1, { listAfter: 2 }).failNth('list', 2, { listAfter: 4 }).failNth('list', 3, { listAfter: 5 });
    const keys: string[] = [];
    for await (const info of store.list('l/')) keys.push(info.key);
    expect(keys.length).toBe(6);
  });

  it('passes location and close through', async () => {
    let closed = false;
    const inner = new MemoryBlobStore('named');
    inner.close = async () => {
      closed = true;
    };
    const store = new RetryingBlobStore(inner);
    expect(store.location).toBe('memory:named');
    await store.close();
    expect(closed).toBe(true);
  });

  it('waits with real timers by default', async () => {
    const faulty = new FaultyBlobStore(new MemoryBlobStore()).failNth('put', 1);
    const store = new RetryingBlobStore(faulty, { baseDelayMs: 20, random: () => 1 });
    const started = Date.now();
    await store.put('k', Uint8Array.of(1));
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(faulty.injected).toBe(1);
  });

  it('keeps CairnError codes intact', async () => {
    const { faulty, store } = setup({ maxAttempts: 2 });
    faulty.failAfter('put', 0, { error: () => new StorageError('unreachable', 'down', { retryable: true }) });
    const error = await store.put('k', Uint8Array.of(1)).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(CairnError);
    expect((error as CairnError).code).toBe('unreachable');
  });

  it('keeps an object-only failure (a disk that can’t read one pack) marked so once it gives up', async () => {
    const { faulty, store } = setup({ maxAttempts: 2 });
    faulty.failAfter('get', 0, { error: () => new StorageError('storage', 'Could not read k (EIO).', { retryable: true, objectOnly: true }) });
    const error = await store.get('k').catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'storage', objectOnly: true, message: expect.stringMatching(/Cairn tried 2 times/) });
  });
});

describe('RetryingBlobStore read budget', () => {
  it('gives ranged reads (restores) more attempts than writes and whole reads', async () => {
    const { faulty, store } = setup({ maxAttempts: 3, readAttempts: 8 });
    await store.put('k', Uint8Array.of(1, 2, 3));
    for (let n = 1; n <= 7; n++) faulty.failNth('get', n);
    expect([...(await store.get('k', { offset: 1, length: 2 }))]).toEqual([2, 3]);
    expect(faulty.calls.get).toBe(8);
    faulty.clear();
    for (let n = 1; n <= 7; n++) faulty.failNth('get', n);
    await expect(store.get('k')).rejects.toThrow(/Cairn tried 3 times/);
  });

  it('restores nothing but the right bytes through a quarter of failed reads', async () => {
    const { faulty, store } = setup({ maxAttempts: 4 });
    const data = new Uint8Array(64 * 1024).map((_, i) => (i * 31) & 0xff);
    await store.put('pack', data);
    faulty.failRandomly('get', 0.25, 42);
    for (let offset = 0; offset < data.length; offset += 1000) {
      const length = Math.min(1000, data.length - offset);
      expect(Buffer.from(await store.get('pack', { offset, length })).equals(Buffer.from(data.subarray(offset, offset + length)))).toBe(true);
    }
    expect(faulty.injected).toBeGreaterThan(5);
  });

  it('stops at once when cancelled while waiting out a Retry-After, with no further attempt', async () => {
    const faulty = new FaultyBlobStore(new MemoryBlobStore());
    faulty.failNth('put', 1, { error: () => new StorageError('storage', 'Slow down (503).', { retryable: true, throttled: true, retryAfterMs: 60_000 }) });
    const store = new RetryingBlobStore(faulty);
    const controller = new AbortController();
    const put = store.put('k', new Uint8Array([1]), { signal: controller.signal }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await new Promise((r) => setTimeout(r, 50));
    const abortedAt = Date.now();
    controller.abort();
    const error = await put;
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(error).toBeInstanceOf(CairnError);
    expect((error as CairnError).code).toBe('cancelled');
    expect(faulty.calls.put).toBe(1);
    expect(await store.stat('k')).toBeUndefined();
  });

  it('does not retry a call whose signal aborted, even when the error looks retryable', async () => {
    const controller = new AbortController();
    const faulty = new FaultyBlobStore(new MemoryBlobStore());
    faulty.failNth('get', 1, {
      error: () => {
        controller.abort();
        return new StorageError('unreachable', 'socket hang up', { retryable: true });
      },
    });
    const store = new RetryingBlobStore(faulty, { sleep: async () => undefined });
    await expect(store.get('x', undefined, { signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    expect(faulty.calls.get).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../shared/errors.ts';
import { FastClock } from './clock.ts';
import { describeBlobStoreConformance } from './conformance.ts';
import { LaggingBlobStore } from './lagging-blob-store.ts';
import { MemoryBlobStore } from './memory-blob-store.ts';
import { RetryingBlobStore } from './retrying-blob-store.ts';
import { SkewedClockBlobStore } from './skewed-clock-blob-store.ts';
import { ThrottlingBlobStore } from './throttling-blob-store.ts';
import type { ObjectInfo } from './blob-store.ts';

// The decorators that make a store behave like real providers, each put through the one
// conformance suite: a store that lags or throttles must still be a BlobStore to the code above.

const LAG_MS = 10_000;
const lagClock = new FastClock(2000); // 10 s of store time in 5 ms
describeBlobStoreConformance('LaggingBlobStore (10 s listing lag) over MemoryBlobStore', () => new LaggingBlobStore(new MemoryBlobStore('lag', { now: () => lagClock.now() }), { lagMs: LAG_MS, clock: lagClock }), {
  manyKeys: 1100,
  settle: () => lagClock.sleep(LAG_MS + 1),
});

const throttleClock = new FastClock(1000);
describeBlobStoreConformance('RetryingBlobStore over ThrottlingBlobStore (every test starts throttled for 3 s)', () => {
  const throttling = new ThrottlingBlobStore(new MemoryBlobStore('throttled', { now: () => throttleClock.now() }), { clock: throttleClock }).throttleFor(3000, { retryAfterMs: 1000 });
  return new RetryingBlobStore(throttling, { sleep: (ms) => throttleClock.sleep(ms), now: () => throttleClock.now(), maxAttempts: 2 });
});

describeBlobStoreConformance('SkewedClockBlobStore (store clock 2 h fast) over MemoryBlobStore', () => new SkewedClockBlobStore(new MemoryBlobStore(), 2 * 3_600_000));

async function keys(list: AsyncIterable<ObjectInfo>): Promise<string[]> {
  const out: string[] = [];
  for await (const info of list) out.push(info.key);
  return out.sort();
}

describe('LaggingBlobStore', () => {
  it('hides new keys, shows old versions and deleted keys until the lag has passed; reads are current', async () => {
    let now = 1_000_000;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const store = new LaggingBlobStore(new MemoryBlobStore('m', { now: clock.now }), { lagMs: 10_000, clock });
    await store.put('a', Uint8Array.of(1));
    now += 20_000;
    await store.put('b', Uint8Array.of(2));
    await store.put('a', Uint8Array.of(1, 1, 1));
    expect(await keys(store.list(''))).toEqual(['a']);
    expect((await store.stat('b'))?.size).toBe(1); // read after write
    const [a] = await (async () => {
      const out: ObjectInfo[] = [];
      for await (const info of store.list('a')) out.push(info);
      return out;
    })();
    expect(a?.size).toBe(1); // the overwrite is not listed yet
    await store.delete('a');
    expect(await store.stat('a')).toBeUndefined();
    expect(await keys(store.list(''))).toEqual(['a']);
    now += 10_000;
    expect(await keys(store.list(''))).toEqual(['b']);
  });
});

describe('ThrottlingBlobStore with RetryingBlobStore', () => {
  it('waits at least as long as Retry-After asks, and completes once the provider lets go', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const throttling = new ThrottlingBlobStore(new MemoryBlobStore('m', { now: clock.now }), { clock }).throttleFor(60_000, { retryAfterMs: 4_000 });
    const store = new RetryingBlobStore(throttling, {
      maxAttempts: 3,
      throttleBudgetMs: 3 * 60_000,
      now: clock.now,
      sleep: async (ms) => {
        sleeps.push(ms);
        await clock.sleep(ms);
      },
    });
    const waiting: boolean[] = [];
    const put = store.put('k', Uint8Array.of(1));
    waiting.push(store.waiting);
    await put;
    expect(now).toBeGreaterThanOrEqual(60_000);
    expect(sleeps.every((ms) => ms >= 4_000)).toBe(true);
    expect(sleeps.length).toBeGreaterThan(3); // more than maxAttempts: throttling is not failure
    expect(store.waiting).toBe(false);
    expect([...(await store.get('k'))]).toEqual([1]);
  });

  it('gives up when throttling outlasts the budget, saying how long it waited and not that it will try again', async () => {
    let now = 0;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const throttling = new ThrottlingBlobStore(new MemoryBlobStore(), { clock }).throttleFor(3_600_000, { retryAfterMs: 10_000, code: 'RequestRateLimitExceeded' });
    const store = new RetryingBlobStore(throttling, { throttleBudgetMs: 120_000, now: clock.now, sleep: clock.sleep });
    const error = (await store.put('k', Uint8Array.of(1)).catch((e: unknown) => e)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.throttled).toBe(true);
    expect(error.message).toMatch(/RequestRateLimitExceeded/);
    expect(error.message).toMatch(/slow down for 1[0-3]\d s; try again later/);
    expect(error.message).not.toMatch(/will try again/);
    expect(now).toBeLessThanOrEqual(130_000);
  });
});

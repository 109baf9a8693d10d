import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttleLatest } from './service-bridge.ts';

describe('throttleLatest', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports the first value at once and the latest of a burst once per interval', async () => {
    const reported: number[] = [];
    const report = throttleLatest<number>((value) => reported.push(value), 1_000, { setTimeout: (callback, ms) => setTimeout(callback, ms), now: () => Date.now() });
    report(1);
    for (let i = 2; i <= 50; i += 1) {
      await vi.advanceTimersByTimeAsync(10);
      report(i);
    }
    expect(reported).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reported).toEqual([1, 50]);
    await vi.advanceTimersByTimeAsync(5_000);
    report(51);
    expect(reported).toEqual([1, 50, 51]);
  });
});

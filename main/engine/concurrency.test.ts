import { stat } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SLICE_MS, turn } from './concurrency.ts';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Work that never awaits: what a walk over unchanged files is.
  }
};

describe('turn', () => {
  it('hands the event loop a turn once the thread was busy a slice, once for everyone waiting', async () => {
    for (let t = turn(); t; t = turn()) await t;
    const order: string[] = [];
    // I/O that completes while the thread is busy: its callback runs before the second slice at
    // the latest (a turn taken in an I/O callback ends in the same loop iteration, the next one
    // after the loop has polled again).
    stat(fileURLToPath(import.meta.url), () => order.push('the event loop'));
    busy(SLICE_MS + 5);
    const first = turn();
    expect(first).toBeInstanceOf(Promise);
    // Everyone who asks during the same busy stretch waits for the same turn.
    expect(turn()).toBe(first);
    await first;
    // A new slice has begun: no wait.
    expect(turn()).toBeUndefined();
    order.push('the walk, slice 2');
    busy(SLICE_MS + 5);
    await turn();
    order.push('the walk, slice 3');
    expect(order.indexOf('the event loop')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('the event loop')).toBeLessThan(order.indexOf('the walk, slice 3'));
  });

  it('costs nothing while the slice lasts', async () => {
    for (let t = turn(); t; t = turn()) await t;
    let waits = 0;
    for (let i = 0; i < 1000; i++) if (turn()) waits++;
    expect(waits).toBe(0);
  });
});

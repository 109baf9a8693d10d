import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { IdleCollector, v8Collector } from './idle-collector.ts';
import type { Collect } from './idle-collector.ts';
import { JobQueue } from './jobs.ts';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('collecting once the jobs are done', () => {
  it('asks V8 for a major collection after the last queued job, not between jobs, and a last-resort one at rest', async () => {
    const asked: Parameters<Collect>[0][] = [];
    const collector = new IdleCollector((o) => asked.push(o), 30, 150);
    const q = new JobQueue({ now: () => 0, onUpdate: () => undefined, onBusy: () => collector.busy(), onIdle: () => collector.idle() });
    const first = q.start('sync', async () => {
      await wait(5);
      return 'one';
    });
    const second = q.start('restore', async () => {
      // The first job ended with this one queued: no collection was scheduled meanwhile.
      await wait(60);
      return 'two';
    });
    await first.done;
    await wait(45);
    expect(asked).toEqual([]);
    await second.done;
    expect(asked).toEqual([]);
    await wait(60);
    expect(asked).toEqual([{ type: 'major', execution: 'async' }]);
    await wait(150);
    expect(asked).toEqual([
      { type: 'major', execution: 'async' },
      { type: 'major', execution: 'async', flavor: 'last-resort' },
    ]);
  });

  it('does not collect when work starts again within the delay, nor at rest after new work, and never without a collector', async () => {
    const asked: unknown[] = [];
    const collector = new IdleCollector((o) => asked.push(o), 30, 40);
    collector.idle();
    await wait(10);
    collector.busy();
    await wait(60);
    expect(asked).toEqual([]);
    // Work between the two: the first was asked for, the one at rest waits for the next rest.
    collector.idle();
    await wait(35);
    collector.busy();
    await wait(60);
    expect(asked).toEqual([{ type: 'major', execution: 'async' }]);
    const none = new IdleCollector(undefined, 1);
    none.idle();
    await wait(10);
  });

  it("exposes V8's collector in a process started without --expose-gc", () => {
    const collect = v8Collector();
    expect(typeof collect).toBe('function');
    expect(() => collect?.({ type: 'major', execution: 'async', flavor: 'last-resort' })).not.toThrow();
  });

  it("gives back the young generation's pages a job grew, which a regular major collection keeps", async () => {
    const youngMiB = () => (getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? NaN) / 2 ** 20;
    // Any collection an earlier test posted runs first.
    await wait(50);
    // A job's short-lived garbage: V8 grows the young generation to its maximum for it.
    let churn: { n: number; s: string }[] = [];
    for (let i = 0; i < 3_000_000; i++) {
      churn.push({ n: i, s: `item ${i}` });
      if (churn.length > 200_000) churn = [];
    }
    churn = [];
    const grown = youngMiB();
    expect(grown).toBeGreaterThan(8);
    const collector = new IdleCollector(v8Collector(), 5, 10);
    collector.idle();
    await wait(500);
    expect(youngMiB()).toBeLessThan(4);
    expect(churn).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { IdleCollector, v8Collector } from './idle-collector.ts';
import type { Collect } from './idle-collector.ts';
import { JobQueue } from './jobs.ts';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('collecting once the jobs are done', () => {
  it('asks V8 for one incremental major collection after the last queued job, not between jobs', async () => {
    const asked: Parameters<Collect>[0][] = [];
    const collector = new IdleCollector((o) => asked.push(o), 30);
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
  });

  it('does not collect when work starts again within the delay, and never without a collector', async () => {
    const asked: unknown[] = [];
    const collector = new IdleCollector((o) => asked.push(o), 30);
    collector.idle();
    await wait(10);
    collector.busy();
    await wait(50);
    expect(asked).toEqual([]);
    const none = new IdleCollector(undefined, 1);
    none.idle();
    await wait(10);
  });

  it("exposes V8's collector in a process started without --expose-gc", () => {
    const collect = v8Collector();
    expect(typeof collect).toBe('function');
    expect(() => collect?.({ type: 'major', execution: 'async' })).not.toThrow();
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunReason, SchedulePolicy } from './next-run.ts';
import { Scheduler, type ChangeFeed, type RunRecord } from './scheduler.ts';

const MIN = 60_000;
const policy: SchedulePolicy = {
  intervalMs: 15 * MIN,
  runOnStart: false,
  quietMs: 30_000,
  runOnWake: true,
  wakeDelayMs: 10_000,
  backoff: { baseMs: 30_000, factor: 2, maxMs: 5 * MIN },
};

/** A run callback whose runs take `durationMs` of fake time and can be made to fail. */
function fakeSync(durationMs = 1_000) {
  const runs: Array<{ reason: RunReason; at: number }> = [];
  let failuresLeft = 0;
  let active = 0;
  let maxActive = 0;
  return {
    runs,
    get maxConcurrent() {
      return maxActive;
    },
    failNext(count: number) {
      failuresLeft = count;
    },
    run: async (reason: RunReason): Promise<void> => {
      runs.push({ reason, at: Date.now() });
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, durationMs));
      active -= 1;
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('bucket unreachable');
      }
    },
  };
}

function fakeFeed(): ChangeFeed & { emit(path: string): void; listeners: number } {
  const listeners = new Set<(path: string) => void>();
  return {
    emit: (path) => listeners.forEach((listener) => listener(path)),
    get listeners() {
      return listeners.size;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const clock = { now: () => Date.now() };
const timers = {
  setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function makeScheduler(sync: ReturnType<typeof fakeSync>, extra: { policy?: SchedulePolicy; changes?: ChangeFeed; records?: RunRecord[] } = {}) {
  return new Scheduler({
    run: sync.run,
    policy: extra.policy ?? policy,
    clock,
    timers,
    ...(extra.changes ? { changes: extra.changes } : {}),
    onRunEnd: (record) => extra.records?.push(record),
  });
}

/** stop() waits for a run in progress, which needs fake time to pass. */
async function stopFinishingRuns(scheduler: Scheduler): Promise<void> {
  const stopped = scheduler.stop();
  await vi.advanceTimersByTimeAsync(60 * MIN);
  await stopped;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Scheduler', () => {
  it('runs on the interval', async () => {
    const sync = fakeSync();
    const scheduler = makeScheduler(sync);
    scheduler.start();
    expect(scheduler.nextPlanned).toEqual({ at: 15 * MIN, reason: 'interval' });
    await vi.advanceTimersByTimeAsync(15 * MIN - 1);
    expect(sync.runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sync.runs).toEqual([{ reason: 'interval', at: 15 * MIN }]);
    // The next interval counts from the end of that run (which took 1 s).
    await vi.advanceTimersByTimeAsync(15 * MIN + 1_000);
    expect(sync.runs.map((run) => run.at)).toEqual([15 * MIN, 30 * MIN + 1_000]);
    await stopFinishingRuns(scheduler);
  });

  it('runs on start when asked to', async () => {
    const sync = fakeSync();
    const scheduler = makeScheduler(sync, { policy: { ...policy, runOnStart: true } });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(sync.runs).toEqual([{ reason: 'start', at: 0 }]);
    await stopFinishingRuns(scheduler);
  });

  it('coalesces triggers during a run into exactly one follow-up run', async () => {
    const sync = fakeSync(10_000);
    const scheduler = makeScheduler(sync);
    scheduler.start();
    const first = scheduler.trigger('manual');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(scheduler.isRunning).toBe(true);
    const followUps = [scheduler.trigger('manual'), scheduler.trigger('manual'), scheduler.trigger('wake'), scheduler.trigger('manual')];
    await vi.advanceTimersByTimeAsync(9_000);
    await first;
    expect(sync.runs).toEqual([
      { reason: 'manual', at: 0 },
      { reason: 'manual', at: 10_000 },
    ]);
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(followUps);
    expect(sync.runs).toHaveLength(2);
    expect(sync.maxConcurrent).toBe(1);
    expect(scheduler.isRunning).toBe(false);
    // Back to the plan: the next interval counts from the end of the follow-up.
    expect(scheduler.nextPlanned).toEqual({ at: 20_000 + 15 * MIN, reason: 'interval' });
    await stopFinishingRuns(scheduler);
  });

  it('a trigger after a run finished starts a new run, not a follow-up', async () => {
    const sync = fakeSync(1_000);
    const scheduler = makeScheduler(sync);
    scheduler.start();
    const first = scheduler.trigger();
    await vi.advanceTimersByTimeAsync(1_000);
    await first;
    const second = scheduler.trigger();
    await vi.advanceTimersByTimeAsync(1_000);
    await second;
    expect(sync.runs.map((run) => run.at)).toEqual([0, 1_000]);
    await stopFinishingRuns(scheduler);
  });

  it('debounces file changes from the watcher into one run once they go quiet', async () => {
    const sync = fakeSync();
    const feed = fakeFeed();
    const scheduler = makeScheduler(sync, { changes: feed });
    scheduler.start();
    expect(feed.listeners).toBe(1);
    for (let i = 0; i < 10; i += 1) {
      feed.emit(`/home/a/.claude/projects/p/s.jsonl`);
      await vi.advanceTimersByTimeAsync(20_000); // an agent appending every 20 s: never quiet for 30 s
    }
    expect(sync.runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sync.runs).toEqual([{ reason: 'quiet', at: 9 * 20_000 + 30_000 }]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sync.runs).toHaveLength(1);
    await stopFinishingRuns(scheduler);
    expect(feed.listeners).toBe(0);
  });

  it('a change during a run earns a debounced follow-up', async () => {
    const sync = fakeSync(5_000);
    const feed = fakeFeed();
    const scheduler = makeScheduler(sync, { changes: feed });
    scheduler.start();
    void scheduler.trigger();
    await vi.advanceTimersByTimeAsync(2_000);
    feed.emit('/x');
    await vi.advanceTimersByTimeAsync(3_000); // run ends at 5 s
    expect(scheduler.nextPlanned).toEqual({ at: 2_000 + 30_000, reason: 'quiet' });
    await vi.advanceTimersByTimeAsync(27_000);
    expect(sync.runs.map((run) => run.reason)).toEqual(['manual', 'quiet']);
    await stopFinishingRuns(scheduler);
  });

  it('backs off exponentially after failures, capped, and recovers after a success', async () => {
    const sync = fakeSync(1_000);
    const records: RunRecord[] = [];
    const scheduler = makeScheduler(sync, { records });
    scheduler.start();
    sync.failNext(6);
    const first = scheduler.trigger();
    await vi.advanceTimersByTimeAsync(1_000);
    await first;
    // Retries 30 s, 60 s, 120 s, 240 s after each failed run ended, then capped at 300 s.
    const expectedStarts = [0];
    for (const delay of [30_000, 60_000, 120_000, 240_000, 300_000]) {
      const endedAt = scheduler.state.lastRunEndedAt ?? Number.NaN;
      expect(scheduler.nextPlanned).toEqual({ at: endedAt + delay, reason: 'retry' });
      await vi.advanceTimersByTimeAsync(delay + 1_000);
      expectedStarts.push(endedAt + delay);
    }
    expect(sync.runs.map((run) => run.at)).toEqual(expectedStarts);
    expect(sync.runs.slice(1).every((run) => run.reason === 'retry')).toBe(true);
    expect(scheduler.state.consecutiveFailures).toBe(6);
    expect(records.filter((record) => !record.ok)).toHaveLength(6);
    expect(records[0]?.error).toBeInstanceOf(Error);
    // The 7th attempt (capped delay again) succeeds; then back to the normal interval.
    await vi.advanceTimersByTimeAsync(300_000 + 1_000);
    expect(records.at(-1)?.ok).toBe(true);
    expect(scheduler.state.consecutiveFailures).toBe(0);
    const end = scheduler.state.lastRunEndedAt ?? Number.NaN;
    expect(scheduler.nextPlanned).toEqual({ at: end + 15 * MIN, reason: 'interval' });
    await stopFinishingRuns(scheduler);
  });

  it('paused means paused: no interval, change, wake or start run until the pause ends', async () => {
    const sync = fakeSync();
    const feed = fakeFeed();
    const scheduler = makeScheduler(sync, { changes: feed, policy: { ...policy, runOnStart: true } });
    scheduler.pauseUntil(60 * MIN);
    scheduler.start();
    feed.emit('/x');
    scheduler.wake();
    await scheduler.trigger('interval');
    await vi.advanceTimersByTimeAsync(60 * MIN - 1);
    expect(sync.runs).toHaveLength(0);
    expect(scheduler.paused).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(sync.runs).toEqual([{ reason: 'start', at: 60 * MIN }]);
    await stopFinishingRuns(scheduler);
  });

  it('pauses indefinitely until resumed, and a manual sync still runs when asked', async () => {
    const sync = fakeSync();
    const scheduler = makeScheduler(sync);
    scheduler.start();
    scheduler.pauseUntil(Number.POSITIVE_INFINITY);
    expect(scheduler.nextPlanned).toBeUndefined();
    await vi.advanceTimersByTimeAsync(24 * 60 * MIN);
    expect(sync.runs).toHaveLength(0);
    const manual = scheduler.trigger('manual');
    await vi.advanceTimersByTimeAsync(1_000);
    await manual;
    expect(sync.runs.map((run) => run.reason)).toEqual(['manual']);
    scheduler.resume();
    expect(scheduler.nextPlanned?.reason).toBe('interval');
    await stopFinishingRuns(scheduler);
  });

  it('syncs shortly after a wake', async () => {
    const sync = fakeSync();
    const scheduler = makeScheduler(sync);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(5 * MIN);
    scheduler.wake();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(sync.runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sync.runs).toEqual([{ reason: 'wake', at: 5 * MIN + 10_000 }]);
    await stopFinishingRuns(scheduler);
  });

  it('re-checks long plans so a clock jump or a sleep does not leave a stale timer', async () => {
    const sync = fakeSync();
    const scheduler = new Scheduler({ run: sync.run, policy: { ...policy, intervalMs: 3 * 60 * MIN }, clock, timers, maxTimerMs: 60 * MIN });
    scheduler.start();
    // The wall clock jumps forward by 3 h (the fake timers only see 1 h pass).
    vi.setSystemTime(3 * 60 * MIN);
    await vi.advanceTimersByTimeAsync(60 * MIN);
    expect(sync.runs.map((run) => run.reason)).toEqual(['interval']);
    await stopFinishingRuns(scheduler);
  });

  describe('quit', () => {
    it('waits for the run in progress, then runs once more', async () => {
      const sync = fakeSync(2_000);
      const scheduler = makeScheduler(sync);
      scheduler.start();
      void scheduler.trigger();
      const quit = scheduler.quit(30_000);
      await vi.advanceTimersByTimeAsync(4_000);
      await expect(quit).resolves.toBe('done');
      expect(sync.runs).toEqual([
        { reason: 'manual', at: 0 },
        { reason: 'quit', at: 2_000 },
      ]);
    });

    it('gives up after its time bound when the final run hangs', async () => {
      const sync = fakeSync(10 * MIN);
      const scheduler = makeScheduler(sync);
      scheduler.start();
      const quit = scheduler.quit(15_000);
      let outcome: string | undefined;
      void quit.then((value) => {
        outcome = value;
      });
      await vi.advanceTimersByTimeAsync(14_999);
      expect(outcome).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(outcome).toBe('timed-out');
      expect(sync.runs.map((run) => run.reason)).toEqual(['quit']);
    });

    it('counts a run in progress against the same bound', async () => {
      const sync = fakeSync(20_000);
      const scheduler = makeScheduler(sync);
      scheduler.start();
      void scheduler.trigger();
      const quit = scheduler.quit(15_000);
      await vi.advanceTimersByTimeAsync(15_000);
      await expect(quit).resolves.toBe('timed-out');
      expect(sync.runs.map((run) => run.reason)).toEqual(['manual']);
    });

    it('reports a failed final run', async () => {
      const sync = fakeSync(1_000);
      sync.failNext(1);
      const scheduler = makeScheduler(sync);
      scheduler.start();
      const quit = scheduler.quit(15_000);
      await vi.advanceTimersByTimeAsync(1_000);
      await expect(quit).resolves.toBe('failed');
    });

    it('does not run when paused, and nothing runs after quit', async () => {
      const sync = fakeSync();
      const feed = fakeFeed();
      const scheduler = makeScheduler(sync, { changes: feed });
      scheduler.start();
      scheduler.pauseUntil(60 * MIN);
      await expect(scheduler.quit(15_000)).resolves.toBe('paused');
      feed.emit('/x');
      await scheduler.trigger('manual');
      await vi.advanceTimersByTimeAsync(24 * 60 * MIN);
      expect(sync.runs).toHaveLength(0);
    });

    it('drops a follow-up that was queued when quit began', async () => {
      const sync = fakeSync(2_000);
      const scheduler = makeScheduler(sync);
      scheduler.start();
      void scheduler.trigger();
      const followUp = scheduler.trigger();
      const quit = scheduler.quit(30_000);
      await vi.advanceTimersByTimeAsync(4_000);
      await followUp;
      await expect(quit).resolves.toBe('done');
      expect(sync.runs.map((run) => run.reason)).toEqual(['manual', 'quit']);
    });
  });
});

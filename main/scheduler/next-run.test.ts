import { describe, expect, it } from 'vitest';
import { backoffDelay, nextRun, type SchedulePolicy, type ScheduleState } from './next-run.ts';
import { policyFromSettings } from './settings-policy.ts';

const MIN = 60_000;
const policy: SchedulePolicy = {
  intervalMs: 15 * MIN,
  runOnStart: true,
  quietMs: 30_000,
  runOnWake: true,
  wakeDelayMs: 10_000,
  backoff: { baseMs: 30_000, factor: 2, maxMs: 10 * MIN },
};
const T0 = 1_700_000_000_000;

function state(overrides: Partial<ScheduleState> = {}): ScheduleState {
  return { startedAt: T0, consecutiveFailures: 0, ...overrides };
}

describe('nextRun', () => {
  it('runs on start, once', () => {
    expect(nextRun(policy, state(), T0)).toEqual({ at: T0, reason: 'start' });
    expect(nextRun({ ...policy, runOnStart: false }, state(), T0)).toEqual({ at: T0 + 15 * MIN, reason: 'interval' });
    const afterFirst = state({ lastRunStartedAt: T0, lastRunEndedAt: T0 + 5_000 });
    expect(nextRun(policy, afterFirst, T0 + 5_000)).toEqual({ at: T0 + 5_000 + 15 * MIN, reason: 'interval' });
  });

  it('measures the interval from the end of the last run', () => {
    const s = state({ lastRunStartedAt: T0 + MIN, lastRunEndedAt: T0 + 3 * MIN });
    expect(nextRun(policy, s, T0 + 4 * MIN)).toEqual({ at: T0 + 18 * MIN, reason: 'interval' });
  });

  it('returns a past time when a run is overdue (e.g. after the clock jumped)', () => {
    const s = state({ lastRunStartedAt: T0, lastRunEndedAt: T0 });
    const planned = nextRun(policy, s, T0 + 60 * MIN);
    expect(planned?.reason).toBe('interval');
    expect(planned?.at).toBeLessThan(T0 + 60 * MIN);
  });

  it('debounces file changes: quietMs after the latest change since the last run started', () => {
    const s = state({ lastRunStartedAt: T0, lastRunEndedAt: T0 + 1_000, lastChangeAt: T0 + 2 * MIN });
    expect(nextRun(policy, s, T0 + 2 * MIN)).toEqual({ at: T0 + 2 * MIN + 30_000, reason: 'quiet' });
    // A later change pushes the run back.
    expect(nextRun(policy, { ...s, lastChangeAt: T0 + 2 * MIN + 20_000 }, T0 + 2 * MIN + 20_000)).toEqual({ at: T0 + 2 * MIN + 50_000, reason: 'quiet' });
  });

  it('counts a change made during a run (the run may have missed it) but not one before it', () => {
    const during = state({ lastRunStartedAt: T0 + MIN, lastRunEndedAt: T0 + 2 * MIN, lastChangeAt: T0 + MIN + 1 });
    expect(nextRun(policy, during, T0 + 2 * MIN)?.reason).toBe('quiet');
    const before = state({ lastRunStartedAt: T0 + MIN, lastRunEndedAt: T0 + 2 * MIN, lastChangeAt: T0 + MIN - 1 });
    expect(nextRun(policy, before, T0 + 2 * MIN)?.reason).toBe('interval');
  });

  it('never lets constant changes starve the interval', () => {
    const s = state({ lastRunStartedAt: T0, lastRunEndedAt: T0, lastChangeAt: T0 + 15 * MIN - 1_000 });
    expect(nextRun(policy, s, T0 + 15 * MIN - 1_000)).toEqual({ at: T0 + 15 * MIN, reason: 'interval' });
  });

  it('ignores changes when quiet syncing is off', () => {
    const s = state({ lastRunStartedAt: T0, lastRunEndedAt: T0, lastChangeAt: T0 + MIN });
    expect(nextRun({ ...policy, quietMs: undefined }, s, T0 + MIN)?.reason).toBe('interval');
  });

  it('runs after a wake, once the network had time to come back', () => {
    const s = state({ lastRunStartedAt: T0, lastRunEndedAt: T0, lastWakeAt: T0 + 5 * MIN });
    expect(nextRun(policy, s, T0 + 5 * MIN)).toEqual({ at: T0 + 5 * MIN + 10_000, reason: 'wake' });
    expect(nextRun({ ...policy, runOnWake: false }, s, T0 + 5 * MIN)?.reason).toBe('interval');
    const handled = { ...s, lastRunStartedAt: T0 + 5 * MIN + 10_000, lastRunEndedAt: T0 + 6 * MIN };
    expect(nextRun(policy, handled, T0 + 6 * MIN)?.reason).toBe('interval');
  });

  it('backs off exponentially after failures, capped', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(policy.backoff, n))).toEqual([0, 30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
    for (const [failures, delay] of [[1, 30_000], [3, 120_000], [9, 10 * MIN]] as const) {
      const s = state({ lastRunStartedAt: T0, lastRunEndedAt: T0 + 1_000, consecutiveFailures: failures });
      expect(nextRun(policy, s, T0 + 1_000)).toEqual({ at: T0 + 1_000 + delay, reason: 'retry' });
    }
  });

  it('holds file-change runs back while backing off, but not a wake', () => {
    const failing = state({ lastRunStartedAt: T0, lastRunEndedAt: T0, consecutiveFailures: 4, lastChangeAt: T0 + 1_000 });
    // The quiet run would be at T0+31s; the backoff (4 min) wins.
    expect(nextRun(policy, failing, T0 + 1_000)).toEqual({ at: T0 + 4 * MIN, reason: 'retry' });
    const woke = { ...failing, lastWakeAt: T0 + 2_000 };
    expect(nextRun(policy, woke, T0 + 2_000)).toEqual({ at: T0 + 12_000, reason: 'wake' });
  });

  it('runs nothing while paused and what fell due when the pause ends', () => {
    const s = state({ lastRunStartedAt: T0, lastRunEndedAt: T0, pausedUntil: T0 + 60 * MIN, lastChangeAt: T0 + MIN });
    expect(nextRun(policy, s, T0 + MIN)).toEqual({ at: T0 + 60 * MIN, reason: 'quiet' });
    // Something due after the pause keeps its own time.
    const short = { ...s, pausedUntil: T0 + 10_000 };
    expect(nextRun(policy, short, T0 + MIN)).toEqual({ at: T0 + MIN + 30_000, reason: 'quiet' });
    // A pause that is over no longer counts.
    expect(nextRun(policy, { ...s, pausedUntil: T0 }, T0 + MIN)).toEqual({ at: T0 + MIN + 30_000, reason: 'quiet' });
  });

  it('pauses a wake and an on-start run too, and indefinitely with Infinity', () => {
    const s = state({ pausedUntil: T0 + 60 * MIN, lastWakeAt: T0 });
    expect(nextRun(policy, s, T0)?.at).toBe(T0 + 60 * MIN);
    expect(nextRun(policy, { ...s, pausedUntil: Number.POSITIVE_INFINITY }, T0)).toBeUndefined();
  });
});

describe('policyFromSettings', () => {
  it('maps minutes and seconds and turns quiet syncing off', () => {
    expect(policyFromSettings({ intervalMinutes: 30, syncOnAgentQuiet: true, quietSeconds: 45 }, policy)).toMatchObject({ intervalMs: 30 * MIN, quietMs: 45_000 });
    expect(policyFromSettings({ intervalMinutes: 30, syncOnAgentQuiet: false, quietSeconds: 45 }, policy).quietMs).toBeUndefined();
  });
});

// When the next automatic sync should happen, as a pure function of the policy, what has
// happened so far and the current time (kopia's `nextRuns(policy, now)` idea). The Scheduler only
// feeds it facts and sets one timer; every rule worth testing lives here.

export type RunReason = 'start' | 'interval' | 'quiet' | 'wake' | 'retry' | 'manual' | 'quit';

export interface BackoffPolicy {
  /** Delay before the first retry after a failure. */
  baseMs: number;
  /** Each further consecutive failure multiplies the delay by this. */
  factor: number;
  /** The delay never grows past this. */
  maxMs: number;
}

export interface SchedulePolicy {
  /** A sync at least this often (measured from the end of the last run). */
  intervalMs: number;
  /** Sync once as soon as the scheduler starts. */
  runOnStart: boolean;
  /** Sync once agent files have been quiet this long after a change; undefined turns it off. */
  quietMs: number | undefined;
  /** Sync after the machine wakes from sleep, once the network had `wakeDelayMs` to come back. */
  runOnWake: boolean;
  wakeDelayMs: number;
  backoff: BackoffPolicy;
}

export interface ScheduleState {
  /** When the scheduler started (the base of the first interval). */
  startedAt: number;
  lastRunStartedAt?: number;
  lastRunEndedAt?: number;
  /** Failed runs in a row; 0 after a success. */
  consecutiveFailures: number;
  /** The latest agent file change seen. */
  lastChangeAt?: number;
  /** The latest wake from sleep. */
  lastWakeAt?: number;
  /** No automatic run before this time; Infinity pauses until resumed. */
  pausedUntil?: number;
}

export interface PlannedRun {
  at: number;
  reason: RunReason;
}

export const DEFAULT_POLICY: SchedulePolicy = {
  intervalMs: 15 * 60_000,
  runOnStart: true,
  quietMs: 30_000,
  runOnWake: true,
  wakeDelayMs: 10_000,
  backoff: { baseMs: 30_000, factor: 2, maxMs: 30 * 60_000 },
};

/** Delay before the next attempt after `failures` failed runs in a row (0 for none). */
export function backoffDelay(backoff: BackoffPolicy, failures: number): number {
  if (failures <= 0) return 0;
  const delay = backoff.baseMs * backoff.factor ** (failures - 1);
  return Math.min(delay, backoff.maxMs);
}

/**
 * The next automatic run, or undefined when none is due ever (paused indefinitely). A time in the
 * past means "now". Rules:
 * - interval: `intervalMs` after the last run ended (or after start);
 * - on start: at start, once;
 * - quiet: `quietMs` after the latest change that came after the last run started (a change
 *   during a run may have been missed by it, so it earns a follow-up);
 * - wake: `wakeDelayMs` after a wake that came after the last run started;
 * - after failures: nothing automatic before the backoff delay has passed since the failed run
 *   ended, except a wake (a new network is the likeliest end of an outage); then a retry;
 * - paused: nothing before `pausedUntil`; what fell due during the pause runs when it ends.
 */
export function nextRun(policy: SchedulePolicy, state: ScheduleState, now: number): PlannedRun | undefined {
  const lastStart = state.lastRunStartedAt ?? Number.NEGATIVE_INFINITY;
  const lastEnd = state.lastRunEndedAt ?? state.startedAt;
  const candidates: PlannedRun[] = [];

  if (policy.runOnStart && state.lastRunStartedAt === undefined) candidates.push({ at: state.startedAt, reason: 'start' });
  candidates.push({ at: lastEnd + policy.intervalMs, reason: 'interval' });
  if (policy.quietMs !== undefined && state.lastChangeAt !== undefined && state.lastChangeAt >= lastStart) {
    candidates.push({ at: state.lastChangeAt + policy.quietMs, reason: 'quiet' });
  }

  let planned: PlannedRun[] = candidates;
  if (state.consecutiveFailures > 0) {
    const retryAt = lastEnd + backoffDelay(policy.backoff, state.consecutiveFailures);
    planned = [{ at: retryAt, reason: 'retry' }, ...candidates.map((run) => (run.at < retryAt ? { ...run, at: retryAt } : run))];
  }
  if (policy.runOnWake && state.lastWakeAt !== undefined && state.lastWakeAt >= lastStart) {
    planned.push({ at: state.lastWakeAt + policy.wakeDelayMs, reason: 'wake' });
  }

  // Earliest first; on a tie the first listed reason wins (retry, start, interval, quiet, wake).
  let next = planned[0];
  for (const run of planned) if (next === undefined || run.at < next.at) next = run;
  if (next === undefined) return undefined;

  const pausedUntil = state.pausedUntil;
  if (pausedUntil !== undefined && pausedUntil > now) {
    if (pausedUntil === Number.POSITIVE_INFINITY) return undefined;
    if (next.at < pausedUntil) next = { ...next, at: pausedUntil };
  }
  return next;
}

/** True when automatic runs are held back at `now`. */
export function isPaused(state: Pick<ScheduleState, 'pausedUntil'>, now: number): boolean {
  return state.pausedUntil !== undefined && state.pausedUntil > now;
}

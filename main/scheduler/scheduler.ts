// Drives the sync callback from the rules in next-run.ts: one timer for the next planned run,
// file changes and wakes fed in as facts, overlapping triggers coalesced into one follow-up run,
// and a last run on quit that may not hold the quit up for longer than its bound.

import { isPaused, nextRun, DEFAULT_POLICY, type PlannedRun, type RunReason, type SchedulePolicy, type ScheduleState } from './next-run.ts';

export interface Clock {
  now(): number;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Where file changes come from (chokidar in the app, a fake in tests). */
export interface ChangeFeed {
  onChange(listener: (path: string) => void): () => void;
}

export interface RunRecord {
  reason: RunReason;
  startedAt: number;
  endedAt: number;
  ok: boolean;
  error?: unknown;
}

export type QuitOutcome = 'done' | 'failed' | 'paused' | 'timed-out';

export interface SchedulerOptions {
  /** The sync itself. A rejection counts as a failure and backs the schedule off. */
  run(reason: RunReason): Promise<void>;
  policy?: SchedulePolicy;
  clock?: Clock;
  timers?: Timers;
  changes?: ChangeFeed;
  /** Called after every run, for logs and status. */
  onRunEnd?(record: RunRecord): void;
  /** Called whenever the next planned run changes (for "next sync at" in the UI). */
  onPlan?(planned: PlannedRun | undefined): void;
  /**
   * The longest a single timer is set for; the plan is re-checked at least this often, so that a
   * clock jump or a sleep never leaves a stale timer behind.
   */
  maxTimerMs?: number;
}

const systemClock: Clock = { now: () => Date.now() };
const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Pending {
  reason: RunReason;
  promise: Promise<void>;
  resolve: () => void;
}

export class Scheduler {
  private policy: SchedulePolicy;
  private readonly options: SchedulerOptions;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly maxTimerMs: number;
  private readonly schedule: ScheduleState;
  private timer: unknown;
  private planned: PlannedRun | undefined;
  private current: Promise<void> | undefined;
  private pending: Pending | undefined;
  private unsubscribe: (() => void) | undefined;
  private started = false;
  private stopped = false;

  constructor(options: SchedulerOptions) {
    this.options = options;
    this.policy = options.policy ?? DEFAULT_POLICY;
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.maxTimerMs = options.maxTimerMs ?? 60 * 60_000;
    this.schedule = { startedAt: this.clock.now(), consecutiveFailures: 0 };
  }

  /** Starts planning (and the on-start run, if the policy asks for one). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule.startedAt = this.clock.now();
    this.unsubscribe = this.options.changes?.onChange(() => this.notifyChange());
    this.plan();
  }

  get state(): Readonly<ScheduleState> {
    return { ...this.schedule };
  }

  get nextPlanned(): PlannedRun | undefined {
    return this.planned;
  }

  get isRunning(): boolean {
    return this.current !== undefined;
  }

  get paused(): boolean {
    return isPaused(this.schedule, this.clock.now());
  }

  /**
   * Runs now, or, when a run is in progress, once right after it: any number of triggers during
   * one run make exactly one follow-up. Resolves when the run that covers this trigger ended
   * (failures are reported through onRunEnd, not thrown). A manual trigger runs even while
   * paused (the user asked for it); automatic ones don't.
   */
  trigger(reason: RunReason = 'manual'): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (reason !== 'manual' && this.paused) {
      this.plan();
      return Promise.resolve();
    }
    if (this.current !== undefined) {
      if (this.pending === undefined) {
        let resolve: () => void = () => {};
        const promise = new Promise<void>((done) => {
          resolve = done;
        });
        this.pending = { reason, promise, resolve };
      } else if (reason === 'manual') {
        this.pending.reason = 'manual';
      }
      return this.pending.promise;
    }
    return this.begin(reason);
  }

  /** An agent file changed: sync once things go quiet. */
  notifyChange(): void {
    this.schedule.lastChangeAt = this.clock.now();
    this.plan();
  }

  /** The machine woke from sleep. */
  wake(): void {
    this.schedule.lastWakeAt = this.clock.now();
    this.plan();
  }

  /** No automatic run before `time` (ms since the epoch; Infinity until resume()). */
  pauseUntil(time: number): void {
    this.schedule.pausedUntil = time;
    this.plan();
  }

  resume(): void {
    delete this.schedule.pausedUntil;
    this.plan();
  }

  setPolicy(policy: SchedulePolicy): void {
    this.policy = policy;
    this.plan();
  }

  /** Stops planning and waits for a run in progress; no final run. */
  async stop(): Promise<void> {
    this.halt();
    await this.current;
  }

  /**
   * Stops planning, lets a run in progress finish, then runs once more so that the latest
   * changes are saved, unless paused. Never takes longer than `timeoutMs` in all: quitting the
   * app must not hang on a slow network.
   */
  async quit(timeoutMs: number): Promise<QuitOutcome> {
    this.halt();
    const work = (async (): Promise<QuitOutcome> => {
      await this.current;
      if (this.paused) return 'paused';
      const run = this.execute('quit');
      this.current = run.then(() => undefined);
      const ok = await run;
      this.current = undefined;
      return ok ? 'done' : 'failed';
    })();
    let timer: unknown;
    const timeout = new Promise<QuitOutcome>((resolve) => {
      timer = this.timers.setTimeout(() => resolve('timed-out'), timeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      this.timers.clearTimeout(timer);
    }
  }

  private halt(): void {
    this.stopped = true;
    this.clearTimer();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.setPlanned(undefined);
  }

  private begin(reason: RunReason): Promise<void> {
    this.clearTimer();
    this.setPlanned(undefined);
    const run = this.execute(reason).then(() => this.afterRun());
    this.current = run;
    return run;
  }

  private afterRun(): void {
    this.current = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined && !this.stopped) {
      void this.begin(pending.reason).then(pending.resolve);
      return;
    }
    pending?.resolve();
    this.plan();
  }

  /** Runs the callback once and records the outcome; never rejects. */
  private async execute(reason: RunReason): Promise<boolean> {
    const startedAt = this.clock.now();
    this.schedule.lastRunStartedAt = startedAt;
    let ok = true;
    let error: unknown;
    try {
      await this.options.run(reason);
    } catch (thrown) {
      ok = false;
      error = thrown;
    }
    const endedAt = this.clock.now();
    this.schedule.lastRunEndedAt = endedAt;
    this.schedule.consecutiveFailures = ok ? 0 : this.schedule.consecutiveFailures + 1;
    this.options.onRunEnd?.(ok ? { reason, startedAt, endedAt, ok } : { reason, startedAt, endedAt, ok, error });
    return ok;
  }

  private plan(): void {
    if (!this.started || this.stopped || this.current !== undefined) return;
    this.clearTimer();
    const now = this.clock.now();
    const planned = nextRun(this.policy, this.schedule, now);
    this.setPlanned(planned);
    if (planned === undefined) return;
    const delay = Math.min(Math.max(0, planned.at - now), this.maxTimerMs);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      if (this.clock.now() >= planned.at) void this.trigger(planned.reason);
      else this.plan();
    }, delay);
  }

  private setPlanned(planned: PlannedRun | undefined): void {
    const before = this.planned;
    this.planned = planned;
    if (before?.at !== planned?.at || before?.reason !== planned?.reason) this.options.onPlan?.(planned);
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

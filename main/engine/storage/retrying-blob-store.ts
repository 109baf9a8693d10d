// Retries what can succeed on a second try: errors marked `retryable` (network failures, 5xx,
// throttling, clock skew the SDK has since corrected). Exponential backoff with full jitter
// (delay = random() * min(maxDelay, baseDelay * 2^(attempt - 1))), so that many clients that
// failed together don't come back together. Anything else fails at once.
//
// Throttling is not failure: a provider that says "slow down" (429, 503 SlowDown, Wasabi's
// RequestRateLimitExceeded) is waited for, at least as long as its Retry-After asks, for as long
// as the caller's throttle budget allows — a few minutes for the CLI, without end for the app,
// which shows "waiting for the provider" meanwhile (onRetry / waiting). Reads get more attempts
// than writes (ranged reads): a restore should outlast a flaky link that a backup would give up on.

import { isCairnError, StorageError } from '../../../shared/errors.ts';
import type { BlobStore, ByteRange, CallOptions, ObjectInfo } from './blob-store.ts';
import { cancelledError, ForwardingBlobStore, isAbort, raceAbort } from './forwarding-blob-store.ts';

export type RetryOperation = 'put' | 'get' | 'stat' | 'list' | 'delete';

export interface RetryEvent {
  op: RetryOperation;
  key: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  error: unknown;
  /** The provider asked to slow down (the wait is not a failure). */
  throttled: boolean;
}

export interface RetryOptions {
  /** Attempts in all, including the first, for failures that are not throttling. Default 5. */
  maxAttempts?: number;
  /**
   * Attempts for ranged gets (the pack reads of restores, checks and repacks). Default 3 ×
   * maxAttempts. Whole-object gets (vault.json, snapshots) keep maxAttempts, so an outage is
   * still noticed quickly.
   */
  readAttempts?: number;
  /** Default 250 ms. */
  baseDelayMs?: number;
  /** Longest wait between attempts, unless Retry-After asks for longer. Default 20 s. */
  maxDelayMs?: number;
  /**
   * How long one call keeps waiting out throttling, from its first throttled answer. Default
   * 5 minutes; Infinity for callers that show the wait and never give up (the app).
   */
  throttleBudgetMs?: number;
  /** Injected for tests. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests: the clock the throttle budget is measured with. Default Date.now. */
  now?: () => number;
  /** Injected for tests: a number in [0, 1). Default Math.random. */
  random?: () => number;
  /** Called before each wait, e.g. to report "retrying in 3 s". */
  onRetry?: (event: RetryEvent) => void;
}

export const DEFAULT_THROTTLE_BUDGET_MS = 5 * 60_000;

export class RetryingBlobStore extends ForwardingBlobStore {
  readonly #maxAttempts: number;
  readonly #readAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #throttleBudgetMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  /** Calls waiting out throttling right now; see `waiting`. */
  #throttledCalls = 0;

  constructor(inner: BlobStore, options: RetryOptions = {}) {
    super(inner);
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#readAttempts = Math.max(this.#maxAttempts, options.readAttempts ?? 3 * this.#maxAttempts);
    this.#baseDelayMs = options.baseDelayMs ?? 250;
    this.#maxDelayMs = options.maxDelayMs ?? 20_000;
    this.#throttleBudgetMs = options.throttleBudgetMs ?? DEFAULT_THROTTLE_BUDGET_MS;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#onRetry = options.onRetry;
    this.wrapOptional('putIfAbsent', (next) => (key, data, options) => this.#retry('put', key, options, () => next(key, data, options)));
    this.wrapOptional('ensureContainer', (next) => (options) => this.#retry('list', '', options, () => next(options)));
  }

  /** True while some call is waiting because the provider throttles: "waiting for the provider". */
  get waiting(): boolean {
    return this.#throttledCalls > 0;
  }

  override put(key: string, data: Uint8Array, options?: CallOptions): Promise<void> {
    return this.#retry('put', key, options, () => this.inner.put(key, data, options));
  }

  override get(key: string, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    return this.#retry(range ? 'range' : 'get', key, options, () => this.inner.get(key, range, options));
  }

  override stat(key: string, options?: CallOptions): Promise<ObjectInfo | undefined> {
    return this.#retry('stat', key, options, () => this.inner.stat(key, options));
  }

  /**
   * A listing that fails midway starts over and skips the keys it already gave out. Attempts
   * count from 1 again after a try that made progress, so long listings survive many hiccups.
   */
  override async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    const seen = new Set<string>();
    const state = this.#newState(options?.signal);
    for (;;) {
      let progressed = false;
      try {
        for await (const info of this.inner.list(prefix, options)) {
          if (seen.has(info.key)) continue;
          seen.add(info.key);
          progressed = true;
          yield info;
        }
        this.#settle(state);
        return;
      } catch (error) {
        if (progressed) {
          state.attempt = 1;
          state.failures = 0;
        }
        await this.#backoff('list', prefix, state, error);
        state.attempt += 1;
      }
    }
  }

  override delete(key: string, options?: CallOptions): Promise<void> {
    return this.#retry('delete', key, options, () => this.inner.delete(key, options));
  }

  /** The wait before attempt `attempt + 1`; exposed for tests and progress messages. */
  delayFor(attempt: number): number {
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.#random() * ceiling);
  }

  #newState(signal: AbortSignal | undefined): RetryState {
    return { attempt: 1, failures: 0, throttledSince: undefined, startedAt: this.#now(), signal };
  }

  async #retry<T>(op: RetryOperation | 'range', key: string, options: CallOptions | undefined, call: () => Promise<T>): Promise<T> {
    const state = this.#newState(options?.signal);
    for (; ; state.attempt += 1) {
      try {
        const result = await call();
        this.#settle(state);
        return result;
      } catch (error) {
        await this.#backoff(op, key, state, error);
      }
    }
  }

  #settle(state: RetryState): void {
    if (state.throttledSince !== undefined) {
      state.throttledSince = undefined;
      this.#throttledCalls -= 1;
    }
  }

  /** Waits before the next attempt, or throws when the error is final or the budget is spent. */
  async #backoff(kind: RetryOperation | 'range', key: string, state: RetryState, error: unknown): Promise<void> {
    const op: RetryOperation = kind === 'range' ? 'get' : kind;
    if (state.signal?.aborted || isAbort(error)) {
      // Cancelled: no further attempt, and no waiting out a Retry-After.
      this.#settle(state);
      throw isAbort(error) ? error : cancelledError(this.location);
    }
    if (!isCairnError(error) || !error.retryable) {
      this.#settle(state);
      throw error;
    }
    const throttled = error instanceof StorageError && error.throttled;
    const retryAfterMs = error instanceof StorageError ? error.retryAfterMs : undefined;
    let delayMs = Math.max(this.delayFor(state.attempt), retryAfterMs ?? 0);
    if (throttled) {
      // Waits out throttling by time, not by attempts; the first attempts' budget still applies to
      // other failures in between.
      if (state.throttledSince === undefined) {
        state.throttledSince = this.#now();
        this.#throttledCalls += 1;
      }
      const left = state.throttledSince + this.#throttleBudgetMs - this.#now();
      if (left <= 0 || (retryAfterMs !== undefined && retryAfterMs > left)) {
        this.#settle(state);
        throw this.#gaveUp(error, state);
      }
      delayMs = Math.min(Math.max(delayMs, this.#baseDelayMs), left);
    } else {
      state.failures += 1;
      const attempts = kind === 'range' ? this.#readAttempts : this.#maxAttempts;
      if (state.failures >= attempts) {
        this.#settle(state);
        throw this.#gaveUp(error, state);
      }
    }
    this.#onRetry?.({ op, key, attempt: state.attempt, delayMs, error, throttled });
    try {
      // The backoff (and a Retry-After) is cut short by a cancel.
      await raceAbort(this.#sleep(delayMs), state.signal, this.location);
    } catch (cancelled) {
      this.#settle(state);
      throw cancelled;
    }
  }

  /** The last error, saying how long Cairn kept trying (so nobody reads "will try again" as the process exits). */
  #gaveUp(error: unknown, state: RetryState): unknown {
    if (!(error instanceof StorageError) || (state.attempt <= 1 && state.throttledSince === undefined)) return error;
    const seconds = Math.round((this.#now() - state.startedAt) / 1000);
    const tried = error.throttled
      ? ` The provider kept asking Cairn to slow down for ${seconds} s; try again later, or when fewer devices use this bucket at once.`
      : ` Cairn tried ${state.attempt} times${seconds > 0 ? ` over ${seconds} s` : ''}.`;
    const wrapped = new StorageError(error.code as ConstructorParameters<typeof StorageError>[0], error.message + tried, {
      cause: error,
      retryable: true,
      throttled: error.throttled,
      objectOnly: error.objectOnly,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    });
    return wrapped;
  }
}

interface RetryState {
  /** Attempts so far, from 1 (sets the backoff). */
  attempt: number;
  /** Failures that were not throttling (bounded by maxAttempts / readAttempts). */
  failures: number;
  throttledSince: number | undefined;
  startedAt: number;
  /** The call's cancel signal: once it aborts, no more attempts and no more waiting. */
  signal: AbortSignal | undefined;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

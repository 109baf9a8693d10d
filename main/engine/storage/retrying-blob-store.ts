// Retries what can succeed on a second try: errors marked `retryable` (network failures, 5xx,
// throttling, clock skew the SDK has since corrected). Exponential backoff with full jitter
// (delay = random() * min(maxDelay, baseDelay * 2^(attempt - 1))), so that many clients that
// failed together don't come back together. Anything else fails at once.

import { isCairnError } from '../../../shared/errors.ts';
import type { BlobStore, ByteRange, ObjectInfo } from './blob-store.ts';

export type RetryOperation = 'put' | 'get' | 'stat' | 'list' | 'delete';

export interface RetryEvent {
  op: RetryOperation;
  key: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryOptions {
  /** Attempts in all, including the first. Default 5. */
  maxAttempts?: number;
  /** Default 250 ms. */
  baseDelayMs?: number;
  /** Default 20 s. */
  maxDelayMs?: number;
  /** Injected for tests. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests: a number in [0, 1). Default Math.random. */
  random?: () => number;
  /** Called before each wait, e.g. to report "retrying in 3 s". */
  onRetry?: (event: RetryEvent) => void;
}

export class RetryingBlobStore implements BlobStore {
  readonly location: string;
  readonly inner: BlobStore;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;

  constructor(inner: BlobStore, options: RetryOptions = {}) {
    this.inner = inner;
    this.location = inner.location;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#baseDelayMs = options.baseDelayMs ?? 250;
    this.#maxDelayMs = options.maxDelayMs ?? 20_000;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
    this.#onRetry = options.onRetry;
  }

  put(key: string, data: Uint8Array): Promise<void> {
    return this.#retry('put', key, () => this.inner.put(key, data));
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array> {
    return this.#retry('get', key, () => this.inner.get(key, range));
  }

  stat(key: string): Promise<ObjectInfo | undefined> {
    return this.#retry('stat', key, () => this.inner.stat(key));
  }

  /**
   * A listing that fails midway starts over and skips the keys it already gave out. Attempts
   * count from 1 again after a try that made progress, so long listings survive many hiccups.
   */
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const seen = new Set<string>();
    let attempt = 1;
    for (;;) {
      let progressed = false;
      try {
        for await (const info of this.inner.list(prefix)) {
          if (seen.has(info.key)) continue;
          seen.add(info.key);
          progressed = true;
          yield info;
        }
        return;
      } catch (error) {
        if (progressed) attempt = 1;
        await this.#backoff('list', prefix, attempt, error);
        attempt += 1;
      }
    }
  }

  delete(key: string): Promise<void> {
    return this.#retry('delete', key, () => this.inner.delete(key));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The wait before attempt `attempt + 1`; exposed for tests and progress messages. */
  delayFor(attempt: number): number {
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.#random() * ceiling);
  }

  async #retry<T>(op: RetryOperation, key: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await call();
      } catch (error) {
        await this.#backoff(op, key, attempt, error);
      }
    }
  }

  /** Waits before the next attempt, or rethrows when the error is final. */
  async #backoff(op: RetryOperation, key: string, attempt: number, error: unknown): Promise<void> {
    if (!isCairnError(error) || !error.retryable || attempt >= this.#maxAttempts) throw error;
    const delayMs = this.delayFor(attempt);
    this.#onRetry?.({ op, key, attempt, delayMs, error });
    await this.#sleep(delayMs);
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

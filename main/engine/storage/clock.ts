// Time for code that waits on object stores (lock protocol, lagging listings, throttling), so
// that tests can run hours of store time in seconds.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * Real time sped up `factor` times: a 10 s listing lag at factor 100 lasts 100 ms. Everything
 * that shares one FastClock (stores, locks, retries) agrees on the time, and real concurrency
 * (uploads, workers) still interleaves as it would.
 */
export class FastClock implements Clock {
  readonly factor: number;
  readonly #realStart = Date.now();
  readonly #start: number;

  constructor(factor: number, start = Date.now()) {
    this.factor = factor;
    this.#start = start;
  }

  now(): number {
    return this.#start + (Date.now() - this.#realStart) * this.factor;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms / this.factor)));
  }
}

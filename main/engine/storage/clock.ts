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

  /**
   * Resolves once now() has moved on by `ms`. A timer alone is not enough: it runs on the event
   * loop's cached time, which can be a millisecond behind Date.now() when it is set, so it may fire
   * after less real time than asked (at a factor of 2000, 2 s of store time short: a flaky lag test).
   */
  async sleep(ms: number): Promise<void> {
    const until = this.now() + ms;
    do await new Promise((resolve) => setTimeout(resolve, Math.max(0, (until - this.now()) / this.factor)));
    while (this.now() < until);
  }
}

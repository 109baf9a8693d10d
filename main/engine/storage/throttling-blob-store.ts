// A test decorator that throttles like a busy provider: for a while, every request is answered
// with "slow down" (503 SlowDown / 429) and a Retry-After, as the S3 store maps them.

import { StorageError } from '../../../shared/errors.ts';
import type { BlobStore, ByteRange, ObjectInfo } from './blob-store.ts';
import { systemClock, type Clock } from './clock.ts';

export interface ThrottleOptions {
  /** The Retry-After to send, in milliseconds; none when absent. */
  retryAfterMs?: number;
  /** The provider's code in the message. Default 'SlowDown'. */
  code?: string;
}

export class ThrottlingBlobStore implements BlobStore {
  readonly location: string;
  readonly listingLagMs: number | undefined;
  readonly inner: BlobStore;
  /** Requests refused so far. */
  refused = 0;
  readonly #clock: Clock;
  #until = 0;
  #options: ThrottleOptions = {};

  constructor(inner: BlobStore, options: { clock?: Clock } = {}) {
    this.inner = inner;
    this.location = inner.location;
    this.listingLagMs = inner.listingLagMs;
    this.#clock = options.clock ?? systemClock;
    if (inner.putIfAbsent) {
      const putIfAbsent = inner.putIfAbsent.bind(inner);
      this.putIfAbsent = async (key, data) => {
        this.#gate('write', key);
        return putIfAbsent(key, data);
      };
    }
    if (inner.ensureContainer) this.ensureContainer = inner.ensureContainer.bind(inner);
    if (inner.versioning) this.versioning = inner.versioning.bind(inner);
    if (inner.leftovers) this.leftovers = inner.leftovers.bind(inner);
    if (inner.deleteLeftover) this.deleteLeftover = inner.deleteLeftover.bind(inner);
  }

  putIfAbsent?: BlobStore['putIfAbsent'];
  ensureContainer?: BlobStore['ensureContainer'];
  versioning?: BlobStore['versioning'];
  leftovers?: BlobStore['leftovers'];
  deleteLeftover?: BlobStore['deleteLeftover'];

  /** Every request for the next `ms` (by the clock) is refused as throttled. */
  throttleFor(ms: number, options: ThrottleOptions = {}): this {
    this.#until = this.#clock.now() + ms;
    this.#options = options;
    return this;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    this.#gate('write', key);
    return this.inner.put(key, data);
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    this.#gate('read', key);
    return this.inner.get(key, range);
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    this.#gate('look up', key);
    return this.inner.stat(key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.#gate('list', prefix);
    yield* this.inner.list(prefix);
  }

  async delete(key: string): Promise<void> {
    this.#gate('delete', key);
    return this.inner.delete(key);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  #gate(what: string, key: string): void {
    if (this.#clock.now() >= this.#until) return;
    this.refused += 1;
    const { retryAfterMs, code = 'SlowDown' } = this.#options;
    throw new StorageError('storage', `${this.location} is throttling requests (${code} 503) while trying to ${what} '${key}'.`, {
      retryable: true,
      throttled: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
}

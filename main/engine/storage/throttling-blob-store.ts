// A test decorator that throttles like a busy provider: for a while, every request is answered
// with "slow down" (503 SlowDown / 429) and a Retry-After, as the S3 store maps them.

import { StorageError } from '../../../shared/errors.ts';
import type { BlobStore, ByteRange, CallOptions, ObjectInfo } from './blob-store.ts';
import { ForwardingBlobStore } from './forwarding-blob-store.ts';
import { systemClock, type Clock } from './clock.ts';

export interface ThrottleOptions {
  /** The Retry-After to send, in milliseconds; none when absent. */
  retryAfterMs?: number;
  /** The provider's code in the message. Default 'SlowDown'. */
  code?: string;
}

export class ThrottlingBlobStore extends ForwardingBlobStore {
  /** Requests refused so far. */
  refused = 0;
  readonly #clock: Clock;
  #until = 0;
  #options: ThrottleOptions = {};

  constructor(inner: BlobStore, options: { clock?: Clock } = {}) {
    super(inner);
    this.#clock = options.clock ?? systemClock;
    this.wrapOptional('putIfAbsent', (next) => async (key, data, options) => {
      this.#gate('write', key);
      return next(key, data, options);
    });
  }

  /** Every request for the next `ms` (by the clock) is refused as throttled. */
  throttleFor(ms: number, options: ThrottleOptions = {}): this {
    this.#until = this.#clock.now() + ms;
    this.#options = options;
    return this;
  }

  override async put(key: string, data: Uint8Array, options?: CallOptions): Promise<void> {
    this.#gate('write', key);
    return this.inner.put(key, data, options);
  }

  override async get(key: string, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    this.#gate('read', key);
    return this.inner.get(key, range, options);
  }

  override async stat(key: string, options?: CallOptions): Promise<ObjectInfo | undefined> {
    this.#gate('look up', key);
    return this.inner.stat(key, options);
  }

  override async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    this.#gate('list', prefix);
    yield* this.inner.list(prefix, options);
  }

  override async delete(key: string, options?: CallOptions): Promise<void> {
    this.#gate('delete', key);
    return this.inner.delete(key, options);
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

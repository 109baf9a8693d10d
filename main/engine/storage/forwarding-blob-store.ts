// The base of every BlobStore decorator (retry, outbox, faults, lag, throttling, a bound cancel
// signal): each call goes to the wrapped store unchanged, options and cancel signal included, and
// each OPTIONAL method (putIfAbsent, ensureContainer, versioning, leftovers, deleteLeftover) is
// present exactly when the wrapped store has it, since callers test for them. A decorator
// overrides the required methods it changes, and changes an optional one with wrapOptional().

import { CairnError } from '../../../shared/errors.ts';
import type { BlobStore, ByteRange, CallOptions, ObjectInfo } from './blob-store.ts';

export const OPTIONAL_METHODS = ['putIfAbsent', 'ensureContainer', 'versioning', 'leftovers', 'deleteLeftover'] as const;
export type OptionalMethod = (typeof OPTIONAL_METHODS)[number];

export class ForwardingBlobStore implements BlobStore {
  readonly inner: BlobStore;
  readonly location: string;
  readonly listingLagMs: number | undefined;
  declare putIfAbsent?: BlobStore['putIfAbsent'];
  declare ensureContainer?: BlobStore['ensureContainer'];
  declare versioning?: BlobStore['versioning'];
  declare leftovers?: BlobStore['leftovers'];
  declare deleteLeftover?: BlobStore['deleteLeftover'];

  constructor(inner: BlobStore) {
    this.inner = inner;
    this.location = inner.location;
    this.listingLagMs = inner.listingLagMs;
    for (const name of OPTIONAL_METHODS) {
      const method = inner[name] as ((...args: never[]) => unknown) | undefined;
      if (method) Object.defineProperty(this, name, { value: method.bind(inner), writable: true, configurable: true, enumerable: false });
    }
  }

  /**
   * Replaces optional method `name` with `wrap(next)`, where `next` is the wrapped store's own,
   * but only when the wrapped store has it (a decorator never adds a capability).
   */
  protected wrapOptional<K extends OptionalMethod>(name: K, wrap: (next: NonNullable<BlobStore[K]>) => NonNullable<BlobStore[K]>): void {
    const next = this[name] as BlobStore[K];
    if (next) Object.defineProperty(this, name, { value: wrap(next as NonNullable<BlobStore[K]>), writable: true, configurable: true, enumerable: false });
  }

  put(key: string, data: Uint8Array, options?: CallOptions): Promise<void> {
    return this.inner.put(key, data, options);
  }

  get(key: string, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    return this.inner.get(key, range, options);
  }

  stat(key: string, options?: CallOptions): Promise<ObjectInfo | undefined> {
    return this.inner.stat(key, options);
  }

  list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, options);
  }

  delete(key: string, options?: CallOptions): Promise<void> {
    return this.inner.delete(key, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * A view of `inner` whose every call also obeys `signal` (with the call's own, if any): what a
 * backup, restore or prune hands its vault so that cancelling it aborts the requests in flight.
 */
export class SignalBoundBlobStore extends ForwardingBlobStore {
  readonly signal: AbortSignal;

  constructor(inner: BlobStore, signal: AbortSignal) {
    super(inner);
    this.signal = signal;
    const bind = (options?: CallOptions): CallOptions => ({ ...options, signal: anySignal(this.signal, options?.signal) });
    this.wrapOptional('putIfAbsent', (next) => (key, data, options) => next(key, data, bind(options)));
    this.wrapOptional('ensureContainer', (next) => (options) => next(bind(options)));
    this.wrapOptional('versioning', (next) => (options) => next(bind(options)));
    this.wrapOptional('leftovers', (next) => (options) => next(bind(options)));
    this.wrapOptional('deleteLeftover', (next) => (key, options) => next(key, bind(options)));
    this.#bind = bind;
  }

  readonly #bind: (options?: CallOptions) => CallOptions;

  override put(key: string, data: Uint8Array, options?: CallOptions): Promise<void> {
    return this.inner.put(key, data, this.#bind(options));
  }
  override get(key: string, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    return this.inner.get(key, range, this.#bind(options));
  }
  override stat(key: string, options?: CallOptions): Promise<ObjectInfo | undefined> {
    return this.inner.stat(key, this.#bind(options));
  }
  override list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, this.#bind(options));
  }
  override delete(key: string, options?: CallOptions): Promise<void> {
    return this.inner.delete(key, this.#bind(options));
  }
}

/** The signal that aborts when any of `signals` does. */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

/** The error every store throws for a call its signal aborted. */
export function cancelledError(location: string, what = 'The storage request'): CairnError {
  return new CairnError('cancelled', `${what} to ${location} was cancelled. Nothing half-written is kept: the next run does it again.`);
}

/** Throws the cancel error when `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, location: string): void {
  if (signal?.aborted) throw cancelledError(location);
}

/** Whether `error` is an abort (the SDK's AbortError, Node's ABORT_ERR, or our cancel). */
export function isAbort(error: unknown): boolean {
  if (error instanceof CairnError) return error.code === 'cancelled';
  const e = error as { name?: string; code?: string } | undefined;
  return e?.name === 'AbortError' || e?.code === 'ABORT_ERR';
}

/** `store` without the signal a SignalBoundBlobStore view added: for work a cancel must not cut (releasing a lock). */
export function unbound(store: BlobStore): BlobStore {
  return store instanceof SignalBoundBlobStore ? unbound(store.inner) : store;
}

/** The cancel signal a SignalBoundBlobStore view carries, if `store` is one. */
export function boundSignal(store: BlobStore): AbortSignal | undefined {
  return store instanceof SignalBoundBlobStore ? store.signal : undefined;
}

/** `work`, or the cancel error as soon as `signal` aborts (what `work` was doing is left to finish on its own). */
export async function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined, location: string): Promise<T> {
  if (!signal) return work;
  throwIfAborted(signal, location);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(cancelledError(location));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

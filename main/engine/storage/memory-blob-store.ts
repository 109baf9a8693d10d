// A BlobStore in a Map: for tests, and as the reference the conformance suite is checked against.
// Bytes are copied in and out so callers can't change stored objects through shared buffers.

import { NotFoundError } from '../../../shared/errors.ts';
import type { BlobStore, ByteRange, CallOptions, ObjectInfo } from './blob-store.ts';
import { throwIfAborted } from './forwarding-blob-store.ts';
import { assertValidKey, assertValidPrefix, assertValidRange, rangeBeyondEnd } from './keys.ts';
import { ConditionUnsupportedError } from './conditions.ts';

export interface MemoryBlobStoreOptions {
  /** The store's clock, for modifiedAt. Default Date.now. */
  now?: () => number;
  /** Whether putIfAbsent is honoured. Default true; false behaves like Swift's s3api (501). */
  conditionalWrites?: boolean;
}

interface Stored {
  data: Uint8Array;
  modifiedAt: number;
}

export class MemoryBlobStore implements BlobStore {
  readonly location: string;
  /** Listings are current: nothing to wait out. */
  readonly listingLagMs = 0;
  readonly #objects = new Map<string, Stored>();
  readonly #now: () => number;
  readonly #conditional: boolean;

  constructor(name = 'memory', options: MemoryBlobStoreOptions = {}) {
    this.location = `memory:${name}`;
    this.#now = options.now ?? Date.now;
    this.#conditional = options.conditionalWrites ?? true;
  }

  /** Number of objects stored; for tests. */
  get size(): number {
    return this.#objects.size;
  }

  async put(key: string, data: Uint8Array, options?: CallOptions): Promise<void> {
    throwIfAborted(options?.signal, this.location);
    assertValidKey(key);
    // A copy: Buffer#slice would alias the caller's bytes.
    this.#objects.set(key, { data: new Uint8Array(data), modifiedAt: this.#now() });
  }

  async putIfAbsent(key: string, data: Uint8Array, options?: CallOptions): Promise<boolean> {
    throwIfAborted(options?.signal, this.location);
    assertValidKey(key);
    if (!this.#conditional) throw new ConditionUnsupportedError(this.location);
    if (this.#objects.has(key)) return false;
    await this.put(key, data);
    return true;
  }

  async get(key: string, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    throwIfAborted(options?.signal, this.location);
    assertValidKey(key);
    if (range) assertValidRange(key, range);
    const data = this.#objects.get(key)?.data;
    if (data === undefined) throw new NotFoundError(`The object '${key}' does not exist in ${this.location}.`);
    if (range === undefined) return new Uint8Array(data);
    if (range.offset + range.length > data.length) throw rangeBeyondEnd(key, this.location, range, data.length);
    return data.slice(range.offset, range.offset + range.length);
  }

  async stat(key: string, options?: CallOptions): Promise<ObjectInfo | undefined> {
    throwIfAborted(options?.signal, this.location);
    assertValidKey(key);
    const stored = this.#objects.get(key);
    return stored === undefined ? undefined : { key, size: stored.data.length, modifiedAt: stored.modifiedAt };
  }

  async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    throwIfAborted(options?.signal, this.location);
    assertValidPrefix(prefix);
    // A snapshot of the keys: puts and deletes during the iteration don't disturb it.
    const matches = [...this.#objects].filter(([key]) => key.startsWith(prefix));
    for (const [key, stored] of matches) yield { key, size: stored.data.length, modifiedAt: stored.modifiedAt };
  }

  async delete(key: string, options?: CallOptions): Promise<void> {
    throwIfAborted(options?.signal, this.location);
    assertValidKey(key);
    this.#objects.delete(key);
  }

  async close(): Promise<void> {}
}

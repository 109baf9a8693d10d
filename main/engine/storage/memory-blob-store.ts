// A BlobStore in a Map: for tests, and as the reference the conformance suite is checked against.
// Bytes are copied in and out so callers can't change stored objects through shared buffers.

import { NotFoundError } from '../../../shared/errors.ts';
import type { BlobStore, ByteRange, ObjectInfo } from './blob-store.ts';
import { assertValidKey, assertValidPrefix, assertValidRange, rangeBeyondEnd } from './keys.ts';

export class MemoryBlobStore implements BlobStore {
  readonly location: string;
  readonly #objects = new Map<string, Uint8Array>();

  constructor(name = 'memory') {
    this.location = `memory:${name}`;
  }

  /** Number of objects stored; for tests. */
  get size(): number {
    return this.#objects.size;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    assertValidKey(key);
    this.#objects.set(key, new Uint8Array(data)); // a copy: Buffer#slice would alias the caller's bytes
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    assertValidKey(key);
    if (range) assertValidRange(key, range);
    const data = this.#objects.get(key);
    if (data === undefined) throw new NotFoundError(`The object '${key}' does not exist in ${this.location}.`);
    if (range === undefined) return new Uint8Array(data);
    if (range.offset + range.length > data.length) throw rangeBeyondEnd(key, this.location, range, data.length);
    return data.slice(range.offset, range.offset + range.length);
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    assertValidKey(key);
    const data = this.#objects.get(key);
    return data === undefined ? undefined : { key, size: data.length };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    // A snapshot of the keys: puts and deletes during the iteration don't disturb it.
    const matches = [...this.#objects].filter(([key]) => key.startsWith(prefix));
    for (const [key, data] of matches) yield { key, size: data.length };
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    this.#objects.delete(key);
  }

  async close(): Promise<void> {}
}

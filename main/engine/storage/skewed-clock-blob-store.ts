// A test decorator for a store whose clock is off from this computer's: every modifiedAt it
// reports is shifted by `offsetMs`. Code that compares store times with the local clock breaks
// on it; code that compares store times with store times (lock staleness, prune's margin) doesn't.

import type { BlobStore, ByteRange, ObjectInfo } from './blob-store.ts';

export class SkewedClockBlobStore implements BlobStore {
  readonly location: string;
  readonly listingLagMs: number | undefined;
  readonly inner: BlobStore;
  readonly offsetMs: number;

  constructor(inner: BlobStore, offsetMs: number) {
    this.inner = inner;
    this.location = inner.location;
    this.listingLagMs = inner.listingLagMs;
    this.offsetMs = offsetMs;
    if (inner.putIfAbsent) this.putIfAbsent = inner.putIfAbsent.bind(inner);
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

  put(key: string, data: Uint8Array): Promise<void> {
    return this.inner.put(key, data);
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array> {
    return this.inner.get(key, range);
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const info = await this.inner.stat(key);
    return info && this.#shift(info);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for await (const info of this.inner.list(prefix)) yield this.#shift(info);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  #shift(info: ObjectInfo): ObjectInfo {
    return info.modifiedAt === undefined ? info : { ...info, modifiedAt: info.modifiedAt + this.offsetMs };
  }
}

// A test decorator for a store whose clock is off from this computer's: every modifiedAt it
// reports is shifted by `offsetMs`. Code that compares store times with the local clock breaks
// on it; code that compares store times with store times (lock staleness, prune's margin) doesn't.

import type { BlobStore, CallOptions, ObjectInfo } from './blob-store.ts';
import { ForwardingBlobStore } from './forwarding-blob-store.ts';

export class SkewedClockBlobStore extends ForwardingBlobStore {
  readonly offsetMs: number;

  constructor(inner: BlobStore, offsetMs: number) {
    super(inner);
    this.offsetMs = offsetMs;
  }

  override async stat(key: string, options?: CallOptions): Promise<ObjectInfo | undefined> {
    const info = await this.inner.stat(key, options);
    return info && this.#shift(info);
  }

  override async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    for await (const info of this.inner.list(prefix, options)) yield this.#shift(info);
  }

  #shift(info: ObjectInfo): ObjectInfo {
    return info.modifiedAt === undefined ? info : { ...info, modifiedAt: info.modifiedAt + this.offsetMs };
  }
}

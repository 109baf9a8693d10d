// A test decorator whose listings lag writes and deletes, as real object stores' do: OpenStack
// Swift updates container listings asynchronously by design, Wasabi documents eventual
// consistency for overwrites and deletes, B2 documents nothing. Objects themselves are read
// after write (get and stat see a put at once), as on S3 today; only list() is behind:
// - a new key is missing from listings for `lagMs` after its put;
// - an overwritten key is listed with its old size and time for `lagMs`;
// - a deleted key is still listed (with its old size and time) for `lagMs`.

import type { BlobStore, CallOptions, ObjectInfo } from './blob-store.ts';
import { ForwardingBlobStore } from './forwarding-blob-store.ts';
import { systemClock, type Clock } from './clock.ts';

export interface LaggingBlobStoreOptions {
  lagMs: number;
  /** What the store claims as its bound (listingLagMs). Default lagMs. */
  reportedLagMs?: number;
  clock?: Clock;
}

interface Change {
  at: number;
  /** What listings showed before the change; undefined for a key that didn't exist. */
  before: ObjectInfo | undefined;
  deleted: boolean;
}

export class LaggingBlobStore extends ForwardingBlobStore {
  lagMs: number;
  /** The bound the lock protocol waits out; the lag itself unless told otherwise (to test a wrong bound). */
  override listingLagMs: number;
  readonly #clock: Clock;
  readonly #changes = new Map<string, Change>();

  constructor(inner: BlobStore, options: LaggingBlobStoreOptions) {
    super(inner);
    this.lagMs = options.lagMs;
    this.listingLagMs = options.reportedLagMs ?? options.lagMs;
    this.#clock = options.clock ?? systemClock;
    this.wrapOptional('putIfAbsent', (next) => async (key, data, options) => {
      const before = await this.#visible(key, options);
      const written = await next(key, data, options);
      if (written) this.#record(key, before, false);
      return written;
    });
  }

  override async put(key: string, data: Uint8Array, options?: CallOptions): Promise<void> {
    const before = await this.#visible(key, options);
    await this.inner.put(key, data, options);
    this.#record(key, before, false);
  }

  override async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    const now = this.#clock.now();
    for (const [key, change] of this.#changes) if (now - change.at >= this.lagMs) this.#changes.delete(key);
    const listed = new Set<string>();
    for await (const info of this.inner.list(prefix, options)) {
      listed.add(info.key);
      const change = this.#changes.get(info.key);
      if (change === undefined) yield info;
      else if (change.before !== undefined) yield change.before;
    }
    for (const [key, change] of this.#changes) {
      if (change.deleted && change.before !== undefined && !listed.has(key) && key.startsWith(prefix)) yield change.before;
    }
  }

  override async delete(key: string, options?: CallOptions): Promise<void> {
    const before = await this.#visible(key, options);
    await this.inner.delete(key, options);
    this.#record(key, before, true);
  }

  /** What listings show for `key` right now. */
  async #visible(key: string, options?: CallOptions): Promise<ObjectInfo | undefined> {
    const change = this.#changes.get(key);
    if (change !== undefined && this.#clock.now() - change.at < this.lagMs) return change.before;
    return this.inner.stat(key, options);
  }

  #record(key: string, before: ObjectInfo | undefined, deleted: boolean): void {
    // A second change within the lag keeps what listings showed before the first.
    const pending = this.#changes.get(key);
    const shown = pending !== undefined && this.#clock.now() - pending.at < this.lagMs ? pending.before : before;
    this.#changes.set(key, { at: this.#clock.now(), before: shown, deleted });
  }
}

// A test decorator whose listings lag writes and deletes, as real object stores' do: OpenStack
// Swift updates container listings asynchronously by design, Wasabi documents eventual
// consistency for overwrites and deletes, B2 documents nothing. Objects themselves are read
// after write (get and stat see a put at once), as on S3 today; only list() is behind:
// - a new key is missing from listings for `lagMs` after its put;
// - an overwritten key is listed with its old size and time for `lagMs`;
// - a deleted key is still listed (with its old size and time) for `lagMs`.

import type { BlobStore, ByteRange, ObjectInfo } from './blob-store.ts';
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

export class LaggingBlobStore implements BlobStore {
  readonly location: string;
  readonly inner: BlobStore;
  lagMs: number;
  /** The bound the lock protocol waits out; the lag itself unless told otherwise (to test a wrong bound). */
  listingLagMs: number;
  readonly #clock: Clock;
  readonly #changes = new Map<string, Change>();

  constructor(inner: BlobStore, options: LaggingBlobStoreOptions) {
    this.inner = inner;
    this.location = inner.location;
    this.lagMs = options.lagMs;
    this.listingLagMs = options.reportedLagMs ?? options.lagMs;
    this.#clock = options.clock ?? systemClock;
    if (inner.putIfAbsent) {
      const putIfAbsent = inner.putIfAbsent.bind(inner);
      this.putIfAbsent = async (key, data) => {
        const before = await this.#visible(key);
        const written = await putIfAbsent(key, data);
        if (written) this.#record(key, before, false);
        return written;
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

  async put(key: string, data: Uint8Array): Promise<void> {
    const before = await this.#visible(key);
    await this.inner.put(key, data);
    this.#record(key, before, false);
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array> {
    return this.inner.get(key, range);
  }

  stat(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.stat(key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const now = this.#clock.now();
    for (const [key, change] of this.#changes) if (now - change.at >= this.lagMs) this.#changes.delete(key);
    const listed = new Set<string>();
    for await (const info of this.inner.list(prefix)) {
      listed.add(info.key);
      const change = this.#changes.get(info.key);
      if (change === undefined) yield info;
      else if (change.before !== undefined) yield change.before;
    }
    for (const [key, change] of this.#changes) {
      if (change.deleted && change.before !== undefined && !listed.has(key) && key.startsWith(prefix)) yield change.before;
    }
  }

  async delete(key: string): Promise<void> {
    const before = await this.#visible(key);
    await this.inner.delete(key);
    this.#record(key, before, true);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** What listings show for `key` right now. */
  async #visible(key: string): Promise<ObjectInfo | undefined> {
    const change = this.#changes.get(key);
    if (change !== undefined && this.#clock.now() - change.at < this.lagMs) return change.before;
    return this.inner.stat(key);
  }

  #record(key: string, before: ObjectInfo | undefined, deleted: boolean): void {
    // A second change within the lag keeps what listings showed before the first.
    const pending = this.#changes.get(key);
    const shown = pending !== undefined && this.#clock.now() - pending.at < this.lagMs ? pending.before : before;
    this.#changes.set(key, { at: this.#clock.now(), before: shown, deleted });
  }
}

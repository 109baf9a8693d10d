// The one storage abstraction everything above it uses. Deliberately tiny (after restic's
// backend): objects are immutable byte strings addressed by a key made of `/`-separated parts.
// Implementations: S3BlobStore, LocalBlobStore, MemoryBlobStore; decorators add retry and faults.

export interface ObjectInfo {
  key: string;
  size: number;
  /**
   * When the object was last written, in milliseconds since the epoch by the STORE's clock (S3's
   * LastModified, a file's mtime). Compared only with other times from the same store, never with
   * the local clock: that is what keeps lock staleness and prune's safety margin right on a
   * device whose clock is off. Absent when the store can't tell.
   */
  modifiedAt?: number;
}

export interface ByteRange {
  offset: number;
  length: number;
  /**
   * A buffer to read into (at least `length` bytes): the result is then a view of it. Lets a
   * caller reuse a few buffers for thousands of reads instead of leaving each read's buffer to the
   * garbage collector. A store may ignore it and return a buffer of its own.
   */
  into?: Uint8Array;
}

/**
 * Per-call options. `signal` aborts the call: a request in flight is cancelled (the S3 store
 * aborts its HTTP request, the folder store its file I/O), a retry stops retrying and stops
 * waiting, and the call rejects with CairnError 'cancelled'. Every method takes it last.
 */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Whether a bucket keeps old versions of objects: 'enabled' and 'suspended' keep what prune deletes. */
export type BucketVersioning = 'enabled' | 'suspended' | 'off' | 'unknown';

export interface BlobStore {
  /** Human-readable location for messages, e.g. `s3://bucket/prefix at https://…` or a path. */
  readonly location: string;
  /**
   * How long, at most, listings may lag writes and deletes here, in milliseconds: what the lock
   * protocol waits out. 0 for stores whose listings are current (a folder, memory); absent when
   * unknown (S3 providers: Swift by design, Wasabi, B2), and then a default bound applies.
   */
  readonly listingLagMs?: number;
  /**
   * Writes the whole object atomically: a reader sees the old object, the new one, or none. The
   * store keeps no reference to `data` once the call settles: the caller may reuse the buffer.
   */
  put(key: string, data: Uint8Array, options?: CallOptions): Promise<void>;
  /** Reads the object, or `range` of it. Throws NotFoundError when it does not exist. */
  get(key: string, range?: ByteRange, options?: CallOptions): Promise<Uint8Array>;
  /** Size of the object, or undefined when it does not exist. */
  stat(key: string, options?: CallOptions): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in no guaranteed order. */
  list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo>;
  /**
   * Writes the object only if no object has that key (S3's `If-None-Match: *`): true when it was
   * written, false when one existed. Throws StorageError 'unsupported' where the store refuses the
   * condition (Swift's s3api answers 501); absent on stores that never offer it. Whether a store
   * truly honours it is probed once per vault (vault/capabilities.ts): some ignore the header.
   */
  putIfAbsent?(key: string, data: Uint8Array, options?: CallOptions): Promise<boolean>;
  /** Creates the bucket (or folder) when it does not exist; S3 only. */
  ensureContainer?(options?: CallOptions): Promise<'exists' | 'created'>;
  /** Whether the bucket keeps deleted objects as old versions; S3 only. */
  versioning?(options?: CallOptions): Promise<BucketVersioning>;
  /**
   * Pieces of writes that never finished (the process was killed mid-put), which list() hides:
   * each named by its own key. A local folder only: an S3 PUT is atomic, and an unfinished
   * multipart upload is the bucket's lifecycle rule's to abort.
   */
  leftovers?(options?: CallOptions): AsyncIterable<ObjectInfo>;
  /** Removes one leftover named by leftovers(); refuses any other key. */
  deleteLeftover?(key: string, options?: CallOptions): Promise<void>;
  /** Deletes the object; deleting a missing object is not an error. */
  delete(key: string, options?: CallOptions): Promise<void>;
  /** Releases connections and handles. */
  close(): Promise<void>;
}

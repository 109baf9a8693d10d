// The one storage abstraction everything above it uses. Deliberately tiny (after restic's
// backend): objects are immutable byte strings addressed by a key made of `/`-separated parts.
// Implementations: S3BlobStore, LocalBlobStore, MemoryBlobStore; decorators add retry and faults.

export interface ObjectInfo {
  key: string;
  size: number;
}

export interface ByteRange {
  offset: number;
  length: number;
}

export interface BlobStore {
  /** Human-readable location for messages, e.g. `s3://bucket/prefix at https://…` or a path. */
  readonly location: string;
  /** Writes the whole object atomically: a reader sees the old object, the new one, or none. */
  put(key: string, data: Uint8Array): Promise<void>;
  /** Reads the object, or `range` of it. Throws NotFoundError when it does not exist. */
  get(key: string, range?: ByteRange): Promise<Uint8Array>;
  /** Size of the object, or undefined when it does not exist. */
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in no guaranteed order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes the object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Releases connections and handles. */
  close(): Promise<void>;
}

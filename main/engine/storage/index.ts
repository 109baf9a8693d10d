// Storage: the one place objects are written and read. A tiny BlobStore interface (put, get with
// ranges, stat, list, delete) over an S3-compatible bucket, a local folder or memory; decorators
// for retry with backoff, and for tests: fault injection, lagging listings, throttling, a skewed
// store clock; a permission probe; and the parsing
// of locations (`s3://BUCKET/PREFIX`, folder paths) into stores. Nothing above this folder
// imports the AWS SDK. The conformance suite (conformance.ts) imports vitest and is therefore
// not exported here: test files import it directly.

export type { BlobStore, BucketVersioning, ByteRange, CallOptions, ObjectInfo } from './blob-store.ts';
export { anySignal, boundSignal, cancelledError, ForwardingBlobStore, isAbort, OPTIONAL_METHODS, raceAbort, SignalBoundBlobStore, throwIfAborted, unbound, type OptionalMethod } from './forwarding-blob-store.ts';
export { MemoryBlobStore, type MemoryBlobStoreOptions } from './memory-blob-store.ts';
export { LocalBlobStore, type LocalBlobStoreOptions } from './local-blob-store.ts';
export { syncFolder } from '../atomic-file.ts';
export { S3BlobStore, type S3BlobStoreOptions, type S3Credentials } from './s3-blob-store.ts';
export { DEFAULT_THROTTLE_BUDGET_MS, RetryingBlobStore, type RetryEvent, type RetryOperation, type RetryOptions } from './retrying-blob-store.ts';
export { LaggingBlobStore, type LaggingBlobStoreOptions } from './lagging-blob-store.ts';
export { ThrottlingBlobStore, type ThrottleOptions } from './throttling-blob-store.ts';
export { SkewedClockBlobStore } from './skewed-clock-blob-store.ts';
export { ConditionUnsupportedError } from './conditions.ts';
export { FastClock, systemClock, type Clock } from './clock.ts';
export { FaultyBlobStore, type FaultOperation, type FaultOptions, type FaultyBlobStoreOptions } from './faulty-blob-store.ts';
export { keptVersions, probeStore, VAULT_HEADER_KEY, versionedBucketAdvice, type ProbeOptions } from './probe.ts';
export { createBlobStore, DEFAULT_PREFIX, formatLocation, parseLocation, type CreateBlobStoreOptions, type ParseLocationOptions } from './location.ts';
export { assertValidKey, assertValidPrefix } from './keys.ts';

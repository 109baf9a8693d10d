// A BlobStore in an S3-compatible bucket (AWS S3, Cloudflare R2, Backblaze B2, MinIO, Swift's
// s3api, ...), under a key prefix. The only code in Cairn that imports the AWS SDK.
//
// Compatibility choices, all because real providers refuse the SDK's defaults:
// - checksums only when an operation requires them (R2 and B2 reject the default CRC32 headers,
//   Swift rejects aws-chunked uploads), a known Content-Length on every upload, and our own
//   Content-MD5 on single puts so that the server verifies what it stores;
// - conditional writes only through putIfAbsent, whose support is probed per vault (Swift's
//   s3api answers 501, some servers ignore the header); no DeleteObjects (Swift wants
//   Content-MD5 there, B2/MinIO vary);
// - the SDK's own retries are off: RetryingBlobStore retries in one place, with one policy.

import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ConfigError, StorageError, type CairnError } from '../../../shared/errors.ts';
import type { BlobStore, BucketVersioning, ByteRange, CallOptions, ObjectInfo } from './blob-store.ts';
import { cancelledError, isAbort, throwIfAborted } from './forwarding-blob-store.ts';
import { ConditionUnsupportedError } from './conditions.ts';
import { assertValidKey, assertValidPrefix, assertValidRange, rangeBeyondEnd } from './keys.ts';
import { mapS3Error, type S3ErrorContext, type S3Operation } from './s3-errors.ts';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3BlobStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/`; '' for the bucket's root. */
  prefix: string;
  /** e.g. `https://<account>.r2.cloudflarestorage.com`; AWS S3 when absent. */
  endpoint?: string;
  /** Default: AWS_REGION, then AWS_DEFAULT_REGION, then `us-east-1`. */
  region?: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO, Swift, most self-hosted servers). */
  forcePathStyle?: boolean;
  /** When absent, the SDK's default chain: AWS_* environment variables, ~/.aws profiles, SSO, instance roles. */
  credentials?: S3Credentials;
  /** Time to establish a connection. Default 10 s. */
  connectionTimeoutMs?: number;
  /** Longest a socket may stay idle during a request before it is dropped. Default 60 s. */
  socketTimeoutMs?: number;
  /** Longest a whole request may take; 0 for no limit. Default 0 (large uploads on slow links are fine). */
  requestTimeoutMs?: number;
  /** Concurrent connections to the endpoint. Default 16. */
  maxSockets?: number;
  /** Objects larger than this are uploaded in parts. Default 16 MiB. */
  multipartThreshold?: number;
  /** Part size for multipart uploads, at least 5 MiB. Default 8 MiB. */
  partSize?: number;
  /** Parts of one object uploaded at the same time. Default 4. */
  partConcurrency?: number;
  /** The bound on this provider's listing lag, when known (see BlobStore.listingLagMs). */
  listingLagMs?: number;
  /** For tests: pretend the local clock is off by this much (milliseconds). */
  clockOffsetMs?: number;
}

const MiB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MiB;

export class S3BlobStore implements BlobStore {
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly listingLagMs: number | undefined;
  readonly #client: S3Client;
  readonly #endpointText: string;
  readonly #region: string;
  readonly #multipartThreshold: number;
  readonly #partSize: number;
  readonly #partConcurrency: number;

  constructor(options: S3BlobStoreOptions) {
    if (options.bucket === '') throw new ConfigError('No bucket name is set. Enter the bucket to store the vault in.');
    const prefix = options.prefix.replace(/^\/+|\/+$/g, '');
    if (prefix !== '') {
      try {
        assertValidKey(prefix);
      } catch (error) {
        throw new ConfigError(`'${options.prefix}' is not a valid key prefix: use /-separated names without '.', '..' or backslashes.`, { cause: error });
      }
    }
    this.#partSize = options.partSize ?? 8 * MiB;
    if (this.#partSize < MIN_PART_SIZE) throw new ConfigError(`The multipart part size must be at least 5 MiB, not ${this.#partSize} bytes.`);
    this.#multipartThreshold = Math.max(options.multipartThreshold ?? 16 * MiB, this.#partSize);
    this.#partConcurrency = Math.max(1, options.partConcurrency ?? 4);

    this.bucket = options.bucket;
    this.listingLagMs = options.listingLagMs;
    this.prefix = prefix;
    this.#region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    this.#endpointText = options.endpoint ?? `AWS S3 (${this.#region})`;
    this.location = `s3://${options.bucket}/${prefix}${options.endpoint === undefined ? '' : ` at ${options.endpoint}`}`;

    const agent = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
    const config: S3ClientConfig = {
      region: this.#region,
      forcePathStyle: options.forcePathStyle ?? false,
      followRegionRedirects: true,
      maxAttempts: 1,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 10_000,
        socketTimeout: options.socketTimeoutMs ?? 60_000,
        requestTimeout: options.requestTimeoutMs ?? 0,
        throwOnRequestTimeout: true,
        httpAgent: agent,
        httpsAgent: agent,
      },
    };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.credentials !== undefined) config.credentials = options.credentials;
    if (options.clockOffsetMs !== undefined) config.systemClockOffset = options.clockOffsetMs;
    this.#client = new S3Client(config);
  }

  async put(key: string, data: Uint8Array, options?: CallOptions): Promise<void> {
    const Key = this.#fullKey(key);
    const signal = options?.signal;
    throwIfAborted(signal, this.location);
    try {
      if (data.byteLength > this.#multipartThreshold) {
        // Upload aborts the multipart upload on failure, so no parts are left behind to pay for.
        const upload = new Upload({
          client: this.#client,
          params: { Bucket: this.bucket, Key, Body: data, ContentLength: data.byteLength },
          partSize: this.#partSize,
          queueSize: this.#partConcurrency,
        });
        const abort = () => void upload.abort().catch(() => undefined);
        signal?.addEventListener('abort', abort, { once: true });
        try {
          await upload.done();
        } finally {
          signal?.removeEventListener('abort', abort);
        }
      } else {
        const md5 = createHash('md5').update(data).digest('base64');
        await this.#client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: data, ContentLength: data.byteLength, ContentMD5: md5 }), { abortSignal: signal });
      }
    } catch (error) {
      throw this.#error(error, 'put', key, undefined, signal);
    }
  }

  /** `If-None-Match: *`: 412 when the key exists; 501 where unsupported (Swift). Small objects only (locks, vault.json). */
  async putIfAbsent(key: string, data: Uint8Array, options?: CallOptions): Promise<boolean> {
    const Key = this.#fullKey(key);
    const signal = options?.signal;
    throwIfAborted(signal, this.location);
    try {
      const md5 = createHash('md5').update(data).digest('base64');
      await this.#client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: data, ContentLength: data.byteLength, ContentMD5: md5, IfNoneMatch: '*' }), { abortSignal: signal });
      return true;
    } catch (error) {
      if (isAbort(error) || signal?.aborted) throw this.#error(error, 'put', key, undefined, signal);
      const status = statusOf(error);
      const name = (error as { name?: unknown }).name;
      if (status === 412 || name === 'PreconditionFailed') return false;
      if (status === 501 || name === 'NotImplemented') throw new ConditionUnsupportedError(this.location, { cause: error });
      throw this.#error(error, 'put', key, undefined, signal);
    }
  }

  /**
   * Creates the bucket when it does not exist (as restic's init does). 'exists' when it was
   * there; throws access_denied naming s3:CreateBucket when the key may not create it.
   */
  async ensureContainer(options?: CallOptions): Promise<'exists' | 'created'> {
    const signal = options?.signal;
    throwIfAborted(signal, this.location);
    // A key that may not see the bucket gets 403 for a missing bucket too at some providers
    // (Swift, per-bucket keys): then only CreateBucket's answer tells the two apart.
    let headDenied: boolean;
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal });
      return 'exists';
    } catch (error) {
      if (isAbort(error) || signal?.aborted) throw this.#error(error, 'list', '', undefined, signal);
      headDenied = statusOf(error) === 403;
      if (statusOf(error) !== 404 && !headDenied) throw this.#error(error, 'list', '');
    }
    try {
      // AWS wants the region spelled out outside us-east-1; other providers ignore or refuse it.
      const aws = this.#endpointText.startsWith('AWS S3');
      const constraint = aws && this.#region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: this.#region as never } } : {};
      await this.#client.send(new CreateBucketCommand({ Bucket: this.bucket, ...constraint }), { abortSignal: signal });
      return 'created';
    } catch (error) {
      if (isAbort(error) || signal?.aborted) throw this.#error(error, 'put', '', undefined, signal);
      const name = (error as { name?: unknown }).name;
      if (name === 'BucketAlreadyOwnedByYou') return 'exists';
      if (statusOf(error) === 403 || name === 'AccessDenied') {
        const what = headDenied
          ? `These credentials may not reach the bucket '${this.bucket}' at ${this.#endpointText}: either it does not exist and they lack the s3:CreateBucket permission to create it, or it exists and they lack s3:ListBucket on it.`
          : `The bucket '${this.bucket}' does not exist at ${this.#endpointText}, and these credentials may not create it (they lack the s3:CreateBucket permission).`;
        throw new StorageError(
          'access_denied',
          `${what} Create the bucket by hand in your provider's console (or with 'aws s3 mb s3://${this.bucket}', adding --endpoint-url for a provider other than AWS), or use a key that may create buckets.`,
          { cause: error },
        );
      }
      if (headDenied && name === 'BucketAlreadyExists') throw this.#error(error, 'list', '');
      if (name === 'BucketAlreadyExists') {
        throw new StorageError('bucket_not_found', `The bucket name '${this.bucket}' is taken by another account at ${this.#endpointText}. Choose another name.`, { cause: error });
      }
      throw this.#error(error, 'put', '');
    }
  }

  /** Whether the bucket keeps old versions of deleted and overwritten objects (then prune frees nothing until a lifecycle rule expires them). */
  async versioning(options?: CallOptions): Promise<BucketVersioning> {
    const signal = options?.signal;
    throwIfAborted(signal, this.location);
    try {
      const response = await this.#client.send(new GetBucketVersioningCommand({ Bucket: this.bucket }), { abortSignal: signal });
      if (response.Status === 'Enabled') return 'enabled';
      if (response.Status === 'Suspended') return 'suspended';
      return 'off';
    } catch (error) {
      if (isAbort(error) || signal?.aborted) throw this.#error(error, 'list', '', undefined, signal);
      // Not allowed to ask, or not implemented by the provider: say nothing rather than guess.
      return 'unknown';
    }
  }

  async get(key: string, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    const Key = this.#fullKey(key);
    const signal = options?.signal;
    throwIfAborted(signal, this.location);
    if (range) assertValidRange(key, range);
    if (range?.length === 0) return this.#emptyRange(key, range, options);
    const Range = range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined;
    try {
      const response = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range }), { abortSignal: signal });
      const body = response.Body ? await readBody(response.Body as unknown as AsyncIterable<Uint8Array>, response.ContentLength, range?.into) : new Uint8Array(0);
      if (response.ContentLength !== undefined && body.byteLength !== response.ContentLength) {
        throw new StorageError('unreachable', `The download of '${key}' from ${this.location} stopped after ${body.byteLength} of ${response.ContentLength} bytes.`, {
          retryable: true,
        });
      }
      if (range === undefined) return body;
      if (response.ContentRange === undefined && body.byteLength > range.length) {
        // A server that ignores Range sends the whole object.
        if (range.offset + range.length > body.byteLength) throw rangeBeyondEnd(key, this.location, range, body.byteLength);
        return body.slice(range.offset, range.offset + range.length);
      }
      // S3 cuts a range that runs past the end short instead of refusing it.
      if (body.byteLength !== range.length) throw rangeBeyondEnd(key, this.location, range, sizeFromContentRange(response.ContentRange));
      return body;
    } catch (error) {
      throw this.#error(error, 'get', key, range, signal);
    }
  }

  async stat(key: string, options?: CallOptions): Promise<ObjectInfo | undefined> {
    const Key = this.#fullKey(key);
    const signal = options?.signal;
    throwIfAborted(signal, this.location);
    try {
      const response = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }), { abortSignal: signal });
      return { key, size: response.ContentLength ?? 0, ...(response.LastModified ? { modifiedAt: response.LastModified.getTime() } : {}) };
    } catch (error) {
      // HEAD responses have no body, so a missing object is just a 404 (as is a missing bucket:
      // list() is what tells those apart).
      if (statusOf(error) === 404 && !signal?.aborted) return undefined;
      throw this.#error(error, 'stat', key, undefined, signal);
    }
  }

  async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    const signal = options?.signal;
    const base = this.prefix === '' ? '' : `${this.prefix}/`;
    let token: string | undefined;
    do {
      let page;
      throwIfAborted(signal, this.location);
      try {
        page = await this.#client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base + prefix, ContinuationToken: token }), { abortSignal: signal });
      } catch (error) {
        throw this.#error(error, 'list', prefix, undefined, signal);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || !object.Key.startsWith(base)) continue;
        // Whole seconds, as HEAD's Last-Modified header has them: Ceph RGW lists milliseconds,
        // and a listed time must equal the stat of the same object (locks compare the two).
        yield { key: object.Key.slice(base.length), size: object.Size ?? 0, ...(object.LastModified ? { modifiedAt: Math.floor(object.LastModified.getTime() / 1000) * 1000 } : {}) };
      }
      if (page.IsTruncated && !page.NextContinuationToken) {
        // Ending here would pass a partial listing off as the whole: prune and check would then
        // act on objects they never saw.
        throw new StorageError('storage', `${this.#endpointText} said the listing of '${prefix}' in ${this.location} continues but gave no continuation token. Cairn refuses a partial listing; try again, and report it to the provider if it persists.`, {
          retryable: true,
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async delete(key: string, options?: CallOptions): Promise<void> {
    const Key = this.#fullKey(key);
    const signal = options?.signal;
    throwIfAborted(signal, this.location);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }), { abortSignal: signal });
    } catch (error) {
      if ((error as { name?: unknown }).name === 'NoSuchKey' && !signal?.aborted) return;
      throw this.#error(error, 'delete', key, undefined, signal);
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  /** S3 can't express an empty range; answer from the object's size instead. */
  async #emptyRange(key: string, range: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    const info = await this.stat(key, options);
    if (info === undefined) throw mapS3Error({ name: 'NoSuchKey', Code: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }, this.#context('get', key));
    if (range.offset > info.size) throw rangeBeyondEnd(key, this.location, range, info.size);
    return new Uint8Array(0);
  }

  #fullKey(key: string): string {
    assertValidKey(key);
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  #context(op: S3Operation, key: string, range?: ByteRange): S3ErrorContext {
    const context: S3ErrorContext = { op, key, bucket: this.bucket, region: this.#region, endpoint: this.#endpointText, location: this.location };
    if (range) context.range = range;
    return context;
  }

  #error(error: unknown, op: S3Operation, key: string, range?: ByteRange, signal?: AbortSignal): CairnError {
    // Aborted by the caller (cancel): not a network failure to retry.
    if (signal?.aborted || isAbort(error)) return cancelledError(this.location, `The ${op} of '${key}'`);
    return mapS3Error(error, this.#context(op, key, range));
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The total size from `bytes a-b/size`, when the server says it. */
function sizeFromContentRange(contentRange: string | undefined): number | undefined {
  const total = contentRange?.split('/')[1];
  return total === undefined || total === '*' ? undefined : Number(total);
}

/**
 * A response body into one buffer, written as it arrives when its length is known. The SDK's own
 * `transformToByteArray` keeps every piece and then copies them into a zero-filled array: measured
 * 0.66 s of the main thread's CPU restoring 94 MB (of 2.0 s), against none here beyond the copy.
 * A body longer or shorter than announced comes back as it was, for the caller's length check.
 * With `into` (at least the announced length), the body is written there.
 */
export async function readBody(body: AsyncIterable<Uint8Array>, length: number | undefined, into?: Uint8Array): Promise<Uint8Array> {
  let out = length !== undefined && length > 0 ? (into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafeSlow(length)) : undefined;
  const pieces: Uint8Array[] = [];
  let received = 0;
  for await (const piece of body) {
    if (out && received + piece.byteLength <= out.byteLength) out.set(piece, received);
    else {
      // More than announced: keep everything, in order, and join it at the end.
      if (out) pieces.push(out.subarray(0, received));
      out = undefined;
      pieces.push(piece);
    }
    received += piece.byteLength;
  }
  if (out) return received === out.byteLength ? out : out.subarray(0, received);
  return pieces.length === 1 ? (pieces[0] as Uint8Array) : Buffer.concat(pieces, received);
}

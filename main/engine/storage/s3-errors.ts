// Turns what the AWS SDK throws into CairnErrors whose code says what happened and whose message
// says what to do. Kept apart from s3-blob-store.ts (and free of SDK imports) so that every
// branch can be tested with errors shaped like the SDK's, including ones the test server can't
// produce (throttling, providers that refuse checksum headers).

import { CairnError, ConfigError, NotFoundError, StorageError } from '../../../shared/errors.ts';
import { rangeBeyondEnd } from './keys.ts';

export type S3Operation = 'put' | 'get' | 'stat' | 'list' | 'delete';

export interface S3ErrorContext {
  op: S3Operation;
  /** Key relative to the store's prefix (or the list prefix). */
  key: string;
  bucket: string;
  region: string;
  /** The endpoint as shown to users, e.g. `https://…r2.cloudflarestorage.com` or `AWS S3 (eu-west-1)`. */
  endpoint: string;
  /** The store's location string. */
  location: string;
  range?: { offset: number; length: number };
  /** The host name the request went to (for hints about addressing), when known. */
  host?: string;
}

/** Fields of SDK service exceptions and Node network errors that the mapping looks at. */
interface ErrorShape {
  name?: unknown;
  message?: unknown;
  Code?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { headers?: Record<string, unknown> };
  /** Node's DNS errors name the host that did not resolve. */
  hostname?: unknown;
}

const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EPROTO',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const NETWORK_MESSAGE = /socket hang up|network|timed? ?out|aborted|premature close|ECONNRESET|EPIPE/i;
// Codes that mean "slow down": retried for as long as the caller's budget allows, honouring
// Retry-After, and shown as "waiting for the provider" rather than as a failure.
const THROTTLING_CODES = new Set([
  'SlowDown',
  'SlowDownRead',
  'SlowDownWrite',
  'RequestRateLimitExceeded', // Wasabi
  'TooManyRequests', // B2, R2 (429)
  'TooManyRequestsException',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
]);
// Codes worth retrying that are not throttling: the provider or the connection failed once.
const TRANSIENT_CODES = new Set([
  'InternalError',
  'RequestTimeout', // the server gave up waiting for the request body: a slow or broken connection
  'RequestTimeoutException',
]);
// A body damaged on the way: sending it again fixes it.
const CORRUPTED_IN_TRANSIT = new Set(['BadDigest', 'InvalidDigest', 'XAmzContentSHA256Mismatch', 'IncompleteBody']);
const CHECKSUM_HEADERS = /x-amz-checksum|x-amz-sdk-checksum|x-amz-trailer|aws-chunked|checksum algorithm|checksum/i;

// eslint-disable-next-line max-lines-per-function -- the one S3-error-to-CairnError table, read top to bottom in priority order; every branch has a case in s3-errors.test.ts
export function mapS3Error(error: unknown, context: S3ErrorContext): CairnError {
  if (error instanceof CairnError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as ErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : '';
  const serviceCode = typeof shape.Code === 'string' ? shape.Code : name;
  const errno = typeof shape.code === 'string' ? shape.code : undefined;
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  const retryAfterMs = parseRetryAfter(shape.$response?.headers?.['retry-after']);
  const { op, key, bucket, endpoint, location } = context;
  const options = { cause: error };
  const what = describe(op, key);

  if (name === 'CredentialsProviderError') {
    return new ConfigError(
      `No credentials for ${location}: none were given, and none were found in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or in ~/.aws. Enter an access key and secret.`,
      options,
    );
  }
  if (/region is missing/i.test(message)) {
    return new ConfigError(`No region is set for ${location}. Set the bucket's region (or AWS_REGION).`, options);
  }

  if (status === undefined) {
    if ((errno !== undefined && NETWORK_ERRNOS.has(errno)) || name === 'TimeoutError' || NETWORK_MESSAGE.test(message)) {
      const reason = errno ?? (name === 'TimeoutError' ? 'timed out' : message);
      return new StorageError('unreachable', `Could not reach ${endpoint} (${reason}). Check the endpoint address and your network connection.${pathStyleHint(errno, typeof shape.hostname === 'string' ? shape.hostname : context.host, context.bucket)}`, {
        ...options,
        retryable: true,
      });
    }
    if (error instanceof TypeError || error instanceof RangeError) {
      return new CairnError('internal', `Unexpected error while trying to ${what} at ${location}: ${message}`, options);
    }
    return new StorageError('storage', `Could not ${what} at ${location}: ${message}`, options);
  }

  switch (serviceCode) {
    case 'NoSuchBucket':
      return new StorageError('bucket_not_found', `The bucket '${bucket}' does not exist at ${endpoint}. Create it or fix the name.`, options);
    case 'InvalidBucketName':
      return new StorageError('bucket_not_found', `'${bucket}' is not a valid bucket name at ${endpoint}. Fix the name.`, options);
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'InvalidToken':
    case 'ExpiredToken':
    case 'TokenRefreshRequired':
      return new StorageError(
        'access_denied',
        `${endpoint} rejected the credentials for bucket '${bucket}' (${serviceCode}). Check the access key id and the secret access key.`,
        options,
      );
    case 'RequestTimeTooSkewed':
      // The SDK resets its clock offset from the server's Date header on this error, so trying
      // again usually works; if it keeps failing, the user's clock needs fixing.
      return new StorageError('clock_skew', `${endpoint} refused the request because this computer's clock is wrong. Set the clock (turn on automatic time) and try again.`, {
        ...options,
        retryable: true,
      });
    case 'NoSuchKey':
      return new NotFoundError(`The object '${key}' does not exist in ${location}.`, options);
    case 'InvalidRange':
      return context.range ? rangeBeyondEnd(key, location, context.range) : new StorageError('storage', `Could not ${what} at ${location}: ${message}`, options);
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
    case 'IllegalLocationConstraintException':
      return new StorageError(
        'storage',
        `The bucket '${bucket}' at ${endpoint} is not in region '${context.region}' (${serviceCode}). Set the bucket's region.`,
        options,
      );
  }
  if (CORRUPTED_IN_TRANSIT.has(serviceCode)) {
    return new StorageError('storage', `${endpoint} received a damaged request body while trying to ${what} (${serviceCode}).`, {
      ...options,
      retryable: true,
    });
  }
  if (THROTTLING_CODES.has(serviceCode) || TRANSIENT_CODES.has(serviceCode) || status === 429 || status >= 500) {
    if (status === 501 || serviceCode === 'NotImplemented') {
      return op === 'put' || CHECKSUM_HEADERS.test(message) ? checksumRefused() : unsupported();
    }
    const throttled = THROTTLING_CODES.has(serviceCode) || status === 429 || (status === 503 && !TRANSIENT_CODES.has(serviceCode));
    const wait = retryAfterMs === undefined ? '' : `, asking to wait ${Math.ceil(retryAfterMs / 1000)} s`;
    const state = throttled ? 'is throttling requests' : 'is failing';
    return new StorageError('storage', `${endpoint} ${state} (${serviceCode || 'HTTP'} ${status}${wait}) while trying to ${what}.`, {
      ...options,
      retryable: true,
      throttled,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status === 403 || serviceCode === 'AccessDenied' || serviceCode === 'AllAccessDisabled') {
    return new StorageError(
      'access_denied',
      `${endpoint} denied access to bucket '${bucket}' while trying to ${what}. Check that the key may list, read, write and delete objects in this bucket.`,
      options,
    );
  }
  if (status === 404 && (op === 'get' || op === 'stat')) {
    return new NotFoundError(`The object '${key}' does not exist in ${location}.`, options);
  }
  if (status === 400 && CHECKSUM_HEADERS.test(message)) return checksumRefused();
  return new StorageError('storage', `Could not ${what} at ${location}: ${serviceCode || 'error'} (HTTP ${status}): ${message}`, options);

  function checksumRefused(): StorageError {
    return new StorageError(
      'checksum_refused',
      `${endpoint} refused the checksum headers or upload encoding Cairn used (${serviceCode}: ${message}). This provider is not yet supported as configured; please report it.`,
      options,
    );
  }
  function unsupported(): StorageError {
    return new StorageError('storage', `${endpoint} does not support a request Cairn needs to ${what} (${serviceCode}: ${message}).`, options);
  }
}

function describe(op: S3Operation, key: string): string {
  switch (op) {
    case 'put':
      return `write '${key}'`;
    case 'get':
      return `read '${key}'`;
    case 'stat':
      return `look up '${key}'`;
    case 'list':
      return key === '' ? 'list objects' : `list objects under '${key}'`;
    case 'delete':
      return `delete '${key}'`;
  }
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * An endpoint that doesn't resolve once the bucket is put in front of its host name
 * (`bucket.host`) usually wants path-style addressing (`host/bucket`), as self-hosted servers do.
 */
function pathStyleHint(errno: string | undefined, host: string | undefined, bucket: string): string {
  if (errno !== 'ENOTFOUND' || host === undefined) return '';
  if (!host.toLowerCase().startsWith(`${bucket.toLowerCase()}.`)) return '';
  return ` The host '${host}' did not resolve: it is the bucket name in front of the endpoint (virtual-hosted addressing). If your provider has no such names, turn on path-style addressing (--path-style, or "Path-style" in the connection settings).`;
}

// Error shapes copied from what @aws-sdk/client-s3 throws (service exceptions carry `name`,
// `Code` and `$metadata.httpStatusCode`; network failures are Node errors with an errno `code`),
// including responses the Swift test server never sends.

import { describe, expect, it } from 'vitest';
import { CairnError, StorageError } from '../../../shared/errors.ts';
import { mapS3Error, parseRetryAfter, type S3ErrorContext } from './s3-errors.ts';

const context: S3ErrorContext = {
  op: 'put',
  key: 'data/ab/abcd',
  bucket: 'my-bucket',
  region: 'us-east-1',
  endpoint: 'https://s3.example.com',
  location: 's3://my-bucket/cairn at https://s3.example.com',
};

function service(name: string, status: number, message = 'message'): object {
  return { name, Code: name, message, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } };
}

function network(code: string, message = `connect ${code}`): Error {
  return Object.assign(new Error(message), { code, $metadata: {} });
}

function mapped(error: unknown, overrides: Partial<S3ErrorContext> = {}): CairnError {
  return mapS3Error(error, { ...context, ...overrides });
}

describe('mapS3Error', () => {
  it('maps a missing bucket', () => {
    const error = mapped(service('NoSuchBucket', 404));
    expect(error.code).toBe('bucket_not_found');
    expect(error.message).toBe("The bucket 'my-bucket' does not exist at https://s3.example.com. Create it or fix the name.");
    expect(error.retryable).toBe(false);
    expect(mapped(service('InvalidBucketName', 400)).code).toBe('bucket_not_found');
  });

  it('maps rejected credentials and refused permissions to access_denied', () => {
    for (const name of ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'AccessDenied', 'AllAccessDisabled']) {
      expect(mapped(service(name, 403)).code, name).toBe('access_denied');
    }
    expect(mapped({ name: 'Unknown', message: 'UnknownError', $metadata: { httpStatusCode: 403 } }, { op: 'stat' }).code).toBe('access_denied');
    expect(mapped(service('AccessDenied', 403)).message).toMatch(/may list, read, write and delete/);
  });

  it('maps clock skew, retryable', () => {
    const error = mapped(service('RequestTimeTooSkewed', 403));
    expect(error.code).toBe('clock_skew');
    expect(error.retryable).toBe(true);
  });

  it('maps network failures to unreachable, retryable', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'EPIPE']) {
      const error = mapped(network(code));
      expect(error.code, code).toBe('unreachable');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('https://s3.example.com');
    }
    expect(mapped(new Error('socket hang up')).code).toBe('unreachable');
    expect(mapped(Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError' })).code).toBe('unreachable');
  });

  it('maps 5xx and throttling to storage, retryable', () => {
    for (const [name, status] of [
      ['InternalError', 500],
      ['ServiceUnavailable', 503],
      ['SlowDown', 503],
      ['TooManyRequests', 429],
      ['ThrottlingException', 400],
      ['RequestTimeout', 400],
      ['BadGateway', 502],
    ] as const) {
      const error = mapped(service(name, status));
      expect(error.code, name).toBe('storage');
      expect(error.retryable, name).toBe(true);
    }
  });

  it('retries bodies damaged in transit', () => {
    for (const name of ['BadDigest', 'XAmzContentSHA256Mismatch']) expect(mapped(service(name, 400)).retryable, name).toBe(true);
  });

  it('maps refused checksum headers and encodings to checksum_refused', () => {
    // Cloudflare R2 and Swift answer 501 NotImplemented; Backblaze B2 a 400 naming the header.
    expect(mapped(service('NotImplemented', 501, "Header 'x-amz-checksum-crc32' with value 'x' not implemented")).code).toBe('checksum_refused');
    expect(mapped(service('NotImplemented', 501, 'Transfering payloads in multiple chunks using aws-chunked is not supported.')).code).toBe('checksum_refused');
    expect(mapped(service('InvalidArgument', 400, 'Unsupported header x-amz-checksum-algorithm received for this API call.')).code).toBe('checksum_refused');
    const other = mapped(service('NotImplemented', 501, 'A header you provided implies functionality that is not implemented'), { op: 'list' });
    expect(other.code).toBe('storage');
    expect(other.retryable).toBe(false);
  });

  it('maps missing objects on get to not_found', () => {
    expect(mapped(service('NoSuchKey', 404), { op: 'get' }).code).toBe('not_found');
    expect(mapped({ name: 'NotFound', message: 'UnknownError', $metadata: { httpStatusCode: 404 } }, { op: 'get' }).code).toBe('not_found');
  });

  it('maps a refused range to integrity', () => {
    expect(mapped(service('InvalidRange', 416), { op: 'get', range: { offset: 10, length: 5 } }).code).toBe('integrity');
  });

  it('maps missing credentials and region to config errors', () => {
    expect(mapped(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })).code).toBe('config');
    expect(mapped(new Error('Region is missing')).code).toBe('config');
  });

  it('maps a wrong region to a storage error that names it', () => {
    const error = mapped(service('AuthorizationHeaderMalformed', 400));
    expect(error.code).toBe('storage');
    expect(error.message).toContain("region 'us-east-1'");
  });

  it('keeps other client errors final, and bugs internal', () => {
    const error = mapped(service('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size'));
    expect(error.code).toBe('storage');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('EntityTooLarge');
    expect(error.cause).toBeDefined();
    expect(mapped(new TypeError('x is not a function')).code).toBe('internal');
  });

  it('passes CairnErrors through', () => {
    const original = new CairnError('integrity', 'bad');
    expect(mapped(original)).toBe(original);
  });

  it("classifies providers' throttling codes as throttled, with their Retry-After", () => {
    for (const [name, status] of [['SlowDown', 503], ['RequestRateLimitExceeded', 503], ['TooManyRequests', 429], ['Throttling', 400], ['ServiceUnavailable', 503]] as const) {
      const error = mapped({ ...service(name, status), $response: { headers: { 'retry-after': '4' } } }) as StorageError;
      expect(error.retryable, name).toBe(true);
      expect(error.throttled, name).toBe(true);
      expect(error.retryAfterMs, name).toBe(4000);
      expect(error.message, name).toMatch(/throttling requests .*asking to wait 4 s/);
      expect(error.message, name).not.toMatch(/will try again/);
    }
    const internal = mapped(service('InternalError', 500)) as StorageError;
    expect(internal.retryable).toBe(true);
    expect(internal.throttled).toBe(false);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('suggests path-style addressing when bucket.host does not resolve', () => {
    const dns = Object.assign(network('ENOTFOUND', 'getaddrinfo ENOTFOUND my-bucket.minio.lan'), { hostname: 'my-bucket.minio.lan' });
    expect(mapped(dns).message).toMatch(/turn on path-style addressing/);
    const other = Object.assign(network('ENOTFOUND', 'getaddrinfo ENOTFOUND minio.lan'), { hostname: 'minio.lan' });
    expect(mapped(other).message).not.toMatch(/path-style/);
    expect(mapped(other).message).not.toMatch(/will try again/);
  });
});

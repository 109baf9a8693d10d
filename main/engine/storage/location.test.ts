import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { LocalBlobStore } from './local-blob-store.ts';
import { createBlobStore, formatLocation, parseLocation } from './location.ts';
import { RetryingBlobStore } from './retrying-blob-store.ts';
import { S3BlobStore } from './s3-blob-store.ts';

describe('parseLocation', () => {
  it('parses s3:// with and without a prefix', () => {
    expect(parseLocation('s3://my-bucket/team/cairn')).toEqual({ provider: 's3', bucket: 'my-bucket', prefix: 'team/cairn' });
    expect(parseLocation('s3://my-bucket')).toEqual({ provider: 's3', bucket: 'my-bucket', prefix: 'cairn' });
    expect(parseLocation('s3://my-bucket/')).toEqual({ provider: 's3', bucket: 'my-bucket', prefix: 'cairn' });
    expect(parseLocation(' S3://my.bucket//backups/ ')).toEqual({ provider: 's3', bucket: 'my.bucket', prefix: 'backups' });
  });

  it('attaches provider, endpoint, region and addressing style', () => {
    expect(parseLocation('s3://b2-bucket/x', { provider: 'other', endpoint: 'http://127.0.0.1:9000', region: 'eu-1', forcePathStyle: true })).toEqual({
      provider: 'other',
      bucket: 'b2-bucket',
      prefix: 'x',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-1',
      forcePathStyle: true,
    });
  });

  it('refuses bad buckets, bad prefixes and unknown schemes', () => {
    for (const input of ['', '   ', 's3://', 's3:///prefix', 's3://b/../x', 's3://bucket/a/./b', 's3://bu cket/x', 'gs://bucket/x', 'https://example.com/bucket']) {
      expect(() => parseLocation(input), input).toThrow(ConfigError);
    }
  });

  it('resolves folder paths: absolute, relative, ~ and file://', () => {
    expect(parseLocation('/mnt/backup/vault')).toEqual({ provider: 'local', prefix: '', path: '/mnt/backup/vault' });
    expect(parseLocation('/mnt/backup/../vault/')).toEqual({ provider: 'local', prefix: '', path: '/mnt/vault' });
    expect(parseLocation('vault', { cwd: '/home/alice' })).toEqual({ provider: 'local', prefix: '', path: '/home/alice/vault' });
    expect(parseLocation('./a/b', { cwd: '/x' }).path).toBe('/x/a/b');
    expect(parseLocation('~/backups', { homeDir: '/home/alice' }).path).toBe('/home/alice/backups');
    expect(parseLocation('~', { homeDir: '/home/alice' }).path).toBe('/home/alice');
    expect(parseLocation('file:///srv/cairn%20vault').path).toBe('/srv/cairn vault');
  });

  it('formats locations back', () => {
    expect(formatLocation(parseLocation('s3://bucket/a/b'))).toBe('s3://bucket/a/b');
    expect(formatLocation(parseLocation('/srv/vault'))).toBe('/srv/vault');
    expect(formatLocation({ provider: 'local', prefix: 'sub/dir', path: '/srv' })).toBe('/srv/sub/dir');
  });
});

describe('createBlobStore', () => {
  it('builds a retrying local store rooted at the folder (and prefix)', async () => {
    const base = await mkdtemp(join(tmpdir(), 'cairn-location-'));
    try {
      const store = createBlobStore({ provider: 'local', prefix: 'inner', path: base });
      expect(store).toBeInstanceOf(RetryingBlobStore);
      expect((store as RetryingBlobStore).inner).toBeInstanceOf(LocalBlobStore);
      expect(store.location).toBe(join(base, 'inner'));
      await store.put('k', Uint8Array.of(1));
      const bare = createBlobStore({ provider: 'local', prefix: '', path: join(base, 'inner') }, { retry: false });
      expect(bare).toBeInstanceOf(LocalBlobStore);
      expect([...(await bare.get('k'))]).toEqual([1]);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('builds an S3 store with the prefix, endpoint and provider defaults', () => {
    const store = createBlobStore({ provider: 'other', bucket: 'bkt', prefix: 'cairn', endpoint: 'http://127.0.0.1:9000' }, { retry: false });
    expect(store).toBeInstanceOf(S3BlobStore);
    expect(store.location).toBe('s3://bkt/cairn at http://127.0.0.1:9000');
    expect((store as S3BlobStore).prefix).toBe('cairn');
  });

  it('refuses an invalid prefix or part size given straight to S3BlobStore', () => {
    expect(() => new S3BlobStore({ bucket: 'b', prefix: 'a/../b' })).toThrow(ConfigError);
    expect(() => new S3BlobStore({ bucket: 'b', prefix: 'p', partSize: 1024 })).toThrow(ConfigError);
  });

  it('refuses locations without a bucket or folder', () => {
    expect(() => createBlobStore({ provider: 's3', prefix: 'cairn' })).toThrow(ConfigError);
    expect(() => createBlobStore({ provider: 'local', prefix: '' })).toThrow(ConfigError);
  });
});

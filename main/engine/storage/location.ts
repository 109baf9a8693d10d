// Where a vault lives, as users type it (`s3://BUCKET/PREFIX`, a folder path) and as stores are
// built from it. Every store made here retries transient failures.

import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../../shared/errors.ts';
import type { ProviderKind, VaultLocation } from '../../../shared/models.ts';
import type { BlobStore } from './blob-store.ts';
import { assertValidKey } from './keys.ts';
import { LocalBlobStore, type LocalBlobStoreOptions } from './local-blob-store.ts';
import { RetryingBlobStore, type RetryOptions } from './retrying-blob-store.ts';
import { S3BlobStore, type S3BlobStoreOptions, type S3Credentials } from './s3-blob-store.ts';

/** The key prefix of a vault in a bucket when the location names none. */
export const DEFAULT_PREFIX = 'cairn';

export interface ParseLocationOptions {
  /** Base of relative folder paths. Default: the process's working folder. */
  cwd?: string;
  /** What `~` means. Default: the user's home folder. */
  homeDir?: string;
  /** For s3:// locations: which kind of provider (picks defaults such as R2's region `auto`). Default `s3`. */
  provider?: Exclude<ProviderKind, 'local'>;
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
}

/**
 * Parses `s3://BUCKET[/PREFIX]` (PREFIX defaults to `cairn`), `file://` URLs, and folder paths,
 * absolute, relative to `cwd`, or starting with `~`. Throws ConfigError for anything else.
 */
export function parseLocation(input: string, options: ParseLocationOptions = {}): VaultLocation {
  const text = input.trim();
  if (text === '') throw new ConfigError('No vault location given. Use s3://BUCKET/PREFIX or a folder path.');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();

  if (scheme === 's3') {
    const rest = text.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = (slash === -1 ? '' : rest.slice(slash + 1)).replace(/^\/+|\/+$/g, '');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$/.test(bucket)) {
      throw new ConfigError(`'${bucket}' is not a valid bucket name in '${text}'. Use s3://BUCKET/PREFIX, e.g. s3://my-backups/cairn.`);
    }
    if (prefix !== '') {
      try {
        assertValidKey(prefix);
      } catch {
        throw new ConfigError(`'${prefix}' is not a valid key prefix in '${text}': use /-separated names without '.', '..' or backslashes.`);
      }
    }
    const location: VaultLocation = { provider: options.provider ?? 's3', bucket, prefix: prefix === '' ? DEFAULT_PREFIX : prefix };
    if (options.endpoint !== undefined) location.endpoint = options.endpoint;
    if (options.region !== undefined) location.region = options.region;
    if (options.forcePathStyle !== undefined) location.forcePathStyle = options.forcePathStyle;
    return location;
  }
  if (scheme === 'file') {
    let path: string;
    try {
      path = fileURLToPath(text);
    } catch (error) {
      throw new ConfigError(`'${text}' is not a valid file:// URL.`, { cause: error });
    }
    return { provider: 'local', prefix: '', path };
  }
  if (scheme !== undefined) {
    throw new ConfigError(`'${scheme}://' locations are not supported. Use s3://BUCKET/PREFIX (for any S3-compatible provider) or a folder path.`);
  }

  const home = options.homeDir ?? homedir();
  const expanded = text === '~' ? home : /^~[/\\]/.test(text) ? join(home, text.slice(2)) : text;
  const path = isAbsolute(expanded) ? resolve(expanded) : resolve(options.cwd ?? process.cwd(), expanded);
  return { provider: 'local', prefix: '', path };
}

/** The location as users type it: `s3://bucket/prefix` or the folder's path. */
export function formatLocation(location: VaultLocation): string {
  if (location.provider === 'local') return localRoot(location);
  return `s3://${location.bucket ?? ''}/${location.prefix}`;
}

export interface CreateBlobStoreOptions {
  /** For S3 kinds; when absent, the AWS SDK's default chain (AWS_* variables, ~/.aws). */
  credentials?: S3Credentials;
  /** Retry policy, or false for a bare store. Default: RetryingBlobStore's defaults. */
  retry?: RetryOptions | false;
  /** Transport tuning for S3 kinds (timeouts, sockets, multipart). */
  s3?: Omit<S3BlobStoreOptions, 'bucket' | 'prefix' | 'endpoint' | 'region' | 'forcePathStyle' | 'credentials'>;
  local?: LocalBlobStoreOptions;
  /** Tests: wraps the bare store inside the retry decorator (e.g. a ThrottlingBlobStore). */
  decorate?: (bare: BlobStore) => BlobStore;
}

/** The store for `location`, wrapped in the retry decorator. Keys are relative to its prefix or folder. */
export function createBlobStore(location: VaultLocation, options: CreateBlobStoreOptions = {}): BlobStore {
  const bare = createBareStore(location, options);
  const store = options.decorate ? options.decorate(bare) : bare;
  return options.retry === false ? store : new RetryingBlobStore(store, options.retry);
}

function createBareStore(location: VaultLocation, options: CreateBlobStoreOptions): BlobStore {
  if (location.provider === 'local') return new LocalBlobStore(localRoot(location), { ...options.local, vault: true });
  if (location.bucket === undefined || location.bucket === '') {
    throw new ConfigError('The vault location has no bucket. Enter the bucket to store the vault in.');
  }
  const s3: S3BlobStoreOptions = {
    ...options.s3,
    bucket: location.bucket,
    prefix: location.prefix,
    // Self-hosted servers (MinIO, Swift, Ceph) rarely have per-bucket DNS names.
    forcePathStyle: location.forcePathStyle ?? location.provider === 'other',
  };
  if (location.endpoint !== undefined) s3.endpoint = location.endpoint;
  const region = location.region ?? (location.provider === 'r2' ? 'auto' : undefined);
  if (region !== undefined) s3.region = region;
  if (options.credentials !== undefined) s3.credentials = options.credentials;
  return new S3BlobStore(s3);
}

function localRoot(location: VaultLocation): string {
  if (location.path === undefined || location.path === '') throw new ConfigError('The vault location has no folder. Choose a folder for the vault.');
  const prefix = location.prefix.replace(/^\/+|\/+$/g, '');
  return prefix === '' ? location.path : join(location.path, ...prefix.split('/'));
}

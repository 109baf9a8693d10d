// One error type for the whole app. Every failure carries a stable `code` that the CLI maps to
// an exit status and the renderer switches on exhaustively; `message` says what happened and
// what to do about it; `retryable` tells schedulers and retry decorators whether to try again.

import { shortPath } from './format.ts';

export const ERROR_CODES = [
  'not_found', // an object, snapshot, path or bucket that should exist does not
  'bucket_not_found', // the configured bucket does not exist at the endpoint
  'access_denied', // credentials rejected or lacking permission
  'clock_skew', // the server refused the request signature because of the local clock
  'unreachable', // endpoint down, DNS failure, connection refused, timeout
  'checksum_refused', // the provider rejects checksum headers the client sent
  'storage', // any other storage failure
  'integrity', // an object failed authentication, hashing or parsing: corrupt or tampered
  'wrong_key', // the passphrase or recovery key does not unlock the vault
  'vault_exists', // init on a location that already holds a vault
  'no_vault', // no vault at the location
  'unsupported_version', // the vault was written by a newer Cairn
  'config', // bad configuration or arguments
  'unsafe_path', // a snapshot entry whose name would escape the restore target
  'exists', // a restore target file exists and overwriting was not asked for
  'locked', // a lock held by another process or device blocks the operation
  'conflict', // a sync conflict that needs a decision
  'disk_full', // no space left on the local disk
  'cancelled', // the user or shutdown cancelled the operation
  'keychain_unavailable', // no OS keychain (Secret Service, Keychain, Credential Manager)
  'ipc', // a request refused at the IPC boundary
  'internal', // a bug: anything not classified above
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorRecord {
  code: ErrorCode;
  message: string;
  retryable: boolean;
}

export interface CairnErrorOptions {
  retryable?: boolean;
  cause?: unknown;
}

export class CairnError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: CairnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CairnError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  toRecord(): ErrorRecord {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

export interface StorageErrorOptions extends CairnErrorOptions {
  /** The provider asked to slow down (429, 503 SlowDown, RequestRateLimitExceeded, ...). */
  throttled?: boolean;
  /** How long the provider asked to wait (its `Retry-After`), in milliseconds. */
  retryAfterMs?: number;
  /**
   * This object can't be read, the store can: a failing disk's bad sector under one pack of a
   * folder vault. A restore leaves out that pack's files and restores the rest.
   */
  objectOnly?: boolean;
}

export class StorageError extends CairnError {
  readonly throttled: boolean;
  readonly retryAfterMs: number | undefined;
  readonly objectOnly: boolean;

  constructor(code: Extract<ErrorCode, 'storage' | 'bucket_not_found' | 'access_denied' | 'clock_skew' | 'unreachable' | 'checksum_refused' | 'disk_full'>, message: string, options: StorageErrorOptions = {}) {
    super(code, message, options);
    this.name = 'StorageError';
    this.throttled = options.throttled ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.objectOnly = options.objectOnly ?? false;
  }
}

export class NotFoundError extends CairnError {
  constructor(message: string, options: CairnErrorOptions = {}) {
    super('not_found', message, options);
    this.name = 'NotFoundError';
  }
}

export class IntegrityError extends CairnError {
  constructor(message: string, options: CairnErrorOptions = {}) {
    super('integrity', message, options);
    this.name = 'IntegrityError';
  }
}

export class WrongKeyError extends CairnError {
  constructor(message = 'The passphrase or recovery key does not unlock this vault. Check it and try again.', options: CairnErrorOptions = {}) {
    super('wrong_key', message, options);
    this.name = 'WrongKeyError';
  }
}

export class ConfigError extends CairnError {
  constructor(message: string, options: CairnErrorOptions = {}) {
    super('config', message, options);
    this.name = 'ConfigError';
  }
}

export class ConflictError extends CairnError {
  constructor(message: string, options: CairnErrorOptions = {}) {
    super('conflict', message, options);
    this.name = 'ConflictError';
  }
}

export class UnsafePathError extends CairnError {
  constructor(message: string, options: CairnErrorOptions = {}) {
    super('unsafe_path', message, options);
    this.name = 'UnsafePathError';
  }
}

export class LockedError extends CairnError {
  constructor(message: string, options: CairnErrorOptions = {}) {
    super('locked', message, { retryable: true, ...options });
    this.name = 'LockedError';
  }
}

export function isCairnError(error: unknown): error is CairnError {
  return error instanceof CairnError;
}

/** What to do about a damaged state database (docs/RECOVERY.md). */
export const STATE_DB_DAMAGED_HELP =
  "Move the file state.db (and state.db-wal, state.db-shm beside it) out of the vault's folder in Cairn's state folder (vaults/<vault id>/), then run again: Cairn makes a new one from the vault. The next backup reads every file again, and the next sync may bring back sessions deleted on this machine.";

/** Where the error happened, for what the error itself doesn't say. */
export interface ErrorPlace {
  /** Cairn's state folder: SQLite's "database or disk is full" names no file, and every database Cairn writes (its own, and its copies of agents' databases) is in it. */
  stateDir?: string;
}

/** Turns anything thrown into a record safe to show or send across IPC. */
export function toErrorRecord(error: unknown, place: ErrorPlace = {}): ErrorRecord {
  if (error instanceof CairnError) return error.toRecord();
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (errno === 'ENOSPC' || errno === 'SQLITE_FULL') return diskFull(error, place);
  const message = error instanceof Error ? error.message : String(error);
  // Cairn's own database (state.db) damaged on this disk: the vault is not, and a new one is made from it.
  if (typeof errno === 'string' && (errno.startsWith('SQLITE_CORRUPT') || errno === 'SQLITE_NOTADB')) {
    return { code: 'integrity', message: `Cairn's local state database is damaged (${message}); the vault is not. ${STATE_DB_DAMAGED_HELP}`, retryable: false };
  }
  // SQLite names no file: the one Cairn writes without wrapping its errors is its own state database.
  if (typeof errno === 'string' && errno.startsWith('SQLITE_IOERR')) {
    return { code: 'storage', message: `Cairn could not read or write its local database${place.stateDir ? ` (in ${place.stateDir})` : ''}: the disk reported an input/output error (${errno}). The disk may be failing: copy what you can off it soon. The vault is not affected.`, retryable: false };
  }
  return describeFileError(error) ?? { code: 'internal', message: `Unexpected error: ${message}`, retryable: false };
}

/** A full disk, said with the place Cairn could not write (measured: "The disk is full" left people guessing which disk). */
function diskFull(error: unknown, place: ErrorPlace): ErrorRecord {
  const e = error as { code?: unknown; path?: string; dest?: string };
  // copyfile's error names the source in `path` and what it wrote in `dest`.
  const written = e.code === 'ENOSPC' ? (e.dest ?? e.path) : undefined;
  const where =
    written !== undefined
      ? `The disk is full: Cairn could not write ${written}.`
      : e.code === 'SQLITE_FULL'
        ? `The disk holding Cairn's state folder${place.stateDir ? ` (${place.stateDir})` : ''} is full: its database could not grow.`
        : 'The disk is full.';
  return { code: 'disk_full', message: `${where} Free some space and try again.`, retryable: false };
}

/** Cairn's own temporary files, made beside what they become: `.NAME.cairn-….tmp`, `NAME.cairn-tmp-<hex>`. */
const CAIRN_TEMP = /\.cairn-(?:tmp-[0-9a-f]+|[^/\\]*\.tmp)$/;

/** Whether `path` is one of Cairn's own temporary files (an error about it is about its folder). */
export function isCairnTemp(path: string): boolean {
  return CAIRN_TEMP.test(path);
}

/** The file one of Cairn's temporary files becomes (itself for any other path). */
function finalNameOf(path: string): string {
  return path.replace(/(^|[/\\])\.([^/\\]+)\.cairn-[^/\\]*\.tmp$/, '$1$2').replace(/\.cairn-tmp-[0-9a-f]+$/, '');
}

/** Whether a refused call was a read: an open is one, unless it made one of Cairn's temporary files, which are written. */
function reading(syscall: string | undefined, path: string): boolean {
  if (syscall === 'open') return !CAIRN_TEMP.test(path);
  return syscall === 'scandir' || syscall === 'stat';
}

/**
 * A file-system error described with its path: a config error for a path Cairn can't use (a
 * restore target on a read-only disk, a folder it may not write), not_found for one that isn't
 * there. Undefined for an error without a path.
 */
export function describeFileError(error: unknown): ErrorRecord | undefined {
  const e = error as { code?: unknown; syscall?: string; path?: string; dest?: string } | undefined;
  if (!e || typeof e !== 'object') return undefined;
  const path = e.path ?? e.dest;
  if (!path) return undefined;
  const record = (code: ErrorRecord['code'], message: string): ErrorRecord => ({ code, message, retryable: false });
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      // A temporary file of Cairn's own is named by its folder: that is what to fix.
      if (CAIRN_TEMP.test(path)) return record('config', `Cairn may not write into ${path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')))}: permission denied. Fix its permissions, or choose another place.`);
      return record('config', `Cairn may not ${reading(e.syscall, path) ? 'read' : 'write'} ${path}: permission denied. Fix its permissions, or choose another place.`);
    case 'EROFS':
      return record('config', `${path} is on a read-only file system. Choose a place Cairn may write.`);
    case 'ENOTDIR':
      return record('config', `${path} can't be used: part of this path is a file, not a folder.`);
    case 'EISDIR':
      return record('config', `${path} is a folder where Cairn needs a file.`);
    case 'EEXIST':
      return record('config', `${path} exists already and is in the way.`);
    case 'ENOENT':
      return record('not_found', `${path} does not exist.`);
    case 'EIO':
    case 'EREMOTEIO': {
      // A failing disk (or network share). Reads of agents' files have their own wording
      // (source-file.ts); this is any other: a restore's writes, a folder vault's, Cairn's state.
      const what = reading(e.syscall, path) || e.syscall === 'read' ? 'read' : 'write';
      return record('storage', `Could not ${what} ${finalNameOf(path)}: the disk reported an input/output error (${e.code}). The disk may be failing: copy what you can off it soon, and use another disk.`);
    }
    case 'ENAMETOOLONG':
      // Paths this long are unreadable in full: its start and end say where.
      return record('config', `A path is too long for this file system (${path.length} characters, or a name in it over 255 bytes): ${shortPath(path)}. Use a folder with a shorter path.`);
    default:
      return undefined;
  }
}

// Opening a file a backup walked, without trusting its path a second time. Between the walk's
// lstat and the read, a local process that can write in the folder may swap the file for a
// symbolic link (to /etc/shadow, say), a FIFO (an open that blocks forever) or another file. So
// the file is opened with O_NOFOLLOW (a link in its place fails to open) and O_NONBLOCK (a FIFO
// in its place opens without waiting for a writer), and the open descriptor — not the path — is
// checked to be the regular file the walk saw: same device, inode and type. On Linux, the path
// the kernel resolved for the descriptor (/proc/self/fd/N) must also be the walked path, which
// catches a folder above the file swapped for a link. Anything else is a SourceFileError: the
// backup records a warning for that file and goes on; it never reads what it did not walk.

import { closeSync, constants, fstatSync, openSync, readlinkSync } from 'node:fs';
import { CairnError } from '../../../shared/errors.ts';
import { shortPath } from '../../../shared/format.ts';
import type { ExpectedFile } from '../vault/index.ts';

export type { ExpectedFile };

/** Why a walked file was not read; a backup records it as a warning and goes on. */
export type SourceFileReason = 'vanished' | 'unreadable' | 'changed';

/** A file that could not be read as walked (see SourceFileReason). Not a failure of the backup. */
export class SourceFileError extends CairnError {
  readonly reason: SourceFileReason;
  constructor(reason: SourceFileReason, message: string, options: { cause?: unknown } = {}) {
    super(reason === 'vanished' ? 'not_found' : reason === 'unreadable' ? 'access_denied' : 'unsafe_path', message, options);
    this.name = 'SourceFileError';
    this.reason = reason;
  }
}

/** A path as Node's fs takes it: a string, or bytes for names that aren't valid UTF-8. */
export type FsPath = string | Uint8Array;

/** The path as fs calls type it (a Buffer posted to a worker arrives as a plain Uint8Array). */
export function fsArg(path: FsPath): string | Buffer {
  return typeof path === 'string' || Buffer.isBuffer(path) ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
}

export function showPath(path: FsPath): string {
  return typeof path === 'string' ? path : Buffer.from(path).toString('utf8');
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const DELETED = Buffer.from(' (deleted)');
const NONBLOCK = constants.O_NONBLOCK ?? 0;
/** Whether /proc/self/fd resolves descriptors (Linux); checked once per thread. */
let procFd: boolean | undefined;

function hasProcFd(): boolean {
  if (procFd === undefined) {
    try {
      procFd = process.platform === 'linux' && readlinkSync('/proc/self/exe').length > 0;
    } catch {
      procFd = false;
    }
  }
  return procFd;
}

/** Maps an open(2) or read error on a walked file to a SourceFileError, or returns undefined. */
export function sourceFileErrorOf(path: FsPath, error: unknown): SourceFileError | undefined {
  if (error instanceof SourceFileError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const shown = showPath(path);
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new SourceFileError('vanished', `${shown} was deleted or moved before it could be read; the next backup tries again.`, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new SourceFileError('unreadable', `${shown} can't be read (permission denied); the next backup tries again.`, { cause: error });
    case 'EIO':
    case 'EREMOTEIO':
      // The disk (or the network share) failed to give its bytes: this file is left out, the rest
      // of the backup goes on; the file may be readable another time, or never again.
      return new SourceFileError('unreadable', `${shown} can't be read: the disk reported an input/output error (${code}). The disk may be failing: copy what you can off it soon. Earlier snapshots keep the versions they hold; the next backup tries again.`, { cause: error });
    case 'ENAMETOOLONG':
      // Its start and end say where; the whole of it is unreadable.
      return new SourceFileError('unreadable', `${shortPath(shown)} can't be read: its path is too long for this system (${shown.length} characters). Move it to a shallower folder to back it up.`, { cause: error });
    case 'ELOOP':
    case 'EMLINK': // O_NOFOLLOW on a link, as BSDs and macOS report it
    case 'EISDIR':
    case 'ENXIO':
    case 'EAGAIN':
    case 'EWOULDBLOCK':
      return new SourceFileError('changed', `${shown} was replaced (by a link, folder or special file) after it was listed; it was not read. The next backup tries again.`, { cause: error });
    default:
      return undefined;
  }
}

/**
 * Opens a walked file for reading and verifies the descriptor (see the file's header). Throws
 * SourceFileError when it is gone, unreadable or not the walked file; closes what it opened.
 */
export function openWalkedFile(path: FsPath, expected: ExpectedFile | undefined): number {
  let fd: number;
  try {
    fd = openSync(fsArg(path), constants.O_RDONLY | NOFOLLOW | (expected ? NONBLOCK : 0));
  } catch (error) {
    throw sourceFileErrorOf(path, error) ?? error;
  }
  if (!expected) return fd;
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile() || st.dev.toString() !== expected.dev || st.ino.toString() !== expected.ino) {
      throw new SourceFileError('changed', `${showPath(path)} was replaced by another ${st.isFile() ? 'file' : 'kind of entry'} after it was listed; it was not read. The next backup tries again.`);
    }
    if (expected.realPath && hasProcFd()) {
      const opened = readlinkSync(`/proc/self/fd/${fd}`, { encoding: 'buffer' });
      // Deleted between the open and this look: Linux names it "<path> (deleted)".
      if (opened.equals(Buffer.concat([expected.realPath, DELETED]))) {
        throw new SourceFileError('vanished', `${showPath(path)} was deleted or moved before it could be read; the next backup tries again.`);
      }
      if (!opened.equals(expected.realPath)) {
        throw new SourceFileError('changed', `${showPath(path)} resolved to ${opened.toString('utf8')} when it was opened: a folder on its way was replaced by a link. It was not read; the next backup tries again.`);
      }
    }
    return fd;
  } catch (error) {
    closeSync(fd);
    throw sourceFileErrorOf(path, error) ?? error;
  }
}

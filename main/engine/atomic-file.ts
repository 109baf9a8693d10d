// The one way Cairn writes a file of its own atomically (kopia's internal/atomicfile): a fresh
// temporary file beside the target, written, given its exact mode, flushed to disk, renamed over
// the target, and the folder flushed so the rename survives a power cut. On any failure the
// temporary file is removed and the target is untouched. Temporary names carry TEMP_MARK so a
// sweep can recognise what a killed process left behind.

import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Part of every temporary file name Cairn creates beside a file it is writing. */
export const TEMP_MARK = '.cairn-tmp-';

export interface AtomicWriteOptions {
  /** The file's mode, exactly (not reduced by the umask). Default 0o600: Cairn's files are private. */
  mode?: number;
  /** Flush the file and its folder to disk (default true); tests of throughput may turn it off. */
  fsync?: boolean;
}

/** A fresh temporary name in `file`'s folder. */
export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}${TEMP_MARK}${randomBytes(6).toString('hex')}`);
}

export function writeFileAtomicSync(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const { mode = 0o600, fsync = true } = options;
  const tmp = tempPathFor(file);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', mode);
    fchmodSync(fd, mode);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    if (fsync) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  if (fsync) syncFolderSync(dirname(file));
}

/** `data` may stream (an async iterable of chunks): a large file is never held whole. */
export async function writeFileAtomic(file: string, data: string | Uint8Array | AsyncIterable<Uint8Array>, options: AtomicWriteOptions = {}): Promise<void> {
  const { mode = 0o600, fsync = true } = options;
  const tmp = tempPathFor(file);
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.chmod(mode);
      await handle.writeFile(data);
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  if (fsync) await syncFolder(dirname(file));
}

/** Pretty-printed JSON, written atomically. */
export function writeJsonAtomic(file: string, value: unknown, options: AtomicWriteOptions = {}): void {
  writeFileAtomicSync(file, `${JSON.stringify(value, null, 2)}\n`, options);
}

/** Flushes a folder's entries (a rename in it) to disk; a no-op where folders can't be opened (Windows). */
export async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function syncFolderSync(folder: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

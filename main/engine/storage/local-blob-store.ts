// A BlobStore in a folder (external disk, NAS mount, or the default local vault): key parts are
// path parts under the root. Writes go to a temporary file in the target folder, are flushed,
// then renamed over the target, so a crash leaves the old object or the new one, never half of
// one. A key can't be both an object and a folder here (S3 allows `a` and `a/b`; Cairn's
// vault layout never needs it).

import { randomBytes } from 'node:crypto';
import { link, mkdir, open, opendir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { isAbsolute, join, sep } from 'node:path';
import { CairnError, ConfigError, NotFoundError, StorageError } from '../../../shared/errors.ts';
import type { BlobStore, ByteRange, CallOptions, ObjectInfo } from './blob-store.ts';
import { cancelledError, isAbort, throwIfAborted } from './forwarding-blob-store.ts';
import { assertValidKey, assertValidPrefix, assertValidRange, rangeBeyondEnd } from './keys.ts';
import { ConditionUnsupportedError } from './conditions.ts';
import { syncFolder } from '../atomic-file.ts';
import { makeDirs } from '../make-dirs.ts';

export interface LocalBlobStoreOptions {
  /**
   * The folder is a vault's: a folder missing on the way to a key is made only where the vault's
   * vault.json is (or for the key slots and vault.json a new vault begins with). A vault folder
   * that went away (its disk unmounted, the folder moved) is never made again, half, in its place.
   */
  vault?: boolean;
  /** Flush file data and folder entries to the disk on every put. Default true. */
  fsync?: boolean;
}

/** Marks in-progress writes; list() skips them. Left behind only by a crash mid-put. */
const TEMP_MARK = '.cairn-tmp-';
const TEMP_NAME = /\.cairn-tmp-[0-9a-f]{16}$/;

export class LocalBlobStore implements BlobStore {
  readonly location: string;
  /** Listings are current: nothing to wait out. */
  readonly listingLagMs = 0;
  readonly root: string;
  readonly #fsync: boolean;
  readonly #vault: boolean;

  /** `root` must be absolute; it is created on the first put. */
  constructor(root: string, options: LocalBlobStoreOptions = {}) {
    if (!isAbsolute(root)) throw new ConfigError(`The vault folder must be an absolute path, not '${root}'.`);
    this.root = root;
    this.location = root;
    this.#fsync = options.fsync ?? true;
    this.#vault = options.vault ?? false;
  }

  async put(key: string, data: Uint8Array, options?: CallOptions): Promise<void> {
    await this.#write(key, data, false, options?.signal);
  }

  /** A hard link from the temporary file fails with EEXIST when the key exists: atomic, like If-None-Match. */
  async putIfAbsent(key: string, data: Uint8Array, options?: CallOptions): Promise<boolean> {
    return this.#write(key, data, true, options?.signal);
  }

  /** A cancelled write stops its file I/O and leaves nothing: the temporary file goes, the key is untouched. */
  async #write(key: string, data: Uint8Array, exclusive: boolean, signal: AbortSignal | undefined): Promise<boolean> {
    throwIfAborted(signal, this.location);
    const path = this.#path(key);
    const folder = this.#path(key, -1);
    const temp = `${path}${TEMP_MARK}${randomBytes(8).toString('hex')}`;
    try {
      await this.#makeFolder(folder, key);
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(data, signal ? { signal } : {});
        if (this.#fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      throwIfAborted(signal, this.location);
      if (!exclusive) await rename(temp, path);
      else {
        try {
          await link(temp, path);
        } catch (error) {
          const code = errnoOf(error);
          if (code === 'EEXIST') return false;
          // File systems without hard links (some network shares, FAT): no conditional writes.
          if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') throw new ConditionUnsupportedError(this.location, { cause: error });
          throw error;
        } finally {
          await unlink(temp).catch(() => undefined);
        }
      }
      if (this.#fsync) await syncFolder(folder);
      return true;
    } catch (error) {
      await unlink(temp).catch(() => undefined); // gone already when the rename happened
      throw this.#error(error, 'write', key);
    }
  }

  /**
   * The folder a key is written in. In a vault's folder, one missing on the way (`data/`, made on
   * first use) is made only where vault.json is: measured, a disk unmounted during a backup had
   * the rest of the backup write `data/…`, `index/…` and `snapshots/…` into the empty mount point,
   * and the backup said "Snapshot saved" of a snapshot the vault never had.
   */
  async #makeFolder(folder: string, key: string): Promise<void> {
    if (!this.#vault) return makeDirs(folder);
    try {
      await mkdir(folder);
      return;
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') return;
      if (errnoOf(error) !== 'ENOENT') throw error;
    }
    // Setting a vault up: the set-up's test of the folder (probe.ts), then Vault.init's
    // conditional-write probe, key slots and vault.json.
    const creating = key === 'vault.json' || key.startsWith('keys/') || key.startsWith('locks/probe-') || key.startsWith('cairn-probe-');
    if (!creating && !(await stat(join(this.root, 'vault.json')).then(() => true, () => false))) {
      throw new CairnError(
        'no_vault',
        `The vault folder ${this.root} is not there any more (is its disk unmounted, or was the folder moved?). Cairn makes it only when a vault is created, so nothing was written in its place. Bring it back and try again.`,
      );
    }
    await makeDirs(folder);
  }

  async get(key: string, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    const signal = options?.signal;
    throwIfAborted(signal, this.location);
    const path = this.#path(key);
    if (range) assertValidRange(key, range);
    try {
      if (range === undefined) {
        // A file read whole comes in a buffer of its own: use it, copying only a pooled slice.
        const whole = await readFile(path, signal ? { signal } : {});
        return whole.byteOffset === 0 && whole.byteLength === whole.buffer.byteLength ? new Uint8Array(whole.buffer) : new Uint8Array(whole);
      }
      const handle = await open(path, 'r');
      try {
        const { size } = await handle.stat();
        if (range.offset + range.length > size) throw rangeBeyondEnd(key, this.location, range, size);
        const buffer = range.into && range.into.length >= range.length ? range.into.subarray(0, range.length) : new Uint8Array(range.length);
        let done = 0;
        while (done < range.length) {
          throwIfAborted(signal, this.location);
          const { bytesRead } = await handle.read(buffer, done, range.length - done, range.offset + done);
          if (bytesRead === 0) throw rangeBeyondEnd(key, this.location, range, range.offset + done);
          done += bytesRead;
        }
        return buffer;
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw this.#error(error, 'read', key);
    }
  }

  async stat(key: string, options?: CallOptions): Promise<ObjectInfo | undefined> {
    throwIfAborted(options?.signal, this.location);
    const path = this.#path(key);
    try {
      const info = await stat(path);
      return info.isFile() ? { key, size: info.size, modifiedAt: Math.floor(info.mtimeMs) } : undefined;
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return undefined;
      throw this.#error(error, 'read', key);
    }
  }

  async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    // Start at the deepest folder the prefix names, and filter by the full prefix below it.
    const parts = prefix.split('/');
    parts.pop(); // the last part is partial (or '' after a trailing `/`)
    yield* this.#walk(parts, prefix, false, options?.signal);
  }

  async delete(key: string, options?: CallOptions): Promise<void> {
    throwIfAborted(options?.signal, this.location);
    const path = this.#path(key);
    try {
      await unlink(path);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return;
      throw this.#error(error, 'delete', key);
    }
  }

  async close(): Promise<void> {}

  async *leftovers(options?: CallOptions): AsyncIterable<ObjectInfo> {
    yield* this.#walk([], '', true, options?.signal);
  }

  async deleteLeftover(key: string, options?: CallOptions): Promise<void> {
    throwIfAborted(options?.signal, this.location);
    const name = key.split('/').pop() ?? '';
    if (!TEMP_NAME.test(name)) throw new CairnError('internal', `'${key}' is not an unfinished write; only those are removed this way. This is a bug in Cairn.`);
    const path = this.#path(key);
    try {
      await unlink(path);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return;
      throw this.#error(error, 'delete', key);
    }
  }

  /** Objects under `prefix`; with `leftovers`, only the unfinished writes list() hides. */
  async *#walk(folderParts: string[], prefix: string, leftovers: boolean, signal: AbortSignal | undefined): AsyncGenerator<ObjectInfo> {
    throwIfAborted(signal, this.location);
    const folder = join(this.root, ...folderParts);
    let entries;
    try {
      entries = await opendir(folder);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return;
      throw this.#error(error, 'list', folderParts.join('/'));
    }
    for await (const entry of entries) {
      const key = [...folderParts, entry.name].join('/');
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.#walk([...folderParts, entry.name], prefix, leftovers, signal);
      } else if (entry.isFile() && key.startsWith(prefix) && TEMP_NAME.test(entry.name) === leftovers) {
        const info = await stat(join(folder, entry.name)).catch(() => undefined); // deleted meanwhile
        if (info) yield { key, size: info.size, modifiedAt: Math.floor(info.mtimeMs) };
      }
    }
  }

  /** The path of `key`, or of its folder with `drop = -1`; validates the key. */
  #path(key: string, drop?: -1): string {
    assertValidKey(key);
    const parts = key.split('/');
    return join(this.root, ...(drop === -1 ? parts.slice(0, -1) : parts));
  }

  #error(error: unknown, action: 'read' | 'write' | 'list' | 'delete', key: string): CairnError {
    if (error instanceof CairnError) return error;
    if (isAbort(error)) return cancelledError(this.location, `The ${action} of '${key}'`);
    const where = `${this.root}${sep}${key.split('/').join(sep)}`;
    switch (errnoOf(error)) {
      case 'ENOENT':
        if (action === 'read') return new NotFoundError(`The object '${key}' does not exist in ${this.location}.`, { cause: error });
        return new StorageError('storage', `Could not ${action} ${where}: a folder on the way is missing. Check that ${this.root} is available.`, { cause: error });
      case 'ENOTDIR':
        if (action === 'read') return new NotFoundError(`The object '${key}' does not exist in ${this.location}.`, { cause: error });
        return new StorageError('storage', `Could not ${action} ${where}: a file is in the way of a folder. Check the contents of ${this.root}.`, { cause: error });
      case 'ENOSPC':
      case 'EDQUOT':
        return new StorageError('disk_full', `The disk holding ${this.root} is full. Free some space and try again.`, { cause: error });
      case 'EACCES':
      case 'EPERM':
      case 'EROFS':
        return new StorageError('access_denied', `Cairn may not ${action} ${where}. Check the permissions of ${this.root} and that its disk is writable.`, { cause: error });
      case 'EISDIR':
        // A folder is not an object (S3 has none): reading one is reading a missing object.
        if (action === 'read') return new NotFoundError(`The object '${key}' does not exist in ${this.location}.`, { cause: error });
        return new StorageError('storage', `Could not ${action} ${where}: it is a folder. Check the contents of ${this.root}.`, { cause: error });
      case 'EIO':
        // A read the disk fails: this pack's sector, most often, not the whole disk (the others
        // read). Retried (a loose cable), then this object alone is given up (objectOnly).
        return new StorageError('storage', `Could not ${action} ${where} (EIO). Check that the disk is connected and healthy, then try again.`, { cause: error, retryable: true, objectOnly: action === 'read' });
      case 'EBUSY':
      case 'EAGAIN':
      case 'EMFILE':
      case 'ENFILE':
        return new StorageError('storage', `Could not ${action} ${where} (${errnoOf(error)}). Check that the disk is connected and healthy, then try again.`, { cause: error, retryable: true });
      default: {
        const message = error instanceof Error ? error.message : String(error);
        return new StorageError('storage', `Could not ${action} ${where}: ${message}`, { cause: error });
      }
    }
  }
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

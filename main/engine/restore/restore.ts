// Restores a snapshot, or part of it, into a folder. Reads are planned per pack: the blobs
// every selected file needs are grouped by pack, sorted, and fetched with as few ranged GETs as
// possible; each blob is verified against its id; each file is written to a temporary name
// beside its destination and renamed into place complete, then its mode and mtime are set.

import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fchmodSync, futimesSync, openSync, renameSync, utimesSync, writeSync } from 'node:fs';
import { lstat, mkdir, readdir, rm, symlink, unlink, utimes, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError, IntegrityError } from '../../../shared/errors.ts';
import type { BlobId, PackId } from '../../../shared/ids.ts';
import type { ProgressInfo } from '../../../shared/models.ts';
import type { StateDb } from '../state/index.ts';
import { mapLimit, TreeReader } from '../vault/index.ts';
import type { BlobCodec, BlobLocation, SnapshotRecord, TreeEntry, Vault } from '../vault/index.ts';
import { assertSafeName, assertSafeSymlink, mkdirInside } from './path-safety.ts';
import { utimesSeconds } from '../file-times.ts';

export interface RestoreOptions {
  vault: Vault;
  db: StateDb;
  codec: BlobCodec;
  snapshot: SnapshotRecord;
  /** Paths in the snapshot to restore (see TreeReader.resolve); all of it when empty. */
  paths?: readonly string[];
  /** Folder to restore into. Each selected entry lands in it under its own name. */
  target: string;
  overwrite?: boolean;
  onProgress?: (progress: ProgressInfo) => void;
  signal?: AbortSignal;
  concurrency?: number;
  /** Ranged reads merge blobs separated by less than this many bytes. */
  maxGap?: number;
  /** Ranged reads stop growing past this size. */
  maxRead?: number;
}

export interface RestoreResult {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  requests: number;
}

/** Temporary names this restore writes (see tmpName) and sweeps when an earlier run left them. */
const LEFTOVER = /^\..+\.cairn-[0-9a-f]{8}\.tmp$/;

interface FilePlan {
  dest: string;
  dir: string;
  entry: TreeEntry;
  remaining: number;
  tmp?: string;
  /** Writes to this file, one after another. */
  chain?: Promise<void>;
  /** Single-blob files are written in one call, without keeping a handle. */
  single: boolean;
}

interface DirPlan {
  dest: string;
  entry: TreeEntry;
}

interface BlobUse {
  file: FilePlan;
  offset: number;
}

export async function restore(options: RestoreOptions): Promise<RestoreResult> {
  const { vault, db, codec, snapshot } = options;
  const reader = new TreeReader(vault, db, codec);
  const target = options.target;
  const result: RestoreResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0, requests: 0 };
  const progress: ProgressInfo = { phase: 'planning', filesDone: 0, bytesDone: 0, uploadedBytes: 0 };
  let lastEmit = 0;
  const emit = (force = false) => {
    const t = Date.now();
    if (!force && t - lastEmit < 100) return;
    lastEmit = t;
    options.onProgress?.({ ...progress });
  };
  const checkAbort = () => {
    if (options.signal?.aborted) throw new CairnError('cancelled', 'The restore was cancelled. Files already restored are complete; no file was left half-written.');
  };

  // Trees come from the local cache and files are created with synchronous calls: each step is
  // quick, but thousands in a row would hold the event loop (measured: 130-280 ms stalls in the
  // app's main thread). Give it a turn every 8 ms.
  let lastYield = performance.now();
  const yieldNow = async () => {
    if (performance.now() - lastYield < 8) return;
    await new Promise((resolve) => setImmediate(resolve));
    lastYield = performance.now();
  };

  // 1. Select and plan: every name is checked before anything touches the disk.
  const selections = options.paths && options.paths.length > 0
    ? await Promise.all(options.paths.map((p) => reader.resolve(snapshot, p)))
    : [{ path: '', entry: reader.rootEntry(snapshot) }];
  const files: FilePlan[] = [];
  const dirs: DirPlan[] = [];
  const links: { dest: string; parts: string[]; entry: TreeEntry }[] = [];
  const dirParts = new Map<string, string[]>();
  for (const selection of selections) {
    const visit = async (entry: TreeEntry, parts: string[]) => {
      checkAbort();
      await yieldNow();
      const dest = join(target, ...parts);
      if (entry.type === 'dir') {
        if (parts.length > 0) dirs.push({ dest, entry });
        dirParts.set(dest, parts);
        for (const child of await reader.list(entry)) {
          assertSafeName(child.name, [...parts, child.name].join('/'));
          await visit(child, [...parts, child.name]);
        }
      } else if (entry.type === 'file') {
        const content = entry.content ?? [];
        files.push({ dest, dir: join(target, ...parts.slice(0, -1)), entry, remaining: entry.size, single: content.length === 1 });
      } else {
        links.push({ dest, parts, entry });
      }
    };
    // The selected entry lands in the target under its own name (the whole snapshot: its roots).
    const name = selection.entry.name;
    if (selection.path === '') await visit(selection.entry, []);
    else {
      assertSafeName(name, selection.path);
      await visit(selection.entry, [name]);
    }
  }
  for (const l of links) {
    assertSafeSymlink(target, l.dest, l.entry.target ?? '');
  }
  progress.filesTotal = files.length;
  progress.bytesTotal = files.reduce((n, f) => n + f.entry.size, 0);

  // 2. Refuse to overwrite unless asked, before writing anything. (Into a new or empty folder
  // there is nothing to check.)
  const targetEntries = await readdir(target).catch(() => [] as string[]);
  if (!options.overwrite && targetEntries.length > 0) {
    const existing: string[] = [];
    for (const f of [...files, ...links]) {
      if (await lstat(f.dest).then(() => true, () => false)) existing.push(f.dest);
      if (existing.length >= 5) break;
    }
    if (existing.length > 0) {
      throw new CairnError('exists', `${existing.length >= 5 ? 'Files' : existing.length === 1 ? 'A file' : 'Files'} already exist in the target: ${existing.join(', ')}${existing.length >= 5 ? ', …' : ''}. Choose an empty folder or allow overwriting.`);
    }
  }

  // 3. Folders, checked component by component against symlinks planted in the target.
  await mkdir(target, { recursive: true });
  const verified = new Set<string>();
  const ensureDir = async (parts: string[]) => {
    const key = parts.join('/');
    if (verified.has(key)) return;
    const dir = await mkdirInside(target, parts);
    // A restore killed earlier (SIGKILL, power loss) left its temporary files: sweep them.
    if (targetEntries.length > 0) {
      for (const name of await readdir(dir)) if (LEFTOVER.test(name)) await rm(join(dir, name), { force: true });
    }
    verified.add(key);
  };
  for (const [, parts] of [...dirParts].sort((a, b) => a[1].length - b[1].length)) await ensureDir(parts);
  for (const f of files) await ensureDir(f.dest.slice(target.length).split(/[\\/]/).filter(Boolean).slice(0, -1));

  // 4. Plan blob reads per pack.
  const uses = new Map<BlobId, BlobUse[]>();
  const locations = new Map<BlobId, BlobLocation>();
  for (const f of files) {
    await yieldNow();
    let offset = 0;
    for (const id of f.entry.content ?? []) {
      let loc = locations.get(id);
      if (!loc) {
        loc = db.getBlob(id);
        if (!loc) throw new IntegrityError(`Blob ${id.slice(0, 12)}… of ${f.dest} is not in the vault's index: data is missing. Run 'cairn check'.`);
        locations.set(id, loc);
      }
      let list = uses.get(id);
      if (!list) uses.set(id, (list = []));
      list.push({ file: f, offset });
      offset += loc.rawLength;
    }
    if (offset !== f.entry.size) throw new IntegrityError(`The content of ${f.dest} adds up to ${offset} bytes, but the snapshot says ${f.entry.size}.`);
  }
  const byPack = new Map<PackId, BlobLocation[]>();
  for (const loc of locations.values()) {
    let list = byPack.get(loc.pack);
    if (!list) byPack.set(loc.pack, (list = []));
    list.push(loc);
  }
  const maxGap = options.maxGap ?? 1024 * 1024;
  const maxRead = options.maxRead ?? 8 * 1024 * 1024;
  const reads: { pack: PackId; offset: number; length: number; blobs: BlobLocation[] }[] = [];
  for (const [pack, list] of byPack) {
    list.sort((a, b) => a.offset - b.offset);
    let run: (typeof reads)[number] | undefined;
    for (const loc of list) {
      const end = loc.offset + loc.length;
      if (run && loc.offset - (run.offset + run.length) <= maxGap && end - run.offset <= maxRead) {
        run.length = end - run.offset;
        run.blobs.push(loc);
      } else {
        run = { pack, offset: loc.offset, length: loc.length, blobs: [loc] };
        reads.push(run);
      }
    }
  }

  // 5. Fetch, verify, write.
  const tmpName = (f: FilePlan) => join(f.dir, `.${f.entry.name}.cairn-${randomBytes(4).toString('hex')}.tmp`);
  // File creation uses synchronous calls on one descriptor: each takes microseconds, while the
  // promise API's round trips through the thread pool queued behind reads and writes (measured:
  // ~1.8 s of a 3.4 s restore of 2,700 files spent in open/close/chmod/utimes/rename).
  const mtimeOf = (f: FilePlan) => utimesSeconds(f.entry.mtimeNs);
  /** Writes a whole file (one blob, or none) with its mode and mtime, then renames it into place. */
  const writeWhole = (f: FilePlan, bytes: Uint8Array) => {
    const tmp = tmpName(f);
    f.tmp = tmp;
    const fd = openSync(tmp, 'w', f.entry.mode & 0o7777);
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
      fchmodSync(fd, f.entry.mode & 0o7777);
      futimesSync(fd, mtimeOf(f), mtimeOf(f));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, f.dest);
    f.tmp = undefined;
    result.files++;
    progress.filesDone++;
  };
  const finishFile = async (f: FilePlan) => {
    if (!f.tmp) return writeWhole(f, new Uint8Array(0));
    chmodSync(f.tmp, f.entry.mode & 0o7777);
    utimesSync(f.tmp, mtimeOf(f), mtimeOf(f));
    renameSync(f.tmp, f.dest);
    f.tmp = undefined;
    result.files++;
    progress.filesDone++;
  };
  const writeBlob = (use: BlobUse, bytes: Uint8Array): Promise<void> => {
    const f = use.file;
    // One write at a time per file: its first write creates the temporary file.
    const run = async () => {
      await yieldNow();
      if (f.single) {
        writeWhole(f, bytes);
      } else {
        const created = f.tmp !== undefined;
        if (!f.tmp) f.tmp = tmpName(f);
        const fd = openSync(f.tmp, created ? 'r+' : 'w');
        try {
          let done = 0;
          while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, use.offset + done);
        } finally {
          closeSync(fd);
        }
      }
      f.remaining -= bytes.length;
      result.bytes += bytes.length;
      progress.bytesDone += bytes.length;
      if (!f.single && f.remaining === 0) await finishFile(f);
      emit();
    };
    const next = (f.chain ?? Promise.resolve()).then(run);
    f.chain = next.catch(() => undefined);
    return next;
  };

  progress.phase = 'restoring';
  emit(true);
  try {
    for (const f of files) if (f.entry.size === 0) await finishFile(f);
    await mapLimit(reads, options.concurrency ?? 6, async (read) => {
      checkAbort();
      const read0 = await vault.readSealedRange(read.pack, read.offset, read.length);
      // Only a buffer this read owns may be handed to a worker (never a slice of Node's pool).
      const bytes = read0.byteOffset === 0 && read0.byteLength === read0.buffer.byteLength ? read0 : new Uint8Array(read0);
      result.requests++;
      const items = read.blobs.map((b) => ({ id: b.id, rawLength: b.rawLength, sealed: bytes.subarray(b.offset - read.offset, b.offset - read.offset + b.length) }));
      // This read's buffer is ours alone: hand it to the worker instead of copying it.
      const plains = await codec.openAndVerify(items, { transfer: true });
      // Writes of different files go in parallel; a file's blobs land at their own offsets.
      const writes: (() => Promise<void>)[] = [];
      for (let i = 0; i < items.length; i++) {
        const id = (items[i] as { id: BlobId }).id;
        for (const use of uses.get(id) ?? []) writes.push(() => writeBlob(use, plains[i] as Uint8Array));
      }
      await mapLimit(writes, 16, (w) => w());
    });
  } catch (error) {
    // Leave no half-written file behind: temporary names are removed, finished files stay.
    for (const f of files) {
      await f.chain;
      if (f.tmp) await rm(f.tmp, { force: true });
    }
    throw error;
  }

  // 6. Symlinks, then folder modes and times (deepest first, after their content is written).
  for (const l of links) {
    if (options.overwrite) await unlink(l.dest).catch(() => undefined);
    await symlink(l.entry.target ?? '', l.dest);
    result.symlinks++;
  }
  for (const d of [...dirs].sort((a, b) => b.dest.length - a.dest.length)) {
    await chmod(d.dest, d.entry.mode & 0o7777);
    if (d.entry.mtimeNs !== '0') {
      const mtime = utimesSeconds(d.entry.mtimeNs);
      await utimes(d.dest, mtime, mtime);
    }
    result.dirs++;
  }
  progress.phase = 'done';
  emit(true);
  return result;
}

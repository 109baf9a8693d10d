// Restores a snapshot, or part of it, into a folder. Reads are planned per pack: the blobs
// every selected file needs are grouped by pack, sorted, and fetched with as few ranged GETs as
// possible; each blob is verified against its id; each file is written to a temporary name
// beside its destination and renamed into place complete, then its mode and mtime are set.

import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fchmodSync, futimesSync, openSync, renameSync, utimesSync } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, symlink, unlink, utimes, chmod } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { CairnError, IntegrityError } from '../../../shared/errors.ts';
import type { BlobId, PackId } from '../../../shared/ids.ts';
import type { ProgressInfo } from '../../../shared/models.ts';
import type { StateDb } from '../state/index.ts';
import { mapLimit, nameBytes, TreeReader } from '../vault/index.ts';
import type { BlobCodec, BlobLocation, BlobTarget, SnapshotRecord, TreeEntry, Vault } from '../vault/index.ts';
import { assertSafeName, assertSafeSymlink, mkdirInside, restoredName } from './path-safety.ts';
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
  /** Leave files (and symlinks) that already exist where they would land as they are. */
  keepExisting?: boolean;
  onProgress?: (progress: ProgressInfo) => void;
  signal?: AbortSignal;
  concurrency?: number;
  /** Ranged reads merge blobs separated by less than this many bytes. */
  maxGap?: number;
  /** Ranged reads stop growing past this size. */
  maxRead?: number;
  /** Whose file-name rules apply (restoredName); default this machine's. */
  platform?: NodeJS.Platform;
}

export interface RestoreResult {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  requests: number;
  /** Files and symlinks left as they were because they already existed (keepExisting). */
  kept: number;
  /** Names this platform can't hold, written under another name (see restoredName). */
  renamed: { path: string; restoredAs: string }[];
}

/** Temporary names this restore writes (see tmpName) and sweeps when an earlier run left them. */
const LEFTOVER = /^\..+\.cairn-[0-9a-f]{8}\.tmp$/;

interface FilePlan {
  dest: string;
  dir: string;
  entry: TreeEntry;
  remaining: number;
  tmp?: string;
  /** Single-blob files are written whole by a worker; others in parts, finished here. */
  single: boolean;
}

interface DirPlan {
  dest: string;
  parts: string[];
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
  const result: RestoreResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0, requests: 0, kept: 0, renamed: [] };
  const platform = options.platform ?? process.platform;
  /** The name written for a snapshot name (itself but on Windows), with the renaming recorded. */
  const diskName = (name: string, where: string): string => {
    const mapped = restoredName(name, platform);
    if (mapped !== name) result.renamed.push({ path: where, restoredAs: mapped });
    return mapped;
  };
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
  // Names that aren't valid UTF-8 (rawName): written under their display name like any other,
  // then renamed to their exact bytes (step 6). Keyed by the display path's parts.
  const rawNames = new Map<string, Buffer>();
  const keepRaw = platform !== 'win32';
  const noteRaw = (entry: TreeEntry, parts: string[], where: string) => {
    if (entry.rawName === undefined) return;
    const bytes = nameBytes(entry);
    if (bytes.length === 0 || bytes.includes(0) || bytes.includes(0x2f) || bytes.equals(Buffer.from('.')) || bytes.equals(Buffer.from('..'))) {
      assertSafeName(bytes.length === 0 ? '' : bytes.includes(0) ? '\0' : bytes.includes(0x2f) ? '/' : bytes.toString('latin1'), where);
    }
    if (keepRaw) rawNames.set(parts.join('/'), bytes);
    else result.renamed.push({ path: where, restoredAs: parts[parts.length - 1] ?? '' });
  };
  /** Where the entry at `parts` ends up: its folders' and its own exact name bytes. */
  const finalPath = (parts: string[]): Buffer => {
    const out: Buffer[] = [Buffer.from(target)];
    for (let i = 0; i < parts.length; i++) out.push(Buffer.from('/'), rawNames.get(parts.slice(0, i + 1).join('/')) ?? Buffer.from(parts[i] as string));
    return Buffer.concat(out);
  };
  for (const selection of selections) {
    const visit = async (entry: TreeEntry, parts: string[]) => {
      checkAbort();
      await yieldNow();
      const dest = join(target, ...parts);
      if (entry.type === 'dir') {
        if (parts.length > 0) dirs.push({ dest, parts, entry });
        dirParts.set(dest, parts);
        for (const child of await reader.list(entry)) {
          const where = [...parts, child.name].join('/');
          assertSafeName(child.name, where);
          const childParts = [...parts, diskName(child.name, where)];
          noteRaw(child, childParts, where);
          await visit(child, childParts);
        }
      } else if (entry.type === 'file') {
        const content = entry.content ?? [];
        const dir = join(target, ...parts.slice(0, -1));
        // Its folder was visited, or it is the target itself (a file selected on its own).
        if (!dirParts.has(dir)) dirParts.set(dir, parts.slice(0, -1));
        files.push({ dest, dir, entry, remaining: entry.size, single: content.length === 1 });
      } else {
        links.push({ dest, parts, entry });
      }
    };
    // The selected entry lands in the target under its own name (the whole snapshot: its roots).
    const name = selection.entry.name;
    if (selection.path === '') await visit(selection.entry, []);
    else {
      assertSafeName(name, selection.path);
      const parts = [diskName(name, selection.path)];
      noteRaw(selection.entry, parts, selection.path);
      await visit(selection.entry, parts);
    }
  }
  for (const l of links) {
    assertSafeSymlink(l.dest, l.entry.target ?? '');
  }
  if (options.keepExisting) {
    const exists = (dest: string) => lstat(dest).then(() => true, () => false);
    const keptFiles = await Promise.all(files.map((f) => exists(f.dest)));
    const keptLinks = await Promise.all(links.map((l) => exists(l.dest)));
    result.kept = keptFiles.filter(Boolean).length + keptLinks.filter(Boolean).length;
    files.splice(0, files.length, ...files.filter((_, i) => !keptFiles[i]));
    links.splice(0, links.length, ...links.filter((_, i) => !keptLinks[i]));
  }
  progress.filesTotal = files.length;
  progress.bytesTotal = files.reduce((n, f) => n + f.entry.size, 0);

  // 2. Refuse to overwrite unless asked, before writing anything. (Into a new or empty folder
  // there is nothing to check.)
  const targetEntries = await readdir(target).catch(() => [] as string[]);
  if (!options.overwrite && !options.keepExisting && targetEntries.length > 0) {
    const existing: string[] = [];
    for (const f of [...files, ...links]) {
      if (await lstat(f.dest).then(() => true, () => false)) existing.push(f.dest);
      else if (rawNames.size > 0 && (await lstat(finalPath(relative(target, f.dest).split('/'))).then(() => true, () => false))) existing.push(f.dest);
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

  // 5. Fetch, verify, write. Workers decrypt, verify and write (see BlobCodec.openAndWrite): the
  // plaintext never comes back to this thread, and neither do thousands of small file-system
  // calls (measured on 2,700 files: this thread was busy 1.7 s of a 1.9 s restore, ~0.6 s of it
  // writing, creating and renaming files and collecting the garbage of returned plaintexts).
  // Temporary names: one random tag per restore and a counter (randomBytes per file was 44 ms).
  const tag = randomBytes(3).toString('hex');
  let counter = 0;
  const tmpName = (f: FilePlan) => join(f.dir, `.${basename(f.dest)}.cairn-${tag}${(counter++ % 256).toString(16).padStart(2, '0')}.tmp`);
  const mtimeOf = (f: FilePlan) => utimesSeconds(f.entry.mtimeNs);
  const fileDone = () => {
    result.files++;
    progress.filesDone++;
  };
  /** An empty file: created here, with its mode and mtime, then renamed into place. */
  const writeEmpty = (f: FilePlan) => {
    const tmp = tmpName(f);
    const fd = openSync(tmp, 'w', f.entry.mode & 0o7777);
    try {
      fchmodSync(fd, f.entry.mode & 0o7777);
      futimesSync(fd, mtimeOf(f), mtimeOf(f));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, f.dest);
    fileDone();
  };
  /** A file of several blobs: its temporary file, created before the first blob is written. */
  const partsFile = (f: FilePlan): string => {
    if (!f.tmp) {
      f.tmp = tmpName(f);
      // Owner-writable until finished (workers reopen it for each part); its mode is set last.
      closeSync(openSync(f.tmp, 'w', 0o600));
    }
    return f.tmp;
  };
  /** All of a multi-blob file's blobs are written: set its mode and mtime, rename it into place. */
  const finishParts = (f: FilePlan) => {
    const tmp = f.tmp as string;
    chmodSync(tmp, f.entry.mode & 0o7777);
    utimesSync(tmp, mtimeOf(f), mtimeOf(f));
    renameSync(tmp, f.dest);
    f.tmp = undefined;
    fileDone();
  };

  progress.phase = 'restoring';
  emit(true);
  // After a failure, reads already handed to workers finish before anything is cleaned up: a
  // worker still writing would otherwise leave a temporary file behind the cleanup.
  let failure: { error: unknown } | undefined;
  await mapLimit(reads, options.concurrency ?? 6, async (read) => {
    if (failure) return;
    try {
      checkAbort();
      const read0 = await vault.readSealedRange(read.pack, read.offset, read.length);
      if (failure) return;
      // Only a buffer this read owns may be handed to a worker (never a slice of Node's pool).
      const bytes = read0.byteOffset === 0 && read0.byteLength === read0.buffer.byteLength ? read0 : new Uint8Array(read0);
      result.requests++;
      const parts: { file: FilePlan; length: number }[] = [];
      const singles: FilePlan[] = [];
      const items = read.blobs.map((b) => {
        const targets: BlobTarget[] = [];
        for (const use of uses.get(b.id) ?? []) {
          const f = use.file;
          if (f.single) {
            targets.push({ kind: 'file', tmp: tmpName(f), dest: f.dest, mode: f.entry.mode & 0o7777, mtime: mtimeOf(f) });
            singles.push(f);
          } else {
            targets.push({ kind: 'part', path: partsFile(f), offset: use.offset });
            parts.push({ file: f, length: b.rawLength });
          }
        }
        return { id: b.id, rawLength: b.rawLength, sealed: bytes.subarray(b.offset - read.offset, b.offset - read.offset + b.length), targets };
      });
      // This read's buffer is ours alone: hand it to the worker instead of copying it.
      const written = await codec.openAndWrite(items, { transfer: true });
      result.bytes += written;
      progress.bytesDone += written;
      for (let i = 0; i < singles.length; i++) fileDone();
      for (const { file, length } of parts) {
        file.remaining -= length;
        if (file.remaining === 0) finishParts(file);
      }
      emit();
      await yieldNow();
    } catch (error) {
      failure ??= { error };
    }
  });
  if (!failure) {
    try {
      for (const f of files) if (f.entry.size === 0) writeEmpty(f);
    } catch (error) {
      failure = { error };
    }
  }
  if (failure) {
    // Leave no half-written file behind: temporary names are removed, finished files stay.
    for (const f of files) if (f.tmp) await rm(f.tmp, { force: true });
    throw failure.error;
  }

  // 6. Symlinks, then folder modes and times (deepest first, after their content is written).
  for (const l of links) {
    if (options.overwrite) await unlink(l.dest).catch(() => undefined);
    await symlink(l.entry.target ?? '', l.dest);
    result.symlinks++;
  }
  // Exact names, shallowest first: each rename's folder already has its final name.
  for (const key of [...rawNames.keys()].sort((a, b) => a.split('/').length - b.split('/').length)) {
    const parts = key.split('/');
    const from = Buffer.concat([finalPath(parts.slice(0, -1)), Buffer.from(`/${parts[parts.length - 1] ?? ''}`)]);
    const to = finalPath(parts);
    if (options.keepExisting && (await lstat(to).then(() => true, () => false))) {
      await rm(from, { recursive: true, force: true });
      result.kept++;
      continue;
    }
    await rename(from, to);
  }
  for (const d of [...dirs].sort((a, b) => b.parts.length - a.parts.length)) {
    const at = rawNames.size > 0 ? finalPath(d.parts) : d.dest;
    await chmod(at, d.entry.mode & 0o7777);
    if (d.entry.mtimeNs !== '0') {
      const mtime = utimesSeconds(d.entry.mtimeNs);
      await utimes(at, mtime, mtime);
    }
    result.dirs++;
  }
  progress.phase = 'done';
  emit(true);
  return result;
}

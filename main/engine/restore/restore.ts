// Restores a snapshot, or part of it, into a folder: select (every name checked), look at what
// exists where files would land, plan (plan.ts: overwrite/keep/refuse, and reads per pack — the
// blobs every selected file needs grouped by pack, sorted, fetched with as few ranged GETs as
// possible), then execute: each blob verified against its id, each file written to a temporary
// name beside its destination and renamed into place complete, then its mode and mtime set.

import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fchmodSync, futimesSync, openSync, renameSync, utimesSync } from 'node:fs';
import { access, constants, lstat, readdir, rename, rm, symlink, unlink, utimes, chmod } from 'node:fs/promises';
import { danglingLinkTarget } from '../local-folder.ts';
import { basename, dirname, join, relative, sep } from 'node:path';
import { ConfigError, IntegrityError } from '../../../shared/errors.ts';
import type { BlobId } from '../../../shared/ids.ts';
import type { ProgressInfo } from '../../../shared/models.ts';
import type { StateDb } from '../state/index.ts';
import { nameBytes, TreeReader } from '../vault/index.ts';
import { mapLimit } from '../concurrency.ts';
import type { BlobCodec, BlobTarget, SnapshotRecord, TreeEntry, Vault } from '../vault/index.ts';
import { cancelCheck, ProgressReporter } from '../progress-reporter.ts';
import { decideOverwrite, planReads } from './plan.ts';
import type { PackRead, ReadPlan } from './plan.ts';
import { assertSafeName, assertSafeSymlink, mkdirInside } from './path-safety.ts';
import { intendedName, restoreNamer } from './name-clashes.ts';
import type { MapName, NameFolding } from './name-clashes.ts';
import { utimesSeconds } from '../file-times.ts';
import { makeDirs } from '../make-dirs.ts';
import { dropReplacedLogs } from '../sqlite-logs.ts';
import { tempFileEnded, tempFileStarted } from '../temp-files.ts';

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
  /** Destinations already as the snapshot holds them (restore-request's plan): not written. */
  unchanged?: ReadonlySet<string>;
  /** With `overwrite`: only these existing destinations are replaced; any other found existing is kept. */
  replaceOnly?: ReadonlySet<string>;
  onProgress?: (progress: ProgressInfo) => void;
  signal?: AbortSignal;
  concurrency?: number;
  /** Ranged reads merge blobs separated by less than this many bytes. */
  maxGap?: number;
  /** Ranged reads stop growing past this size. */
  maxRead?: number;
  /** Whose file-name rules apply (restoredName); default this machine's. */
  platform?: NodeJS.Platform;
  /** How the target's file system compares names (tests); found by probing it when names could clash. */
  nameFolding?: NameFolding;
  /** Another device's names as this machine has them (path mappings; see MapName). */
  mapName?: MapName;
}

export interface RestoreResult {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  requests: number;
  /** Files and symlinks left as they were because they already existed (keepExisting, or not in replaceOnly). */
  kept: number;
  /** Files and symlinks not written because they already were as in the snapshot (`unchanged`). */
  unchanged: number;
  /**
   * Entries written under another name: names this platform can't hold (see restoredName), and
   * names its file system takes for one already written in the same folder (`README.md` beside
   * `readme.md` on a Mac: see NameClashes). `restoredAs` is the name written, `dest` its path.
   */
  renamed: { path: string; restoredAs: string; dest: string }[];
  /**
   * What was left out because it is damaged in the vault: files (where each would have been
   * written), and folders whose listing is (ending in a separator; made, empty).
   */
  damaged: string[];
  /**
   * Files and symlinks not written because Cairn may not write into their folder (permission
   * denied: a folder made by `sudo`, say), and those folders, outermost first. Everything else is
   * restored.
   */
  denied: { files: string[]; dirs: string[] };
}

/** Temporary names this restore writes (see tmpName) and sweeps when an earlier run left them. */
const LEFTOVER = /^\..+\.cairn-[0-9a-f]{8}\.tmp$/;

interface FilePlan {
  dest: string;
  dir: string;
  entry: TreeEntry;
  content: readonly BlobId[];
  size: number;
  remaining: number;
  tmp?: string;
  /** Single-blob files are written whole by a worker; others in parts, finished here. */
  single: boolean;
  /** A blob of it is damaged, missing or unreadable in the vault: it is not written (its temporary file is removed). */
  damaged?: boolean;
}

interface DirPlan {
  dest: string;
  parts: string[];
  entry: TreeEntry;
}

/** What the selected paths hold, every name checked, before anything touches the disk. */
interface Selection {
  files: FilePlan[];
  dirs: DirPlan[];
  links: DirPlan[];
  /** Every folder a file lands in, by its path, with its parts under the target. */
  dirParts: Map<string, string[]>;
  /** Names that aren't valid UTF-8 (rawName), by the display path's parts: written under their display name, then renamed to their exact bytes. */
  rawNames: Map<string, Buffer>;
  /** Folders whose listing is damaged in the vault (their path, ending in a separator): made empty. */
  damagedDirs: string[];
}

/** Where the entry at `parts` ends up: its folders' and its own exact name bytes. */
function finalPath(target: string, rawNames: ReadonlyMap<string, Buffer>, parts: string[]): Buffer {
  const out: Buffer[] = [Buffer.from(target)];
  for (let i = 0; i < parts.length; i++) out.push(Buffer.from('/'), rawNames.get(parts.slice(0, i + 1).join('/')) ?? Buffer.from(parts[i] as string));
  return Buffer.concat(out);
}

/** Trees come from the local cache and files are created with synchronous calls: each step is quick, but thousands in a row would hold the event loop (measured: 130-280 ms stalls in the app's main thread). Gives it a turn every 8 ms. */
function yielder(): () => Promise<void> {
  let lastYield = performance.now();
  return async () => {
    if (performance.now() - lastYield < 8) return;
    await new Promise((resolve) => setImmediate(resolve));
    lastYield = performance.now();
  };
}

const exists = (path: string | Buffer) => lstat(path).then(() => true, () => false);

export async function restore(options: RestoreOptions): Promise<RestoreResult> {
  const target = options.target;
  const result: RestoreResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0, requests: 0, kept: 0, unchanged: 0, renamed: [], damaged: [], denied: { files: [], dirs: [] } };
  const reporter = new ProgressReporter('planning', options.onProgress);
  const checkAbort = cancelCheck(options.signal, 'The restore was cancelled. Files already restored are complete; no file was left half-written.');
  const yieldNow = yielder();

  // 1. Select: every name is checked before anything touches the disk.
  const sel = await select(options, result, checkAbort, yieldNow);
  for (const l of sel.links) assertSafeSymlink(l.dest, l.entry.target ?? '');
  // 2. What already exists where they would land: kept, replaced, or the restore refused before
  // anything is written. (Into a new or empty folder there is nothing to check.)
  const targetEntries = await readdir(target).catch(() => [] as string[]);
  await applyOverwrite(options, sel, targetEntries.length === 0, result);

  // 3. Folders, checked component by component against symlinks planted in the target. What
  // lands in a folder Cairn may not write is left out, and named at the end; the rest is restored.
  const { withLogs, denied } = await makeTargetDirs(target, sel.dirParts, targetEntries.length > 0);
  if (denied.size > 0) leaveOutDenied(sel, denied, result);
  reporter.progress.filesTotal = sel.files.length;
  reporter.progress.bytesTotal = sel.files.reduce((n, f) => n + f.size, 0);
  // 4. Plan blob reads per pack.
  const plan = options.db.reading(() => planReads(sel.files, (id) => options.db.getBlob(id), { maxGap: options.maxGap ?? 1024 * 1024, maxRead: options.maxRead ?? DEFAULT_MAX_READ }));
  // 5. Fetch, verify, write.
  reporter.phase('restoring');
  await writeFiles(options, sel.files, plan, { reporter, result, checkAbort, yieldNow });
  // A database put where another one was: the replaced one's log must not be applied to it.
  for (const f of sel.files) if (!f.damaged && withLogs.has(f.dest)) await dropReplacedLogs(f.dest);
  // 6. Symlinks, exact names, then folder modes and times.
  await finishTree(options, sel, result);
  reporter.phase('done');
  // The files whose data is damaged in the vault were left out; everything else is in place.
  result.damaged = [...sel.damagedDirs, ...sel.files.filter((f) => f.damaged).map((f) => f.dest)];
  // Named only where this restore wrote: what was already in place (or kept) under its name is not
  // news. What it wrote, and every folder above it (one pass, not one per renamed entry).
  const written = new Set<string>();
  for (const f of [...sel.files.filter((x) => !x.damaged), ...sel.links]) {
    written.add(f.dest);
    for (let d = dirname(f.dest); d.length > target.length && !written.has(d); d = dirname(d)) written.add(d);
  }
  result.renamed = result.renamed.filter((r) => written.has(r.dest));
  return result;
}

/**
 * The error a restore that left out damaged files ends with, once everything else is in place
 * (restore-request.ts, after every folder of the request).
 */
export function damagedFilesError(damaged: readonly string[], restored: number, safetySnapshot?: string, also = ''): IntegrityError {
  const shown = damaged.slice(0, 5);
  const kept = safetySnapshot ? ` What it replaced is kept in safety snapshot ${safetySnapshot.slice(0, 8)}.` : '';
  return new IntegrityError(
    `${damaged.length} file(s) or folder(s) could not be restored: their data in the vault is damaged, missing or unreadable (${shown.join(', ')}${damaged.length > shown.length ? ', …' : ''}). Everything else was restored (${restored} file(s)).${kept} Check the vault reading its data ('cairn check --read-data'; in the app, Check now with "Also read and verify all data"): its repair lets the next backup of a device that still has those files store them again. An older snapshot may hold a good copy.${also ? ` ${also}` : ''}`,
  );
}

/** The error a restore that could not write into some folders ends with, once everything else is in place. */
export function deniedFilesError(denied: RestoreResult['denied'], restored: number, safetySnapshot?: string, also = ''): ConfigError {
  const shown = denied.dirs.slice(0, 3);
  const kept = safetySnapshot ? ` What it replaced is kept in safety snapshot ${safetySnapshot.slice(0, 8)}.` : '';
  return new ConfigError(
    `${denied.files.length} file(s) could not be restored: Cairn may not write into ${shown.join(', ')}${denied.dirs.length > shown.length ? `, and ${denied.dirs.length - shown.length} more folder(s)` : ''} (permission denied). Everything else was restored (${restored} file(s)).${kept} Fix the folders' permissions (a folder an agent made while run with sudo belongs to root) and restore again.${also ? ` ${also}` : ''}`,
  );
}

/** Takes out of the selection what would land in a folder Cairn may not write, into `result.denied`. */
function leaveOutDenied(sel: Selection, denied: ReadonlySet<string>, result: RestoreResult): void {
  const inDenied = (dest: string) => denied.has(dirname(dest));
  result.denied.dirs = [...denied].filter((d) => !denied.has(dirname(d))).sort();
  result.denied.files = [...sel.files, ...sel.links].filter((f) => inDenied(f.dest)).map((f) => f.dest);
  sel.files = sel.files.filter((f) => !inDenied(f.dest));
  sel.links = sel.links.filter((l) => !inDenied(l.dest));
  sel.dirs = sel.dirs.filter((d) => !denied.has(d.dest));
}

async function select(options: RestoreOptions, result: RestoreResult, checkAbort: () => void, yieldNow: () => Promise<void>): Promise<Selection> {
  const { snapshot, target } = options;
  const reader = new TreeReader(options.vault, options.db, options.codec);
  const platform = options.platform ?? process.platform;
  const sel: Selection = { files: [], dirs: [], links: [], dirParts: new Map(), rawNames: new Map(), damagedDirs: [] };
  const nameIn = restoreNamer(target, platform, options.nameFolding, options.mapName);
  /** The name written in folder `dir` for a snapshot entry (restoreNamer), renamings recorded (not a mapping's). */
  const diskName = async (entry: TreeEntry, where: string, dir: string): Promise<string> => {
    const placed = await nameIn(dir, entry, where);
    if (placed !== intendedName(entry, options.mapName)) result.renamed.push({ path: where, restoredAs: placed, dest: join(dir, placed) });
    return placed;
  };
  const noteRaw = (entry: TreeEntry, parts: string[], where: string) => {
    // A name given to tell it from another (NameClashes) is written as it is.
    if (entry.rawName === undefined || (platform !== 'win32' && parts[parts.length - 1] !== entry.name)) return;
    const bytes = rawNameBytes(entry, where);
    if (platform !== 'win32') sel.rawNames.set(parts.join('/'), bytes);
    else result.renamed.push({ path: where, restoredAs: parts[parts.length - 1] ?? '', dest: join(target, ...parts) });
  };
  const visit = async (entry: TreeEntry, parts: string[]): Promise<void> => {
    checkAbort();
    await yieldNow();
    const dest = join(target, ...parts);
    if (entry.type === 'dir') {
      if (parts.length > 0) sel.dirs.push({ dest, parts, entry });
      sel.dirParts.set(dest, parts);
      let children: TreeEntry[];
      try {
        children = await reader.list(entry);
      } catch (error) {
        // Its listing is damaged, missing or unreadable in the vault: the folder is made, empty,
        // and named at the end; the rest of the snapshot is restored.
        if (!(error instanceof IntegrityError) && !(await options.vault.lostObject(error))) throw error;
        sel.damagedDirs.push(`${dest}${sep}`);
        return;
      }
      for (const child of children) {
        const where = [...parts, child.name].join('/');
        assertSafeName(child.name, where);
        const childParts = [...parts, await diskName(child, where, dest)];
        noteRaw(child, childParts, where);
        await visit(child, childParts);
      }
    } else if (entry.type === 'file') {
      const content = entry.content ?? [];
      const dir = join(target, ...parts.slice(0, -1));
      // Its folder was visited, or it is the target itself (a file selected on its own).
      if (!sel.dirParts.has(dir)) sel.dirParts.set(dir, parts.slice(0, -1));
      sel.files.push({ dest, dir, entry, content, size: entry.size, remaining: entry.size, single: content.length === 1 });
    } else {
      sel.links.push({ dest, parts, entry });
    }
  };
  const selections = options.paths && options.paths.length > 0 ? await Promise.all(options.paths.map((p) => reader.resolve(snapshot, p))) : [{ path: '', entry: reader.rootEntry(snapshot) }];
  for (const selection of selections) {
    // The selected entry lands in the target under its own name (the whole snapshot: its roots).
    if (selection.path === '') {
      await visit(selection.entry, []);
      continue;
    }
    assertSafeName(selection.entry.name, selection.path);
    const parts = [await diskName(selection.entry, selection.path, target)];
    noteRaw(selection.entry, parts, selection.path);
    await visit(selection.entry, parts);
  }
  return sel;
}

/** The exact bytes of a name that isn't UTF-8, refused when they could leave their folder. */
function rawNameBytes(entry: TreeEntry, where: string): Buffer {
  const bytes = nameBytes(entry);
  if (bytes.length === 0 || bytes.includes(0) || bytes.includes(0x2f) || bytes.equals(Buffer.from('.')) || bytes.equals(Buffer.from('..'))) {
    assertSafeName(bytes.length === 0 ? '' : bytes.includes(0) ? '\0' : bytes.includes(0x2f) ? '/' : bytes.toString('latin1'), where);
  }
  return bytes;
}

/** Looks at the disk where files and links would land, and applies `decideOverwrite`. */
async function applyOverwrite(options: RestoreOptions, sel: Selection, targetEmpty: boolean, result: RestoreResult): Promise<void> {
  // keepExisting keeps what is there under the display name; the refusal also looks under the exact one.
  const refusing = !options.keepExisting && !options.overwrite && !targetEmpty;
  // Overwriting what the plan named only: anything else found there is kept (nothing holds it).
  const only = options.overwrite && !targetEmpty ? options.replaceOnly : undefined;
  const look = async (dest: string) => (await exists(dest)) || ((refusing || only !== undefined) && sel.rawNames.size > 0 && (await exists(finalPath(options.target, sel.rawNames, relative(options.target, dest).split('/')))));
  const all: { dest: string; file?: FilePlan; link?: DirPlan }[] = [...sel.files.map((file) => ({ dest: file.dest, file })), ...sel.links.map((link) => ({ dest: link.dest, link }))];
  const items = options.unchanged?.size ? all.filter((i) => !options.unchanged?.has(i.dest)) : all;
  result.unchanged = all.length - items.length;
  const looked = options.keepExisting || refusing || only
    ? await Promise.all(items.map(async (i) => ({ ...i, exists: !only?.has(i.dest) && (await look(i.dest)) })))
    : items.map((i) => ({ ...i, exists: false }));
  const decision = decideOverwrite(looked, only ? { keepExisting: true } : options, targetEmpty);
  if (decision.do === 'refuse') throw decision.error;
  result.kept = decision.keep.length;
  sel.files = decision.write.flatMap((i) => (i.file ? [i.file] : []));
  sel.links = decision.write.flatMap((i) => (i.link ? [i.link] : []));
}

/**
 * Makes the restore's folders. In a target that had entries, sweeps a killed restore's temporary
 * files, and returns the paths that have SQLite log files beside them (`X` for `X-wal`, …).
 */
async function makeTargetDirs(target: string, dirParts: ReadonlyMap<string, string[]>, targetHadEntries: boolean): Promise<{ withLogs: Set<string>; denied: Set<string> }> {
  const withLogs = new Set<string>();
  const denied = new Set<string>();
  // The folder itself a link to a place that is not there (a dotfiles link to a disk not mounted
  // now): said so, instead of "…/projects does not exist" for a folder made a moment before.
  const link = await danglingLinkTarget(target);
  if (link !== undefined) {
    throw new ConfigError(`${target} is a link to ${link}, which is not there: nothing was restored into it. Make the link's target available (mount its disk), or remove the link, and restore again.`);
  }
  await makeDirs(target);
  for (const [path, parts] of [...dirParts].sort((a, b) => a[1].length - b[1].length)) {
    // Inside a folder Cairn may not write: nothing can be made or written here either.
    if (parts.length > 0 && denied.has(dirname(path))) {
      denied.add(path);
      continue;
    }
    let dir: string;
    try {
      dir = await mkdirInside(target, parts);
      // Files land by a temporary name renamed into place: the folder must let Cairn create and rename.
      await access(dir, constants.W_OK | constants.X_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM') throw error;
      denied.add(path);
      continue;
    }
    if (!targetHadEntries) continue;
    // A folder Cairn may write but not list (-wx) has nothing of a killed restore's to sweep that it could see.
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      // A restore killed earlier (SIGKILL, power loss) left its temporary files: sweep them.
      if (LEFTOVER.test(name)) await rm(join(dir, name), { force: true });
      const log = SIDECAR.exec(name);
      if (log) withLogs.add(join(dir, log[1] as string));
    }
  }
  return { withLogs, denied };
}

/** A SQLite database's log or shared-memory file: `NAME-wal`, `NAME-journal`, `NAME-shm`. */
const SIDECAR = /^(.+)-(?:wal|journal|shm)$/;

interface WriteContext {
  reporter: ProgressReporter;
  result: RestoreResult;
  checkAbort: () => void;
  yieldNow: () => Promise<void>;
}

/** Writes the files of a plan atomically: temporary names beside their destination, renamed into place complete. */
class FileWriter {
  // One random tag per restore and a counter (randomBytes per file was 44 ms).
  private readonly tag = randomBytes(3).toString('hex');
  private counter = 0;
  private readonly w: WriteContext;
  constructor(w: WriteContext) {
    this.w = w;
  }
  tmpName(f: FilePlan): string {
    return join(f.dir, `.${basename(f.dest)}.cairn-${this.tag}${(this.counter++ % 256).toString(16).padStart(2, '0')}.tmp`);
  }
  fileDone(): void {
    this.w.result.files++;
    this.w.reporter.progress.filesDone++;
  }
  /** An empty file: created here, with its mode and mtime, then renamed into place. */
  writeEmpty(f: FilePlan): void {
    const tmp = this.tmpName(f);
    const fd = openSync(tmp, 'w', f.entry.mode & 0o7777);
    try {
      fchmodSync(fd, f.entry.mode & 0o7777);
      futimesSync(fd, mtimeOf(f), mtimeOf(f));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, f.dest);
    this.fileDone();
  }
  /** A file of several blobs: its temporary file, created before the first blob is written. */
  partsFile(f: FilePlan): string {
    if (!f.tmp) {
      f.tmp = this.tmpName(f);
      // Removed by the CLI's interrupt handler if the run is stopped before it is whole (temp-files.ts).
      tempFileStarted(f.tmp);
      // Owner-writable until finished (workers reopen it for each part); its mode is set last.
      closeSync(openSync(f.tmp, 'w', 0o600));
    }
    return f.tmp;
  }
  /** Where a blob's bytes go for file `f`: the whole file (a worker writes and renames it), or a part at `offset`. */
  target(f: FilePlan, offset: number): BlobTarget {
    return f.single ? { kind: 'file', tmp: this.tmpName(f), dest: f.dest, mode: f.entry.mode & 0o7777, mtime: mtimeOf(f) } : { kind: 'part', path: this.partsFile(f), offset };
  }
  /** A blob of `length` bytes was written to its target in `f`: a single-blob file is done, a file of parts once all are in. */
  written(f: FilePlan, length: number): void {
    if (f.single) return this.fileDone();
    f.remaining -= length;
    if (f.remaining === 0) this.finishParts(f);
  }
  /** All of a multi-blob file's blobs are written: set its mode and mtime, rename it into place. */
  finishParts(f: FilePlan): void {
    const tmp = f.tmp as string;
    chmodSync(tmp, f.entry.mode & 0o7777);
    utimesSync(tmp, mtimeOf(f), mtimeOf(f));
    renameSync(tmp, f.dest);
    tempFileEnded(tmp);
    f.tmp = undefined;
    this.fileDone();
  }
}

const mtimeOf = (f: FilePlan) => utimesSeconds(f.entry.mtimeNs);

/**
 * Ranged reads stop growing past this size (RestoreOptions.maxRead). A read's blobs go to one
 * worker, so smaller reads even out the workers' shares at the end of a restore: 4 MiB against
 * 8 took full local restores 1.32-1.51 -> 1.21-1.33 s (341 MiB) and 3.52-4.25 -> 3.18-3.76 s
 * (1.2 GiB) into tmpfs, with 25 MiB less peak RSS at the smaller size (docs/BENCHMARKS.md).
 */
const DEFAULT_MAX_READ = 4 * 1024 * 1024;

/**
 * The buffers reads land in, reused: each goes to a worker with its read's blobs and comes back
 * when they are written. A restore then holds at most one buffer per read in flight, whatever the
 * snapshot's size; with a fresh buffer per read, the dead ones waited for the garbage collector
 * (on a 1.2 GiB restore the process grew to 391 MiB of RSS, the main thread's array buffers to 103 MiB).
 */
class ReadBuffers {
  private readonly free: Uint8Array[] = [];
  private readonly size: number;
  constructor(size: number) {
    this.size = size;
  }
  /** A buffer for a read of `length` bytes; none for a read larger than the pool's buffers (it gets its own). */
  take(length: number): Uint8Array | undefined {
    if (length > this.size) return undefined;
    // Fresh buffers are zeroed pages that cost nothing until a read touches them.
    return this.free.pop() ?? new Uint8Array(this.size);
  }
  /** Buffers back from a worker: the pool's own size only (others were a read's own). */
  give(buffers: readonly ArrayBuffer[]): void {
    for (const b of buffers) if (b.byteLength === this.size) this.free.push(new Uint8Array(b));
  }
}

/**
 * Fetches each planned read, and has workers decrypt, verify and write its blobs (see
 * BlobCodec.openAndWrite): the plaintext never comes back to this thread, and neither do
 * thousands of small file-system calls (measured on 2,700 files: this thread was busy 1.7 s of a
 * 1.9 s restore, ~0.6 s of it writing, creating and renaming files and collecting the garbage of
 * returned plaintexts).
 */
async function writeFiles(options: RestoreOptions, files: FilePlan[], plan: ReadPlan<FilePlan>, w: WriteContext): Promise<void> {
  const writer = new FileWriter(w);
  const buffers = new ReadBuffers(options.maxRead ?? DEFAULT_MAX_READ);
  // After a failure, reads already handed to workers finish before anything is cleaned up: a
  // worker still writing would otherwise leave a temporary file behind the cleanup.
  let failure: { error: unknown } | undefined;
  /** Packs missing from the vault, or that its disk can't read: their later reads aren't tried again. */
  const lost = new Set<string>();
  await mapLimit(plan.reads, options.concurrency ?? 6, async (read) => {
    if (failure) return;
    try {
      w.checkAbort();
      if (lost.has(read.pack)) return leaveOutRead(read, plan);
      const into = buffers.take(read.length);
      let read0: Uint8Array;
      try {
        read0 = await options.vault.readSealedRange(read.pack, read.offset, read.length, into);
      } catch (error) {
        if (!(await options.vault.lostObject(error))) throw error;
        lost.add(read.pack);
        return leaveOutRead(read, plan);
      }
      if (failure) return;
      // Only a buffer this read owns may be handed to a worker (never a slice of Node's pool).
      const owned = read0.buffer === into?.buffer || (read0.byteOffset === 0 && read0.byteLength === read0.buffer.byteLength);
      const bytes = owned ? read0 : new Uint8Array(read0);
      w.result.requests++;
      try {
        buffers.give(await writeRead(options.codec, read, bytes, plan, writer, w));
      } catch (error) {
        if (!(error instanceof IntegrityError)) throw error;
        // A blob of this read is damaged in the vault: the read's blobs again, one at a time (its
        // buffer went to the worker), so that only the files of a damaged one are left out.
        const again = await options.vault.readSealedRange(read.pack, read.offset, read.length);
        w.result.requests++;
        await writeEach(options.codec, read, again, plan, writer, w);
      }
      await w.yieldNow();
    } catch (error) {
      failure ??= { error };
    }
  });
  if (!failure) {
    try {
      for (const f of files) if (f.entry.size === 0) writer.writeEmpty(f);
    } catch (error) {
      failure = { error };
    }
  }
  // A file with a damaged blob never finished: its temporary file goes.
  for (const f of files) {
    if (!f.damaged || !f.tmp) continue;
    await rm(f.tmp, { force: true });
    tempFileEnded(f.tmp);
    f.tmp = undefined;
  }
  if (failure) {
    // Leave no half-written file behind: temporary names are removed, finished files stay.
    for (const f of files) {
      if (!f.tmp) continue;
      await rm(f.tmp, { force: true });
      tempFileEnded(f.tmp);
    }
    throw failure.error;
  }
}

/** A read whose pack is lost: every file holding one of its blobs is left out, like a damaged one. */
function leaveOutRead(read: PackRead, plan: ReadPlan<FilePlan>): void {
  for (const b of read.blobs) for (const use of plan.uses.get(b.id) ?? []) use.file.damaged = true;
}

/** One fetched read's blobs to every file that holds them; resolves to the read's buffer, handed back by the worker. */
async function writeRead(codec: BlobCodec, read: PackRead, bytes: Uint8Array, plan: ReadPlan<FilePlan>, writer: FileWriter, w: WriteContext): Promise<ArrayBuffer[]> {
  const done: { file: FilePlan; length: number }[] = [];
  const items = read.blobs.map((b) => {
    const targets: BlobTarget[] = [];
    for (const use of plan.uses.get(b.id) ?? []) {
      targets.push(writer.target(use.file, use.offset));
      done.push({ file: use.file, length: b.rawLength });
    }
    return { id: b.id, rawLength: b.rawLength, sealed: bytes.subarray(b.offset - read.offset, b.offset - read.offset + b.length), targets };
  });
  // This read's buffer is ours alone: hand it to the worker instead of copying it.
  const { bytes: written, buffers } = await codec.openAndWrite(items, { transfer: true });
  w.result.bytes += written;
  w.reporter.progress.bytesDone += written;
  for (const { file, length } of done) writer.written(file, length);
  w.reporter.emit();
  return buffers;
}

/**
 * A read with a damaged blob, blob by blob: each good one written to its files as writeRead
 * does, each damaged one's files marked and left out (a file it is the whole of is never created;
 * one of many parts never finishes, and its temporary file is removed at the end).
 */
async function writeEach(codec: BlobCodec, read: PackRead, bytes: Uint8Array, plan: ReadPlan<FilePlan>, writer: FileWriter, w: WriteContext): Promise<void> {
  for (const b of read.blobs) {
    const uses = (plan.uses.get(b.id) ?? []).filter((u) => !u.file.damaged);
    if (uses.length === 0) continue;
    const targets = uses.map((u) => writer.target(u.file, u.offset));
    const sealed = bytes.subarray(b.offset - read.offset, b.offset - read.offset + b.length);
    try {
      const { bytes: written } = await codec.openAndWrite([{ id: b.id, rawLength: b.rawLength, sealed, targets }]);
      w.result.bytes += written;
      w.reporter.progress.bytesDone += written;
    } catch (error) {
      if (!(error instanceof IntegrityError)) throw error;
      for (const { file } of uses) file.damaged = true;
      continue;
    }
    for (const { file } of uses) writer.written(file, b.rawLength);
  }
  w.reporter.emit();
}

/**
 * Puts what was written under a display name (`from`) at its exact name (`to`). A folder that
 * is already there gets the written entries merged into it (it may hold files the snapshot
 * doesn't); an entry already there is replaced (overwrite: the plan named it) or, keeping,
 * left as it is and the written copy dropped.
 */
async function moveInto(from: Buffer, to: Buffer, keeping: boolean, result: RestoreResult): Promise<void> {
  const there = await lstat(to).catch(() => undefined);
  if (there?.isDirectory() && (await lstat(from)).isDirectory()) {
    const slash = Buffer.from('/');
    for (const name of await readdir(from, { encoding: 'buffer' })) await moveInto(Buffer.concat([from, slash, name]), Buffer.concat([to, slash, name]), keeping, result);
    await rm(from, { recursive: true, force: true });
    return;
  }
  if (there && keeping) {
    await rm(from, { recursive: true, force: true });
    result.kept++;
    return;
  }
  await rename(from, to);
}

/** Symlinks, then the exact names, then folder modes and times (deepest first, after their content is written). */
async function finishTree(options: RestoreOptions, sel: Selection, result: RestoreResult): Promise<void> {
  for (const l of sel.links) {
    if (options.overwrite) await unlink(l.dest).catch(() => undefined);
    await symlink(l.entry.target ?? '', l.dest);
    result.symlinks++;
  }
  const at = (parts: string[]) => finalPath(options.target, sel.rawNames, parts);
  // Exact names, shallowest first: each rename's folder already has its final name.
  for (const key of [...sel.rawNames.keys()].sort((a, b) => a.split('/').length - b.split('/').length)) {
    const parts = key.split('/');
    const from = Buffer.concat([at(parts.slice(0, -1)), Buffer.from(`/${parts[parts.length - 1] ?? ''}`)]);
    const to = at(parts);
    // Not written: already there as in the snapshot, or kept (see applyOverwrite).
    if (!(await exists(from))) continue;
    await moveInto(from, to, options.keepExisting ?? false, result);
  }
  for (const d of [...sel.dirs].sort((a, b) => b.parts.length - a.parts.length)) {
    const path = sel.rawNames.size > 0 ? at(d.parts) : d.dest;
    try {
      await chmod(path, d.entry.mode & 0o7777);
      if (d.entry.mtimeNs !== '0') {
        const mtime = utimesSeconds(d.entry.mtimeNs);
        await utimes(path, mtime, mtime);
      }
    } catch (error) {
      // A folder this user may write but doesn't own (another user's, group-writable) keeps its
      // own mode and time: its files are restored, which is what matters.
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    }
    result.dirs++;
  }
}

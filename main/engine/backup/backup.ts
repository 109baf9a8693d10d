// One backup run: walk each source, skip files unchanged since the last run (by size, mtime,
// ctime and inode from the state DB), stream changed files through the chunker, seal and pack
// the blobs nobody stored yet, then write trees, the index and, last, the snapshot record.
// Nothing is recorded as done locally until the snapshot that needs it is stored.

import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { basename, join } from 'node:path';
import { CairnError, LockedError } from '../../../shared/errors.ts';
import type { BlobId, DeviceId, SnapshotId } from '../../../shared/ids.ts';
import type { BackupWarning, BackupWarningReason, ProgressInfo, SnapshotReason, SnapshotStats } from '../../../shared/models.ts';
import { backupTempPrefix } from '../state/index.ts';
import type { FileCacheEntry, StateDb } from '../state/index.ts';
import { DEFAULT_PACK_SIZE, displayName, encodeTree, keys, listIndexIds, MAX_RECORDED_WARNINGS, Packer, settleAll, syncIndex, acquireLock } from '../vault/index.ts';
import type { HeldLock, SnapshotRecord, SnapshotRoot, TreeEntry, Vault } from '../vault/index.ts';
import type { BlobCodec, TailMark } from '../vault/index.ts';
import { compileRules } from './rules.ts';
import { countBackupTotals } from './totals.ts';
import type { CompiledRules } from './rules.ts';
import { planUpload, rulesFor, scrubSqliteCopy } from './scrub.ts';
import type { BackupSource } from './source.ts';
import { fsArg, showPath, SourceFileError, sourceFileErrorOf } from '../workers/index.ts';
import type { ExpectedFile, FsPath } from '../workers/index.ts';
import { checkRoots, sameAsWalked, walkedFile } from './roots.ts';
import type { CheckedRoot } from './roots.ts';

/** How long a backup waits for another device's prune before it gives up with `locked`. */
export const DEFAULT_BACKUP_LOCK_WAIT_MS = 2 * 60_000;

/**
 * A prune finished between this backup's index sync and its lock, so blobs it counted as stored
 * may be gone; nothing was uploaded, and the local index cache is current again: running the
 * backup again right away is safe and cheap (unchanged files are skipped by the file cache).
 */
export class PrunedWhileScanningError extends LockedError {}

export interface BackupDevice {
  id: DeviceId;
  name: string;
}

export type { BackupWarning, BackupWarningReason };

/** A file that stayed on this machine because it holds (or may hold) a credential. */
export interface KeptLocal {
  /** `<root label>/<path in the root>`, as in the snapshot's tree. */
  path: string;
  why: string;
}

export interface BackupOptions {
  vault: Vault;
  db: StateDb;
  codec: BlobCodec;
  sources: readonly BackupSource[];
  device: BackupDevice;
  reason: SnapshotReason;
  /** Folder of Cairn's own for temporary copies (SQLite databases). */
  tmpDir: string;
  /** Copies a live SQLite database consistently (online backup API). */
  copySqlite: (src: string, dest: string) => Promise<void>;
  /** Extra exclude globs applied to every source (CLI --exclude). */
  excludes?: readonly string[];
  /** Write a snapshot even when nothing changed since the parent. */
  force?: boolean;
  onProgress?: (progress: ProgressInfo) => void;
  onWarning?: (warning: BackupWarning) => void;
  signal?: AbortSignal;
  now?: () => number;
  fileConcurrency?: number;
  uploadConcurrency?: number;
  packSize?: number;
  lockStaleMs?: number;
  /**
   * How long to wait for another device's prune (an exclusive lock) to finish before failing with
   * `locked`; default DEFAULT_BACKUP_LOCK_WAIT_MS. A prune is short, and a backup that simply
   * waits for it loses nothing.
   */
  lockWaitMs?: number;
  /**
   * The vault is unreachable and `vault.store` spools writes to the outbox: take no lock and
   * read nothing from storage; the local index cache says what is stored. The outbox takes the
   * lock and checks the index when it uploads (see ../outbox).
   */
  offline?: boolean;
  /**
   * Runs once the new snapshot is saved, alongside the release of the lock (one round trip
   * instead of two): the callers update the device record here. Not run when nothing changed.
   */
  afterSnapshot?: () => Promise<unknown>;
  /**
   * Builds the snapshot's session catalog (see ../catalog) once the sources are walked; its
   * result, the catalog's root tree, is recorded in the snapshot. A new catalog alone is a change.
   */
  catalog?: (input: CatalogInput) => Promise<BlobId | undefined>;
  /**
   * Called for each file of the snapshot as soon as it is stored (or found unchanged), with its
   * source's label, its path in the source and its state: lets the catalog read sessions while
   * the walk goes on. Must not throw.
   */
  onFileWalked?: (label: string, rel: string, file: FileCacheEntry) => void;
}

/** What a catalog builder gets: every file the snapshot holds, and a way to store blobs. */
export interface CatalogInput {
  sources: readonly BackupSource[];
  /** Per source label: every file of the snapshot (relative path -> its state, content ids included). */
  files: ReadonlyMap<string, ReadonlyMap<string, FileCacheEntry>>;
  storeData: (bytes: Uint8Array) => Promise<BlobId>;
  storeTree: (entries: TreeEntry[]) => Promise<BlobId>;
}

export interface BackupResult {
  /** The new snapshot, or the parent when nothing changed. */
  snapshot: SnapshotRecord | undefined;
  snapshotId: SnapshotId | undefined;
  unchanged: boolean;
  stats: SnapshotStats;
  warnings: BackupWarning[];
  /** Files left out because of a credential rule, with the rule's reason. */
  keptLocal: KeptLocal[];
  /** Changed files whose verified prefix was not chunked again (they grew by appends). */
  resumedFiles: number;
}

interface LastSnapshot {
  id: SnapshotId;
  tree: BlobId;
  /** The sync merges it published (see SnapshotRecord.merges), as JSON. */
  merges?: string;
  /** Its session catalog. */
  catalog?: BlobId;
}

const LAST_SNAPSHOT_META = 'last_snapshot';

/**
 * Makes `snapshot` the parent of this state DB's next backup: a machine that takes over another
 * device's identity (Repository.adopt) continues that device's history.
 */
export function continueFrom(db: StateDb, snapshot: Pick<SnapshotRecord, 'id' | 'tree' | 'merges'>): void {
  db.setMeta(LAST_SNAPSHOT_META, JSON.stringify({ id: snapshot.id, tree: snapshot.tree, merges: JSON.stringify(snapshot.merges ?? []) } satisfies LastSnapshot));
}
/** Files this large get a tail mark (a SHA-256 pass) so that appends to them resume chunking; smaller ones are cheap to chunk again. */
const TAIL_MARK_MIN_SIZE = 256 * 1024;

/** A semaphore bounding how many files are read at once. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

const nsString = (v: bigint) => v.toString();

function lstatOrUndefined(path: FsPath): BigIntStats | undefined {
  try {
    return lstatSync(fsArg(path), { bigint: true });
  } catch {
    return undefined;
  }
}

function sameFile(cached: FileCacheEntry | undefined, st: BigIntStats, extra: string): cached is FileCacheEntry {
  return (
    cached !== undefined &&
    cached.size === Number(st.size) &&
    cached.mtimeNs === nsString(st.mtimeNs) &&
    cached.ctimeNs === nsString(st.ctimeNs) + extra &&
    cached.inode === nsString(st.ino) &&
    cached.mode === Number(st.mode)
  );
}

export async function backup(options: BackupOptions): Promise<BackupResult> {
  const { vault, db, codec } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const warnings: BackupWarning[] = [];
  const keptLocal: KeptLocal[] = [];
  const keep = (source: BackupSource, rel: string, why: string) => {
    stats.secretsSkipped++;
    keptLocal.push({ path: rel ? `${source.label}/${rel}` : source.label, why });
  };
  const warn = (path: string, reason: BackupWarningReason, message: string) => {
    const w = { path, reason, message };
    warnings.push(w);
    options.onWarning?.(w);
  };
  /** A file that can't be read as walked is left out with a warning; other errors fail the backup. */
  const skipFile = (abs: FsPath, error: unknown): undefined => {
    const skipped = sourceFileErrorOf(abs, error) ?? (error instanceof CairnError && error.code === 'not_found' ? new SourceFileError('vanished', error.message) : undefined);
    if (!skipped) throw error;
    warn(showPath(abs), skipped.reason, skipped.message);
    return undefined;
  };
  const stats: SnapshotStats = {
    files: 0,
    dirs: 0,
    bytes: 0,
    newBytes: 0,
    uploadedBytes: 0,
    newFiles: 0,
    changedFiles: 0,
    unchangedFiles: 0,
    secretsSkipped: 0,
    durationMs: 0,
  };
  const progress: ProgressInfo = { phase: 'scanning', filesDone: 0, bytesDone: 0, uploadedBytes: 0 };
  let lastEmit = 0;
  const emit = (force = false) => {
    const t = now();
    if (!force && t - lastEmit < 100) return;
    lastEmit = t;
    progress.pendingUploadBytes = packer.pendingBytes;
    options.onProgress?.({ ...progress });
  };
  const checkAbort = () => {
    if (options.signal?.aborted) throw new CairnError('cancelled', 'The backup was cancelled. Nothing was lost: the previous snapshots are intact.');
  };

  const lastRaw = db.getMeta(LAST_SNAPSHOT_META);
  const last = lastRaw ? (JSON.parse(lastRaw) as LastSnapshot) : undefined;

  // Whether the parent snapshot still exists (another device may have forgotten it) matters
  // only if nothing changed, but asking now, alongside the index listing, saves a round trip.
  const parentCheck = last && !options.offline ? vault.store.stat(keys.snapshot(options.device.id, last.id)) : undefined;
  parentCheck?.catch(() => undefined); // handled where it is awaited; unneeded when files changed
  // The index cache must be current before we decide which blobs are already stored.
  const indexAtStart = options.offline ? db.knownIndexIds() : await listIndexIds(vault);
  if (!options.offline) await syncIndex(vault, db, indexAtStart);

  let lock: HeldLock | undefined;
  const takeLock = async () => {
    if (lock || options.offline) return;
    // A prune may have finished between our index sync and our lock: if an index file we relied
    // on is gone, blobs we counted as stored may be gone too, so this run can't be trusted.
    // Listed once our lock is written (a prune starting later sees it and backs off), alongside
    // the check for other locks.
    const checkIndex = async () => {
      const current = await listIndexIds(vault);
      for (const id of indexAtStart) {
        if (!current.has(id)) {
          await syncIndex(vault, db, current);
          throw new PrunedWhileScanningError('The vault was pruned while this backup was scanning. Run the backup again.');
        }
      }
    };
    lock = await acquireLock(vault, { exclusive: false, operation: 'backup', device: options.device.id, staleMs: options.lockStaleMs, waitMs: options.lockWaitMs ?? DEFAULT_BACKUP_LOCK_WAIT_MS, now, whileChecking: checkIndex });
  };

  const packer = new Packer(vault, db, {
    packSize: options.packSize ?? vault.config.packSize ?? DEFAULT_PACK_SIZE,
    concurrency: options.uploadConcurrency ?? 4,
    indexEvery: 16,
    beforeFirstUpload: takeLock,
    onUploaded: (bytes) => {
      progress.uploadedBytes += bytes;
      emit();
    },
  });

  // Named after this process, so a later run can tell a killed run's leftovers from a live one's.
  const tmp = await mkdtemp(join(options.tmpDir, backupTempPrefix()));
  // Many agent files are small: keep enough in flight that the workers never wait on the disk.
  const limiter = new Limiter(options.fileConcurrency ?? 12);
  const newCache = new Map<string, Map<string, FileCacheEntry>>();
  const newTrees: [BlobId, Uint8Array][] = [];
  const oldCache = new Map<string, Map<string, FileCacheEntry>>();
  const cacheOf = (label: string) => {
    let c = oldCache.get(label);
    if (!c) oldCache.set(label, (c = db.getFiles(label)));
    return c;
  };
  // The file cache is rewritten only when some entry differs from what it held.
  let cacheDirty = false;
  let resumedFiles = 0;

  /**
   * Where chunking may resume for a file that changed since `cached`: its last chunk starts where
   * the sizes of the others add up to (the cache vouches they are stored; see StateDb.removeIndex).
   */
  const resumePoint = (cached: FileCacheEntry | undefined): TailMark | undefined => {
    if (!cached?.tailDigest || cached.content.length < 2) return undefined;
    let offset = 0;
    for (const id of cached.content.slice(0, -1)) {
      const loc = db.getBlob(id);
      if (!loc) return undefined;
      offset += loc.rawLength;
    }
    return { offset, digest: cached.tailDigest };
  };

  /**
   * Stores the content of a file; returns its blob ids and the number of bytes read. With a
   * cached entry, a file that grew by appends is chunked from its old last chunk on (its prefix
   * is verified by SHA-256 in the worker, ~3× faster than chunking it).
   */
  const storeContent = async (path: FsPath, previous?: { cached: FileCacheEntry | undefined; size: number; expect: ExpectedFile }): Promise<{ content: BlobId[]; size: number; newBytes: number; tailDigest?: Uint8Array }> => {
    const content: BlobId[] = [];
    let size = 0;
    let newBytes = 0;
    const resume = previous ? resumePoint(previous.cached) : undefined;
    const stream = codec.chunkFile(path, { ...(resume ? { resume } : {}), ...(previous ? { expect: previous.expect } : {}), markTail: previous !== undefined && previous.size >= TAIL_MARK_MIN_SIZE });
    for await (const batch of stream) {
      checkAbort();
      const fresh = batch.filter((c) => !packer.has(c.id));
      // Count before sealing: the worker pool takes ownership of (transfers) the chunks' bytes.
      let batchBytes = 0;
      for (const c of batch) {
        content.push(c.id);
        batchBytes += c.data.length;
      }
      size += batchBytes;
      if (fresh.length > 0) {
        // Mark before sealing so a concurrent file with the same chunk doesn't seal it twice.
        const unique = fresh.filter((c, i) => fresh.findIndex((d) => d.id === c.id) === i);
        for (const s of await codec.compressAndSeal(unique)) {
          newBytes += s.rawLength;
          await packer.add({ id: s.id, type: 'data', rawLength: s.rawLength, sealed: s.sealed });
        }
      }
      progress.bytesDone += batchBytes;
      emit();
    }
    if (stream.resumedAt > 0) {
      content.unshift(...(previous?.cached?.content.slice(0, -1) ?? []));
      size += stream.resumedAt;
      progress.bytesDone += stream.resumedAt;
      resumedFiles++;
    }
    return { content, size, newBytes, ...(stream.tail ? { tailDigest: stream.tail.digest } : {}) };
  };

  const storeTree = async (entries: TreeEntry[]): Promise<BlobId> => {
    const bytes = encodeTree(entries);
    const id = codec.idOf(bytes);
    // Browsing and restoring read trees constantly: keep this device's own locally.
    newTrees.push([id, Buffer.from(bytes)]); // a copy: sealing transfers `bytes` to a worker
    if (!packer.has(id)) {
      const [sealed] = await codec.compressAndSeal([{ id, data: bytes }]);
      if (sealed) await packer.add({ id, type: 'tree', rawLength: sealed.rawLength, sealed: sealed.sealed });
    }
    return id;
  };

  const storeData = async (bytes: Uint8Array): Promise<BlobId> => {
    const id = codec.idOf(bytes);
    if (!packer.has(id)) {
      const [sealed] = await codec.compressAndSeal([{ id, data: bytes }]);
      if (sealed) await packer.add({ id, type: 'data', rawLength: sealed.rawLength, sealed: sealed.sealed });
    }
    return id;
  };

  /**
   * `abs` is bytes (and `rawRel` the path's bytes under the root) when a name on the way is not
   * valid UTF-8; `rawName` is then set when this entry's own name is one (docs/FORMAT.md).
   */
  const fileEntry = async (source: CheckedRoot, rules: CompiledRules, rel: string, abs: FsPath, name: string, raw?: { rel: Buffer; name?: string }): Promise<TreeEntry | undefined> => {
    const label = source.label;
    const cls = rules.classify(rel);
    if (cls === 'secret') {
      keep(source, rel, `credential file (rule ${rules.secretRule(rel) ?? 'secret'})`);
      return undefined;
    }
    if (cls !== 'included') return undefined;
    const kind = rules.isSqlite(rel) ? 'sqlite' : 'file';
    return limiter.run(async () => {
      checkAbort();
      let st: BigIntStats;
      try {
        // Synchronous on purpose: ~9 µs each, while the async call is a thread-pool round trip
        // that queues behind the workers' reads (measured 24 ms vs 380 ms for 2,700 files).
        st = lstatSync(fsArg(abs), { bigint: true });
      } catch (error) {
        return skipFile(abs, error);
      }
      // Replaced by a link, folder or FIFO since it was listed: not the file that was walked.
      if (!st.isFile()) return skipFile(abs, new SourceFileError('changed', `${showPath(abs)} was replaced after it was listed; it was not read. The next backup tries again.`));
      const expect = walkedFile(source, raw?.rel ?? rel, st);
      progress.currentPath = showPath(abs);
      // A WAL database changes in its -wal file first: fold that file's stat into the check.
      let extra = '';
      if (kind === 'sqlite') {
        const wal = await stat(`${showPath(abs)}-wal`, { bigint: true }).catch(() => undefined);
        extra = wal ? `|${wal.size}|${wal.mtimeNs}` : '';
      }
      const cached = cacheOf(label).get(rel);
      let content: BlobId[];
      let size: number;
      let tailDigest: Uint8Array | undefined;
      // Databases and files with credential rules are read by path by code that takes text
      // paths (SQLite, the scrubbers): under a name that isn't UTF-8 they stay local, unread.
      if (typeof abs !== 'string' && (kind === 'sqlite' || rulesFor(source.contentRules, rel).length > 0)) {
        keep(source, rel, 'its name is not valid UTF-8 and its credential rules (or SQLite) need a text path; rename it to back it up');
        return undefined;
      }
      // An entry in the file cache vouches that its blobs are stored (see StateDb.removeIndex).
      const unchanged = sameFile(cached, st, extra);
      if (unchanged) {
        content = cached.content;
        size = cached.size;
        tailDigest = cached.tailDigest;
        stats.unchangedFiles++;
        progress.bytesDone += size;
      } else {
        try {
          const contentRules = rulesFor(source.contentRules, rel);
          if (kind === 'sqlite') {
            const copy = join(tmp, `${randomBytes(8).toString('hex')}.sqlite`);
            try {
              try {
                await options.copySqlite(showPath(abs), copy);
              } catch (error) {
                // A file the credential rules call a database but that can't be read as one: it
                // can't be scrubbed, so it stays local.
                if (contentRules.length === 0 || !(error instanceof CairnError) || error.code === 'cancelled') throw error;
                keep(source, rel, `${contentRules[0]?.why ?? 'credentials'}: ${error.message}`);
                return undefined;
              }
              await chmod(copy, 0o600);
              // SQLite opens the database by path: check that what it copied is what was walked.
              sameAsWalked(showPath(abs), expect);
              // Credential rows are deleted from the copy, never from the agent's database.
              if (contentRules.length > 0) {
                try {
                  await scrubSqliteCopy(copy, contentRules);
                } catch (error) {
                  keep(source, rel, `${contentRules.map((r) => r.why).join('; ')}: ${(error as Error).message}`);
                  return undefined;
                }
              }
              ({ content, size } = countNew(await storeContent(copy)));
            } finally {
              await rm(copy, { force: true });
            }
          } else {
            const plan = contentRules.length > 0 ? await planUpload(showPath(abs), rel, contentRules) : { action: 'as-is' as const };
            if (plan.action === 'skip') {
              keep(source, rel, plan.why);
              return undefined;
            }
            // planUpload read the file by its path: check that it read what was walked.
            if (plan.action !== 'as-is') sameAsWalked(showPath(abs), expect);
            if (plan.action === 'bytes') {
              // Upload exactly the bytes that were checked (and redacted), not the file as it is now.
              const copy = join(tmp, randomBytes(8).toString('hex'));
              try {
                await writeFile(copy, plan.data);
                ({ content, size } = countNew(await storeContent(copy)));
              } finally {
                await rm(copy, { force: true });
              }
            } else {
              ({ content, size, tailDigest } = countNew(await storeContent(abs, { cached, size: Number(st.size), expect })));
            }
          }
        } catch (error) {
          return skipFile(abs, error);
        }
        if (cached) stats.changedFiles++;
        else stats.newFiles++;
      }
      const entry: FileCacheEntry = {
        size,
        mtimeNs: nsString(st.mtimeNs),
        ctimeNs: nsString(st.ctimeNs) + extra,
        inode: nsString(st.ino),
        mode: Number(st.mode),
        content,
        ...(tailDigest ? { tailDigest } : {}),
      };
      // An unchanged file keeps its cached entry's content as it is.
      if (!unchanged) cacheDirty = true;
      let forLabel = newCache.get(label);
      if (!forLabel) newCache.set(label, (forLabel = new Map()));
      forLabel.set(rel, entry);
      options.onFileWalked?.(label, rel, entry);
      stats.files++;
      stats.bytes += size;
      progress.filesDone++;
      emit();
      return { name, type: 'file', mode: Number(st.mode) & 0o7777, mtimeNs: nsString(st.mtimeNs), size, content, ...(raw?.name !== undefined ? { rawName: raw.name } : {}) };
    });
  };

  const countNew = <R extends { newBytes: number }>(r: R): R => {
    stats.newBytes += r.newBytes;
    return r;
  };

  /** `rawRel`: the folder's path under the root as bytes, once a name on the way isn't UTF-8. */
  const walkDir = async (source: CheckedRoot, rules: CompiledRules, rel: string, abs: FsPath, depth: number, rawRel?: Buffer): Promise<TreeEntry[]> => {
    checkAbort();
    let listed;
    try {
      // Names as bytes: a name that isn't valid UTF-8 is kept exactly (docs/FORMAT.md).
      listed = await readdir(fsArg(abs), { withFileTypes: true, encoding: 'buffer' });
    } catch (error) {
      const skipped = sourceFileErrorOf(abs, error);
      if (!skipped) throw error;
      warn(showPath(abs), skipped.reason, `The folder ${skipped.message}`);
      return [];
    }
    const valid = new Set<string>();
    for (const d of listed) if (isUtf8(d.name)) valid.add(d.name.toString('utf8'));
    const dirents = listed.map((d) => {
      const bytes = d.name;
      const ok = isUtf8(bytes);
      const name = ok ? bytes.toString('utf8') : displayName(bytes, valid);
      return { d, bytes, name, rawName: ok ? undefined : bytes.toString('base64') };
    });
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const jobs = dirents.map(async ({ d, bytes, name, rawName }): Promise<TreeEntry | undefined> => {
      const childRel = rel ? `${rel}/${name}` : name;
      const childRaw = rawRel || rawName !== undefined ? Buffer.concat([rawRel ?? Buffer.from(rel, 'utf8'), Buffer.from(rel || rawRel ? '/' : ''), bytes]) : undefined;
      const childAbs: FsPath = childRaw ? Buffer.concat([Buffer.from(source.path.endsWith('/') ? source.path : `${source.path}/`), childRaw]) : join(abs as string, name);
      const raw = childRaw ? { rel: childRaw, ...(rawName !== undefined ? { name: rawName } : {}) } : undefined;
      const withRaw = rawName !== undefined ? { rawName } : {};
      if (d.isDirectory()) {
        if (source.maxDepth !== undefined && depth >= source.maxDepth) return undefined;
        const skip = rules.skipDir(childRel);
        if (skip === 'secret') keep(source, childRel, `credential folder (rule ${rules.secretRule(childRel) ?? 'secret'})`);
        if (skip) return undefined;
        const st = lstatOrUndefined(childAbs);
        if (!st) return undefined;
        // Replaced by a link since it was listed: reading it would follow the link.
        if (!st.isDirectory()) {
          warn(showPath(childAbs), 'changed', `The folder ${showPath(childAbs)} was replaced after it was listed; it was not read. The next backup tries again.`);
          return undefined;
        }
        const children = await walkDir(source, rules, childRel, childAbs, depth + 1, childRaw);
        // With include rules, folders that end up holding nothing included are left out.
        if (children.length === 0 && source.include && source.include.length > 0) return undefined;
        stats.dirs++;
        return { name, type: 'dir', mode: Number(st.mode) & 0o7777, mtimeNs: nsString(st.mtimeNs), size: 0, subtree: await storeTree(children), ...withRaw };
      }
      if (d.isSymbolicLink()) {
        if (rules.classify(childRel) !== 'included') return undefined;
        const st = lstatOrUndefined(childAbs);
        const target = await readlink(fsArg(childAbs)).catch(() => undefined);
        if (!st || target === undefined) return undefined;
        return { name, type: 'symlink', mode: Number(st.mode) & 0o7777, mtimeNs: nsString(st.mtimeNs), size: 0, target, ...withRaw };
      }
      if (d.isFile()) return fileEntry(source, rules, childRel, childAbs, name, raw);
      // FIFOs, sockets, devices: no content to keep (docs/FORMAT.md, "Names and links").
      if (rules.classify(childRel) === 'included') stats.specialSkipped = (stats.specialSkipped ?? 0) + 1;
      return undefined;
    });
    return (await Promise.all(jobs)).filter((e): e is TreeEntry => e !== undefined);
  };

  try {
    const roots: SnapshotRoot[] = [];
    // Every root is looked at before anything is read: a missing or looping PATH fails the run.
    const checked = await checkRoots(options.sources, (root, reason, message) => warn(root, reason, message));
    const compiled = checked.map((root) => ({ root, rules: compileRules({ ...root, exclude: [...(root.exclude ?? []), ...(options.excludes ?? [])] }) }));
    // Scanning until the totals are known (a stat-only walk beside this one), then uploading.
    emit(true);
    void countBackupTotals(compiled, options.signal)
      .then((totals) => {
        if (progress.phase === 'done' || progress.bytesTotal !== undefined) return;
        progress.filesTotal = Math.max(totals.files, progress.filesDone);
        progress.bytesTotal = Math.max(totals.bytes, progress.bytesDone);
        if (progress.phase === 'scanning') progress.phase = 'uploading';
        emit(true);
      })
      .catch(() => undefined);
    for (const { root: source, rules } of compiled) {
      checkAbort();
      let tree: BlobId;
      if (source.isDirectory) {
        tree = await storeTree(await walkDir(source, rules, '', source.path, 0));
        stats.dirs++;
      } else {
        const name = basename(source.path);
        const entry = await fileEntry(source, rules, name, source.path, name);
        tree = await storeTree(entry ? [entry] : []);
      }
      roots.push({ label: source.label, ...(source.agent ? { agent: source.agent } : {}), path: source.path, tree });
    }
    const rootTree = await storeTree(await virtualRoot(roots, storeTree));
    const catalog = options.catalog ? await options.catalog({ sources: options.sources, files: newCache, storeData, storeTree }) : undefined;

    const merges = db.listMerges().filter((m) => roots.some((r) => m.path.startsWith(`${r.label}/`)));
    const mergesJson = JSON.stringify(merges);
    const unchanged = !packer.addedAny && last !== undefined && last.tree === rootTree && (last.merges ?? '[]') === mergesJson && last.catalog === catalog;
    if (unchanged && !options.force && last) {
      // Nothing to store; confirm the parent still exists (another device may have forgotten it).
      if (options.offline || (await parentCheck)) {
        stats.durationMs = now() - started;
        if (warnings.length > 0) stats.warnings = warnings.length;
        progress.phase = 'done';
        emit(true);
        if (cacheDirty) db.replaceFiles(newCache);
        return { snapshot: undefined, snapshotId: last.id, unchanged: true, stats, warnings, keptLocal, resumedFiles };
      }
    }

    progress.phase = 'uploading';
    // Every file is read by now: the walk's own counts are the totals, exactly.
    progress.filesTotal = progress.filesDone;
    progress.bytesTotal = progress.bytesDone;
    emit(true);
    await takeLock();
    await packer.flush();
    progress.phase = 'finishing';
    emit(true);
    const id = randomBytes(32).toString('hex') as SnapshotId;
    stats.durationMs = now() - started;
    if (warnings.length > 0) stats.warnings = warnings.length;
    stats.uploadedBytes = packer.uploadedBytes;
    const record: SnapshotRecord = {
      version: 1,
      id,
      device: options.device.id,
      deviceName: options.device.name,
      hostname: osHostname(),
      time: new Date(now()).toISOString(),
      tree: rootTree,
      roots,
      ...(last ? { parent: last.id } : {}),
      reason: options.reason,
      pinned: false,
      stats,
    };
    if (merges.length > 0) record.merges = merges;
    if (catalog) record.catalog = catalog;
    if (keptLocal.length > 0) record.keptLocal = keptLocal.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    if (warnings.length > 0) record.warnings = warnings.slice(0, MAX_RECORDED_WARNINGS);
    const snapshotBytes = await vault.saveSnapshot(record);
    stats.uploadedBytes += snapshotBytes;
    progress.uploadedBytes += snapshotBytes;
    db.db.transaction(() => {
      db.replaceFiles(newCache);
      for (const [treeId, body] of newTrees) db.putTree(treeId, body);
      db.putSnapshot(record.id, record.device, record.time, JSON.stringify(record));
      db.setMeta(LAST_SNAPSHOT_META, JSON.stringify({ id, tree: rootTree, merges: mergesJson, ...(catalog ? { catalog } : {}) } satisfies LastSnapshot));
    })();
    const held = lock as HeldLock | undefined;
    lock = undefined;
    await settleAll([held?.release().catch(() => undefined) ?? Promise.resolve(), options.afterSnapshot?.() ?? Promise.resolve()]);
    progress.phase = 'done';
    emit(true);
    return { snapshot: record, snapshotId: id, unchanged: false, stats, warnings, keptLocal, resumedFiles };
  } finally {
    await parentCheck?.catch(() => undefined);
    await (lock as HeldLock | undefined)?.release().catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The snapshot's root: one folder per label; a label with `/` becomes nested folders. */
async function virtualRoot(roots: readonly SnapshotRoot[], storeTree: (entries: TreeEntry[]) => Promise<BlobId>): Promise<TreeEntry[]> {
  interface Node {
    tree?: BlobId;
    children: Map<string, Node>;
  }
  const top: Node = { children: new Map() };
  for (const r of roots) {
    let node = top;
    for (const part of r.label.split('/').filter(Boolean)) {
      let next = node.children.get(part);
      if (!next) node.children.set(part, (next = { children: new Map() }));
      node = next;
    }
    node.tree = r.tree;
  }
  const build = async (node: Node): Promise<TreeEntry[]> => {
    const out: TreeEntry[] = [];
    for (const [name, child] of node.children) {
      if (child.children.size > 0 && child.tree) {
        throw new CairnError('config', `The backup label '${name}' is both a source and a folder of other sources.`);
      }
      const subtree = child.tree ?? (await storeTree(await build(child)));
      out.push({ name, type: 'dir', mode: 0o755, mtimeNs: '0', size: 0, subtree });
    }
    return out;
  };
  return build(top);
}

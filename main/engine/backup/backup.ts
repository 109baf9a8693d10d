// One backup run, the way restic's archiver is built: prepare (sync the index cache; the lock is
// taken before the first upload), walk each source (walk.ts) handing files to the file saver
// (file-saver.ts: unchanged files from the cache, changed ones chunked, sealed and packed) and
// folders to the tree saver (tree-saver.ts), one progress reporter for it all; then the index
// and, last, the snapshot record. Nothing is recorded as done locally until the snapshot that
// needs it is stored.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { basename, join } from 'node:path';
import { CairnError, ConfigError, LockedError } from '../../../shared/errors.ts';
import type { BlobId, DeviceId, SnapshotId } from '../../../shared/ids.ts';
import type { BackupWarning, BackupWarningReason, ProgressInfo, SnapshotReason, SnapshotStats } from '../../../shared/models.ts';
import { backupTempPrefix } from '../state/index.ts';
import type { FileCacheEntry, StateDb } from '../state/index.ts';
import { backupLine, DEFAULT_PACK_SIZE, diffSnapshotTrees, keys, listIndexIds, MAX_RECORDED_WARNINGS, newestOfEachLine, Packer, syncIndex, acquireLock, TreeReader } from '../vault/index.ts';
import { settleAll, turn } from '../concurrency.ts';
import { anySignal, boundSignal } from '../storage/index.ts';
import type { DeviceRecord, HeldLock, OnDamaged, SnapshotRecord, SnapshotRoot, TreeEntry, Vault } from '../vault/index.ts';
import type { BlobCodec } from '../vault/index.ts';
import { cancelCheck, ProgressReporter } from '../progress-reporter.ts';
import { FileSaver } from './file-saver.ts';
import { BackupOutcome } from './outcome.ts';
import type { KeptLocal, Scrubbed } from './outcome.ts';
import { compileRules } from './rules.ts';
import { countBackupTotals } from './totals.ts';
import type { BackupSource } from './source.ts';
import { checkRoots } from './roots.ts';
import { TreeSaver, virtualRoot } from './tree-saver.ts';
import { walkDir } from './walk.ts';

export type { KeptLocal, Scrubbed };

/** How long a backup waits for another device's prune before it gives up with `locked`. */
export const DEFAULT_BACKUP_LOCK_WAIT_MS = 2 * 60_000;

/**
 * A prune finished between this backup's index sync and its lock, so blobs it counted as stored
 * may be gone; nothing was uploaded, and the local index cache is current again: running the
 * backup again right away is safe and cheap (unchanged files are skipped by the file cache).
 */
export class PrunedWhileScanningError extends LockedError {}

/** This machine left a device identity another machine also used (operations.ts, runBackup). */
export interface LeftSharedDevice {
  previous: { id: DeviceId; name: string };
  device: { id: DeviceId; name: string };
  /** The machine that keeps the identity, as its record names it. */
  other: { hostname: string; lastSeen: string };
}

/**
 * Another machine backs up as this device: its record names a newer backup of the device than
 * this machine's own newest (two machines with one state folder: copied by a migration, a
 * restored backup of the home folder, a cloned disk). Thrown before anything is uploaded;
 * runBackup (operations.ts) gives this machine an identity of its own and backs up again.
 */
export class SharedDeviceError extends CairnError {
  readonly other: DeviceRecord;
  constructor(other: DeviceRecord) {
    super('conflict', `Another machine (${other.hostname}) backs up as this device (${other.name}): its newest backup is newer than this machine's.`);
    this.name = 'SharedDeviceError';
    this.other = other;
  }
}

export interface BackupDevice {
  id: DeviceId;
  name: string;
}

export type { BackupWarning, BackupWarningReason };

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
  /** A damaged index file, left out of the index cache (syncIndex): its blobs are stored again. */
  onDamaged?: OnDamaged;
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
   * When this process last read vault.json from the store (performance.now(); Repository's
   * configReadAt): within VAULT_SEEN_FRESH_MS the backup doesn't ask again whether it is there.
   */
  vaultSeenAt?: number;
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
  /**
   * These sources are some of the device's agents (`cairn backup --agent codex`): the parent's
   * roots of the other agents are taken into the snapshot as they were (their trees, totals,
   * scrubbed-credential records and catalog entries), not read. Without it such a snapshot held
   * the named agents alone and, being the device's newest, hid the others' sessions from every
   * other device and from `restore` of the latest snapshot until the next whole backup.
   */
  keepOtherAgents?: boolean;
  /**
   * A run that would hold no file while its parent held some fails (`config`) before saving
   * anything: the CLI asks for it with --exclude, where `--exclude '**'` made an empty snapshot the
   * device's newest (its sessions gone from every other device's list until the next backup).
   */
  refuseEmpty?: string;
}

/** What a catalog builder gets: every file the snapshot holds, and a way to store blobs. */
export interface CatalogInput {
  sources: readonly BackupSource[];
  /** Labels of the roots taken from the parent as they were (keepOtherAgents): their sessions are in the build cache. */
  kept?: ReadonlySet<string>;
  /** Per source label: every file of the snapshot (relative path -> its state, content ids included). */
  files: ReadonlyMap<string, ReadonlyMap<string, FileCacheEntry>>;
  storeData: (bytes: Uint8Array) => Promise<BlobId>;
  storeTree: (entries: TreeEntry[]) => Promise<BlobId>;
  /** The catalog's reads of session files, as each ends: the backup's progress while it waits for them. */
  onRead?: (read: CatalogReads) => void;
}

/** Of the session files the catalog reads (those its build cache can't serve): how many are read. */
export interface CatalogReads {
  files: number;
  filesTotal: number;
  bytes: number;
  bytesTotal: number;
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
  /** Files in the snapshot without the credentials they hold (keys or rows removed before upload). */
  scrubbed: Scrubbed[];
  /** Links to folders, kept as links: what they hold is not in the snapshot (BackupOutcome.linkedFolders). */
  linkedFolders: { path: string; target: string }[];
  /** Changed files whose verified prefix was not chunked again (they grew by appends). */
  resumedFiles: number;
  /** Roots taken from the parent as they were, not read (BackupOptions.keepOtherAgents). */
  keptRoots?: SnapshotRoot[];
  /** Set by runBackup when this machine left a device identity another machine also used. */
  leftSharedDevice?: LeftSharedDevice;
}

interface LastSnapshot {
  id: SnapshotId;
  tree: BlobId;
  /** The sync merges it published (see SnapshotRecord.merges), as JSON. */
  merges?: string;
  /** Its session catalog. */
  catalog?: BlobId;
  /** Its place in the device's history (SnapshotRecord.seq). */
  seq?: number;
}

const LAST_SNAPSHOT_META = 'last_snapshot';
/** How long a read of vault.json by this process counts as having seen the vault there. */
const VAULT_SEEN_FRESH_MS = 10_000;
/** When a backup last read its device's record to see whether another machine backs up as it. */
const SHARED_DEVICE_CHECKED_META = 'shared_device_checked';
const SHARED_DEVICE_CHECK_MS = 60 * 60 * 1000;
/** Trees written to the local tree cache per transaction (see backup()). */
const TREE_CACHE_BATCH = 500;

/**
 * Makes `snapshot` the parent of this state DB's next backup: a machine that takes over another
 * device's identity (Repository.adopt) continues that device's history.
 */
export function continueFrom(db: StateDb, snapshot: Pick<SnapshotRecord, 'id' | 'tree' | 'merges' | 'seq'>): void {
  db.setMeta(LAST_SNAPSHOT_META, JSON.stringify({ id: snapshot.id, tree: snapshot.tree, merges: JSON.stringify(snapshot.merges ?? []), ...(snapshot.seq !== undefined ? { seq: snapshot.seq } : {}) } satisfies LastSnapshot));
}

/** This state DB's newest backup and its place in the device's history, when it has one with a place. */
export function lastBackupOf(db: StateDb): { snapshot: SnapshotId; seq: number } | undefined {
  const raw = db.getMeta(LAST_SNAPSHOT_META);
  const last = raw ? (JSON.parse(raw) as LastSnapshot) : undefined;
  return last?.seq !== undefined ? { snapshot: last.id, seq: last.seq } : undefined;
}

/** Whether this state DB has a parent for its next backup. */
export function hasParent(db: StateDb): boolean {
  return db.getMeta(LAST_SNAPSHOT_META) !== undefined;
}

/** The next backup starts a history of its own: no parent (Repository.leaveSharedDevice). */
export function startNewHistory(db: StateDb): void {
  db.deleteMeta(LAST_SNAPSHOT_META);
}

interface Archiver {
  outcome: BackupOutcome;
  reporter: ProgressReporter;
  files: FileSaver;
  trees: TreeSaver;
  packer: Packer;
  checkAbort: () => void;
}

/**
 * What this backup is compared with (nothing changed since it; the roots, credential records and
 * totals carried from it): the newest backup of its own line (shared/backup-lines.ts), which is
 * the device's last backup unless that was of another line — a `cairn backup ~/notes` between two
 * of its agents', or the reverse. Its parent in the device's history stays the last backup. A
 * before-restore safety snapshot is compared with the last backup, as it always was.
 */
function lineBase(options: BackupOptions, last: LastSnapshot | undefined): { base: LastSnapshot | undefined; parent: SnapshotRecord | undefined } {
  if (!last) return { base: undefined, parent: undefined };
  const { db } = options;
  const lastJson = db.getCachedSnapshots([last.id]).get(last.id);
  const lastRecord = lastJson ? (JSON.parse(lastJson) as SnapshotRecord) : undefined;
  const line = backupLine({ roots: options.sources.map((s) => ({ ...(s.agent ? { agent: s.agent } : {}), path: s.path })) });
  if (!lastRecord || options.reason === 'before-restore' || backupLine(lastRecord) === line) return { base: last, parent: lastRecord };
  const newest = newestOfEachLine(db.cachedSnapshotsOf(options.device.id).map((json) => JSON.parse(json) as SnapshotRecord)).get(line);
  if (!newest) return { base: undefined, parent: undefined };
  const base: LastSnapshot = { id: newest.id, tree: newest.tree, merges: JSON.stringify(newest.merges ?? []), ...(newest.catalog ? { catalog: newest.catalog } : {}), ...(newest.seq !== undefined ? { seq: newest.seq } : {}) };
  return { base, parent: newest };
}

/** The parent snapshot, and how this run locks the vault (after syncing its index cache). */
async function prepare(options: BackupOptions, now: () => number) {
  const { vault, db } = options;
  const lastRaw = db.getMeta(LAST_SNAPSHOT_META);
  const last = lastRaw ? (JSON.parse(lastRaw) as LastSnapshot) : undefined;
  const { base, parent } = lineBase(options, last);
  // Whether the compared snapshot still exists (another device may have forgotten it) matters
  // only if nothing changed, but asking now, alongside the index listing, saves a round trip.
  const parentCheck = base && !options.offline ? vault.store.stat(keys.snapshot(options.device.id, base.id)) : undefined;
  parentCheck?.catch(() => undefined); // handled where it is awaited; unneeded when files changed
  // The vault must still be there (asked alongside the index listing): a folder moved or whose
  // drive isn't connected lists as empty, and writing into it would make a headless vault there.
  // Not asked again moments after opening it read vault.json (a CLI run: one request less).
  const seenJustNow = options.vaultSeenAt !== undefined && performance.now() - options.vaultSeenAt < VAULT_SEEN_FRESH_MS;
  const present = options.offline || seenJustNow ? undefined : vault.store.stat(keys.config);
  present?.catch(() => undefined); // awaited below, after the listing
  // The index cache must be current before we decide which blobs are already stored.
  const indexAtStart = options.offline ? db.knownIndexIds() : await listIndexIds(vault);
  if (present && !(await present)) {
    throw new CairnError('no_vault', `The vault is no longer at ${vault.store.location}: its ${keys.config} is missing (the folder moved or was deleted, its drive isn't connected, or the bucket was emptied). Nothing was backed up. Make the vault available there again, or point Cairn at where it is now.`);
  }
  if (!options.offline) await syncIndex(vault, db, indexAtStart, options.onDamaged);
  // Taken once: the first call starts it, later ones wait for the same (see onFirstBlob below).
  // `stop` ends an attempt still under way (the run failed meanwhile): no waiting out a prune then.
  const stopping = new AbortController();
  const locking = { lock: undefined as HeldLock | undefined, taking: undefined as Promise<void> | undefined, take: () => Promise.resolve(), stop: () => stopping.abort() };
  locking.take = () => (locking.taking ??= acquire());
  const acquire = async () => {
    if (options.offline) return;
    // A prune may have finished between our index sync and our lock: if an index file we relied
    // on is gone, blobs we counted as stored may be gone too, so this run can't be trusted.
    // Listed once our lock is written (a prune starting later sees it and backs off), alongside
    // the check for other locks.
    const checkIndex = async () => {
      const current = await listIndexIds(vault);
      for (const id of indexAtStart) {
        if (!current.has(id)) {
          await syncIndex(vault, db, current, options.onDamaged);
          throw new PrunedWhileScanningError('The vault was pruned while this backup was scanning. Run the backup again.');
        }
      }
    };
    // Whether another machine backs up as this device, asked alongside the lock, before the first
    // upload: by a backup that will store something, once an hour (one request; a device backs up
    // every few minutes, and its own record needs no reading back).
    const checkedAt = Number(db.getMeta(SHARED_DEVICE_CHECKED_META) ?? 0);
    const due = now() < checkedAt || now() - checkedAt >= SHARED_DEVICE_CHECK_MS;
    const record = due && last?.seq !== undefined ? vault.loadDevice(options.device.id).then((r) => (db.setMeta(SHARED_DEVICE_CHECKED_META, String(now())), r), () => undefined) : undefined;
    locking.lock = await acquireLock(vault.withSignal(anySignal(boundSignal(vault.store), stopping.signal)), { exclusive: false, operation: 'backup', device: options.device.id, staleMs: options.lockStaleMs, waitMs: options.lockWaitMs ?? DEFAULT_BACKUP_LOCK_WAIT_MS, now, whileChecking: checkIndex });
    const other = await record;
    // Against this state folder's newest backup now, not at this run's start: another run of
    // this machine may have finished meanwhile (measured: two backups at once, the later one took
    // the earlier one's snapshot for another machine's). Strictly newer: two runs at once both
    // continue the same backup.
    const mine = lastBackupOf(db);
    if (other?.last && mine && other.last.seq > mine.seq && other.last.snapshot !== mine.snapshot) throw new SharedDeviceError(other);
  };
  return { last, base, parent, parentCheck, locking };
}

/**
 * Scanning until the totals are known, then uploading. A source backed up before takes the last
 * backup's counts from the file cache (an estimate the walk corrects as it goes, exact at the end);
 * the others (new, or empty last time) are counted by a stat-only walk beside the real one. On a
 * backup where nothing changed, that walk of every source would double the run's stat calls.
 */
function countTotals(compiled: Parameters<typeof countBackupTotals>[0], db: StateDb, reporter: ProgressReporter, signal: AbortSignal | undefined): void {
  const progress = reporter.progress;
  reporter.emit(true);
  const known = { files: 0, bytes: 0 };
  const uncounted = compiled.filter(({ root }) => {
    const cached = db.cachedTotals(root.label);
    if (!cached) return true;
    known.files += cached.files;
    known.bytes += cached.bytes;
    return false;
  });
  void (uncounted.length > 0 ? countBackupTotals(uncounted, signal) : Promise.resolve({ files: 0, bytes: 0 }))
    .then((walked) => {
      if (progress.phase === 'done' || progress.bytesTotal !== undefined) return;
      progress.filesTotal = Math.max(known.files + walked.files, progress.filesDone);
      progress.bytesTotal = Math.max(known.bytes + walked.bytes, progress.bytesDone);
      if (progress.phase === 'scanning') progress.phase = 'uploading';
      reporter.emit(true);
    })
    .catch(() => undefined);
}

/** The parent's roots of agents this run doesn't back up (BackupOptions.keepOtherAgents). */
function keptRoots(options: BackupOptions, parent: SnapshotRecord | undefined): SnapshotRoot[] {
  if (!options.keepOtherAgents || !parent) return [];
  const labels = new Set(options.sources.map((s) => s.label));
  const agents = new Set(options.sources.flatMap((s) => (s.agent ? [s.agent] : [])));
  return parent.roots.filter((r) => r.agent !== undefined && !agents.has(r.agent) && !labels.has(r.label) && ![...labels].some((l) => l.startsWith(`${r.label}/`) || r.label.startsWith(`${l}/`)));
}

/** Every source walked and saved (and the roots kept from the parent): the snapshot's roots, its root tree and its catalog. */
async function archive(options: BackupOptions, a: Archiver, parent: SnapshotRecord | undefined): Promise<{ roots: SnapshotRoot[]; rootTree: BlobId; catalog: BlobId | undefined; kept: SnapshotRoot[] }> {
  const roots: SnapshotRoot[] = [];
  const walker = { files: a.files, trees: a.trees, outcome: a.outcome, checkAbort: a.checkAbort };
  // Every root is looked at before anything is read: a missing or looping PATH fails the run.
  const checked = await checkRoots(options.sources, (root, reason, message) => a.outcome.warn(root, reason, message));
  const compiled = checked.map((root) => ({ root, rules: compileRules({ ...root, exclude: [...(root.exclude ?? []), ...(options.excludes ?? [])] }) }));
  countTotals(compiled, options.db, a.reporter, options.signal);
  for (const { root: source, rules } of compiled) {
    a.checkAbort();
    let tree: BlobId;
    if (source.isDirectory) {
      tree = await a.trees.saveTree(await walkDir(walker, source, rules, '', source.path, 0));
      a.outcome.stats.dirs++;
    } else {
      const name = basename(source.path);
      const entry = await a.files.save(rules, { source, rel: name, abs: source.path, name });
      tree = await a.trees.saveTree(entry ? [entry] : []);
    }
    roots.push({ label: source.label, ...(source.agent ? { agent: source.agent } : {}), path: source.path, tree });
  }
  // Kept roots count as unchanged files: the snapshot's totals are the device's, as a whole backup's are.
  const kept = keptRoots(options, parent);
  for (const root of kept) {
    roots.push(root);
    const totals = options.db.cachedTotals(root.label);
    a.outcome.stats.files += totals?.files ?? 0;
    a.outcome.stats.bytes += totals?.bytes ?? 0;
    a.outcome.stats.unchangedFiles += totals?.files ?? 0;
  }
  // In the parent's order: the snapshot lists its roots as a whole backup of them does.
  if (kept.length > 0 && parent) {
    const at = (r: SnapshotRoot) => parent.roots.findIndex((p) => p.label === r.label);
    roots.sort((x, y) => (at(x) < 0 ? Number.MAX_SAFE_INTEGER : at(x)) - (at(y) < 0 ? Number.MAX_SAFE_INTEGER : at(y)));
  }
  const saveTree = (entries: TreeEntry[]) => a.trees.saveTree(entries);
  const rootTree = await saveTree(await virtualRoot(roots, saveTree));
  const build = options.catalog;
  const keptLabels = kept.length > 0 ? new Set(kept.map((r) => r.label)) : undefined;
  const catalog = build ? await showingReads(a.reporter, (onRead) => build({ sources: options.sources, ...(keptLabels ? { kept: keptLabels } : {}), files: a.files.files, storeData: (bytes) => a.trees.saveData(bytes), storeTree: saveTree, onRead })) : undefined;
  return { roots, rootTree, catalog, kept };
}

/**
 * Runs the catalog step with its session reads as the progress ("reading sessions: 840/1050
 * files"): the reads that go on after the walk are what is left of a first backup of many
 * sessions, minutes at 10,000, and the walk's counts would stand still meanwhile. They are put
 * back after, for the phases that follow.
 */
async function showingReads<T>(reporter: ProgressReporter, run: (onRead: (read: CatalogReads) => void) => Promise<T>): Promise<T> {
  const p = reporter.progress;
  const walked = { phase: p.phase, filesDone: p.filesDone, filesTotal: p.filesTotal, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal };
  try {
    return await run((read) => {
      // Reads that ended during the walk are counted at once, in one burst: reported as a whole
      // (the usual pace), and the last one always.
      Object.assign(p, { phase: READING_SESSIONS, filesDone: read.files, filesTotal: read.filesTotal, bytesDone: read.bytes, bytesTotal: read.bytesTotal });
      reporter.emit(read.files === read.filesTotal);
    });
  } finally {
    Object.assign(p, walked);
  }
}

const READING_SESSIONS = 'reading sessions';

export async function backup(options: BackupOptions): Promise<BackupResult> {
  const { vault, db, codec } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const outcome = new BackupOutcome(options.onWarning);
  const { stats, warnings, keptLocal, scrubbed, linkedFolders } = outcome;
  const reporter = new ProgressReporter('scanning', options.onProgress, now);
  const checkAbort = cancelCheck(options.signal, 'The backup was cancelled. Nothing was lost: the previous snapshots are intact.');
  const { last, base, parent, parentCheck, locking } = await prepare(options, now);
  const packer = new Packer(vault, db, {
    packSize: options.packSize ?? vault.config.packSize ?? DEFAULT_PACK_SIZE,
    concurrency: options.uploadConcurrency ?? 4,
    indexEvery: 16,
    beforeFirstUpload: locking.take,
    // The lock is asked for as soon as this run has something to upload, while the walk goes on:
    // its round trips (write, then look for a prune) are then off the path to the first upload.
    onFirstBlob: () => void locking.take().catch(() => undefined),
    onUploaded: (bytes) => reporter.uploaded(bytes),
  });
  reporter.sample((progress) => void (progress.pendingUploadBytes = packer.pendingBytes));
  // Named after this process, so a later run can tell a killed run's leftovers from a live one's.
  const tmp = await mkdtemp(join(options.tmpDir, backupTempPrefix()));
  // Many agent files are small: keep enough in flight that the workers never wait on the disk.
  const files = new FileSaver({ codec, db, packer, outcome, reporter, checkAbort, tmpDir: tmp, copySqlite: options.copySqlite, concurrency: options.fileConcurrency ?? 12, ...(options.onFileWalked ? { onFileWalked: options.onFileWalked } : {}) });
  const trees = new TreeSaver(codec, packer);
  const finish = () => {
    stats.durationMs = now() - started;
    if (warnings.length > 0) stats.warnings = warnings.length;
  };
  try {
    const { roots, rootTree, catalog, kept } = await archive(options, { outcome, reporter, files, trees, packer, checkAbort }, parent);
    if (parent) carryScrubbed(parent, roots, kept, files, outcome);
    if (options.refuseEmpty && stats.files === 0 && (parent?.stats.files ?? 0) > 0) throw new ConfigError(options.refuseEmpty);
    const merges = db.listMerges().filter((m) => roots.some((r) => m.path.startsWith(`${r.label}/`)));
    const mergesJson = JSON.stringify(merges);
    const unchanged = !packer.addedAny && base !== undefined && base.tree === rootTree && (base.merges ?? '[]') === mergesJson && base.catalog === catalog;
    // Nothing to store; confirm the compared snapshot still exists (another device may have forgotten it).
    if (unchanged && !options.force && base && (options.offline || (await parentCheck))) {
      await countAgainstParent(options, base, rootTree, stats);
      finish();
      reporter.phase('done');
      if (files.cacheDirty) db.updateFiles(files.cacheChanges());
      return { snapshot: undefined, snapshotId: base.id, unchanged: true, stats, warnings, keptLocal, scrubbed, linkedFolders, resumedFiles: files.resumedFiles, ...(kept.length > 0 ? { keptRoots: kept } : {}) };
    }
    // Every file is read by now: the walk's own counts are the totals, exactly.
    reporter.progress.filesTotal = reporter.progress.filesDone;
    reporter.progress.bytesTotal = reporter.progress.bytesDone;
    reporter.phase('uploading');
    await locking.take();
    await packer.flush();
    reporter.phase('finishing');
    finish();
    stats.uploadedBytes = packer.uploadedBytes;
    const record = snapshotRecord(options, { last, rootTree, roots, merges, catalog, outcome, now });
    // The local tree cache gets every tree of this run (most are there already): it grows with the
    // folders, not with the change, so it is written in batches, the event loop taking turns
    // between them. Only a cache: trees missing from it are read from the vault.
    for (let i = 0; i < trees.trees.length; i += TREE_CACHE_BATCH) {
      db.putTrees(trees.trees.slice(i, i + TREE_CACHE_BATCH));
      for (let t = turn(); t; t = turn()) await t;
    }
    await countAgainstParent(options, base, rootTree, stats);
    const snapshotBytes = await vault.saveSnapshot(record);
    stats.uploadedBytes += snapshotBytes;
    reporter.progress.uploadedBytes += snapshotBytes;
    db.db.transaction(() => {
      db.updateFiles(files.cacheChanges());
      db.putSnapshot(record.id, record.device, record.time, JSON.stringify(record));
      // A safety snapshot (the files a restore is about to replace) is not the next backup's parent.
      if (options.reason !== 'before-restore') db.setMeta(LAST_SNAPSHOT_META, JSON.stringify({ id: record.id, tree: rootTree, merges: mergesJson, ...(catalog ? { catalog } : {}), ...(record.seq !== undefined ? { seq: record.seq } : {}) } satisfies LastSnapshot));
    })();
    const held = locking.lock;
    locking.lock = undefined;
    await settleAll([held?.release().catch(() => undefined) ?? Promise.resolve(), options.afterSnapshot?.() ?? Promise.resolve()]);
    reporter.phase('done');
    return { snapshot: record, snapshotId: record.id, unchanged: false, stats, warnings, keptLocal, scrubbed, linkedFolders, resumedFiles: files.resumedFiles, ...(kept.length > 0 ? { keptRoots: kept } : {}) };
  } finally {
    await parentCheck?.catch(() => undefined);
    // A lock still being asked for (early, see onFirstBlob) when the run failed: stop asking (a
    // lock already written is removed on the way), rather than wait out a prune for nothing.
    if (!locking.lock) locking.stop();
    await locking.taking?.catch(() => undefined);
    await locking.lock?.release().catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * When no file was in the file cache, every file was read again and counted new (a prune or a
 * repair replaced the index, which drops the cache; or a new state folder): "50 new" for a home
 * where nothing was. They are counted against the parent snapshot instead. Unchanged folders keep
 * the parent's tree ids, so only the folders that differ are read (local tree cache first).
 */
async function countAgainstParent(options: BackupOptions, last: LastSnapshot | undefined, rootTree: BlobId, stats: SnapshotStats): Promise<void> {
  if (!last || stats.unchangedFiles > 0 || stats.changedFiles > 0 || stats.newFiles === 0) return;
  const diff = await diffSnapshotTrees(new TreeReader(options.vault, options.db, options.codec), last.tree, rootTree, Number.POSITIVE_INFINITY);
  const read = stats.newFiles;
  stats.newFiles = Math.min(read, diff.filter((d) => d.change === 'added').length);
  stats.changedFiles = Math.min(read - stats.newFiles, diff.filter((d) => d.change === 'changed').length);
  stats.unchangedFiles = read - stats.newFiles - stats.changedFiles;
}

/**
 * A file read again is scrubbed again (FileSaver); one the file cache vouched for was not read, nor
 * one of a root kept as the parent had it (keptRoots), so what the parent snapshot said about its
 * credentials still holds.
 */
function carryScrubbed(parent: SnapshotRecord, roots: readonly SnapshotRoot[], kept: readonly SnapshotRoot[], files: FileSaver, outcome: BackupOutcome): void {
  for (const s of parent.scrubbed ?? []) {
    // Labels hold slashes (`claude-code/config`): the longest label the path is under.
    const root = roots.filter((r) => s.path.startsWith(`${r.label}/`)).sort((a, b) => b.label.length - a.label.length)[0];
    if (root && (kept.includes(root) || files.savedUnchanged(root.label, s.path.slice(root.label.length + 1)))) outcome.scrubbed.push(s);
  }
}

function snapshotRecord(options: BackupOptions, s: { last: LastSnapshot | undefined; rootTree: BlobId; roots: SnapshotRoot[]; merges: SnapshotRecord['merges']; catalog: BlobId | undefined; outcome: BackupOutcome; now: () => number }): SnapshotRecord {
  const { warnings, keptLocal, scrubbed, stats } = s.outcome;
  const record: SnapshotRecord = {
    version: 1,
    id: randomBytes(32).toString('hex') as SnapshotId,
    device: options.device.id,
    deviceName: options.device.name,
    hostname: osHostname(),
    time: new Date(s.now()).toISOString(),
    tree: s.rootTree,
    roots: s.roots,
    ...(s.last ? { parent: s.last.id } : {}),
    // A safety snapshot is not in the device's history of backups (it is never a parent).
    ...(options.reason === 'before-restore' ? {} : { seq: (s.last?.seq ?? 0) + 1 }),
    reason: options.reason,
    pinned: false,
    stats,
  };
  if (s.merges && s.merges.length > 0) record.merges = s.merges;
  if (s.catalog) record.catalog = s.catalog;
  const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  if (keptLocal.length > 0) record.keptLocal = keptLocal.sort(byPath);
  if (scrubbed.length > 0) record.scrubbed = scrubbed.sort(byPath);
  if (warnings.length > 0) record.warnings = warnings.slice(0, MAX_RECORDED_WARNINGS);
  return record;
}

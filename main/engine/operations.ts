// Whole operations built from the engine's parts, shared by the CLI and the app service so both
// behave the same: back up the enabled agents, sync (back up, then pull), forget by policy,
// pin, safety snapshots before anything replaces files in an agent's folder.

import { basename, dirname, isAbsolute } from 'node:path';
import type { ProgressInfo, RetentionPolicy, PathMapping } from '../../shared/models.ts';
import type { SnapshotId } from '../../shared/ids.ts';
import { ADAPTERS, AGENT_IDS, contextFromProcess, copySqliteConsistent, prepareContext, presentAgents, toBackupSources, withAgentRules } from './agents/index.ts';
import type { AgentBackupSource, AgentContext } from './agents/index.ts';
import { backup, DEFAULT_BACKUP_LOCK_WAIT_MS, leaveOutOwnFolders, literalGlob, PrunedWhileScanningError, SharedDeviceError } from './backup/index.ts';
import type { LeftSharedDevice } from './backup/index.ts';
import type { BackupResult, BackupSource, BackupWarning } from './backup/index.ts';
import type { Repository } from './repository.ts';
import { snapshotByPrefix } from './repository.ts';
import { withDeviceLock } from './device-lock.ts';
import type { DeviceLockOptions } from './device-lock.ts';
import { pull } from './sync/index.ts';
import type { SyncResult, SyncChange } from './sync/index.ts';
import { CairnError, ConfigError } from '../../shared/errors.ts';
import { flushOutbox } from './outbox/index.ts';
import type { FlushProgress, OutboxBlobStore, WaitingSnapshot } from './outbox/index.ts';
import { applyRetention, newestBackups } from './vault/index.ts';
import { buildCatalog, CatalogPrefetch, indexLocalSessions, pullFolderRenames, refreshSessions, SessionDb } from './catalog/index.ts';
import type { BuildStats, BuiltCatalog } from './catalog/index.ts';
import type { OnDamaged, SnapshotRecord } from './vault/index.ts';
import type { NameFolding } from './restore/index.ts';
import type { SnapshotReason } from '../../shared/models.ts';

export interface BackupSourcesOptions {
  ctx: AgentContext;
  /** Agent ids to back up; every detected agent when undefined. */
  agents?: readonly string[];
}

export async function agentSources(options: BackupSourcesOptions): Promise<{ sources: AgentBackupSource[]; agents: string[] }> {
  // Discovery (Aider repositories, project folders from the agents' own files) once, not per step.
  const ctx = await prepareContext(options.ctx);
  const agents = options.agents ? [...options.agents] : await presentAgents(ctx);
  return { sources: await toBackupSources(ADAPTERS, ctx, agents), agents };
}

export interface RunBackupOptions {
  sources: readonly BackupSource[];
  reason: SnapshotReason;
  agents?: string[];
  excludes?: readonly string[];
  force?: boolean;
  /**
   * The vault can't be reached and `repo.vault.store` is an outbox that is spooling: back up
   * into it without reading the vault, and leave the device record until the vault is back.
   */
  offline?: boolean;
  /** How long to wait for another device's prune before giving up with `locked` (backup's lockWaitMs). */
  lockWaitMs?: number;
  onProgress?: (p: ProgressInfo) => void;
  onWarning?: (w: BackupWarning) => void;
  /** A damaged index file of the vault, left out (its blobs are stored again where needed). */
  onDamaged?: OnDamaged;
  signal?: AbortSignal;
  /** These sources are some of the device's agents: keep the others as the last backup had them (BackupOptions.keepOtherAgents). */
  keepOtherAgents?: boolean;
  /** Fail with this message rather than save a snapshot of no file after one of some (BackupOptions.refuseEmpty). */
  refuseEmpty?: string;
}

export async function runBackup(repo: Repository, options: RunBackupOptions): Promise<BackupResult & { catalog?: BuildStats }> {
  let left: LeftSharedDevice | undefined;
  // A state DB made anew (the old one moved away when damaged) continues the device's history.
  if (!options.offline) await repo.continueHistory().catch(() => undefined);
  // A prune that finished while this backup scanned: scan again (the index cache is current
  // now; unchanged files are skipped) rather than send the backup to the outbox.
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await backupOnce(repo, options);
      return left ? { ...result, leftSharedDevice: left } : result;
    } catch (error) {
      // Another machine backs up as this device: this machine becomes a device of its own (once),
      // and backs up as it. Before, the two wrote one history, never synced with each other, and
      // retention counted both machines' backups as one device's.
      if (error instanceof SharedDeviceError && !left) {
        const { previous, device } = await repo.leaveSharedDevice();
        left = { previous, device, other: { hostname: error.other.hostname, lastSeen: error.other.lastSeen } };
        continue;
      }
      if (!(error instanceof PrunedWhileScanningError) || attempt >= 3) throw error;
    }
  }
}

/** What to tell a person when runBackup made this machine a device of its own. */
export function describeLeftSharedDevice(left: LeftSharedDevice): string {
  return `Another machine (${left.other.hostname}, last seen ${left.other.lastSeen.slice(0, 16).replace('T', ' ')}) was backing up as this device, '${left.previous.name}': Cairn's state folder was copied between them (a migration, a restored backup, a cloned disk). This machine now backs up as a device of its own, '${left.device.name}' (id ${left.device.id}); the other keeps '${left.previous.name}' and its history, and the two now sync with each other. Nothing was lost: every earlier snapshot stays in the vault. Rename this device in the app or with --device-name.`;
}

async function backupOnce(repo: Repository, options: RunBackupOptions): Promise<BackupResult & { catalog?: BuildStats }> {
  // Agents' sources get a session catalog (and their sessions' text goes into the search index).
  const sessions = options.sources.some((s) => s.agent) ? new SessionDb(repo.db.db) : undefined;
  // Sessions are read in a worker thread as the walk stores their files (catalog/prefetch.ts).
  const prefetch = sessions ? new CatalogPrefetch(sessions, options.sources) : undefined;
  const catalog: { built?: BuiltCatalog } = {};
  const folderVault = isAbsolute(repo.vault.store.location) ? repo.vault.store.location : undefined;
  let result: BackupResult;
  try {
    result = await backup({
    vault: repo.vault.withSignal(options.signal),
    db: repo.db,
    codec: repo.codec,
    // Never Cairn's own state folder, nor a folder vault, inside a folder backed up.
    sources: leaveOutOwnFolders(options.sources, [repo.stateDir, ...(folderVault ? [folderVault] : [])], folderVault),
    device: repo.device,
    reason: options.reason,
    tmpDir: repo.tmpDir,
    copySqlite: async (src, dest) => void (await copySqliteConsistent(src, dest)),
    excludes: options.excludes,
    force: options.force,
    offline: options.offline,
    ...(repo.configReadAt === undefined ? {} : { vaultSeenAt: repo.configReadAt }),
    ...(options.lockWaitMs === undefined ? {} : { lockWaitMs: options.lockWaitMs }),
    onProgress: options.onProgress,
    onWarning: options.onWarning,
    ...(options.keepOtherAgents ? { keepOtherAgents: true } : {}),
    ...(options.refuseEmpty ? { refuseEmpty: options.refuseEmpty } : {}),
    ...(options.onDamaged ? { onDamaged: options.onDamaged } : {}),
    signal: options.signal,
    now: repo.now,
    ...(options.offline ? {} : { afterSnapshot: () => repo.touchDevice(options.agents) }),
    ...(sessions
      ? {
          catalog: async (input) => {
            catalog.built = await buildCatalog(input, { sessions, prefetch, signal: options.signal, onWarning: (path, message) => options.onWarning?.({ path, reason: 'session', message }) });
            return catalog.built.root;
          },
          onFileWalked: (label, rel, file) => prefetch?.fileWalked(label, rel, file),
        }
      : {}),
    });
  } finally {
    await prefetch?.close();
  }
  const built = catalog.built;
  if (sessions && built && sessions.deviceCatalog(repo.device.id)?.catalog !== built.root) {
    const snap = result.snapshot;
    sessions.setDeviceCatalog(repo.device, { id: result.snapshotId ?? '', time: snap?.time ?? new Date(repo.now()).toISOString(), catalog: built.root }, built.pages);
  }
  if (sessions && built) {
    // The search index is brought up to date once the snapshot is saved, off the backup's
    // critical path: only sessions whose version the index doesn't hold are read, from this disk.
    const started = performance.now();
    built.stats.indexed += await indexLocalSessions(sessions, {
      device: repo.device.id,
      roots: new Map(options.sources.filter((s) => s.agent).map((s) => [s.label, s.path])),
      signal: options.signal,
      onWarning: (path, message) => options.onWarning?.({ path, reason: 'session', message }),
    });
    built.stats.indexMs = Math.round(performance.now() - started);
  }
  repo.db.addHistory('backup', new Date(repo.now()).toISOString(), { snapshot: result.snapshotId, unchanged: result.unchanged, stats: result.stats, ...(options.offline ? { offline: true } : {}) });
  // The app backs up all day in one process: what SQLite cached for this run goes back now, not
  // piling up run after run (bench/repeated-backups.ts, docs/BENCHMARKS.md eleventh session).
  repo.db.releaseMemory();
  return built ? { ...result, catalog: built.stats } : result;
}

export interface SyncOptions {
  ctx: AgentContext;
  agents?: readonly string[];
  mappings?: readonly PathMapping[];
  reason?: SnapshotReason;
  /** See RunBackupOptions.lockWaitMs. */
  lockWaitMs?: number;
  onProgress?: (p: ProgressInfo) => void;
  onWarning?: (w: BackupWarning) => void;
  /** See RunBackupOptions.onDamaged. */
  onDamaged?: OnDamaged;
  onChange?: (c: SyncChange) => void;
  signal?: AbortSignal;
  /** See PullOptions.nameFolding (tests). */
  nameFolding?: NameFolding;
  /** `agents` are some of the device's, named for this run: see RunBackupOptions.keepOtherAgents. */
  keepOtherAgents?: boolean;
}

/** Back up, then pull the other devices' sessions. */
export async function runSync(repo: Repository, options: SyncOptions): Promise<{ backup: Awaited<ReturnType<typeof runBackup>>; pull: SyncResult }> {
  // One discovery for the backup's sources and the pull's (it reads the agents' files: 33-57 ms
  // of every sync on the 1,000-session bench home, and it ran three times).
  const ctx = await prepareContext(options.ctx);
  const { sources, agents } = await agentSources({ ctx, agents: options.agents });
  const backed = await runBackup(repo, { sources, agents, reason: options.reason ?? 'sync', keepOtherAgents: options.keepOtherAgents, lockWaitMs: options.lockWaitMs, onProgress: options.onProgress, onWarning: options.onWarning, ...(options.onDamaged ? { onDamaged: options.onDamaged } : {}), signal: options.signal });
  options.onProgress?.({ phase: 'pulling', filesDone: 0, bytesDone: 0, uploadedBytes: 0 });
  // Pull into every agent's folders, even ones this machine doesn't have yet: on a new machine,
  // the sessions should be there before (or when) the agent is first run.
  const pullSources = await toBackupSources(ADAPTERS, ctx, options.agents ?? AGENT_IDS, { keepMissing: true });
  const pulled = await pull({ repo, sources: pullSources, mappings: options.mappings, folders: await catalogFolders(repo, options.mappings ?? []), now: repo.now, onChange: options.onChange, platform: ctx.platform, ...(options.nameFolding ? { nameFolding: options.nameFolding } : {}) });
  return { backup: backed, pull: pulled };
}

/**
 * Sync's project-named folders from the other devices' catalogs (read into the state database
 * first: only pages not seen before are downloaded), so a Gemini or Cursor session lands in the
 * folder this machine's agent uses for its project.
 */
async function catalogFolders(repo: Repository, mappings: readonly PathMapping[]): Promise<NonNullable<Parameters<typeof pull>[0]['folders']>> {
  // A catalog that can't be read (damaged, and said so on the Sessions screen) leaves the
  // folders as the other device named them: the files are still pulled, nothing is lost.
  const read = await refreshSessions(repo).then(
    () => true,
    () => false,
  );
  const sessions = new SessionDb(repo.db.db);
  return (snap, label, localRoot) => (read ? pullFolderRenames(sessions.rootEntries(snap.device, label), localRoot, mappings) : Promise.resolve((rel: string) => rel));
}

/**
 * A snapshot of just these files, kept by every retention policy: taken before replacing them.
 * Each file keeps its name under its folder's (`safety/<folder>/<file>`), never the folder's
 * other files.
 */
export async function safetySnapshot(repo: Repository, files: readonly string[]): Promise<SnapshotId | undefined> {
  const byDir = new Map<string, string[]>();
  for (const f of files) byDir.set(dirname(f), [...(byDir.get(dirname(f)) ?? []), literalGlob(basename(f))]);
  const sources = labelPaths([...byDir.keys()], 'safety/').map((s) => ({ ...s, include: byDir.get(s.path) ?? [] }));
  // An agent's own folder is being replaced: its credential rules apply to the safety copy too.
  const result = await runBackup(repo, { sources: withAgentRules(sources, contextFromProcess()), reason: 'before-restore', force: true });
  return result.snapshotId;
}

/** Backup sources for folders: each labelled `prefix` + its name, numbered when names repeat (`src`, `src-2`). */
export function labelPaths(paths: readonly string[], prefix = ''): BackupSource[] {
  const used = new Map<string, number>();
  return paths.map((path) => {
    const base = `${prefix}${basename(path) || 'root'}`;
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return { label: n === 1 ? base : `${base}-${n}`, path, required: true };
  });
}

/** What a forget kept (and why) and forgot; the app and the CLI summarise the records for showing. */
export interface ForgetResult {
  keep: { snapshot: SnapshotRecord; reasons: string[] }[];
  forget: SnapshotRecord[];
  dryRun: boolean;
}

/** Applies the retention policy to every device's snapshots; deletes what it doesn't keep. */
export async function forget(repo: Repository, policy: RetentionPolicy, dryRun: boolean): Promise<ForgetResult> {
  const all = await repo.listSnapshots();
  const decision = applyRetention(all, policy);
  if (!dryRun) {
    for (const s of decision.forget) await repo.vault.deleteSnapshot(s.device, s.id);
    repo.db.addHistory('forget', new Date(repo.now()).toISOString(), { forgot: decision.forget.length, kept: decision.keep.length });
  }
  return { keep: decision.keep.map((k) => ({ snapshot: k.snapshot, reasons: k.reasons })), forget: decision.forget, dryRun };
}

/**
 * Forgets the snapshots named (ids, or their first characters): what retention can't do for a
 * one-off \`cairn backup ~/Downloads\`, a line of its own whose newest every policy keeps
 * (shared/backup-lines.ts). Refused, before anything is deleted, for a pinned snapshot and for a
 * device's newest backup (what other devices sync from and \`latest\` restores).
 */
export async function forgetSnapshots(repo: Repository, refs: readonly string[], dryRun: boolean): Promise<ForgetResult> {
  const all = await repo.listSnapshots();
  const newest = new Set([...newestBackups(all).values()].map((s) => s.id));
  const chosen = new Map<string, SnapshotRecord>();
  for (const ref of refs) {
    if (ref === 'latest') throw new ConfigError("'latest' is a device's newest backup, which forget keeps. Name snapshots by id (see 'cairn snapshots').");
    // Resolved in the listing just made: one listing of the vault, however many are named.
    const snap = snapshotByPrefix(all, ref);
    if (snap.pinned) throw new ConfigError(`Snapshot ${snap.id.slice(0, 8)} is pinned: nothing was forgotten. Unpin it first ('cairn unpin ${snap.id.slice(0, 8)}').`);
    if (newest.has(snap.id)) throw new ConfigError(`Snapshot ${snap.id.slice(0, 8)} is ${snap.deviceName}'s newest backup — what other devices sync from and 'latest' restores — so it is kept: nothing was forgotten.`);
    chosen.set(snap.id, snap);
  }
  const forgotten = [...chosen.values()];
  if (!dryRun) {
    for (const s of forgotten) await repo.vault.deleteSnapshot(s.device, s.id);
    repo.db.addHistory('forget', new Date(repo.now()).toISOString(), { forgot: forgotten.length, kept: all.length - forgotten.length });
  }
  return { keep: [], forget: forgotten, dryRun };
}

export async function setPinned(repo: Repository, ref: string, pinned: boolean): Promise<SnapshotRecord> {
  const snap = await repo.findSnapshot(ref);
  const updated = { ...snap, pinned };
  await repo.saveSnapshot(updated);
  return updated;
}

/** The outbox's upload progress, as progress lines and bars show it. */
export function flushProgress(p: FlushProgress): ProgressInfo {
  return { phase: 'uploading waiting snapshots', filesDone: p.objectsDone, filesTotal: p.objectsTotal, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, uploadedBytes: p.bytesDone };
}

/**
 * Why a run went into the outbox instead of the vault: the vault can't be reached
 * (`unreachable`), or another device's prune held it longer than the backup waits (`locked`).
 */
export function goesToOutbox(error: unknown): error is CairnError {
  return error instanceof CairnError && (error.code === 'unreachable' || error.code === 'locked');
}

/** The online run's result, or (the vault out of reach, or held by a prune) the backup that went into the outbox. */
export type ThroughOutboxResult<T> = {
  /** Snapshots that waited in the outbox and were uploaded first. */
  flushed: number;
  /** Snapshots that keep waiting: data they refer to was pruned and is gone here too (each with its message). */
  stillWaiting: WaitingSnapshot[];
  /** Waiting snapshots whose index files a prune replaced meanwhile: checked blob by blob. */
  rechecked: number;
  /** Of the uploaded ones, those whose data a prune had removed meanwhile, stored again first. */
  repaired: number;
} & ({ online: T; offline?: undefined } | { online?: undefined; offline: { result: BackupResult; cause: CairnError; waiting: number } });

/**
 * Runs `online` (a backup, or a sync) through the vault's outbox, as the app does: what waits
 * in the outbox is uploaded first, so the vault holds this device's snapshots in order; when the
 * vault can't be reached — at open, or during the run — or another device's prune holds it
 * past the backup's bounded wait, the backup goes into the outbox instead (`offline(signal)` runs
 * while it spools, reading nothing from the vault and taking no lock) and uploads at the next
 * run that reaches the vault with no prune in the way.
 */
export async function throughOutbox<T>(
  repo: Repository,
  outbox: OutboxBlobStore,
  online: () => Promise<T>,
  offline: () => Promise<BackupResult>,
  options: {
    onFlushProgress?: (p: FlushProgress) => void;
    signal?: AbortSignal;
    /** Try the vault even though it was unreachable at open (the app, long after opening); default: not for a repository opened offline. */
    tryOnline?: boolean;
    /** This device's backup lock (device-lock.ts): what runs, how long to wait for another run. */
    lock?: Partial<DeviceLockOptions>;
  } = {},
): Promise<ThroughOutboxResult<T>> {
  const lock: DeviceLockOptions = { what: 'Cairn', waitMs: DEFAULT_BACKUP_LOCK_WAIT_MS, ...options.lock, ...(options.signal ? { signal: options.signal } : {}) };
  return withDeviceLock(repo.vaultDir, lock, () => throughOutboxLocked(repo, outbox, online, offline, options));
}

async function throughOutboxLocked<T>(
  repo: Repository,
  outbox: OutboxBlobStore,
  online: () => Promise<T>,
  offline: () => Promise<BackupResult>,
  options: { onFlushProgress?: (p: FlushProgress) => void; signal?: AbortSignal; tryOnline?: boolean },
): Promise<ThroughOutboxResult<T>> {
  let flushed = 0;
  let stillWaiting: WaitingSnapshot[] = [];
  let repaired = 0;
  let rechecked = 0;
  let cause: CairnError;
  if (!(options.tryOnline ?? !repo.openedOffline)) {
    cause = repo.offlineCause ?? new CairnError('unreachable', `The vault at ${outbox.remote.location} can't be reached.`, { retryable: true });
  } else {
    try {
      if (outbox.hasPending()) {
        const result = await flushOutbox({ outbox, vault: repo.vault, db: repo.db, codec: repo.codec, device: repo.device.id, now: repo.now, onProgress: options.onFlushProgress, signal: options.signal });
        flushed = result.snapshots.length;
        stillWaiting = result.waiting;
        repaired = result.repaired.length;
        rechecked = result.rechecked;
        if (flushed > 0) await repo.touchDevice();
      }
      return { online: await online(), flushed, stillWaiting, rechecked, repaired };
    } catch (error) {
      if (!goesToOutbox(error)) throw error;
      cause = error;
    }
  }
  await outbox.startSpooling({ vaultId: repo.vault.id, indexIds: repo.db.knownIndexIds() });
  let result: BackupResult;
  try {
    result = await offline();
  } finally {
    outbox.stopSpooling();
  }
  return { offline: { result, cause, waiting: outbox.pendingSnapshots() }, flushed, stillWaiting, rechecked, repaired };
}

/**
 * A sync through the vault's outbox (see throughOutbox): back up and pull; with the vault out of
 * reach, back up the same agents into the outbox and pull nothing. The app and the CLI both sync
 * this way.
 */
export function syncThroughOutbox(
  repo: Repository,
  outbox: OutboxBlobStore,
  options: SyncOptions & { tryOnline?: boolean; onFlushProgress?: (p: FlushProgress) => void; lock?: Partial<DeviceLockOptions> },
): Promise<ThroughOutboxResult<{ backup: BackupResult; pull: SyncResult }>> {
  return throughOutbox(
    repo,
    outbox,
    () => runSync(repo, options),
    async () => {
      const { sources, agents } = await agentSources({ ctx: options.ctx, agents: options.agents });
      return runBackup(repo, { sources, agents, reason: options.reason ?? 'sync', keepOtherAgents: options.keepOtherAgents, offline: true, onProgress: options.onProgress, onWarning: options.onWarning, signal: options.signal });
    },
    { signal: options.signal, tryOnline: options.tryOnline, onFlushProgress: options.onFlushProgress, ...(options.lock ? { lock: options.lock } : {}) },
  );
}

// The application service: the engine, the user's configuration, secrets from the keychain and
// a queue of jobs, behind one handler per IPC channel. Plain Node, so the Electron app and the
// e2e host run exactly this code.

import { EventEmitter } from 'node:events';
import { availableParallelism, homedir } from 'node:os';
import { CairnError, ConfigError, NotFoundError } from '../../shared/errors.ts';
import type { DeviceId } from '../../shared/ids.ts';
import type { CheckReport, DiffEntry, EngineStatus, JobInfo, Settings, TreeEntryInfo, VaultLocation } from '../../shared/models.ts';
import type { EventName, Events, FilePreview, Handlers, SetupResult } from '../../shared/ipc/contract.ts';
import { agentPathsContext, contextFromProcess, detectAgents, loadAgentPaths, prepareContext } from '../engine/agents/index.ts';
import type { AgentContext } from '../engine/agents/index.ts';
import { agentSources, deviceInfo, flushProgress, forget, safetySnapshot, setPinned, summarise, syncThroughOutbox } from '../engine/operations.ts';
import { OutboxBlobStore, outboxDir } from '../engine/outbox/index.ts';
import { expandHomePath } from '../engine/paths.ts';
import { Repository } from '../engine/repository.ts';
import { planRestore, restoreSnapshot, SAFETY_PREFIX } from '../engine/restore-request.ts';
import type { RestoreDestination, RestoreRequest } from '../engine/restore-request.ts';
import { createBlobStore, formatLocation, probeStore, RetryingBlobStore } from '../engine/storage/index.ts';
import type { BlobStore, CreateBlobStoreOptions, RetryEvent } from '../engine/storage/index.ts';
import { listConflicts, readFileTail, resolveConflict } from '../engine/sync/index.ts';
import { checkVault, diffSnapshotTrees, keys, prune } from '../engine/vault/index.ts';
import type { SnapshotRecord, TreeEntry, UnlockSecret } from '../engine/vault/index.ts';
import { createWorkerCodec } from '../engine/workers/index.ts';
import { decodeCredentials, decodeUnlock, encodeCredentials, encodeUnlock, secretAccounts } from '../keychain/index.ts';
import { withLineSummaries } from './conflict-lines.ts';
import { recoveryRotationHandlers } from './recovery-rotation-handlers.ts';
import { ConfigStore, vaultKey } from './config-store.ts';
import { JobQueue } from './jobs.ts';
import { sessionHandlers } from './session-handlers.ts';
import { snapshotSessionHandlers } from './snapshot-session-handlers.ts';
import { agentFolderHandlers } from './agent-folder-handlers.ts';
import { wizard } from './wizard-handlers.ts';
import type { CairnService, CairnServiceOptions } from './types.ts';

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const threads = () => Math.max(1, availableParallelism() - 1);

/**
 * How the app talks to the vault: few, short retries, so that an outage is noticed quickly and
 * the backup goes to the outbox instead of waiting. An endpoint that refuses connections is
 * taken for down in about 0.3 s (RetryingBlobStore's defaults: about 2 s), one that never
 * completes a connection after 3 × 5 s, one that accepts and never answers after 3 × 15 s of
 * silence. 5xx errors get the same 3 attempts; a sync they fail is retried by the scheduler
 * (they never go to the outbox). Throttling is waited out as long as it lasts, honouring the
 * provider's Retry-After (RetryingBlobStore#waiting: "waiting for the provider"). Measured in
 * docs/SYNC.md.
 */
export const SERVICE_STORE_OPTIONS = {
  retry: { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4_000, throttleBudgetMs: Number.POSITIVE_INFINITY },
  s3: { connectionTimeoutMs: 5_000, socketTimeoutMs: 15_000 },
} as const satisfies CreateBlobStoreOptions;

const isUnreachable = (error: unknown): error is CairnError => error instanceof CairnError && error.code === 'unreachable';

/** The outbox in front of an open repository's vault (every repository the service opens has one). */
function outboxOf(r: Repository): OutboxBlobStore | undefined {
  return r.vault.store instanceof OutboxBlobStore ? r.vault.store : undefined;
}

function preview(bytes: Uint8Array, size: number, fromEnd = false): FilePreview {
  let buf = Buffer.from(bytes);
  // A tail may start inside a character: drop its continuation bytes.
  if (fromEnd) while (buf.length > 0 && ((buf[0] as number) & 0xc0) === 0x80) buf = buf.subarray(1);
  const truncated = buf.length < size;
  const sample = buf.subarray(0, 8192);
  const binary = sample.includes(0) || !isUtf8(sample);
  return { size, truncated, binary, text: binary ? '' : fromEnd ? buf.toString('utf8').replace(/^[^\n]*\n/, '') : buf.toString('utf8') };
}

function isUtf8(buf: Buffer): boolean {
  // A chunk cut mid-character still counts as text: allow up to 3 trailing continuation bytes.
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, Math.max(0, buf.length - 3)));
    return true;
  } catch {
    return false;
  }
}

function entryInfo(path: string, e: TreeEntry): TreeEntryInfo {
  return {
    name: e.name,
    path,
    type: e.type,
    size: e.size,
    mtimeMs: Number(BigInt(e.mtimeNs) / 1_000_000n),
    mode: e.mode,
    ...(e.target !== undefined ? { target: e.target } : {}),
  };
}

/** Each safety root (`safety/<label>`) against the root `<label>` of `previous`: added and changed files only. */
async function safetyDiff(r: Repository, snap: SnapshotRecord, previous: SnapshotRecord | undefined): Promise<DiffEntry[]> {
  const out: DiffEntry[] = [];
  for (const root of snap.roots) {
    const label = root.label.startsWith(SAFETY_PREFIX) ? root.label.slice(SAFETY_PREFIX.length) : root.label;
    const before = previous?.roots.find((x) => x.label === label);
    const changes = await diffSnapshotTrees(r.reader(), before?.tree, root.tree);
    for (const c of changes) if (c.change !== 'removed') out.push({ ...c, path: `${root.label}/${c.path}` });
  }
  return out;
}

export async function createCairnService(options: CairnServiceOptions): Promise<CairnService> {
  const now = () => (options.clock ? options.clock.now() : Date.now());
  const serviceStartedAt = now();
  const events = new EventEmitter();
  const emit = <E extends EventName>(event: E, payload: Events[E]) => events.emit(event, payload);
  const config = new ConfigStore(options.stateDir);
  const secrets = options.secrets;
  const hooks = options.hooks ?? {};
  let repo: Repository | undefined;
  let lastError: EngineStatus['error'];
  let lastSyncAt: string | undefined;
  let pausedUntil: number | undefined;
  const paused = (): boolean => pausedUntil !== undefined && pausedUntil > now();
  let nextSyncAt: number | undefined;
  const snapshotCache = new Map<string, SnapshotRecord>();
  /**
   * Vault objects (snapshot and device records) found damaged while listing, by key: left out of
   * the lists so the rest stay usable, and named in the status until a listing reads them again.
   */
  const damaged = new Map<string, string>();
  const onDamaged = (key: string, error: Error): void => {
    damaged.set(key, error.message);
    changed();
  };

  const jobs = new JobQueue({
    now,
    onUpdate: (job) => {
      emit('job.progress', job);
      if (job.status !== 'running') emit('status.changed', status());
    },
  });

  const agentContext = async (): Promise<AgentContext> =>
    prepareContext(contextFromProcess({ ...agentPathsContext(loadAgentPaths(options.stateDir)), ...(options.home ? { home: options.home } : {}), ...(options.env ? { env: options.env } : {}), ...(options.platform ? { platform: options.platform } : {}) }));

  function status(): EngineStatus {
    const cfg = config.get();
    const running = jobs.running();
    const isPaused = paused();
    const state: EngineStatus['state'] = !cfg.location
      ? 'unconfigured'
      : !repo
        ? lastError?.code === 'unreachable'
          ? 'offline'
          : 'locked'
        : running
          ? 'syncing'
          : isPaused
            ? 'paused'
            : lastError?.code === 'unreachable'
              ? 'offline'
              : lastError
                ? 'error'
                : 'idle';
    // Facts that survive a restart: the last sync from this device's history, open conflicts
    // from its state DB (describeStatus in shared/status.ts turns them into words).
    const lastSync = lastSyncAt ?? (repo ? repo.db.history(1, ['sync'])[0]?.at : undefined);
    const remote = repo ? outboxOf(repo)?.remote : undefined;
    const waiting = remote instanceof RetryingBlobStore && remote.waiting;
    return {
      state,
      outboxCount: repo ? (outboxOf(repo)?.pendingSnapshots() ?? 0) : 0,
      ...(lastSync ? { lastSyncAt: lastSync } : {}),
      ...(repo ? { openConflicts: listConflicts(repo).filter((c) => c.status === 'open').length } : {}),
      ...(waiting ? { waitingForProvider: true } : {}),
      ...(cfg.location ? { provider: cfg.location.provider } : {}),
      ...(nextSyncAt !== undefined && !isPaused ? { nextSyncAt: new Date(nextSyncAt).toISOString() } : {}),
      ...(isPaused ? { pausedUntil: new Date(pausedUntil as number).toISOString() } : {}),
      ...(lastError ? { error: lastError } : {}),
      ...(running ? { currentJob: running } : {}),
      ...(repo ? { fingerprint: repo.vault.fingerprint, deviceName: repo.device.name } : {}),
      ...(damaged.size > 0 ? { damaged: [...damaged].map(([key, message]) => ({ key, message })) } : {}),
    };
  }

  const changed = () => emit('status.changed', status());

  /**
   * What this device did before the app started, from its history (the jobs list only holds this
   * run's): so recent activity isn't "Nothing yet" after a restart.
   */
  function pastActivity(limit = 20): JobInfo[] {
    if (!repo) return [];
    const before = new Date(serviceStartedAt).toISOString();
    return repo.db
      .history(limit * 2, ['backup'])
      .filter((h) => h.at < before)
      .slice(0, limit)
      .map((h) => {
        const r = h.record as { snapshot?: string; unchanged?: boolean; offline?: boolean; stats?: { newFiles?: number; changedFiles?: number } };
        const files = (r.stats?.newFiles ?? 0) + (r.stats?.changedFiles ?? 0);
        const what = r.unchanged ? 'Nothing new to back up' : `Snapshot ${r.snapshot?.slice(0, 8) ?? ''}: ${files} file(s) backed up`;
        return { id: `history-${h.id}`, kind: 'sync' as const, status: 'done' as const, startedAt: h.at, finishedAt: h.at, progress: { phase: 'done', filesDone: 0, bytesDone: 0, uploadedBytes: 0 }, summary: `${what}${r.offline ? ' (kept on this device while the vault was unreachable)' : ''}.` };
      });
  }

  function requireRepo(): Repository {
    if (repo) return repo;
    if (!config.get().location) throw new ConfigError('Cairn is not set up yet. Choose where to keep the vault first.');
    throw new CairnError('wrong_key', 'The vault is locked. Enter the passphrase or the recovery key to unlock it.');
  }

  /** A local vault folder typed as `~/…` is in this user's home (the renderer sends it as typed). */
  const expandLocation = (location: VaultLocation): VaultLocation => (location.provider === 'local' && location.path ? { ...location, path: expandHomePath(location.path, options.home) } : location);

  function storeFor(location: VaultLocation, credentials?: Credentials, retry = true): BlobStore {
    if (location.provider === 'local' && !location.path) throw new ConfigError('Choose a folder for the vault.');
    if (location.provider !== 'local' && !location.bucket) throw new ConfigError('Enter the bucket to keep the vault in.');
    // Throttling is waited out without end (SERVICE_STORE_OPTIONS): each wait is shown in the
    // status ("Waiting for …"), and the status is looked at again when the wait is over.
    const onRetry = (e: RetryEvent) => {
      if (!e.throttled) return;
      changed();
      setTimeout(changed, e.delayMs + 50).unref?.();
    };
    return createBlobStore(location, { ...SERVICE_STORE_OPTIONS, retry: retry ? { ...SERVICE_STORE_OPTIONS.retry, onRetry } : false, ...(credentials ? { credentials } : {}), ...(options.decorateStore ? { decorate: options.decorateStore } : {}) });
  }

  /** The vault's store behind its outbox, which lives in Cairn's folder (one per vault location). */
  function vaultStoreFor(location: VaultLocation, credentials?: Credentials): OutboxBlobStore {
    const remote = storeFor(location, credentials);
    return new OutboxBlobStore(remote, { dir: outboxDir(options.stateDir, remote.location), now });
  }

  async function openWith(location: VaultLocation, credentials: Credentials | undefined, secret: UnlockSecret, deviceName?: string): Promise<Repository> {
    const store = vaultStoreFor(location, credentials);
    try {
      return await Repository.open({ store, stateDir: options.stateDir, secret, deviceName, makeCodec: (v) => createWorkerCodec(v, { threads: threads() }), now });
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  async function remember(location: VaultLocation, credentials: Credentials | undefined, secret: UnlockSecret, opened: Repository): Promise<SetupResult> {
    const key = vaultKey(location);
    if (credentials) await secrets.set(secretAccounts.credentials(key), encodeCredentials(credentials));
    await secrets.set(secretAccounts.unlock(key), encodeUnlock(secret));
    if (repo && repo !== opened) await repo.close();
    repo = opened;
    snapshotCache.clear();
    lastError = undefined;
    config.update({ location, vaultId: opened.vault.id });
    changed();
    return { fingerprint: opened.vault.fingerprint, deviceId: opened.device.id, deviceName: opened.device.name };
  }

  async function storedCredentials(location: VaultLocation): Promise<Credentials | undefined> {
    if (location.provider === 'local') return undefined;
    const raw = await secrets.get(secretAccounts.credentials(vaultKey(location)));
    return raw ? decodeCredentials(raw) : undefined;
  }

  /**
   * Opens the configured vault, if the keychain has what it takes. While the vault can't be
   * reached it opens from the header cached at the last open, and backups go to the outbox.
   */
  async function openConfigured(): Promise<void> {
    const location = config.get().location;
    if (!location || repo) return;
    try {
      const raw = await secrets.get(secretAccounts.unlock(vaultKey(location)));
      if (!raw) return;
      repo = await openWith(location, await storedCredentials(location), decodeUnlock(raw));
      lastError = repo.openedOffline
        ? {
            code: 'unreachable',
            message: `The vault at ${formatLocation(location)} can't be reached. Backups wait on this device and upload when it is back.`,
            retryable: true,
          }
        : undefined;
    } catch (error) {
      lastError = isUnreachable(error)
        ? {
            code: 'unreachable',
            message: `The vault at ${formatLocation(location)} can't be reached, and this device has not opened it before, so it can't back up offline yet. Cairn opens it when the connection is back. (${error.message})`,
            retryable: true,
          }
        : ((error as CairnError).toRecord?.() ?? { code: 'internal', message: String(error), retryable: false });
    }
  }

  await openConfigured();

  /** Newest first. The repository reads known records from the state DB and downloads only new ones. */
  async function snapshots(deviceId?: string): Promise<SnapshotRecord[]> {
    for (const key of damaged.keys()) if (key.startsWith(deviceId ? `snapshots/${deviceId}/` : 'snapshots/')) damaged.delete(key);
    const list = await requireRepo().listSnapshots(deviceId as DeviceId | undefined, onDamaged);
    const present = new Set<string>(list.map((x) => x.id));
    for (const [id, x] of snapshotCache) if (!present.has(id) && (!deviceId || x.device === deviceId)) snapshotCache.delete(id);
    for (const x of list) snapshotCache.set(x.id, x);
    return [...list].sort((a, b) => b.time.localeCompare(a.time));
  }

  /** Every readable device record; a damaged one is named in the status and left out. */
  async function listDevices(r: Repository) {
    for (const key of damaged.keys()) if (key.startsWith('devices/')) damaged.delete(key);
    return r.vault.listDevices(onDamaged);
  }

  async function findSnapshot(id: string): Promise<SnapshotRecord> {
    const hit = [...snapshotCache.values()].find((s) => s.id.startsWith(id));
    return hit ?? (await requireRepo().findSnapshot(id));
  }

  function settings(): Settings {
    return config.get().settings;
  }

  async function syncJob(reason: 'manual' | 'scheduled' | 'quit') {
    const r = requireRepo();
    const existing = jobs.pending('sync');
    if (existing) return { job: existing, done: Promise.resolve(existing) };
    const started = jobs.start('sync', async (report, signal) => {
      const s = settings();
      const outbox = outboxOf(r);
      if (!outbox) throw new CairnError('internal', 'The vault was opened without its outbox. This is a bug in Cairn.');
      const snapshotReason = reason === 'manual' ? 'manual' : 'scheduled';
      const ctx = await agentContext();
      const agents = s.enabledAgents.length > 0 ? s.enabledAgents : undefined;
      let outcome;
      try {
        // The app keeps trying the vault even if it was unreachable when the app started.
        outcome = await syncThroughOutbox(r, outbox, { ctx, agents, mappings: s.pathMappings, reason: snapshotReason, onProgress: report, signal, tryOnline: true, onFlushProgress: (p) => report(flushProgress(p)) });
      } catch (error) {
        lastError = error instanceof CairnError ? error.toRecord() : { code: 'internal', message: String(error), retryable: false };
        throw error;
      } finally {
        changed();
      }
      const flushed = outcome.flushed;
      if (flushed > 0) snapshotCache.clear();
      if (outcome.offline) {
        const { result, cause, waiting } = outcome.offline;
        lastError = cause.toRecord();
        if (flushed > 0) emit('snapshots.changed', { deviceId: r.device.id });
        const held = `${waiting} snapshot(s) wait on this device for the vault to be reachable again.`;
        return result.unchanged ? `Offline, nothing new to back up; ${held}` : `Offline: snapshot ${result.snapshotId?.slice(0, 8)} kept on this device; ${held}`;
      }
      const result = outcome.online;
      r.openedOffline = false;
      lastError = undefined;
      // The time the pull recorded in this device's history: the same value after a restart.
      lastSyncAt = r.db.history(1, ['sync'])[0]?.at ?? new Date(now()).toISOString();
      if (result.pull.conflicts.length > 0) emit('conflicts.changed', listConflicts(r));
      emit('snapshots.changed', { deviceId: r.device.id });
      const pulled = result.pull.changes.filter((c) => c.action !== 'kept-deleted' && c.action !== 'skipped-busy').length;
      const parts = [
        ...(flushed > 0 ? [`${flushed} waiting snapshot(s) uploaded`] : []),
        result.backup.unchanged ? 'nothing new to back up' : `snapshot ${result.backup.snapshotId?.slice(0, 8)}: ${result.backup.stats.newFiles + result.backup.stats.changedFiles} file(s) backed up`,
        ...(pulled ? [`${pulled} file(s) from other devices`] : []),
      ];
      const summary = parts.join('; ');
      return `${summary.charAt(0).toUpperCase()}${summary.slice(1)}.`;
    });
    changed();
    return started;
  }

  /** The engine's restore request for an app request: the rule the CLI uses too. */
  function restoreRequest(snap: SnapshotRecord, paths: readonly string[], target: RestoreDestination, overwrite: boolean): RestoreRequest {
    // This device's agent folders by label: detected once (a walk of every agent), on first need.
    let localRoots: Promise<Map<string, string>> | undefined;
    return {
      snapshot: snap,
      paths,
      destination: target.kind === 'folder' ? { ...target, path: expandHomePath(target.path, options.home) } : target,
      existing: overwrite ? 'overwrite' : 'keep',
      mappings: settings().pathMappings,
      localRoot: async (label) => {
        localRoots ??= agentContext().then(async (ctx) => new Map((await agentSources({ ctx })).sources.map((x) => [x.label, x.path])));
        return (await localRoots).get(label);
      },
    };
  }

  const setupWizard = wizard({
    config,
    secrets,
    storeFor: (location, credentials) => storeFor(location, credentials, false),
    describeDevice: async (id) => (repo ? (await handlers['devices.list']({})).find((d) => d.id === id) : undefined),
    storedCredentials,
  });

  const handlers: Handlers = {
    'status.get': async () => status(),
    'sync.now': async () => ({ jobId: (await syncJob('manual')).job.id }),
    'sync.pause': async ({ minutes }) => {
      pausedUntil = now() + minutes * 60_000;
      changed();
      return status();
    },
    'sync.resume': async () => {
      pausedUntil = undefined;
      changed();
      return status();
    },
    'jobs.list': async () => [...jobs.list(), ...pastActivity()],
    'jobs.cancel': async ({ id }) => ({ cancelled: jobs.cancel(id) }),
    'devices.list': async () => {
      const r = requireRepo();
      const [devices, snaps] = await Promise.all([listDevices(r), snapshots()]);
      return devices
        .map((d) => deviceInfo(d, snaps, r.device.id))
        .sort((a, b) => Number(b.isThisDevice) - Number(a.isThisDevice) || a.name.localeCompare(b.name));
    },
    'devices.renameThis': async ({ name }) => {
      const r = requireRepo();
      const d = await r.rename(name);
      changed();
      return deviceInfo(d, await snapshots(d.id), r.device.id);
    },
    'devices.adopt': async ({ deviceId }) => {
      const r = requireRepo();
      const { adopted } = await r.adopt(deviceId);
      snapshotCache.clear();
      changed();
      emit('snapshots.changed', { deviceId: adopted.id });
      return deviceInfo(adopted, await snapshots(adopted.id), r.device.id);
    },
    'snapshots.list': async ({ deviceId }) => (await snapshots(deviceId)).map(summarise),
    'snapshots.tree': async ({ snapshotId, path }) => {
      const r = requireRepo();
      const snap = await findSnapshot(snapshotId);
      await r.refreshIndex();
      const reader = r.reader();
      const start = path ? await reader.resolve(snap, path) : { path: '', entry: reader.rootEntry(snap) };
      if (start.entry.type !== 'dir') return [entryInfo(start.path, start.entry)];
      const entries = await reader.list(start.entry);
      return entries.map((e) => entryInfo(start.path ? `${start.path}/${e.name}` : e.name, e)).sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || a.name.localeCompare(b.name));
    },
    'snapshots.readFile': async ({ snapshotId, path, maxBytes }) => {
      const r = requireRepo();
      const snap = await findSnapshot(snapshotId);
      await r.refreshIndex();
      const reader = r.reader();
      const { entry } = await reader.resolve(snap, path);
      if (entry.type !== 'file') throw new ConfigError(`'${path}' is a ${entry.type === 'dir' ? 'folder' : 'symbolic link'}, not a file.`);
      return preview(await reader.readFile(entry, maxBytes), entry.size);
    },
    'snapshots.diff': async ({ snapshotId, againstId }) => {
      const r = requireRepo();
      const snap = await findSnapshot(snapshotId);
      await r.refreshIndex();
      if (!againstId && snap.reason === 'before-restore') {
        // A safety snapshot holds only the files a restore replaced: compare each with the same
        // file in the last regular snapshot, and don't list the files it never held as removed.
        const previous = (await snapshots(snap.device)).find((s) => s.time < snap.time && s.reason !== 'before-restore');
        return safetyDiff(r, snap, previous);
      }
      let before: SnapshotRecord | undefined;
      if (againstId) before = await findSnapshot(againstId);
      else {
        const own = (await snapshots(snap.device)).filter((s) => s.time < snap.time);
        before = own[0];
      }
      return diffSnapshotTrees(r.reader(), before?.tree, snap.tree);
    },
    'snapshots.restorePlan': async ({ snapshotId, paths, target, overwrite }) => {
      const r = requireRepo();
      const plan = await planRestore(r, restoreRequest(await findSnapshot(snapshotId), paths, target, overwrite));
      return {
        files: plan.files,
        bytes: plan.bytes,
        targets: [...new Set(plan.steps.map((s) => s.target))],
        existing: plan.existing.length,
        existingSample: plan.existing.slice(0, 20),
        existingAction: plan.existingAction,
        safetySnapshot: plan.safetySnapshot,
      };
    },
    'snapshots.restore': async ({ snapshotId, paths, target, overwrite }) => {
      const r = requireRepo();
      const snap = await findSnapshot(snapshotId);
      const { job } = jobs.start('restore', async (report, signal) => {
        const done = await restoreSnapshot(r, restoreRequest(snap, paths, target, overwrite), { ctx: await agentContext(), onProgress: report, signal });
        if (done.safetySnapshotId) {
          snapshotCache.clear();
          emit('snapshots.changed', { deviceId: r.device.id });
        }
        const where = target.kind === 'folder' ? `into ${target.path}` : 'to their place';
        const kept = done.kept > 0 ? `; ${done.kept} existing file(s) kept as they were` : '';
        const safety = done.safetySnapshotId ? `; ${done.overwritten} replaced file(s) are in safety snapshot ${done.safetySnapshotId.slice(0, 8)}` : '';
        return `Restored ${done.files} file(s) ${where}${kept}${safety}.`;
      });
      return { jobId: job.id };
    },
    'snapshots.pin': async ({ snapshotId, pinned }) => {
      const r = requireRepo();
      const s = await setPinned(r, snapshotId, pinned);
      snapshotCache.delete(s.id);
      emit('snapshots.changed', { deviceId: s.deviceId });
      return s;
    },
    'conflicts.list': async () => listConflicts(requireRepo()),
    'conflicts.get': async ({ id, maxBytes }) => {
      const r = requireRepo();
      const conflict = listConflicts(r).find((c) => c.id === id);
      if (!conflict) throw new NotFoundError(`No conflict with id '${id}'.`);
      // The two versions usually share their start and differ at the end: show the tails.
      const tail = async (path: string): Promise<FilePreview> => {
        try {
          // `.zst` sides are decompressed, so they compare as text, not as "binary".
          const t = await readFileTail(path, maxBytes);
          return preview(t.bytes, t.size, t.truncated);
        } catch {
          return { size: 0, truncated: false, binary: false, text: '' };
        }
      };
      // Each line in words by the agent's session reader, as the session viewer reads them.
      const [mine, theirs] = await Promise.all([tail(conflict.path).then((p) => withLineSummaries(p, conflict.agent, conflict.path)), tail(conflict.theirsPath).then((p) => withLineSummaries(p, conflict.agent, conflict.theirsPath))]);
      return { conflict, mine, theirs };
    },
    'conflicts.resolve': async ({ id, keep }) => {
      const r = requireRepo();
      const resolved = await resolveConflict({ repo: r, id, keep, safetySnapshot: async (p) => void (await safetySnapshot(r, [p])), now });
      emit('conflicts.changed', listConflicts(r));
      return resolved;
    },
    'key.fingerprint': async () => ({ fingerprint: requireRepo().vault.fingerprint }),
    'key.changePassphrase': async ({ current, next }) => {
      const r = requireRepo();
      await r.changePassphrase(current, next);
      const location = config.get().location as VaultLocation;
      const stored = await secrets.get(secretAccounts.unlock(vaultKey(location)));
      if (!stored || 'passphrase' in decodeUnlock(stored)) await secrets.set(secretAccounts.unlock(vaultKey(location)), encodeUnlock({ passphrase: next }));
      return { fingerprint: r.vault.fingerprint };
    },
    ...recoveryRotationHandlers({ requireRepo, secrets, location: () => config.get().location }),
    'settings.get': async () => settings(),
    'settings.set': async (patch) => {
      const next = { ...settings(), ...patch } as Settings;
      config.update({ settings: next });
      if (patch.launchAtLogin !== undefined) await hooks.setLaunchAtLogin?.(patch.launchAtLogin);
      changed();
      return next;
    },
    'agents.list': async () => {
      const s = settings();
      return detectAgents(await agentContext(), s.enabledAgents.length > 0 ? { enabledIds: s.enabledAgents } : {});
    },
    'setup.testConnection': async ({ location: typed, credentials }) => {
      const store = storeFor(expandLocation(typed as VaultLocation), credentials, false);
      try {
        return await probeStore(store);
      } finally {
        await store.close();
      }
    },
    'setup.createVault': async ({ location: typed, credentials, passphrase, deviceName, wizard: fromWizard }) => {
      const location = expandLocation(typed as VaultLocation);
      const store = vaultStoreFor(location as VaultLocation, credentials);
      const { repo: created, recoveryKey } = await Repository.init({ store, stateDir: options.stateDir, passphrase, deviceName, makeCodec: (v) => createWorkerCodec(v, { threads: threads() }), now }).catch(async (error: unknown) => {
        await store.close();
        throw error;
      });
      const result = await remember(location as VaultLocation, credentials, { passphrase }, created);
      if (fromWizard) await setupWizard.started('create', location as VaultLocation, result, recoveryKey);
      return { ...result, recoveryKey };
    },
    'setup.joinVault': async ({ location: typed, credentials, secret, deviceName, wizard: fromWizard }) => {
      const location = expandLocation(typed as VaultLocation);
      const opened = await openWith(location as VaultLocation, credentials, secret as UnlockSecret, deviceName);
      const result = await remember(location as VaultLocation, credentials, secret as UnlockSecret, opened);
      if (fromWizard) await setupWizard.started('join', location as VaultLocation, result);
      return result;
    },
    'setup.unlock': async ({ secret }) => {
      const location = config.get().location;
      if (!location) throw new ConfigError('Cairn is not set up yet. Choose where to keep the vault first.');
      const credentials = await storedCredentials(location);
      const opened = await openWith(location, credentials, secret as UnlockSecret);
      return remember(location, credentials, secret as UnlockSecret, opened);
    },
    'vault.stats': async () => {
      const r = requireRepo();
      let packs = 0;
      let storedBytes = 0;
      for await (const o of r.vault.store.list('')) {
        storedBytes += o.size;
        if (o.key.startsWith(keys.packsPrefix)) packs++;
      }
      const [snaps, devices] = await Promise.all([snapshots(), listDevices(r)]);
      const location = config.get().location as VaultLocation;
      return { snapshots: snaps.length, devices: devices.length, packs, storedBytes, provider: location.provider, location: r.vault.store.location };
    },
    'vault.check': async ({ readData }) => {
      const r = requireRepo();
      let report: CheckReport | undefined;
      const { done } = jobs.start('check', async (progress) => {
        report = await checkVault(r.vault, r.codec, { readData, onProgress: (d, t, phase) => progress({ phase: `checking ${phase}`, filesDone: d, filesTotal: t, bytesDone: 0, uploadedBytes: 0 }) });
        return report.ok ? 'The vault is healthy.' : `${report.problems.length} problem(s) found.`;
      });
      const finished = await done;
      if (!report) throw new CairnError(finished.error?.code ?? 'internal', finished.error?.message ?? 'The check did not run.');
      return report;
    },
    'vault.prunePreview': async () => {
      // What "Prune now" would do, changing nothing: the forget as a dry run, then a dry-run
      // prune that counts those snapshots as gone.
      const r = requireRepo();
      const f = await forget(r, settings().retention, true);
      const p = await prune(r.vault, r.db, r.codec, { device: r.device.id, dryRun: true, assumeForgotten: f.forget.map((s) => `${s.deviceId}/${s.id}`) });
      return {
        forget: [...f.forget].sort((a, b) => a.time.localeCompare(b.time)),
        keep: f.keep.length,
        packsDeleted: p.packsDeleted,
        packsRepacked: p.packsRepacked,
        bytesFreed: p.bytesFreed,
        packsMarked: p.packsMarked,
        bytesMarked: p.bytesMarked,
        ...(p.deleteAfter ? { deleteAfter: p.deleteAfter } : {}),
        ...(p.versioning === 'enabled' || p.versioning === 'suspended' ? { versioning: p.versioning } : {}),
      };
    },
    'vault.prune': async () => {
      const r = requireRepo();
      const { job } = jobs.start('prune', async (progress) => {
        const f = await forget(r, settings().retention, false);
        snapshotCache.clear();
        const p = await prune(r.vault, r.db, r.codec, { device: r.device.id, onProgress: (phase, d, t) => progress({ phase, filesDone: d, filesTotal: t, bytesDone: 0, uploadedBytes: 0 }) });
        emit('snapshots.changed', { deviceId: r.device.id });
        return `Forgot ${f.forget.length} snapshot(s); freed ${(p.bytesFreed / 1048576).toFixed(1)} MiB.`;
      });
      return { jobId: job.id };
    },
    'app.openExternal': async ({ url }) => ({ opened: (await hooks.openExternal?.(url)) ?? false }),
    ...setupWizard.handlers,
    ...agentFolderHandlers({ stateDir: options.stateDir, home: options.home ?? homedir() }),
    ...sessionHandlers({ requireRepo, agentContext, pathMappings: () => settings().pathMappings, onDamaged }),
    ...snapshotSessionHandlers({ requireRepo, findSnapshot }),
    'app.chooseFolder': async ({ title }) => {
      const path = await hooks.chooseFolder?.(title);
      return path ? { path } : {};
    },
  };

  return {
    handlers,
    on(event, listener) {
      events.on(event, listener as (payload: unknown) => void);
      return () => events.off(event, listener as (payload: unknown) => void);
    },
    async syncNow(reason) {
      if (!repo && lastError?.code === 'unreachable') {
        // The vault was unreachable when the app started and could not be opened: try again.
        await openConfigured();
        changed();
        if (!repo && lastError?.code === 'unreachable') throw new CairnError('unreachable', lastError.message, { retryable: true });
      }
      if (!repo) return;
      if (reason !== 'manual' && paused()) return;
      const { done } = await syncJob(reason);
      const finished = await done;
      if (finished.status === 'failed' && finished.error) throw new CairnError(finished.error.code, finished.error.message, { retryable: finished.error.retryable });
    },
    reportNextRun(at) {
      nextSyncAt = at;
      changed();
    },
    async close() {
      jobs.cancelAll();
      await jobs.idle();
      await repo?.close();
      repo = undefined;
    },
  };
}


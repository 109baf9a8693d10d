// What every handler file shares: one small explicit state object (the open repository, the last
// error, the pause) and the helpers built on it. Handlers change the state only through here.

import { EventEmitter } from 'node:events';
import { CairnError, ConfigError } from '../../shared/errors.ts';
import type { DeviceId } from '../../shared/ids.ts';
import type { CheckReport, EngineStatus, Settings } from '../../shared/models.ts';
import { engineState } from '../../shared/status.ts';
import { agentPathsContext, contextFromProcess, loadAgentPaths, prepareContext } from '../engine/agents/index.ts';
import type { AgentContext } from '../engine/agents/index.ts';
import { findOutbox, type OutboxBlobStore } from '../engine/outbox/index.ts';
import { RetryingBlobStore } from '../engine/storage/index.ts';
import { listConflicts } from '../engine/sync/index.ts';
import type { Repository } from '../engine/repository.ts';
import type { DeviceRecord, SnapshotRecord } from '../engine/vault/index.ts';
import { describeConfigProblem } from './config-file.ts';
import { ConfigStore } from './config-store.ts';
import { IdleCollector, v8Collector } from './idle-collector.ts';
import { JobQueue } from './jobs.ts';
import { lastVerification } from './verify-data.ts';
import type { CairnServiceOptions, PlatformHooks, ServiceEventName, ServiceEvents } from './types.ts';

export type ErrorRecord = NonNullable<EngineStatus['error']>;

/** The service's whole mutable state. */
export interface ServiceState {
  repo: Repository | undefined;
  lastError: ErrorRecord | undefined;
  lastSyncAt: string | undefined;
  /** The one owner of the pause: the scheduler follows it through status events. */
  pausedUntil: number | undefined;
  nextSyncAt: number | undefined;
  /** Snapshot records seen by `snapshots()`, for quick lookups by id prefix. */
  readonly snapshotCache: Map<string, SnapshotRecord>;
  /**
   * Vault objects (snapshot and device records) found damaged while listing, by key: left out of
   * the lists so the rest stay usable, and named in the status until a listing reads them again.
   */
  readonly damaged: Map<string, string>;
  /** Reports of finished check jobs, by job id (the last few), for `vault.checkReport`. */
  readonly checkReports: Map<string, CheckReport>;
  /** The daily verification's job while it is queued or running (a sync stops it: verify-data.ts). */
  verificationJobId?: string;
}

export interface ServiceContext {
  readonly options: CairnServiceOptions;
  readonly state: ServiceState;
  readonly config: ConfigStore;
  readonly hooks: PlatformHooks;
  readonly jobs: JobQueue;
  readonly events: EventEmitter;
  /** When this service started: the jobs list holds only what ran since (older activity comes from the history). */
  readonly startedAt: number;
  now(): number;
  emit<E extends ServiceEventName>(event: E, payload: ServiceEvents[E]): void;
  /** Tells listeners the status changed. */
  changed(): void;
  status(): EngineStatus;
  paused(): boolean;
  settings(): Settings;
  requireRepo(): Repository;
  agentContext(): Promise<AgentContext>;
  /** Newest first. The repository reads known records from the state DB and downloads only new ones. */
  snapshots(deviceId?: string): Promise<SnapshotRecord[]>;
  findSnapshot(id: string): Promise<SnapshotRecord>;
  /** Every readable device record; a damaged one is named in the status and left out. */
  listDevices(r: Repository): Promise<DeviceRecord[]>;
  /** A listing met a damaged record: named in the status. */
  onDamaged(key: string, error: Error): void;
}

/** Check reports kept for the renderer to fetch once their job is done. */
const CHECK_REPORTS_KEPT = 5;

/** Keeps the report of check job `jobId` (the last few) for `vault.checkReport` and the repair. */
export function keepCheckReport(state: ServiceState, jobId: string, report: CheckReport): void {
  state.checkReports.set(jobId, report);
  for (const id of [...state.checkReports.keys()].slice(0, -CHECK_REPORTS_KEPT)) state.checkReports.delete(id);
}

/** The outbox in front of an open repository's vault (every repository the service opens has one). */
export function outboxOf(r: Repository): OutboxBlobStore | undefined {
  return findOutbox(r.vault.store);
}

/** The status the app shows, from the service's state (engineState picks the one state). */
function statusOf(state: ServiceState, config: ConfigStore, jobs: JobQueue, isPaused: boolean): EngineStatus {
  const cfg = config.get();
  const running = jobs.running();
  const { repo, lastError, lastSyncAt, nextSyncAt, pausedUntil } = state;
  // Facts that survive a restart: the last sync from this device's history, open conflicts
  // from its state DB (describeStatus in shared/status.ts turns them into words).
  const lastSync = lastSyncAt ?? (repo ? repo.db.history(1, ['sync'])[0]?.at : undefined);
  const remote = repo ? outboxOf(repo)?.remote : undefined;
  const waiting = remote instanceof RetryingBlobStore && remote.waiting;
  const verification = repo ? lastVerification(repo) : undefined;
  return {
    state: engineState({ configured: cfg.location !== undefined, open: repo !== undefined, running: running !== undefined, paused: isPaused, errorCode: lastError?.code }),
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
    ...(cfg.problem ? { configProblem: { keptAs: cfg.problem.keptAs, message: describeConfigProblem(cfg.problem) } } : {}),
    ...(state.damaged.size > 0 ? { damaged: [...state.damaged].map(([key, message]) => ({ key, message })) } : {}),
    ...(verification ? { verification } : {}),
  };
}

export function createServiceContext(options: CairnServiceOptions): ServiceContext {
  const now = () => (options.clock ? options.clock.now() : Date.now());
  const startedAt = now();
  const events = new EventEmitter();
  const config = new ConfigStore(options.stateDir, now);
  const state: ServiceState = { repo: undefined, lastError: undefined, lastSyncAt: undefined, pausedUntil: undefined, nextSyncAt: undefined, snapshotCache: new Map(), damaged: new Map(), checkReports: new Map() };
  const paused = (): boolean => state.pausedUntil !== undefined && state.pausedUntil > now();
  const emit = <E extends ServiceEventName>(event: E, payload: ServiceEvents[E]): void => void events.emit(event, payload);

  const status = (): EngineStatus => statusOf(state, config, jobs, paused());
  const changed = (): void => emit('status.changed', status());
  const onDamaged = (key: string, error: Error): void => {
    state.damaged.set(key, error.message);
    changed();
  };

  // What a job's work left in V8's heap is given back once the queue is idle (idle-collector.ts).
  const collector = new IdleCollector(options.collect === undefined ? v8Collector() : (options.collect ?? undefined));
  const jobs = new JobQueue({
    now,
    stateDir: options.stateDir,
    onUpdate: (job) => {
      emit('job.progress', job);
      if (job.status !== 'running') changed();
    },
    onBusy: () => collector.busy(),
    onIdle: () => collector.idle(),
  });

  function requireRepo(): Repository {
    if (state.repo) return state.repo;
    if (!config.get().location) throw new ConfigError('Cairn is not set up yet. Choose where to keep the vault first.');
    throw new CairnError('wrong_key', 'The vault is locked. Enter the passphrase or the recovery key to unlock it.');
  }

  const agentContext = async (): Promise<AgentContext> =>
    prepareContext(contextFromProcess({ ...agentPathsContext(loadAgentPaths(options.stateDir)), ...(options.home ? { home: options.home } : {}), ...(options.env ? { env: options.env } : {}), ...(options.platform ? { platform: options.platform } : {}) }));

  async function snapshots(deviceId?: string): Promise<SnapshotRecord[]> {
    for (const key of state.damaged.keys()) if (key.startsWith(deviceId ? `snapshots/${deviceId}/` : 'snapshots/')) state.damaged.delete(key);
    const list = await requireRepo().listSnapshots(deviceId as DeviceId | undefined, onDamaged);
    const present = new Set<string>(list.map((x) => x.id));
    for (const [id, x] of state.snapshotCache) if (!present.has(id) && (!deviceId || x.device === deviceId)) state.snapshotCache.delete(id);
    for (const x of list) state.snapshotCache.set(x.id, x);
    return [...list].sort((a, b) => b.time.localeCompare(a.time));
  }

  async function listDevices(r: Repository): Promise<DeviceRecord[]> {
    for (const key of state.damaged.keys()) if (key.startsWith('devices/')) state.damaged.delete(key);
    return r.vault.listDevices(onDamaged);
  }

  async function findSnapshot(id: string): Promise<SnapshotRecord> {
    const hit = [...state.snapshotCache.values()].find((s) => s.id.startsWith(id));
    return hit ?? (await requireRepo().findSnapshot(id));
  }

  return {
    options,
    state,
    config,
    hooks: options.hooks ?? {},
    jobs,
    events,
    startedAt,
    now,
    emit,
    changed,
    status,
    paused,
    settings: () => config.get().settings,
    requireRepo,
    agentContext,
    snapshots,
    findSnapshot,
    listDevices,
    onDamaged,
  };
}

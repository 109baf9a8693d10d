// The one IPC contract: every request the renderer can make and every event main pushes.
// Imported by main (router, validation), by preload (channel list) and by the renderer (types
// only). Requests are validated at runtime with these schemas before any handler runs.

import { z } from 'zod';
import type {
  AgentInfo,
  CheckReport,
  ConflictInfo,
  DeviceInfo,
  DiffEntry,
  EngineStatus,
  JobInfo,
  ProbeResult,
  Settings,
  SnapshotSummary,
  TreeEntryInfo,
  VaultLocation,
} from '../models.ts';
import type { ErrorRecord } from '../errors.ts';
import type { ContinueInfo, SessionHit, SessionPageView, SessionSummary, SnapshotSessionInfo, SnapshotSessionScan } from '../sessions.ts';
import { MAX_PASSPHRASE_LENGTH, MIN_PASSPHRASE_LENGTH } from '../limits.ts';

const snapshotId = z.string().regex(/^[0-9a-f]{8,64}$/, 'a snapshot id');
const deviceId = z.string().regex(/^[0-9a-f]{16}$/, 'a device id');
const relPath = z.string().max(4096).refine((p) => !p.includes('\0'), 'no NUL in paths');
const absPath = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'no NUL in paths');

export const vaultLocationSchema = z.object({
  provider: z.enum(['r2', 's3', 'b2', 'other', 'local']),
  bucket: z.string().min(3).max(63).optional(),
  prefix: z.string().max(512).default('cairn'),
  endpoint: z.string().url().optional(),
  region: z.string().max(64).optional(),
  forcePathStyle: z.boolean().optional(),
  path: absPath.optional(),
});

export const credentialsSchema = z.object({
  accessKeyId: z.string().min(1).max(256),
  secretAccessKey: z.string().min(1).max(256),
});

const unlockSecretSchema = z.union([
  z.object({ passphrase: z.string().min(1).max(MAX_PASSPHRASE_LENGTH) }),
  z.object({ recoveryKey: z.string().min(1).max(256) }),
]);

const retentionSchema = z.object({
  keepLast: z.number().int().min(1).max(10_000),
  keepHourly: z.number().int().min(0).max(10_000),
  keepDaily: z.number().int().min(0).max(10_000),
  keepWeekly: z.number().int().min(0).max(10_000),
  keepMonthly: z.number().int().min(0).max(10_000),
});

/** Every setting, validated (config-store.ts adds the defaults; settings.set takes any of them). */
export const settingsSchema = z.object({
  intervalMinutes: z.number().int().min(5).max(24 * 60),
  syncOnAgentQuiet: z.boolean(),
  quietSeconds: z.number().int().min(5).max(3600),
  launchAtLogin: z.boolean(),
  notifications: z.boolean(),
  retention: retentionSchema,
  enabledAgents: z.array(z.string().max(64)).max(64),
  pathMappings: z.array(z.object({ from: absPath, to: absPath })).max(64),
  theme: z.enum(['system', 'light', 'dark']),
});
export const settingsPatchSchema = settingsSchema.partial();

export const restoreTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('original') }),
  z.object({ kind: z.literal('folder'), path: absPath }),
]);

const empty = z.object({}).strict();

/** Where an unfinished set-up stands (kept by main, so that a reload or a closed window resumes it). */
export const setupProgressSchema = z
  .object({
    step: z.enum(['vault', 'agents', 'schedule', 'finish']),
    joinStage: z.enum(['fingerprint', 'device', 'restore']).optional(),
    replacedDeviceId: deviceId.optional(),
    restoreJobId: z.string().max(64).optional(),
    firstJobId: z.string().max(64).optional(),
  })
  .strict();
export type SetupProgress = z.output<typeof setupProgressSchema>;

/** A folder the user typed or picked: absolute, or starting with `~` (this computer's home). */
const userFolder = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'no NUL in paths');

const sessionRef = { agent: z.string().min(1).max(64), id: z.string().min(1).max(512) };
const isoDate = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), 'a date');
const sessionFilter = z
  .object({ agent: z.string().max(64).optional(), deviceId: deviceId.optional(), project: absPath.optional(), since: isoDate.optional(), until: isoDate.optional() })
  .strict();

/**
 * Request schemas, one per channel. `wizard: true` on createVault/joinVault: the set-up wizard runs
 * it, so main keeps its progress (and an unconfirmed recovery key) until `setup.finish`.
 */
export const requestSchemas = {
  'status.get': empty,
  'sync.now': empty,
  'sync.pause': z.object({ minutes: z.number().int().min(1).max(7 * 24 * 60) }).strict(),
  'sync.resume': empty,
  'jobs.list': empty,
  'jobs.cancel': z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, 'a job id') }).strict(),
  'devices.list': empty,
  'devices.renameThis': z.object({ name: z.string().trim().min(1).max(64) }).strict(),
  'devices.adopt': z.object({ deviceId }).strict(),
  'snapshots.list': z.object({ deviceId: deviceId.optional() }).strict(),
  'snapshots.tree': z.object({ snapshotId, path: relPath }).strict(),
  'snapshots.readFile': z.object({ snapshotId, path: relPath, maxBytes: z.number().int().min(1).max(16 * 1024 * 1024) }).strict(),
  'snapshots.diff': z.object({ snapshotId, againstId: snapshotId.optional() }).strict(),
  'snapshots.restore': z.object({ snapshotId, paths: z.array(relPath).max(10_000), target: restoreTargetSchema, overwrite: z.boolean() }).strict(),
  'snapshots.restorePlan': z.object({ snapshotId, paths: z.array(relPath).max(10_000), target: restoreTargetSchema, overwrite: z.boolean() }).strict(),
  'snapshots.pin': z.object({ snapshotId, pinned: z.boolean() }).strict(),
  'snapshots.session': z.object({ snapshotId, path: relPath }).strict(),
  'snapshots.sessionPage': z.object({ snapshotId, path: relPath, cursor: z.string().max(65_536).optional(), limit: z.number().int().min(1).max(500) }).strict(),
  'snapshots.sessionScan': z.object({ snapshotId, path: relPath, pageSize: z.number().int().min(1).max(500), find: z.string().min(1).max(1000).optional() }).strict(),
  'snapshots.titles': z.object({ snapshotId, path: relPath }).strict(),
  'conflicts.list': empty,
  'conflicts.get': z.object({ id: z.string().min(1).max(128), maxBytes: z.number().int().min(1).max(4 * 1024 * 1024) }).strict(),
  'conflicts.resolve': z.object({ id: z.string().min(1).max(128), keep: z.enum(['mine', 'theirs', 'both']) }).strict(),
  'key.fingerprint': empty,
  'key.changePassphrase': z.object({ current: z.string().min(1).max(MAX_PASSPHRASE_LENGTH), next: z.string().min(MIN_PASSPHRASE_LENGTH).max(MAX_PASSPHRASE_LENGTH) }).strict(),
  'key.rotateRecovery': z.object({ passphrase: z.string().min(1).max(MAX_PASSPHRASE_LENGTH) }).strict(),
  'key.recoveryRotation': empty,
  'key.confirmRecovery': empty,
  'key.cancelRecovery': empty,
  'settings.get': empty,
  'settings.set': settingsPatchSchema.strict(),
  'agents.list': empty,
  'agents.paths': empty,
  'agents.updatePaths': z.object({ add: z.array(userFolder).max(100).optional(), remove: z.array(userFolder).max(100).optional() }).strict(),
  'setup.testConnection': z.object({ location: vaultLocationSchema, credentials: credentialsSchema.optional() }).strict(),
  'setup.createVault': z.object({ location: vaultLocationSchema, credentials: credentialsSchema.optional(), passphrase: z.string().min(MIN_PASSPHRASE_LENGTH).max(MAX_PASSPHRASE_LENGTH), deviceName: z.string().trim().min(1).max(64).optional(), wizard: z.boolean().optional() }).strict(),
  'setup.joinVault': z.object({ location: vaultLocationSchema, credentials: credentialsSchema.optional(), secret: unlockSecretSchema, deviceName: z.string().trim().min(1).max(64).optional(), wizard: z.boolean().optional() }).strict(),
  'setup.unlock': z.object({ secret: unlockSecretSchema }).strict(),
  'setup.createBucket': z.object({ location: vaultLocationSchema, credentials: credentialsSchema.optional() }).strict(),
  'setup.progress': empty,
  'setup.saveProgress': setupProgressSchema,
  'setup.confirmRecoveryKey': empty,
  'setup.finish': empty,
  'setup.location': empty,
  'vault.stats': empty,
  'vault.check': z.object({ readData: z.boolean() }).strict(),
  'vault.prune': empty,
  'vault.prunePreview': empty,
  'app.openExternal': z.object({ url: z.string().url().max(2048) }).strict(),
  'app.chooseFolder': z.object({ title: z.string().max(200).optional() }).strict(),
  'sessions.list': z.object({ filter: sessionFilter.default({}), refresh: z.boolean().default(false) }).strict(),
  'sessions.search': z.object({ text: z.string().min(1).max(1000), filter: sessionFilter.default({}), limit: z.number().int().min(1).max(500).default(100) }).strict(),
  'sessions.page': z.object({ ...sessionRef, cursor: z.string().max(65_536).optional(), limit: z.number().int().min(1).max(500) }).strict(),
  'sessions.continue': z.object(sessionRef).strict(),
  'sessions.export': z.object({ ...sessionRef, folder: absPath }).strict(),
} as const;

export type Channel = keyof typeof requestSchemas;
export type RequestOf<C extends Channel> = z.input<(typeof requestSchemas)[C]>;
export type ParsedRequestOf<C extends Channel> = z.output<(typeof requestSchemas)[C]>;

export interface FilePreview {
  size: number;
  truncated: boolean;
  /** True when the bytes don't look like UTF-8 text; `text` is then empty. */
  binary: boolean;
  text: string;
  /**
   * A transcript's lines in words, by the agent's session reader in main (conflicts): one per line
   * of `text`, null where a line says nothing readable. Absent for files no reader knows.
   */
  lines?: ({ label: string; text: string } | null)[];
}

export interface VaultStats {
  snapshots: number;
  devices: number;
  packs: number;
  storedBytes: number;
  provider: string;
  location: string;
}

export interface SetupProgressView extends SetupProgress {
  mode: 'create' | 'join';
  result: SetupResult;
  /** Shown until the user confirms saving it; kept in the keychain meanwhile. */
  recoveryKey?: string;
  replaced?: DeviceInfo;
}

export interface AgentFolders {
  /** Folders added to the scan (absolute). */
  added: string[];
  /** Folders never scanned, nor anything below them. */
  removed: string[];
  /** The common project folders scanned by default (absolute, on this computer). */
  defaults: string[];
  home: string;
}

/** What a restore will do, before it runs (the same plan the restore then carries out). */
export interface RestorePreview {
  files: number;
  bytes: number;
  /** Folders the files land in (their parents on this device, for a restore to their place). */
  targets: string[];
  /** How many files already exist where the restore writes, and the first of them. */
  existing: number;
  existingSample: string[];
  /** What happens to those: kept as they are, or overwritten after a safety snapshot of exactly them. */
  existingAction: 'refuse' | 'keep' | 'overwrite';
  safetySnapshot: boolean;
}

/** What a prune would do now, computed without changing anything. */
export interface PrunePreview {
  /** Snapshots the retention policy forgets, oldest first. */
  forget: SnapshotSummary[];
  /** How many it keeps. */
  keep: number;
  /** What the prune after that forget would do (a dry run that counts them as forgotten). */
  packsDeleted: number;
  packsRepacked: number;
  /** Bytes deleted by this run (packs marked by an earlier prune, past the safety margin). */
  bytesFreed: number;
  /** Packs no snapshot would use, marked now and deleted by a prune after `deleteAfter`. */
  packsMarked: number;
  bytesMarked: number;
  deleteAfter?: string;
  /** The bucket keeps old versions: deleting frees no space until a lifecycle rule removes them. */
  versioning?: 'enabled' | 'suspended';
}

export interface SetupResult {
  fingerprint: string;
  deviceId: string;
  deviceName: string;
}

/** Response types, one per channel. */
export interface Responses {
  'status.get': EngineStatus;
  'sync.now': { jobId: string };
  'sync.pause': EngineStatus;
  'sync.resume': EngineStatus;
  'jobs.list': JobInfo[];
  /** Asks a running or queued job to stop; it ends 'cancelled', having written nothing half-way. */
  'jobs.cancel': { cancelled: boolean };
  'devices.list': DeviceInfo[];
  'devices.renameThis': DeviceInfo;
  /**
   * This computer replaces the device (docs/RECOVERY.md): it takes over its id, name and history,
   * and its next backup continues from that device's newest snapshot. Refused (code 'conflict')
   * once this computer has snapshots of its own.
   */
  'devices.adopt': DeviceInfo;
  'snapshots.list': SnapshotSummary[];
  'snapshots.tree': TreeEntryInfo[];
  'snapshots.readFile': FilePreview;
  'snapshots.diff': DiffEntry[];
  'snapshots.restore': { jobId: string };
  'snapshots.restorePlan': RestorePreview;
  'snapshots.pin': SnapshotSummary;
  /** A snapshot file read as a session by the engine's readers; null when no reader knows it. */
  'snapshots.session': SnapshotSessionInfo | null;
  /** One page of that session (`sessions.page` for a snapshot's file): never the whole file. */
  'snapshots.sessionPage': SessionPageView;
  /** One pass over the session: its item count, every page's cursor, and the items matching `find`. */
  'snapshots.sessionScan': SnapshotSessionScan;
  /** Titles of the session files directly in a folder of the snapshot, by path (from the catalog). */
  'snapshots.titles': Record<string, string>;
  'conflicts.list': ConflictInfo[];
  'conflicts.get': { conflict: ConflictInfo; mine: FilePreview; theirs: FilePreview };
  'conflicts.resolve': ConflictInfo;
  'key.fingerprint': { fingerprint: string };
  'key.changePassphrase': { fingerprint: string };
  /**
   * Rotation, step 1: the new recovery key, added beside the old one, which keeps working until
   * `key.confirmRecovery`. Kept in the keychain until then, so the app comes back to it.
   */
  'key.rotateRecovery': { recoveryKey: string };
  /** The rotation waiting for confirmation, if any: its new key. */
  'key.recoveryRotation': { recoveryKey?: string };
  /** Step 2: the new key is the recovery key; the old one stops working. */
  'key.confirmRecovery': { fingerprint: string };
  /** Drops the unconfirmed new key; the old one stays. */
  'key.cancelRecovery': { cancelled: boolean };
  'settings.get': Settings;
  'settings.set': Settings;
  'agents.list': AgentInfo[];
  /** The folders Aider detection scans (the same file as `cairn agents --add-path/--remove-path`). */
  'agents.paths': AgentFolders;
  'agents.updatePaths': AgentFolders;
  'setup.testConnection': ProbeResult;
  /** The recovery key is shown once, here, and never stored. */
  'setup.createVault': SetupResult & { recoveryKey: string };
  'setup.joinVault': SetupResult;
  'setup.unlock': SetupResult;
  /** Creates the bucket when the key may (`exists` when it was there already). */
  'setup.createBucket': { bucket: 'created' | 'exists' };
  /** The unfinished set-up, when there is one: its step, and the recovery key until it is confirmed saved. */
  'setup.progress': { progress?: SetupProgressView };
  'setup.saveProgress': { saved: true };
  /** Forgets the recovery key kept for an unconfirmed set-up. */
  'setup.confirmRecoveryKey': { confirmed: true };
  /** The set-up is over: nothing to resume. */
  'setup.finish': { finished: true };
  /** Where the vault is now (Settings → Storage fills the form with it; no secrets). */
  'setup.location': { location?: VaultLocation; hasCredentials: boolean };
  'vault.stats': VaultStats;
  'vault.check': CheckReport;
  'vault.prune': { jobId: string };
  'vault.prunePreview': PrunePreview;
  'app.openExternal': { opened: boolean };
  'app.chooseFolder': { path?: string };
  /** Every session of every device, newest first; `refresh` reads new catalogs from the vault first. */
  'sessions.list': SessionSummary[];
  /** Best matches first; other devices' sessions count once their text is indexed here (in the background). */
  'sessions.search': SessionHit[];
  /** One page of a session's conversation: long transcripts are never sent whole. */
  'sessions.page': SessionPageView;
  'sessions.continue': ContinueInfo;
  /** Writes the session as Markdown into `folder`; the file's path. */
  'sessions.export': { path: string };
}

export type ResponseOf<C extends Channel> = Responses[C];

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorRecord };

/** Events main pushes to the renderer. */
export interface Events {
  'status.changed': EngineStatus;
  'job.progress': JobInfo;
  'conflicts.changed': ConflictInfo[];
  'snapshots.changed': { deviceId: string };
}

export type EventName = keyof Events;

export const CHANNELS = Object.keys(requestSchemas) as Channel[];
export const EVENT_NAMES: readonly EventName[] = ['status.changed', 'job.progress', 'conflicts.changed', 'snapshots.changed'];

/** What main implements: one async handler per channel, given the parsed request. */
export type Handlers = { [C in Channel]: (request: ParsedRequestOf<C>) => Promise<ResponseOf<C>> };

/** What the renderer calls: one method per channel, plus event subscription. */
export type CairnApi = { [C in Channel]: (request: RequestOf<C>) => Promise<Result<ResponseOf<C>>> } & {
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
};

// The one IPC contract: every request the renderer can make, what it gets back, and every event
// main pushes — channel names and TypeScript types only, no validation library. Imported by main,
// by the preload (bundled into a sandboxed script, so it must stay small) and by the renderer.
// Main validates every request before any handler runs, with the zod schemas in
// main/ipc/schemas.ts; those are checked at compile time to accept exactly the types below.

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
import type { ContinueInfo, SessionHit, SessionPageView, SessionScanView, SessionSummary, SnapshotSessionInfo, SnapshotSessionScan } from '../sessions.ts';

/** A request with nothing in it. */
export type Empty = Record<string, never>;

/** A vault location as the renderer sends it: the prefix may be left out (main fills in 'cairn'). */
export type VaultLocationRequest = Omit<VaultLocation, 'prefix'> & { prefix?: string };

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export type UnlockSecretRequest = { passphrase: string } | { recoveryKey: string };

export type RestoreTarget = { kind: 'original' } | { kind: 'folder'; path: string };

export interface RestoreRequestBody {
  snapshotId: string;
  paths: string[];
  target: RestoreTarget;
  overwrite: boolean;
}

/** Where an unfinished set-up stands (kept by main, so that a reload or a closed window resumes it). */
export interface SetupProgress {
  step: 'vault' | 'agents' | 'schedule' | 'finish';
  joinStage?: 'fingerprint' | 'device' | 'restore';
  replacedDeviceId?: string;
  restoreJobId?: string;
  firstJobId?: string;
}

export interface SessionFilter {
  agent?: string;
  deviceId?: string;
  project?: string;
  since?: string;
  until?: string;
}

interface SessionRef {
  agent: string;
  id: string;
}

interface StoreRequest {
  location: VaultLocationRequest;
  credentials?: Credentials;
}

/**
 * What the renderer sends, one type per channel. `wizard: true` on createVault/joinVault: the
 * set-up wizard runs it, so main keeps its progress (and an unconfirmed recovery key) until
 * `setup.finish`.
 */
export interface Requests {
  'status.get': Empty;
  'sync.now': Empty;
  'sync.pause': { minutes: number };
  'sync.resume': Empty;
  'jobs.list': Empty;
  'jobs.cancel': { id: string };
  'devices.list': Empty;
  'devices.renameThis': { name: string };
  'devices.adopt': { deviceId: string };
  'snapshots.list': { deviceId?: string };
  'snapshots.tree': { snapshotId: string; path: string };
  'snapshots.readFile': { snapshotId: string; path: string; maxBytes: number };
  'snapshots.diff': { snapshotId: string; againstId?: string };
  'snapshots.restore': RestoreRequestBody;
  'snapshots.restorePlan': RestoreRequestBody;
  'snapshots.pin': { snapshotId: string; pinned: boolean };
  'snapshots.session': { snapshotId: string; path: string };
  'snapshots.sessionPage': { snapshotId: string; path: string; cursor?: string; limit: number };
  'snapshots.sessionScan': { snapshotId: string; path: string; pageSize: number; find?: string };
  'snapshots.titles': { snapshotId: string; path: string };
  'conflicts.list': Empty;
  'conflicts.get': { id: string; maxBytes: number };
  'conflicts.resolve': { id: string; keep: 'mine' | 'theirs' | 'both' };
  'key.fingerprint': Empty;
  'key.changePassphrase': { current: string; next: string };
  'key.rotateRecovery': { passphrase: string };
  'key.recoveryRotation': Empty;
  'key.confirmRecovery': Empty;
  'key.cancelRecovery': Empty;
  'settings.get': Empty;
  'settings.set': Partial<Settings>;
  'agents.list': Empty;
  'agents.paths': Empty;
  'agents.updatePaths': { add?: string[]; remove?: string[] };
  'setup.testConnection': StoreRequest;
  'setup.createVault': StoreRequest & { passphrase: string; deviceName?: string; wizard?: boolean };
  'setup.joinVault': StoreRequest & { secret: UnlockSecretRequest; deviceName?: string; wizard?: boolean };
  'setup.unlock': { secret: UnlockSecretRequest };
  'setup.createBucket': StoreRequest;
  'setup.progress': Empty;
  'setup.saveProgress': SetupProgress;
  'setup.confirmRecoveryKey': Empty;
  'setup.finish': Empty;
  'setup.location': Empty;
  'vault.stats': Empty;
  'vault.check': { readData: boolean };
  'vault.checkReport': { jobId: string };
  'vault.prune': Empty;
  /**
   * Takes the packs missing from storage out of the index (check's missingPacks), as a job; with
   * `checkJobId`, also the damaged blobs that check found by reading the data (its damagedBlobs).
   */
  'vault.repair': { checkJobId?: string };
  'vault.prunePreview': Empty;
  'app.openExternal': { url: string };
  'app.chooseFolder': { title?: string };
  'sessions.list': { filter?: SessionFilter; refresh?: boolean };
  'sessions.search': { text: string; filter?: SessionFilter; limit?: number };
  'sessions.page': SessionRef & { cursor?: string; limit: number };
  'sessions.scan': SessionRef & { pageSize: number };
  /** `replace`: replace this machine's copy when it has changes of its own (refused with `conflict` otherwise). */
  'sessions.continue': SessionRef & { replace?: boolean };
  'sessions.export': SessionRef & { folder: string };
}

type WithLocation<T extends StoreRequest> = Omit<T, 'location'> & { location: VaultLocation };

/** What a handler gets: the request after validation filled in the defaults. */
export type ParsedRequests = Omit<Requests, 'setup.testConnection' | 'setup.createVault' | 'setup.joinVault' | 'setup.createBucket' | 'sessions.list' | 'sessions.search'> & {
  'setup.testConnection': WithLocation<Requests['setup.testConnection']>;
  'setup.createVault': WithLocation<Requests['setup.createVault']>;
  'setup.joinVault': WithLocation<Requests['setup.joinVault']>;
  'setup.createBucket': WithLocation<Requests['setup.createBucket']>;
  'sessions.list': { filter: SessionFilter; refresh: boolean };
  'sessions.search': { text: string; filter: SessionFilter; limit: number };
};

export type Channel = keyof Requests;
export type RequestOf<C extends Channel> = Requests[C];
export type ParsedRequestOf<C extends Channel> = ParsedRequests[C];

/** Every channel, once (the object literal fails to compile when one is missing or unknown). */
const channelSet = {
  'status.get': true,
  'sync.now': true,
  'sync.pause': true,
  'sync.resume': true,
  'jobs.list': true,
  'jobs.cancel': true,
  'devices.list': true,
  'devices.renameThis': true,
  'devices.adopt': true,
  'snapshots.list': true,
  'snapshots.tree': true,
  'snapshots.readFile': true,
  'snapshots.diff': true,
  'snapshots.restore': true,
  'snapshots.restorePlan': true,
  'snapshots.pin': true,
  'snapshots.session': true,
  'snapshots.sessionPage': true,
  'snapshots.sessionScan': true,
  'snapshots.titles': true,
  'conflicts.list': true,
  'conflicts.get': true,
  'conflicts.resolve': true,
  'key.fingerprint': true,
  'key.changePassphrase': true,
  'key.rotateRecovery': true,
  'key.recoveryRotation': true,
  'key.confirmRecovery': true,
  'key.cancelRecovery': true,
  'settings.get': true,
  'settings.set': true,
  'agents.list': true,
  'agents.paths': true,
  'agents.updatePaths': true,
  'setup.testConnection': true,
  'setup.createVault': true,
  'setup.joinVault': true,
  'setup.unlock': true,
  'setup.createBucket': true,
  'setup.progress': true,
  'setup.saveProgress': true,
  'setup.confirmRecoveryKey': true,
  'setup.finish': true,
  'setup.location': true,
  'vault.stats': true,
  'vault.check': true,
  'vault.checkReport': true,
  'vault.prune': true,
  'vault.repair': true,
  'vault.prunePreview': true,
  'app.openExternal': true,
  'app.chooseFolder': true,
  'sessions.list': true,
  'sessions.search': true,
  'sessions.page': true,
  'sessions.scan': true,
  'sessions.continue': true,
  'sessions.export': true,
} as const satisfies Record<Channel, true>;

export const CHANNELS = Object.keys(channelSet) as Channel[];

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
  /** What it writes: `files` and `bytes` less what is already there as in the snapshot (and, keeping, what exists). */
  writeFiles: number;
  writeBytes: number;
  /** Files already there exactly as in the snapshot (content and permissions): left as they are. */
  unchanged: number;
  /** How many files already exist where the restore writes and differ from the snapshot's, and the first of them. */
  existing: number;
  existingSample: string[];
  /** What happens to those: kept as they are, or overwritten after a safety snapshot of exactly them. */
  existingAction: 'refuse' | 'keep' | 'overwrite';
  safetySnapshot: boolean;
  /**
   * Of `existing`, when overwriting: files a safety snapshot could not hold as they are (their
   * credentials never leave this computer, or Cairn may not read them): kept, not replaced.
   */
  heldBack: number;
  heldBackSample: string[];
  /** Files it writes that the snapshot holds without the credentials removed before upload, and the first of them with what they lack. */
  withoutCredentials: number;
  withoutCredentialsSample: { path: string; removed: string[] }[];
  /** Files and folders it writes under another name (this computer can't hold the snapshot's: `README.md` beside `readme.md` on a Mac), and the first of them. */
  renamed: number;
  renamedSample: { path: string; dest: string }[];
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
  /** The check runs as a job (progress on `job.progress`); its report is `vault.checkReport` once it is done. */
  'vault.check': { jobId: string };
  /** The report of a finished check job (the last few are kept). */
  'vault.checkReport': CheckReport;
  'vault.prune': { jobId: string };
  'vault.repair': { jobId: string };
  'vault.prunePreview': PrunePreview;
  'app.openExternal': { opened: boolean };
  'app.chooseFolder': { path?: string };
  /** Every session of every device, newest first; `refresh` reads new catalogs from the vault first. */
  'sessions.list': SessionSummary[];
  /** Best matches first; other devices' sessions count once their text is indexed here (in the background). */
  'sessions.search': SessionHit[];
  /** One page of a session's conversation: long transcripts are never sent whole. */
  'sessions.page': SessionPageView;
  /** The session's item count and every page's cursor, from one pass: a deep search hit's page is fetched directly. */
  'sessions.scan': SessionScanView;
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

export const EVENT_NAMES: readonly EventName[] = ['status.changed', 'job.progress', 'conflicts.changed', 'snapshots.changed'];

/** What main implements: one async handler per channel, given the parsed request. */
export type Handlers = { [C in Channel]: (request: ParsedRequestOf<C>) => Promise<ResponseOf<C>> };

/** What the renderer calls: one method per channel, plus event subscription. */
export type CairnApi = { [C in Channel]: (request: RequestOf<C>) => Promise<Result<ResponseOf<C>>> } & {
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
};

// Plain data shared by the engine, the IPC contract, the CLI and the renderer. No behaviour, no
// Node or DOM types: everything here must survive structured cloning and JSON.

import type { ErrorRecord } from './errors.ts';

export type Platform = 'linux' | 'darwin' | 'win32';

export type EntryType = 'file' | 'dir' | 'symlink';

/** One entry of a directory in a snapshot, as listed to users. */
export interface TreeEntryInfo {
  name: string;
  /** Path relative to the snapshot root, `/`-separated, first part is the source label. */
  path: string;
  type: EntryType;
  size: number;
  /** Milliseconds since the epoch. */
  mtimeMs: number;
  mode: number;
  /** Symlink target, for symlinks. */
  target?: string;
}

export type SnapshotReason = 'scheduled' | 'manual' | 'before-restore' | 'sync' | 'cli';

export interface SnapshotStats {
  files: number;
  dirs: number;
  bytes: number;
  /** Bytes of new (not deduplicated) plaintext data added by this snapshot. */
  newBytes: number;
  /** Bytes uploaded to storage by this snapshot (packs, index, trees, snapshot). */
  uploadedBytes: number;
  newFiles: number;
  changedFiles: number;
  unchangedFiles: number;
  secretsSkipped: number;
  durationMs: number;
  /** Files left out because they vanished, were unreadable or were replaced while read (see BackupWarning). Absent in snapshots made before Cairn counted them. */
  warnings?: number;
  /** FIFOs, sockets and device files found and left out: they have no content to keep. */
  specialSkipped?: number;
  /** Files and folders deleted (or moved away) between the walk listing them and reading them: nothing to keep, not warnings. */
  vanished?: number;
}

/**
 * Why a file the walk found is not in a snapshot: see docs/CLI.md, "Backups with warnings".
 * `session`: the file is backed up, but a session in it could not be read into the catalog
 * (reported as it happens, not counted as a left-out file).
 */
export type BackupWarningReason = 'vanished' | 'unreadable' | 'changed' | 'session';

/** A file or folder a backup had to leave out; the next backup tries it again. */
export interface BackupWarning {
  /** Absolute path on the device. */
  path: string;
  reason: BackupWarningReason;
  message: string;
}

export interface SnapshotRootInfo {
  label: string;
  agent?: string;
  /** The absolute path on the device that made the snapshot. */
  path: string;
}

export interface SnapshotSummary {
  id: string;
  shortId: string;
  deviceId: string;
  deviceName: string;
  time: string; // ISO 8601
  reason: SnapshotReason;
  pinned: boolean;
  roots: SnapshotRootInfo[];
  stats: SnapshotStats;
  parent?: string;
  /** The device's count of its backups: orders them whatever its clock said (shared/backup-lines.ts). */
  seq?: number;
  /** Files kept on the device because they hold credentials (`label/path`), and why. */
  keptLocal?: { path: string; why: string }[];
  /** Files in the snapshot without the credentials they held (removed before upload), and what was taken out. */
  scrubbed?: { path: string; why: string; removed: string[] }[];
  /** Files the backup had to leave out (vanished, unreadable, changed while read): the first ones recorded; `stats.warnings` counts all. */
  warnings?: BackupWarning[];
}

export interface DeviceInfo {
  id: string;
  name: string;
  hostname: string;
  platform: Platform;
  agents: string[];
  lastSeen: string; // ISO 8601
  isThisDevice: boolean;
  snapshotCount: number;
  lastSnapshot?: string; // ISO 8601
}

export interface AgentRootInfo {
  path: string;
  exists: boolean;
  files: number;
  bytes: number;
}

export interface AgentInfo {
  id: string;
  displayName: string;
  detected: boolean;
  enabled: boolean;
  roots: AgentRootInfo[];
  files: number;
  bytes: number;
  sessions: number;
  include: string[];
  exclude: string[];
  secrets: string[];
  syncable: string[];
}

export interface ConflictInfo {
  id: string;
  agent?: string;
  /** Absolute path of the local file. */
  path: string;
  /** Absolute path where the other device's version was written. */
  theirsPath: string;
  otherDeviceId: string;
  otherDeviceName: string;
  detectedAt: string; // ISO 8601
  mineSize: number;
  theirsSize: number;
  mineMtime: string;
  theirsMtime: string;
  status: 'open' | 'resolved';
  resolution?: 'mine' | 'theirs' | 'both';
}

export type JobKind = 'backup' | 'restore' | 'sync' | 'check' | 'prune' | 'forget' | 'repair';

export interface ProgressInfo {
  phase: string;
  filesDone: number;
  filesTotal?: number;
  bytesDone: number;
  bytesTotal?: number;
  uploadedBytes: number;
  /** Of `bytesDone`: read, but still waiting to be uploaded (a backup's packs in flight). */
  pendingUploadBytes?: number;
  currentPath?: string;
}

export interface JobInfo {
  id: string;
  kind: JobKind;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  startedAt: string;
  finishedAt?: string;
  progress: ProgressInfo;
  error?: ErrorRecord;
  summary?: string;
}

export type EngineState = 'unconfigured' | 'locked' | 'idle' | 'syncing' | 'paused' | 'offline' | 'error';

export interface EngineStatus {
  state: EngineState;
  lastSyncAt?: string;
  nextSyncAt?: string;
  pausedUntil?: string;
  /** Snapshots taken while the vault was unreachable, waiting in the local outbox. */
  outboxCount: number;
  error?: ErrorRecord;
  currentJob?: JobInfo;
  fingerprint?: string;
  deviceName?: string;
  /**
   * Vault objects (snapshot or device records) found damaged: left out of the lists so everything
   * else stays usable, named here until they read again. `cairn check` says more.
   */
  damaged?: { key: string; message: string }[];
  /** Conflicts waiting for a decision on this device. */
  openConflicts?: number;
  /** The provider asks to slow down and a sync is waiting it out (never a failure). */
  waitingForProvider?: boolean;
  /** The kind of storage the vault is in (names the provider in "Waiting for …"). */
  provider?: ProviderKind;
  /** config.json could not be read as it was: where the original is kept, and what to do. */
  configProblem?: { keptAs: string; message: string };
  /** The last daily verification of a part of the vault's data (Settings.verifyData). */
  verification?: Verification;
}

/** One day's verification: part `part` of `of` of the vault's packs read, decrypted and hashed. */
export interface Verification {
  at: string;
  part: number;
  of: number;
  ok: boolean;
  packsRead: number;
  bytesRead: number;
  /** The problems it found (the first few); its whole report is `vault.checkReport` of `jobId`. */
  problems: string[];
  problemCount: number;
  jobId: string;
  /** When "Repair the index" ran on what it found (its damaged blobs taken out of the index). */
  repairedAt?: string;
}

export type ProviderKind = 'r2' | 's3' | 'b2' | 'other' | 'local';

export interface VaultLocation {
  provider: ProviderKind;
  /** For S3 kinds. */
  bucket?: string;
  prefix: string;
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  /** For `local`: absolute folder. */
  path?: string;
}

export interface RetentionPolicy {
  keepLast: number;
  keepHourly: number;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
}

export interface PathMapping {
  from: string;
  to: string;
}

export interface Settings {
  intervalMinutes: number;
  syncOnAgentQuiet: boolean;
  quietSeconds: number;
  launchAtLogin: boolean;
  notifications: boolean;
  retention: RetentionPolicy;
  enabledAgents: string[];
  pathMappings: PathMapping[];
  theme: 'system' | 'light' | 'dark';
  /** Read and verify a part of the vault's data each day (VERIFY_PARTS parts: all of it in turn). */
  verifyData: boolean;
}

export const DEFAULT_RETENTION: RetentionPolicy = { keepLast: 20, keepHourly: 24, keepDaily: 14, keepWeekly: 8, keepMonthly: 12 };

export interface DiffEntry {
  path: string;
  change: 'added' | 'removed' | 'changed';
  sizeBefore?: number;
  sizeAfter?: number;
}

export interface ProbeStep {
  step: 'list' | 'write' | 'read' | 'delete';
  ok: boolean;
  error?: ErrorRecord;
}

export interface ProbeResult {
  ok: boolean;
  steps: ProbeStep[];
  vaultExists: boolean;
  /**
   * Set when the bucket keeps old versions of deleted objects (versioning enabled or suspended;
   * B2 always): prune then frees no space until a lifecycle rule expires them. Show
   * `versionedBucketAdvice` (main/engine/storage) or the same words.
   */
  versioning?: 'enabled' | 'suspended';
}

/** A vault object `check` found damaged, by its key in the vault. */
export interface DamagedObject {
  key: string;
  kind: 'config' | 'keyslot' | 'device' | 'lock' | 'index' | 'snapshot' | 'pack';
  problem: string;
}

export interface CheckReport {
  ok: boolean;
  snapshots: number;
  packs: number;
  blobs: number;
  bytesRead: number;
  problems: string[];
  /** The damaged objects among the problems, each named (the others were still checked). */
  damaged?: DamagedObject[];
  /** Worth knowing, not problems: slots without a MAC, partial uploads of interrupted runs. */
  warnings?: string[];
  /** Packs no index lists (left by interrupted runs; prune removes them). Not a problem. */
  unreferencedPacks?: number;
  /** Packs the index lists that storage doesn't have: `cairn check --repair` takes them out of the index. */
  missingPacks?: string[];
  /** Packs read and verified (`--read-data`: all of them; `--read-data-subset`: that part). */
  packsRead?: number;
  /** Blobs the index lists whose bytes in their pack fail authentication (`--read-data` only): `cairn check --read-data --repair` takes them out of the index. */
  damagedBlobs?: { pack: string; id: string }[];
  /** Folder listings snapshots reach that no index lists (their pack and index file gone): `--repair` records them as lost, so prune works again. */
  missingTrees?: number;
}

// The JSON records stored sealed in the vault: snapshots, devices, trees, locks. Every record is
// validated when read, so a record that decrypts but is malformed fails with a clear error.

// zod/mini: the same checks as zod's classic API at a fraction of its load time (these schemas
// load in every CLI run; measured ~15 ms less start-up).
import { isUtf8 } from 'node:buffer';
import * as z from 'zod/mini';
import { newestBackups as newestOfLines } from '../../../shared/backup-lines.ts';
export { backupLine, newerOfDevice, newestInHistory, newestOfEachLine } from '../../../shared/backup-lines.ts';
import { IntegrityError } from '../../../shared/errors.ts';
import type { BlobId, DeviceId, SnapshotId } from '../../../shared/ids.ts';
import type { BackupWarning, Platform, SnapshotReason, SnapshotStats } from '../../../shared/models.ts';

const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const hex16 = z.string().check(z.regex(/^[0-9a-f]{16}$/));

const statsSchema = z.object({
  files: z.number(),
  dirs: z.number(),
  bytes: z.number(),
  newBytes: z.number(),
  uploadedBytes: z.number(),
  newFiles: z.number(),
  changedFiles: z.number(),
  unchangedFiles: z.number(),
  secretsSkipped: z.number(),
  durationMs: z.number(),
  warnings: z.optional(z.number()),
  specialSkipped: z.optional(z.number()),
  vanished: z.optional(z.number()),
});

const snapshotSchema = z.object({
  version: z.literal(1),
  id: hex64,
  device: hex16,
  deviceName: z.string(),
  hostname: z.string(),
  time: z.string(),
  tree: hex64,
  roots: z.array(z.object({ label: z.string(), agent: z.optional(z.string()), path: z.string(), tree: hex64 })),
  parent: z.optional(hex64),
  seq: z.optional(z.number()),
  reason: z.enum(['scheduled', 'manual', 'before-restore', 'sync', 'cli']),
  pinned: z.boolean(),
  stats: statsSchema,
  merges: z.optional(z.array(z.object({ path: z.string(), hashes: z.array(z.string()) }))),
  catalog: z.optional(hex64),
  keptLocal: z.optional(z.array(z.object({ path: z.string(), why: z.string() }))),
  scrubbed: z.optional(z.array(z.object({ path: z.string(), why: z.string(), removed: z.array(z.string()) }))),
  warnings: z.optional(z.array(z.object({ path: z.string(), reason: z.enum(['vanished', 'unreadable', 'changed', 'session']), message: z.string() }))),
});

export interface SnapshotRoot {
  label: string;
  agent?: string;
  path: string;
  tree: BlobId;
}

export interface SnapshotRecord {
  version: 1;
  id: SnapshotId;
  device: DeviceId;
  deviceName: string;
  hostname: string;
  time: string;
  /** The root tree: one entry per root label (labels with `/` become nested folders). */
  tree: BlobId;
  roots: SnapshotRoot[];
  parent?: SnapshotId;
  /**
   * The device's count of its backups: its parent's + 1. Orders a device's snapshots whatever
   * its clock said (see newerOfDevice). Absent in snapshots written before 2026-12-07.
   */
  seq?: number;
  reason: SnapshotReason;
  pinned: boolean;
  stats: SnapshotStats;
  /**
   * Sync: for a path (`label/rel`), content hashes of other devices' versions this device has
   * seen and superseded (a conflict resolved in favour of its own version, or kept both).
   */
  merges?: { path: string; hashes: string[] }[];
  /**
   * The session catalog of what this snapshot holds: a tree blob whose files are catalog pages
   * (see ../catalog and docs/FORMAT.md). Absent in snapshots written before catalogs existed.
   */
  catalog?: BlobId;
  /** Files this device kept local because they hold credentials (path `label/rel`), and why. */
  keptLocal?: { path: string; why: string }[];
  /**
   * Files uploaded without the credentials they held, and what was taken out: a JSON file's keys
   * (dotted paths), a database's tables (names only, never values). Absent before 2026-12-07.
   */
  scrubbed?: { path: string; why: string; removed: string[] }[];
  /** Files the backup had to leave out, with the reason (the first MAX_RECORDED_WARNINGS; stats.warnings counts all). */
  warnings?: BackupWarning[];
}

/** Each device's newest backup (see shared/backup-lines.ts: its agents' line first). */
export function newestBackups(snapshots: Iterable<SnapshotRecord>): Map<DeviceId, SnapshotRecord> {
  return newestOfLines(snapshots, (s) => s.device);
}

/** The newest backup among one device's snapshots (see newestBackups). */
export function newestBackup(snapshots: Iterable<SnapshotRecord>): SnapshotRecord | undefined {
  return newestBackups(snapshots).values().next().value;
}

/** A snapshot record keeps at most this many warnings (a home full of unreadable files must not bloat it). */
export const MAX_RECORDED_WARNINGS = 200;

export function parseSnapshotRecord(raw: unknown, name: string): SnapshotRecord {
  const r = snapshotSchema.safeParse(raw);
  if (!r.success) throw new IntegrityError(`Snapshot ${name} is malformed: ${r.error.issues[0]?.message ?? 'invalid'}.`);
  return r.data as SnapshotRecord;
}

const deviceSchema = z.object({
  version: z.literal(1),
  id: hex16,
  name: z.string(),
  hostname: z.string(),
  platform: z.enum(['linux', 'darwin', 'win32']),
  agents: z.array(z.string()),
  lastSeen: z.string(),
  createdAt: z.string(),
  last: z.optional(z.object({ snapshot: hex64, seq: z.int() })),
});

export interface DeviceRecord {
  version: 1;
  id: DeviceId;
  name: string;
  hostname: string;
  platform: Platform;
  agents: string[];
  lastSeen: string;
  createdAt: string;
  /**
   * The newest backup of the machine that wrote this record, and its place in the device's history
   * (SnapshotRecord.seq). A machine whose own newest backup is behind it is not the only one
   * backing up as this device (backup.ts, SharedDeviceError).
   */
  last?: { snapshot: SnapshotId; seq: number };
}

export function parseDeviceRecord(raw: unknown, name: string): DeviceRecord {
  const r = deviceSchema.safeParse(raw);
  if (!r.success) throw new IntegrityError(`Device record ${name} is malformed: ${r.error.issues[0]?.message ?? 'invalid'}.`);
  return r.data as DeviceRecord;
}

// Trees ------------------------------------------------------------------------------------------

const treeEntrySchema = z.object({
  name: z.string(),
  type: z.enum(['file', 'dir', 'symlink']),
  mode: z.int(),
  mtimeNs: z.string().check(z.regex(/^\d+$/)),
  size: z.int().check(z.nonnegative()),
  content: z.optional(z.array(hex64)),
  subtree: z.optional(hex64),
  target: z.optional(z.string()),
  rawName: z.optional(z.string().check(z.regex(/^[A-Za-z0-9+/]+={0,2}$/))),
});

const treeSchema = z.object({ v: z.literal(1), entries: z.array(treeEntrySchema) });

export interface TreeEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  /** Modification time in nanoseconds since the epoch, as a decimal string. */
  mtimeNs: string;
  size: number;
  /** File content: blob ids in order. */
  content?: BlobId[];
  /** Directory: the tree blob id. */
  subtree?: BlobId;
  /** Symlink target. */
  target?: string;
  /**
   * The name's bytes, base64, when they are not valid UTF-8 (Linux only). `name` is then a
   * display form (each invalid byte as `\xNN`, unique in its tree) and restores write these bytes.
   */
  rawName?: string;
}

export interface Tree {
  v: 1;
  entries: TreeEntry[];
}

/** Serialises a tree canonically (sorted, fixed key order) so equal trees get equal ids. */
export function encodeTree(entries: readonly TreeEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const canon = sorted.map((e) => {
    const o: TreeEntry = { name: e.name, type: e.type, mode: e.mode, mtimeNs: e.mtimeNs, size: e.size };
    if (e.content) o.content = e.content;
    if (e.subtree) o.subtree = e.subtree;
    if (e.target !== undefined) o.target = e.target;
    if (e.rawName !== undefined) o.rawName = e.rawName;
    return o;
  });
  return Buffer.from(JSON.stringify({ v: 1, entries: canon }));
}

export function decodeTree(bytes: Uint8Array, id: string): Tree {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new IntegrityError(`Tree ${id.slice(0, 12)}… is not valid JSON.`, { cause });
  }
  const r = treeSchema.safeParse(raw);
  if (!r.success) throw new IntegrityError(`Tree ${id.slice(0, 12)}… is malformed: ${r.error.issues[0]?.message ?? 'invalid'}.`);
  return r.data as Tree;
}

// Locks ------------------------------------------------------------------------------------------

export interface LockRecord {
  version: 1;
  id: string;
  device: string;
  hostname: string;
  pid: number;
  exclusive: boolean;
  operation: string;
  createdAt: string;
  refreshedAt: string;
}

const lockSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  device: z.string(),
  hostname: z.string(),
  pid: z.number(),
  exclusive: z.boolean(),
  operation: z.string(),
  createdAt: z.string(),
  refreshedAt: z.string(),
});

export function parseLockRecord(raw: unknown, name: string): LockRecord {
  const r = lockSchema.safeParse(raw);
  if (!r.success) throw new IntegrityError(`Lock ${name} is malformed.`);
  return r.data;
}

/** The bytes of a tree entry's name: its rawName when it has one, else its name as UTF-8. */
export function nameBytes(entry: Pick<TreeEntry, 'name' | 'rawName'>): Buffer {
  return entry.rawName !== undefined ? Buffer.from(entry.rawName, 'base64') : Buffer.from(entry.name, 'utf8');
}

/**
 * The display form of a name that isn't valid UTF-8: its valid runs as they are, each other
 * byte as `\xNN`. `taken` holds the folder's other names; on a clash (a real name spelled with
 * a backslash, say) `~<hex of the bytes>` is added, so the display name is unique in its tree.
 */
export function displayName(raw: Uint8Array, taken: ReadonlySet<string>): string {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len > 0 && i + len <= bytes.length && isUtf8(bytes.subarray(i, i + len))) {
      out += bytes.subarray(i, i + len).toString('utf8');
      i += len;
    } else {
      out += `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`;
      i++;
    }
  }
  return taken.has(out) ? `${out}~${bytes.toString('hex')}` : out;
}

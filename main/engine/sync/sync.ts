// Pull: bring the other devices' latest versions of syncable files into this device's agent
// folders. Three-way per file against what this device last took from that device (the base):
//   remote unchanged since the base            -> nothing to do
//   local missing, but synced before           -> deleted here on purpose: not pulled back
//   local missing, never synced                -> take remote
//   local unchanged since the base (or equal)  -> take remote
//   append-only file, one a prefix of the other-> take the longer
//   shared log (history.jsonl)                 -> union of lines
//   otherwise                                  -> conflict: remote written beside, recorded
// Content is compared by its chunk ids (the same keyed chunker on every device), so unchanged
// local files need no reading. Writes are atomic and never replace a file that changed while
// the pull ran.

import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, utimes, writeFile, chmod } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import picomatch from 'picomatch';
import { CONFLICT_MARKS, conflictFileName, keptBothName } from '../../../shared/conflict-names.ts';
import { CairnError, NotFoundError } from '../../../shared/errors.ts';
import type { BlobId, DeviceId } from '../../../shared/ids.ts';
import type { ConflictInfo, PathMapping } from '../../../shared/models.ts';
import type { AgentBackupSource } from '../agents/index.ts';
import type { Repository } from '../repository.ts';
import { utimesSeconds } from '../file-times.ts';
import type { SnapshotRecord, TreeEntry } from '../vault/index.ts';
import { isPrefix, unionLines } from './merge.ts';
import { mapRelativePath } from './path-mapping.ts';

export type SyncAction = 'pulled' | 'fast-forward' | 'merged' | 'conflict' | 'kept-deleted' | 'skipped-busy';

export interface SyncChange {
  path: string;
  action: SyncAction;
  device: string;
}

export interface SyncResult {
  devices: number;
  changes: SyncChange[];
  conflicts: ConflictInfo[];
  /**
   * Files another device stored under a name that isn't valid UTF-8 (or in such a folder): sync
   * leaves them alone (they stay in the snapshot; a restore writes them exactly).
   */
  skipped?: { path: string; device: string; why: string }[];
}

export interface PullOptions {
  repo: Repository;
  /** This device's agent sources (with syncable / appendOnly / sharedLogs rules). */
  sources: readonly AgentBackupSource[];
  mappings?: readonly PathMapping[];
  now?: () => number;
  onChange?: (change: SyncChange) => void;
}

export const CONFLICT_MARK = CONFLICT_MARKS.pending;

/** What the state DB keeps of a conflict beyond what the UI sees. */
interface StoredConflict extends ConflictInfo {
  /** `label/rel` of the local file, the key of published merges. */
  mergePath?: string;
  /** Content hash of the other device's version. */
  theirsHash?: string;
}

export function contentHash(ids: readonly BlobId[]): string {
  return createHash('sha256').update(ids.join(',')).digest('hex');
}

/** `name.jsonl` -> `name.conflict-laptop-20261121-101500.jsonl`: the agent still sees a .jsonl. */
export function conflictName(name: string, deviceName: string, at: Date): string {
  return conflictFileName(name, deviceName, at, 'pending');
}

interface Matchers {
  syncable: (rel: string) => boolean;
  appendOnly: (rel: string) => boolean;
  sharedLog: (rel: string) => boolean;
}

function matchers(source: AgentBackupSource): Matchers {
  const m = (globs: readonly string[] | undefined) => (globs && globs.length > 0 ? picomatch([...globs], { dot: true }) : () => false);
  return { syncable: m(source.syncable), appendOnly: m(source.appendOnly), sharedLog: m(source.sharedLogs) };
}

/**
 * How a file both sides changed is merged. The adapter's own lists are the only source: a
 * `.jsonl` name proves nothing (Claude Code's Workflow runs, Gemini's subagent chats and Goose's
 * legacy sessions are JSONL files their agents rewrite whole).
 */
export function mergeRule(source: AgentBackupSource, rel: string): MergeRule {
  return ruleOf(matchers(source), rel);
}

type MergeRule = 'shared-log' | 'append-only' | 'whole-file';

function ruleOf(m: Matchers, rel: string): MergeRule {
  return m.sharedLog(rel) ? 'shared-log' : m.appendOnly(rel) ? 'append-only' : 'whole-file';
}

async function statOrUndefined(path: string) {
  return lstat(path, { bigint: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/** Writes `bytes` to `path` atomically, unless the file there changed since `expect` was taken. */
async function writeIfUnchanged(path: string, bytes: Uint8Array, entry: TreeEntry | undefined, expect: { size: bigint; mtimeNs: bigint } | undefined): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.cairn-sync-${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(tmp, bytes, { mode: entry ? entry.mode & 0o777 : 0o644 });
  try {
    if (entry) {
      await chmod(tmp, entry.mode & 0o777);
      const t = utimesSeconds(entry.mtimeNs);
      await utimes(tmp, t, t);
    }
    const now = await statOrUndefined(path);
    const changed = expect === undefined ? now !== undefined : now === undefined || now.size !== expect.size || now.mtimeNs !== expect.mtimeNs;
    if (changed) return false;
    await rename(tmp, path);
    return true;
  } finally {
    await rm(tmp, { force: true });
  }
}

export async function pull(options: PullOptions): Promise<SyncResult> {
  const { repo } = options;
  const now = options.now ?? Date.now;
  const db = repo.db;
  const reader = repo.reader();
  const result: SyncResult = { devices: 0, changes: [], conflicts: [] };
  const record = (change: SyncChange) => {
    result.changes.push(change);
    options.onChange?.(change);
  };
  await repo.refreshIndex();

  // The newest snapshot of every other device.
  const latest = new Map<DeviceId, SnapshotRecord>();
  for (const s of await repo.listSnapshots()) {
    if (s.device === repo.device.id) continue;
    const prev = latest.get(s.device);
    if (!prev || prev.time < s.time) latest.set(s.device, s);
  }
  result.devices = latest.size;
  const localByLabel = new Map(options.sources.map((s) => [s.label, s]));

  for (const snap of [...latest.values()].sort((a, b) => a.time.localeCompare(b.time))) {
    for (const root of snap.roots) {
      const local = localByLabel.get(root.label);
      if (!local || !local.syncable || local.syncable.length === 0) continue;
      const m = matchers(local);
      const rootEntry = await reader.resolve(snap, root.label).catch(() => undefined);
      if (!rootEntry || rootEntry.entry.type !== 'dir') continue;
      const rawDirs: string[] = [];
      for await (const item of reader.walk({ path: '', entry: rootEntry.entry })) {
        if (item.entry.rawName !== undefined || rawDirs.some((d) => item.path.startsWith(`${d}/`))) {
          if (item.entry.type === 'dir') rawDirs.push(item.path);
          else if (item.entry.type === 'file' && m.syncable(item.path)) {
            (result.skipped ??= []).push({ path: `${root.label}/${item.path}`, device: snap.deviceName, why: 'its name (or a folder\'s on the way) is not valid UTF-8; sync leaves it alone, restore writes it exactly' });
          }
          continue;
        }
        if (item.entry.type !== 'file' || !item.path) continue;
        if (!m.syncable(item.path) || basename(item.path).includes(CONFLICT_MARK)) continue;
        await syncFile(item.path, item.entry);
      }

      async function syncFile(remoteRel: string, entry: TreeEntry): Promise<void> {
        const localSource = local as AgentBackupSource;
        const rel = mapRelativePath(remoteRel, options.mappings ?? []);
        const path = join(localSource.path, ...rel.split('/'));
        const remoteIds = entry.content ?? [];
        const remoteHash = contentHash(remoteIds);
        const base = db.getSyncBase(path, snap.device);
        const at = new Date(now()).toISOString();
        const setBase = () => db.setSyncBase(path, snap.device, remoteHash, entry.size, at);
        if (base && base.hash === remoteHash) return; // nothing new from that device
        /** Writes the other device's version in place, unless the file changed meanwhile. */
        const takeTheirs = async (expect: { size: bigint; mtimeNs: bigint } | undefined) => {
          if (await writeIfUnchanged(path, await reader.readFile(entry), entry, expect)) {
            setBase();
            record({ path, action: 'pulled', device: snap.deviceName });
          } else record({ path, action: 'skipped-busy', device: snap.deviceName });
        };

        const st = await statOrUndefined(path);
        if (!st) {
          if (db.hasAnySyncBase(path)) {
            setBase();
            record({ path, action: 'kept-deleted', device: snap.deviceName });
            return;
          }
          await takeTheirs(undefined);
          return;
        }
        const expect = { size: st.size, mtimeNs: st.mtimeNs };
        // The backup that ran just before recorded this file's chunk ids, if it is unchanged since.
        const cached = db.getFile(localSource.label, rel);
        const cacheValid = cached && cached.size === Number(st.size) && cached.mtimeNs === st.mtimeNs.toString();
        const localHash = cacheValid ? contentHash(cached.content) : undefined;
        if (localHash === remoteHash) {
          setBase();
          return;
        }
        if (base && localHash !== undefined && localHash === base.hash) {
          // Only the other device changed it since we last synced: take theirs.
          await takeTheirs(expect);
          return;
        }
        // The other device saw our version and kept its own (a resolved conflict): take theirs.
        const superseded = snap.merges?.find((x) => x.path === `${root.label}/${remoteRel}`)?.hashes ?? [];
        if (localHash !== undefined && superseded.includes(localHash)) {
          await takeTheirs(expect);
          return;
        }
        const [mine, theirs] = [await readFile(path), await reader.readFile(entry)];
        const rule = ruleOf(m, rel);
        if (rule === 'shared-log') {
          const merged = Buffer.from(unionLines(mine.toString('utf8'), Buffer.from(theirs).toString('utf8')));
          if (merged.equals(mine) || (await writeIfUnchanged(path, merged, undefined, expect))) {
            setBase();
            if (!merged.equals(mine)) record({ path, action: 'merged', device: snap.deviceName });
          } else record({ path, action: 'skipped-busy', device: snap.deviceName });
          return;
        }
        if (rule === 'append-only') {
          if (isPrefix(mine, theirs)) {
            if (mine.length === theirs.length || (await writeIfUnchanged(path, theirs, entry, expect))) {
              setBase();
              if (mine.length !== theirs.length) record({ path, action: 'fast-forward', device: snap.deviceName });
            } else record({ path, action: 'skipped-busy', device: snap.deviceName });
            return;
          }
          if (isPrefix(theirs, mine)) {
            setBase(); // ours is the longer: our next backup carries it to them
            return;
          }
        }
        if (Buffer.from(theirs).equals(mine)) {
          setBase();
          return;
        }
        // Both changed: keep ours in place, write theirs beside it, and record the conflict.
        const detected = new Date(now());
        const theirsPath = join(dirname(path), conflictName(basename(path), snap.deviceName, detected));
        if (!(await writeIfUnchanged(theirsPath, theirs, entry, undefined))) return;
        setBase();
        const conflict: ConflictInfo = {
          id: createHash('sha256').update(`${path}\0${snap.device}\0${remoteHash}`).digest('hex').slice(0, 16),
          ...(localSource.agent ? { agent: localSource.agent } : {}),
          path,
          theirsPath,
          otherDeviceId: snap.device,
          otherDeviceName: snap.deviceName,
          detectedAt: detected.toISOString(),
          mineSize: mine.length,
          theirsSize: theirs.length,
          mineMtime: new Date(Number(st.mtimeNs / 1_000_000n)).toISOString(),
          theirsMtime: new Date(Number(BigInt(entry.mtimeNs) / 1_000_000n)).toISOString(),
          status: 'open',
        };
        const stored: StoredConflict = { ...conflict, mergePath: `${localSource.label}/${rel}`, theirsHash: remoteHash };
        db.putConflict(conflict.id, stored, 'open', conflict.detectedAt);
        result.conflicts.push(conflict);
        record({ path, action: 'conflict', device: snap.deviceName });
      }
    }
  }
  db.addHistory('sync', new Date(now()).toISOString(), { devices: result.devices, changes: result.changes.length, conflicts: result.conflicts.length });
  return result;
}

export function listConflicts(repo: Repository): ConflictInfo[] {
  return (repo.db.listConflicts() as StoredConflict[]).map(({ mergePath: _m, theirsHash: _h, ...info }) => info);
}

export interface ResolveOptions {
  repo: Repository;
  id: string;
  keep: 'mine' | 'theirs' | 'both';
  /** Takes a safety snapshot of `path` before it is replaced (keep theirs). */
  safetySnapshot: (path: string) => Promise<void>;
  now?: () => number;
}

export async function resolveConflict(options: ResolveOptions): Promise<ConflictInfo> {
  const { repo } = options;
  const conflict = repo.db.getConflict(options.id) as StoredConflict | undefined;
  if (!conflict) {
    throw new NotFoundError(`No conflict with id '${options.id}'. See 'cairn conflicts'.`);
  }
  if (conflict.status === 'resolved') return conflict;
  const theirsExists = (await statOrUndefined(conflict.theirsPath)) !== undefined;
  const at = new Date((options.now ?? Date.now)()).toISOString();
  // Keeping ours (alone or beside theirs) is published, so the other device takes ours instead
  // of finding the same conflict again.
  const publish = () => {
    if (conflict.mergePath && conflict.theirsHash) repo.db.addMerge(conflict.mergePath, conflict.theirsHash, at);
  };
  let theirsPath = conflict.theirsPath;
  if (options.keep === 'mine') {
    // Their version stays in their snapshots; only the copy beside ours goes.
    await rm(conflict.theirsPath, { force: true });
    publish();
  } else if (options.keep === 'both') {
    // Their copy becomes an ordinary file, so it syncs to every device like any other session.
    if (theirsExists) {
      theirsPath = join(dirname(conflict.theirsPath), keptBothName(conflict));
      await rename(conflict.theirsPath, theirsPath);
    }
    publish();
  } else if (options.keep === 'theirs') {
    if (!theirsExists) {
      throw new CairnError('not_found', `Their copy ${conflict.theirsPath} is gone, so it can't replace yours. Restore it from a snapshot of ${conflict.otherDeviceName} instead.`);
    }
    if (await statOrUndefined(conflict.path)) await options.safetySnapshot(conflict.path);
    await rename(conflict.theirsPath, conflict.path);
  }
  const resolved: StoredConflict = { ...conflict, theirsPath, status: 'resolved', resolution: options.keep };
  repo.db.putConflict(resolved.id, resolved, 'resolved', conflict.detectedAt);
  repo.db.addHistory('resolve', at, { id: resolved.id, keep: options.keep, path: resolved.path });
  const { mergePath: _m, theirsHash: _h, ...info } = resolved;
  return info;
}

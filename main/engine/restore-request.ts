// One restore rule for the CLI and the app. A request names a snapshot, the paths to restore,
// where they go (into a folder, or back to their place on this device) and what happens to files
// already there (refused, kept, or overwritten). `planRestore` says exactly what the restore will
// do before anything is written — which files it writes, which existing ones it keeps or
// replaces — and `executeRestore` does exactly that: when it replaces files, it first takes a
// safety snapshot of exactly those files (never a whole folder around them), under their
// original paths, so that restoring the safety snapshot to its place puts them back; a file it
// can't hold as it is (its credentials never leave this computer) is kept, not replaced. A file
// already there exactly as the snapshot holds it (restore/same-content.ts) is left alone: it is
// neither written nor replaced, and it never makes a restore refuse.

import { constants } from 'node:fs';
import { access, lstat, mkdtemp, readlink, rm } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import type { SnapshotId } from '../../shared/ids.ts';
import type { PathMapping, ProgressInfo } from '../../shared/models.ts';
import { ConfigError } from '../../shared/errors.ts';
import { ADAPTERS, copySqliteConsistent, prepareContext, withAgentRules } from './agents/index.ts';
import type { AgentContext } from './agents/index.ts';
import { compileRules, holdsSqliteCredentials, literalGlob, planUpload, rulesFor, scrubSqliteCopy } from './backup/index.ts';
import type { BackupSource, CompiledRules, ContentRule } from './backup/index.ts';
import { runBackup } from './operations.ts';
import type { Repository } from './repository.ts';
import { ContentComparisons, damagedFilesError, deniedFilesError, intendedName, restore, restoreNamer } from './restore/index.ts';
import type { MapName, NameFolding, RestoreResult, StoredForm } from './restore/index.ts';
import { backupTempPrefix } from './state/index.ts';
import { restoreSteps, rootOf } from './restore-steps.ts';
import type { RestoreDestination, RestoreStep, SelectedPath, StepsInput } from './restore-steps.ts';
import { nameBytes } from './vault/index.ts';
import type { SnapshotRecord, TreeEntry } from './vault/index.ts';
import { mapLimit } from './concurrency.ts';
import { mapRelativePath } from './sync/index.ts';
import { cancelCheck } from './progress-reporter.ts';
import { heldOpenError, openersOf } from './open-files.ts';

export type { RestoreDestination, RestoreStep } from './restore-steps.ts';

/** Label prefix of a safety snapshot's roots: `safety/<label of the folder its files are in>`. */
export const SAFETY_PREFIX = 'safety/';

/** What happens to a file that already exists where the restore would write it. */
export type ExistingFiles = 'refuse' | 'keep' | 'overwrite';

export interface RestoreRequest {
  snapshot: SnapshotRecord;
  /** Paths in the snapshot (see TreeReader.resolve); all of it when empty. */
  paths: readonly string[];
  destination: RestoreDestination;
  existing: ExistingFiles;
  /** Path rules applied when another device's snapshot is restored to its place here. */
  mappings?: readonly PathMapping[];
  /** This device's folder for a snapshot root label (another device's snapshot restored in place). */
  localRoot?: (label: string) => Promise<string | undefined>;
  /** How the file system written to compares names (tests); found by probing it when names could clash (restoreNamer). */
  nameFolding?: NameFolding;
}

export interface RestorePlan {
  steps: RestoreStep[];
  /** Files (and symlinks) the selection holds, and their bytes. */
  files: number;
  bytes: number;
  /** Absolute paths of files that already exist where the restore writes and differ from the snapshot's, in the order found. */
  existing: string[];
  /** The bytes of the path on the disk of each of `existing` whose name isn't UTF-8 (shown escaped there). */
  existingRaw: ReadonlyMap<string, Buffer>;
  /** Files already there exactly as the snapshot holds them (content and permissions): left as they are. */
  unchanged: string[];
  /** What the restore writes: `files` and `bytes` less what is unchanged (and, keeping, what exists). */
  write: { files: number; bytes: number };
  /** What happens to them: refused (the restore stops before writing), kept or overwritten. */
  existingAction: ExistingFiles;
  /** True when a safety snapshot of `existing` is taken first (they are overwritten). */
  safetySnapshot: boolean;
  /**
   * Of `existing`, when overwriting: the files a safety snapshot could not hold as they are (their
   * credentials never leave this computer, or Cairn may not read them), so they are kept, not
   * replaced. Known when the plan is given the machine's agents (PlanOptions.ctx).
   */
  heldBack: string[];
  /** Files it writes that the snapshot holds without the credentials they had (SnapshotRecord.scrubbed). */
  withoutCredentials: WithoutCredentials[];
  /** Files and folders written under another name than the snapshot's (restoreNamer: a name this computer can't hold beside another, or at all). */
  renamed: { path: string; dest: string }[];
}

/** A file a restore writes as the snapshot holds it: without the credentials removed before upload. */
export interface WithoutCredentials {
  /** Where it is written. */
  dest: string;
  /** Its path in the snapshot. */
  path: string;
  why: string;
  /** What is missing from it: keys (dotted paths) or a database's tables. */
  removed: string[];
}

export interface ExecutedRestore {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  /** Existing files left as they were. */
  kept: number;
  /** Existing files replaced (each held by the safety snapshot). */
  overwritten: number;
  /**
   * Existing files the plan would replace but the safety snapshot doesn't hold as they are: their
   * credentials never leave this computer (scrubbed or kept local), so replacing them would lose
   * those for good. They are kept (and counted in `kept`).
   */
  heldBack: string[];
  /** Existing files that already were as in the snapshot, left as they are. */
  unchanged: number;
  /** Files written without the credentials they had when backed up (RestorePlan.withoutCredentials, less what was kept). */
  withoutCredentials: WithoutCredentials[];
  /** Entries written under another name than the snapshot's (RestoreResult.renamed): their path in the snapshot, and where they are. */
  renamed: { path: string; dest: string }[];
  safetySnapshotId?: SnapshotId;
  /** Per folder restored into (one per step): what landed where. */
  places: { label: string; target: string; files: number; bytes: number }[];
}

const toPosix = (p: string) => p.split(sep).join('/');

/**
 * The facts the steps are decided on, read from the snapshot (and, for another device's snapshot,
 * where this device keeps its roots): each selected path resolved, a selected root's children.
 * Reading stops at a path outside every root: restoreSteps refuses it.
 */
async function readSelection(repo: Repository, request: RestoreRequest): Promise<Pick<StepsInput, 'selected' | 'localRoots'>> {
  const snap = request.snapshot;
  const selected: SelectedPath[] = [];
  const localRoots = new Map<string, string | undefined>();
  if (request.destination.kind === 'folder') return { selected, localRoots };
  const reader = repo.reader();
  for (const requested of request.paths.length > 0 ? request.paths : snap.roots.map((x) => x.label)) {
    const resolved = await reader.resolve(snap, requested);
    const root = rootOf(snap.roots, resolved.path);
    if (!root) {
      selected.push({ requested, path: resolved.path });
      break;
    }
    if (!localRoots.has(root.label)) localRoots.set(root.label, await request.localRoot?.(root.label));
    // A root itself (nothing after its label) is restored as the entries in it.
    const children = !resolved.path.slice(root.label.length + 1) ? (await reader.list(resolved.entry)).map((c) => `${resolved.path}/${c.name}`) : undefined;
    selected.push({ requested, path: resolved.path, ...(children ? { children } : {}) });
  }
  return { selected, localRoots };
}

async function steps(repo: Repository, request: RestoreRequest): Promise<RestoreStep[]> {
  const snap = request.snapshot;
  const facts = await readSelection(repo, request);
  return restoreSteps({ destination: request.destination, paths: request.paths, roots: snap.roots, own: madeHere(repo, snap), mappings: request.mappings ?? [], ...facts });
}

/**
 * Whether this machine made the snapshot, so that its paths are this machine's: this device's, and
 * its host. A machine that took over a device (\`cairn devices adopt\`, the app's "This computer
 * replaces…") restores that device's snapshots, made on the machine it replaces: before, they
 * counted as its own and \`restore --snapshot latest --original\` — the command adopt prints —
 * wrote into the other machine's paths (measured: a new home's restore wrote 2 files into the old
 * home's agent folders, and none into its own).
 */
function madeHere(repo: Repository, snap: SnapshotRecord): boolean {
  return snap.device === repo.device.id && snap.hostname === osHostname();
}

/** Existing files compared with snapshot entries, per open vault (see ContentComparisons). */
const COMPARISONS = new WeakMap<Repository, ContentComparisons>();

export interface PlanOptions {
  onProgress?: (p: ProgressInfo) => void;
  signal?: AbortSignal;
  /** The caller listed the index just now (alongside finding the snapshot). */
  indexRefreshed?: boolean;
  /** The machine's agents: their credential rules say which existing files a safety snapshot can't hold (RestorePlan.heldBack). */
  ctx?: AgentContext;
}

/**
 * Another device's snapshot restored to its places: its names that hold its paths (Claude Code's
 * `-home-alice-app`) become this machine's by the path mappings, as a sync pulls them. Before,
 * only a path selected inside a backed-up folder was mapped: a whole snapshot restored in place
 * (a new machine with another user name) put the sessions where the agent doesn't look.
 */
function mapNameOf(repo: Repository, request: RestoreRequest): MapName | undefined {
  const mappings = request.mappings ?? [];
  if (request.destination.kind !== 'original' || madeHere(repo, request.snapshot) || mappings.length === 0) return undefined;
  return (name) => mapRelativePath(name, mappings);
}

/** What the restore will do, read from the snapshot and the disk; writes nothing. Comparing existing files reports phase `comparing`. */
export async function planRestore(repo: Repository, request: RestoreRequest, options: PlanOptions = {}): Promise<RestorePlan> {
  // The restore's worker threads load while the plan is made: a one-file restore otherwise waits
  // for them at its first write (~160 ms of 0.43 s over a store 50 ms away).
  repo.codec.warm?.();
  if (!options.indexRefreshed) await repo.refreshIndex();
  const reader = repo.reader();
  const planned = await steps(repo, request);
  let files = 0;
  let bytes = 0;
  const found: { path: string; dest: string; disk: string | Buffer; entry: TreeEntry }[] = [];
  const scrubbed = new Map((request.snapshot.scrubbed ?? []).map((s) => [s.path, s]));
  // Where the snapshot has a folder and the disk has something else (a file, a link).
  const inTheWay: { dest: string; link?: string }[] = [];
  const credentialless: WithoutCredentials[] = [];
  const renamed: RestorePlan['renamed'] = [];
  const mapName = mapNameOf(repo, request);
  for (const step of planned) {
    const selections = step.paths.length > 0
      ? await Promise.all(step.paths.map((p) => reader.resolve(request.snapshot, p)))
      : [{ path: '', entry: reader.rootEntry(request.snapshot) }];
    const nameIn = restoreNamer(step.target, process.platform, request.nameFolding, mapName);
    for (const selection of selections) {
      // Restore puts a selected entry in the target under its own name: paths below its parent.
      const parent = selection.path.includes('/') ? selection.path.slice(0, selection.path.lastIndexOf('/') + 1) : '';
      // Names that aren't UTF-8 are shown escaped (dest) but are on the disk as their bytes:
      // the exact path of each folder below the selection that has one in it.
      const exact = new Map<string, Buffer>();
      // Folders of the snapshot with nothing on the disk below them (missing there, or a file):
      // what they hold isn't looked for, one lstat each (a restore into a new folder makes none).
      const empty = new Set<string>();
      // Where each folder of the selection lands: the restore's own names (restoreNamer).
      const landsIn = new Map<string, string>([[parent.replace(/\/$/, ''), step.target]]);
      // A folder whose listing is damaged is left to the restore, which makes it empty and names it.
      for await (const { path, entry } of reader.walk(selection, () => undefined)) {
        const up = path.slice(0, Math.max(0, path.lastIndexOf('/')));
        const dir = landsIn.get(up) ?? step.target;
        const name = path === '' ? '' : await nameIn(dir, entry, path);
        const dest = path === '' ? step.target : join(dir, name);
        if (entry.type === 'dir') landsIn.set(path, dest);
        if (path !== '' && name !== intendedName(entry, mapName)) renamed.push({ path, dest });
        const above = exact.get(up);
        // A name given to tell it from another is written as it is (restore.ts, noteRaw).
        const disk = above || (entry.rawName !== undefined && name === entry.name) ? Buffer.concat([above ?? Buffer.from(dirname(dest)), Buffer.from('/'), name === entry.name ? nameBytes(entry) : Buffer.from(name)]) : dest;
        const st = empty.has(up) ? undefined : await lstat(disk).catch(() => undefined);
        if (entry.type === 'dir') {
          if (typeof disk !== 'string') exact.set(path, disk);
          if (st && !st.isDirectory()) inTheWay.push({ dest, ...(st.isSymbolicLink() ? { link: await readlink(disk).then(String, () => '?') } : {}) });
          // A link in its place is looked through, as lstat of what is below it does.
          if (!st || !(st.isDirectory() || st.isSymbolicLink())) empty.add(path);
          continue;
        }
        files++;
        bytes += entry.size;
        const without = scrubbed.get(path);
        if (without) credentialless.push({ dest, path, why: without.why, removed: without.removed });
        if (st && !st.isDirectory()) found.push({ path, dest, disk, entry });
      }
    }
  }
  if (inTheWay.length > 0) throw inTheWayError(inTheWay);
  // What is there already as the snapshot holds it is neither replaced nor kept: it is the same.
  const progress: ProgressInfo = { phase: 'comparing', filesDone: 0, filesTotal: found.length, bytesDone: 0, bytesTotal: found.reduce((n, f) => n + f.entry.size, 0), uploadedBytes: 0 };
  if (found.length > 0) options.onProgress?.({ ...progress });
  const checkAbort = cancelCheck(options.signal, 'The restore was cancelled before it wrote anything.');
  let comparisons = COMPARISONS.get(repo);
  if (!comparisons) COMPARISONS.set(repo, (comparisons = new ContentComparisons()));
  const databases = options.ctx ? databasesOf(planned, found.flatMap((f) => (typeof f.disk === 'string' ? [f.dest] : [])), options.ctx) : new Map<string, ContentRule[]>();
  const same = await mapLimit(found, 4, async (f) => {
    checkAbort();
    const content = databases.get(f.dest);
    const held = await comparisons.holds(repo.codec, `${request.snapshot.id}\0${f.path}\0${f.dest}`, f.disk, f.entry, content && storedDatabase(repo, f.dest, content));
    progress.filesDone++;
    progress.bytesDone += f.entry.size;
    options.onProgress?.({ ...progress, currentPath: f.dest });
    return held;
  });
  const existing = found.filter((_, i) => !same[i]).map((f) => f.dest);
  const existingRaw = new Map(found.flatMap((f, i) => (!same[i] && typeof f.disk !== 'string' ? [[f.dest, f.disk] as const] : [])));
  const unchanged = found.filter((_, i) => same[i]).map((f) => f.dest);
  const heldBack = request.existing === 'overwrite' && options.ctx ? await heldBackOf(planned, existing, existingRaw, options.ctx) : [];
  const held = new Set(heldBack);
  const unwritten = found.filter((f, i) => same[i] || request.existing === 'keep' || held.has(f.dest));
  const write = { files: files - unwritten.length, bytes: bytes - unwritten.reduce((n, f) => n + f.entry.size, 0) };
  // What is not written (the same already, or kept) keeps whatever it holds now.
  const notWritten = new Set(unwritten.map((f) => f.dest));
  const withoutCredentials = credentialless.filter((c) => !notWritten.has(c.dest));
  const safetySnapshot = request.existing === 'overwrite' && existing.length > heldBack.length;
  return { steps: planned, files, bytes, existing, existingRaw, unchanged, write, existingAction: request.existing, safetySnapshot, heldBack, withoutCredentials, renamed };
}

/**
 * A file or link where the snapshot has a folder: nothing can be restored into it, so nothing is
 * restored (said before any folder is made; restore's mkdirInside refused it half-way through,
 * worded as an unsafe name in the snapshot).
 */
function inTheWayError(found: readonly { dest: string; link?: string }[]): ConfigError {
  const one = found.length === 1;
  const shown = found.slice(0, 3).map((f) => (f.link !== undefined ? `${f.dest} (a link to ${f.link})` : f.dest));
  const links = found.some((f) => f.link !== undefined) ? ' Cairn never restores through a link inside the folders it restores into.' : '';
  return new ConfigError(`Nothing was restored: ${shown.join(', ')}${found.length > 3 ? `, and ${found.length - 3} more` : ''} ${one ? 'is' : 'are'} in the way, where the snapshot has ${one ? 'a folder' : 'folders'}.${links} Move or rename ${one ? 'it' : 'them'}, or restore into another folder.`);
}

/** The step whose folder holds `dest`, and the file's path in it. */
function placeOf(steps: readonly RestoreStep[], dest: string): { step: RestoreStep; rel: string } | undefined {
  const step = steps.find((s) => dest === s.base.path || dest.startsWith(`${s.base.path}${sep}`));
  return step && { step, rel: toPosix(relative(step.base.path, dest)) };
}

/**
 * The rules a backup of `dests` applies to each (the agents' rules of its step's folder, as the
 * safety snapshot's backup has them), with its path in that folder.
 */
function backupRulesAt(steps: readonly RestoreStep[], dests: readonly string[], ctx: AgentContext): (dest: string) => { rel: string; source: BackupSource; rules: CompiledRules } | undefined {
  const sources = new Map(withAgentRules(safetySources(steps, dests), ctx).map((s) => [s.label, { source: s, rules: compileRules(s) }]));
  return (dest) => {
    const place = placeOf(steps, dest);
    const found = place && sources.get(`${SAFETY_PREFIX}${place.step.base.label}`);
    return place && found && { rel: place.rel, ...found };
  };
}

/**
 * Of the files an overwriting restore would replace, those a safety snapshot could not hold as
 * they are, decided as the safety snapshot's backup will: a credential file (or one in a
 * credential folder) stays local; a database with credential rules is stored cleaned of them; a
 * file with credential rules is stored without the keys it holds (or stays local); a file Cairn
 * may not read is not stored. Such files are kept, never replaced.
 */
async function heldBackOf(steps: readonly RestoreStep[], existing: readonly string[], raw: ReadonlyMap<string, Buffer>, ctx: AgentContext): Promise<string[]> {
  const at = backupRulesAt(steps, existing, ctx);
  const out: string[] = [];
  for (const dest of existing) {
    const found = at(dest);
    if (!found) continue;
    const { rel, source, rules } = found;
    const dirs = rel.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    const content = rulesFor(source.contentRules, rel);
    const readable = await access(raw.get(dest) ?? dest, constants.R_OK).then(() => true, () => false);
    const notStored = rules.classify(rel) !== 'included' || dirs.some((d) => rules.skipDir(d) === 'secret' || rules.skipDir(d) === 'excluded');
    if (!readable || notStored || !(await storedAsIs(dest, rel, content, rules.isSqlite(rel), raw.has(dest)))) out.push(dest);
  }
  return out;
}

/**
 * Of `dests` (existing files a restore would write), the agents' databases, with the credential
 * rules a backup applies to each: they are compared as the backup stores them (StoredForm).
 */
function databasesOf(steps: readonly RestoreStep[], dests: readonly string[], ctx: AgentContext): Map<string, ContentRule[]> {
  const at = backupRulesAt(steps, dests, ctx);
  const out = new Map<string, ContentRule[]>();
  for (const dest of dests) {
    const found = at(dest);
    if (found?.rules.isSqlite(found.rel)) out.set(dest, rulesFor(found.source.contentRules, found.rel));
  }
  return out;
}

/** The database at `dest` as a backup stores it: SQLite's consistent copy, its credential rows removed (file-saver.ts). */
function storedDatabase(repo: Repository, dest: string, content: readonly ContentRule[]): StoredForm {
  return async () => {
    const dir = await mkdtemp(join(repo.tmpDir, backupTempPrefix()));
    const dispose = () => rm(dir, { recursive: true, force: true });
    const copy = join(dir, 'database.sqlite');
    try {
      await copySqliteConsistent(dest, copy);
      if (content.length > 0) await scrubSqliteCopy(copy, content);
      return { path: copy, dispose };
    } catch {
      // Locked, damaged, not a database: not known to match.
      await dispose();
      return undefined;
    }
  };
}

/** Whether a backup stores the file as it is, its credential rules (`content`) applied. */
async function storedAsIs(dest: string, rel: string, content: readonly ContentRule[], sqlite: boolean, rawName: boolean): Promise<boolean> {
  if (content.length === 0) return true;
  // Read by a text path (SQLite, the scrubbers): under a name that isn't UTF-8 it stays local.
  if (rawName) return false;
  // A database is stored as a copy cleaned of its credential rows: as it is when it has none.
  if (sqlite) return !holdsSqliteCredentials(dest, content);
  const upload = await planUpload(dest, rel, content).catch(() => undefined);
  return upload?.action === 'bytes' && upload.redacted === 0;
}

/** Backup sources holding exactly `paths` (absolute), each under `safety/<label>` of its step's folder. */
export function safetySources(steps: readonly RestoreStep[], paths: readonly string[]): BackupSource[] {
  const byBase = new Map<string, { label: string; path: string; include: string[] }>();
  for (const dest of paths) {
    const place = placeOf(steps, dest);
    // A file outside every step's folder can't happen (dest = step.target/…, target inside base).
    if (!place) throw new ConfigError(`'${dest}' is outside the folders being restored. This is a bug in Cairn.`);
    const { step, rel } = place;
    let source = byBase.get(step.base.path);
    if (!source) byBase.set(step.base.path, (source = { label: `${SAFETY_PREFIX}${step.base.label}`, path: step.base.path, include: [] }));
    source.include.push(literalGlob(rel));
  }
  return [...byBase.values()];
}

/**
 * The files of `plan.existing` that the safety snapshot `id` (of `sources`) doesn't hold as they
 * are on the disk now. A database is held as SQLite's consistent copy, never as its bytes: held
 * when the snapshot has it and no credential rule cleaned it.
 */
async function notHeldBySafety(repo: Repository, plan: RestorePlan, replacing: readonly string[], id: SnapshotId | undefined, sources: readonly BackupSource[]): Promise<string[]> {
  if (!id) return [...replacing];
  const snap = await repo.findSnapshot(id);
  const reader = repo.reader();
  let comparisons = COMPARISONS.get(repo);
  if (!comparisons) COMPARISONS.set(repo, (comparisons = new ContentComparisons()));
  // Each safety source's rules, compiled once (they say which files are databases).
  const rules = new Map(sources.map((s) => [s.label, compileRules(s)]));
  const out: string[] = [];
  for (const dest of replacing) {
    const place = placeOf(plan.steps, dest);
    const label = place && `${SAFETY_PREFIX}${place.step.base.label}`;
    const rel = place?.rel ?? '';
    const path = label && `${label}/${rel}`;
    const entry = path ? await reader.resolve(snap, path).then((r) => r.entry, () => undefined) : undefined;
    const source = label ? sources.find((s) => s.label === label) : undefined;
    // Held unless the copy had rows removed (the snapshot lists what it stored without credentials).
    const database = entry?.type === 'file' && source !== undefined && rules.get(source.label)?.isSqlite(rel) === true && !(snap.scrubbed ?? []).some((s) => s.path === path);
    const held = database || entry?.type === 'symlink' || (entry?.type === 'file' && (await comparisons.holds(repo.codec, `${id}\0${path}\0${dest}`, plan.existingRaw.get(dest) ?? dest, entry)));
    if (!held) out.push(dest);
  }
  return out;
}

/** Says which files an overwriting restore kept (ExecutedRestore.heldBack), and why. */
export function heldBackNote(paths: readonly string[], future = false): string {
  const files = `${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', …' : ''}`;
  const why = '(credentials never leave this computer, and a file Cairn may not read can\'t be kept), so replacing them could lose them';
  return future
    ? `${paths.length} file(s) will be kept as they are, not replaced: a safety snapshot could not hold them as they are ${why} (${files}).`
    : `Kept ${paths.length} file(s) as they are: the safety snapshot could not hold them as they are ${why} (${files}).`;
}

/** Says which restored files came back without the credentials removed before upload, and what to do. */
export function withoutCredentialsNote(files: readonly WithoutCredentials[]): string {
  const shown = files.slice(0, 5).map((f) => `${f.dest} (${f.removed.join(', ')})`);
  return `${files.length === 1 ? '1 file was' : `${files.length} files were`} restored without the credentials removed from ${files.length === 1 ? 'it' : 'them'} before upload, which never leave the computer they were on: ${shown.join('; ')}${files.length > 5 ? '; …' : ''}. Set them again (sign in, or add the keys) where the agent expects them.`;
}

/** Says which restored files and folders have another name than in the snapshot, and why. */
export function renamedNote(renamed: readonly { path: string; dest: string }[]): string {
  const shown = renamed.slice(0, 5).map((r) => `${r.path} as ${r.dest}`);
  return `${renamed.length === 1 ? '1 file or folder was' : `${renamed.length} files or folders were`} restored under another name, so that nothing is written over another file: this computer's file system can't hold the snapshot's names as they are (names that differ only in case or Unicode form are one name to it, or Windows refuses a character): ${shown.join('; ')}${renamed.length > 5 ? '; …' : ''}.`;
}

/** Does what `plan` says: the safety snapshot first when files are overwritten, then the restore. */
export interface ExecuteOptions {
  /** The machine's agents: their credential rules apply to the safety snapshot too. */
  ctx: AgentContext;
  onProgress?: (p: ProgressInfo) => void;
  signal?: AbortSignal;
}

export async function executeRestore(repo: Repository, request: RestoreRequest, plan: RestorePlan, options: ExecuteOptions): Promise<ExecutedRestore> {
  const out: ExecutedRestore = { files: 0, dirs: 0, symlinks: 0, bytes: 0, kept: 0, overwritten: 0, heldBack: [], unchanged: 0, withoutCredentials: [], renamed: [], places: [] };
  // The plan's view of the disk is the restore's: what it found the same is left alone, and only
  // what it found differing (held by the safety snapshot) is replaced. A file that appeared
  // since is kept as it is: nothing holds it.
  const unchanged = new Set(plan.unchanged);
  // What the plan knew it can't hold is kept from the start (and not put in the safety snapshot).
  const replace = new Set(plan.existing.filter((p) => !plan.heldBack.includes(p)));
  out.heldBack = [...plan.heldBack];
  if (plan.safetySnapshot) {
    const replacing = [...replace];
    // A file replaced under a program that holds it open (a running agent's database or
    // transcript) goes on being written by it, into the old file: what it writes next is lost.
    const open = await openersOf(replacing);
    if (open.length > 0) throw heldOpenError(open, 'Nothing was written', 'restore again');
    options.onProgress?.({ phase: 'safety snapshot', filesDone: 0, filesTotal: replacing.length, bytesDone: 0, uploadedBytes: 0 });
    const sources = withAgentRules(safetySources(plan.steps, replacing), options.ctx);
    const result = await runBackup(repo, { sources, reason: 'before-restore', force: true, signal: options.signal });
    if (result.snapshotId) out.safetySnapshotId = result.snapshotId;
    // Checked against what the safety snapshot holds, whatever the plan foresaw.
    const notHeld = await notHeldBySafety(repo, plan, replacing, result.snapshotId, sources);
    for (const path of notHeld) replace.delete(path);
    out.heldBack.push(...notHeld);
    out.overwritten = replace.size;
  }
  const damaged: string[] = [];
  const denied: RestoreResult['denied'] = { files: [], dirs: [] };
  const mapName = mapNameOf(repo, request);
  for (const step of plan.steps) {
    const res = await restore({
      vault: repo.vault.withSignal(options.signal),
      db: repo.db,
      codec: repo.codec,
      snapshot: request.snapshot,
      paths: step.paths,
      target: step.target,
      overwrite: request.existing === 'overwrite',
      keepExisting: request.existing === 'keep',
      unchanged,
      replaceOnly: replace,
      ...(request.nameFolding ? { nameFolding: request.nameFolding } : {}),
      ...(mapName ? { mapName } : {}),
      onProgress: options.onProgress,
      signal: options.signal,
    });
    out.files += res.files;
    out.dirs += res.dirs;
    out.symlinks += res.symlinks;
    out.bytes += res.bytes;
    out.kept += res.kept;
    out.unchanged += res.unchanged;
    out.places.push({ label: step.base.label, target: step.target, files: res.files, bytes: res.bytes });
    out.renamed.push(...res.renamed.map(({ path, dest }) => ({ path, dest })));
    damaged.push(...res.damaged);
    denied.files.push(...res.denied.files);
    denied.dirs.push(...res.denied.dirs);
  }
  const notWritten = new Set([...out.heldBack, ...damaged, ...denied.files]);
  out.withoutCredentials = plan.withoutCredentials.filter((c) => !notWritten.has(c.dest));
  // Files whose data is damaged in the vault were left out of every folder; the rest is in place.
  // What was kept is said with the error too: the summary that says it is not printed then.
  const held = out.heldBack.length > 0 ? heldBackNote(out.heldBack) : '';
  if (damaged.length > 0) throw damagedFilesError(damaged, out.files, out.safetySnapshotId, [denied.files.length > 0 ? deniedFilesError(denied, out.files).message : '', held].filter(Boolean).join(' '));
  // Files in folders Cairn may not write were left out; the rest is in place.
  if (denied.files.length > 0) throw deniedFilesError(denied, out.files, out.safetySnapshotId, held);
  return out;
}

/** This machine's folder for each agent root label (where another device's snapshot goes back "to its place"). */
export function agentLocalRoots(ctx: () => Promise<AgentContext>): (label: string) => Promise<string | undefined> {
  // Detected once (a walk of every agent), on first need.
  let roots: Promise<Map<string, string>> | undefined;
  return async (label) => {
    // Every agent's folder on this machine, there yet or not: on a new machine an agent that hasn't
    // run yet has none, and the other machine's path is not this one's (a restore in place wrote
    // into /home/alice/.claude on a machine whose home is /Users/bob).
    roots ??= ctx().then(async (c) => {
      const prepared = await prepareContext(c);
      return new Map(ADAPTERS.flatMap((a) => a.roots(prepared).map((r) => [r.label, r.path] as const)));
    });
    return (await roots).get(label);
  };
}

/** Plans and runs a restore: the one entry point of the CLI and the app. */
export async function restoreSnapshot(repo: Repository, request: RestoreRequest, options: ExecuteOptions): Promise<ExecutedRestore & { plan: RestorePlan }> {
  const plan = await planRestore(repo, request, options);
  return { ...(await executeRestore(repo, request, plan, options)), plan };
}

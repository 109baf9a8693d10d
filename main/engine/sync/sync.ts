// Pull: bring the other devices' latest versions of syncable files into this device's agent
// folders. Three-way per file against what this device last took from that device (the base);
// the rules are the pure `decideSync` (decide.ts, with its table of tests): this file gathers
// the facts it asks for and carries out its decisions.
// Content is compared by its chunk ids (the same keyed chunker on every device), so unchanged
// local files need no reading. Writes are atomic and never replace a file that changed while
// the pull ran.

import { createHash, randomBytes } from 'node:crypto';
import { lstat, readdir, readFile, rename, rm, stat, utimes, writeFile, chmod } from 'node:fs/promises';
import { danglingLinkTarget } from '../local-folder.ts';
import { basename, dirname, join } from 'node:path';
import { heldOpenError, openByOthers, openersOf } from '../open-files.ts';
import picomatch from 'picomatch';
import { CONFLICT_MARKS, conflictFileName, keptBothName } from '../../../shared/conflict-names.ts';
import { CairnError, IntegrityError, isCairnTemp, NotFoundError } from '../../../shared/errors.ts';
import type { BlobId, DeviceId, SnapshotId } from '../../../shared/ids.ts';
import type { ConflictInfo, PathMapping } from '../../../shared/models.ts';
import type { AgentBackupSource } from '../agents/index.ts';
import type { Repository } from '../repository.ts';
import { utimesSeconds } from '../file-times.ts';
import { newestBackups } from '../vault/index.ts';
import type { SnapshotRecord, TreeEntry } from '../vault/index.ts';
import { bytesTail, readFileTail, type FileTail } from './conflict-file.ts';
import { decideSync } from './decide.ts';
import type { MergeRule, SyncDecision, SyncFacts } from './decide.ts';
import { mapRelativePath } from './path-mapping.ts';
import { makeDirs } from '../make-dirs.ts';
import { NameClashes, probeNameFolding, restoredName, type NameFolding } from '../restore/index.ts';
import { dropReplacedLogs, hasPendingLog } from '../sqlite-logs.ts';
import { tempFileEnded, tempFileStarted } from '../temp-files.ts';

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
  /**
   * Where another device's project-named folders of a root go here (Gemini CLI's `tmp/<id>`,
   * Cursor's `chats/<hash>` and `projects/<slug>`): given by the catalog above this layer.
   * Applied before `mappings`' Claude Code folder names.
   */
  folders?: (snap: SnapshotRecord, label: string, localRoot: string) => Promise<(rel: string) => string>;
  now?: () => number;
  onChange?: (change: SyncChange) => void;
  /** How the file system here compares names (tests); by default probed where a clash is possible. */
  nameFolding?: NameFolding;
  /** The platform whose names apply here (tests; default process.platform): Windows refuses some. */
  platform?: NodeJS.Platform;
}

export const CONFLICT_MARK = CONFLICT_MARKS.pending;

/** What the state DB keeps of a conflict beyond what the UI sees. */
interface StoredConflict extends ConflictInfo {
  /** `label/rel` of the local file, the key of published merges. */
  mergePath?: string;
  /** Content hash of the other device's version. */
  theirsHash?: string;
  /** Where their version is in the vault: a copy beside ours deleted meanwhile is read from there. */
  theirsAt?: { device: string; snapshot: string; path: string };
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

function ruleOf(m: Matchers, rel: string): MergeRule {
  return m.sharedLog(rel) ? 'shared-log' : m.appendOnly(rel) ? 'append-only' : 'whole-file';
}

async function statOrUndefined(path: string) {
  return lstat(path, { bigint: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/** A pull's temporary file (writeIfUnchanged): `.NAME.cairn-sync-<8 hex>.tmp`. */
const SYNC_TMP = /^\..+\.cairn-sync-[0-9a-f]{8}\.tmp$/;
/** A temporary file older than this was left by a pull that was killed (a write takes seconds at most). */
const LEFTOVER_AGE_MS = 10 * 60_000;

/**
 * Removes the temporary files a killed pull left in `dir` (they are never backed up, but stay in
 * the agent's folder, as large as the files they were for). Young ones are left: another
 * process's pull may be writing them.
 */
async function sweepLeftovers(dir: string, now: number): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!SYNC_TMP.test(name)) continue;
    const st = await lstat(join(dir, name)).catch(() => undefined);
    if (st?.isFile() && now - st.mtimeMs > LEFTOVER_AGE_MS) await rm(join(dir, name), { force: true });
  }
}

/** A pull's temporary file for `path`, beside it (SYNC_TMP: swept when left behind; removed when the run is interrupted). */
function syncTemp(path: string): string {
  const tmp = join(dirname(path), `.${basename(path)}.cairn-sync-${randomBytes(4).toString('hex')}.tmp`);
  tempFileStarted(tmp);
  return tmp;
}

/** The temporary file is gone (renamed into place, or removed). */
async function dropTemp(tmp: string): Promise<void> {
  await rm(tmp, { force: true });
  tempFileEnded(tmp);
}

/** The temporary file's bytes, and with their entry its exact mode (not reduced by the umask) and time. */
async function fillTemp(tmp: string, bytes: Uint8Array | AsyncIterable<Uint8Array>, entry: TreeEntry | undefined): Promise<void> {
  await writeFile(tmp, bytes, { mode: entry ? entry.mode & 0o777 : 0o644 });
  if (!entry) return;
  await chmod(tmp, entry.mode & 0o777);
  const t = utimesSeconds(entry.mtimeNs);
  await utimes(tmp, t, t);
}

/** Writes `bytes` to `path` atomically, unless the file there changed since `expect` was taken. */
async function writeIfUnchanged(ctx: PullContext, path: string, bytes: Uint8Array | AsyncIterable<Uint8Array>, entry: TreeEntry | undefined, expect: { size: bigint; mtimeNs: bigint } | undefined): Promise<boolean> {
  await makeDirs(dirname(path));
  if (!ctx.swept.has(dirname(path))) {
    ctx.swept.add(dirname(path));
    await sweepLeftovers(dirname(path), Date.now()); // file times are the real clock's
  }
  const tmp = syncTemp(path);
  try {
    // Inside the try: a write the disk can't hold leaves part of the file behind, removed below.
    await fillTemp(tmp, bytes, entry);
    const now = await statOrUndefined(path);
    const changed = expect === undefined ? now !== undefined : now === undefined || now.size !== expect.size || now.mtimeNs !== expect.mtimeNs;
    // A database with a log beside it has changes its file doesn't show, and may be in use; a
    // file a running program holds open would go on being written by it, in the old file, lost:
    // both are left as they are (the pull says "busy"; a later one decides again).
    if (changed || (now !== undefined && ((await hasPendingLog(path)) || (await ctx.heldOpen(path))))) return false;
    await rename(tmp, path);
    await dropReplacedLogs(path);
    return true;
  } finally {
    await dropTemp(tmp);
  }
}

interface PullContext {
  repo: Repository;
  options: PullOptions;
  reader: ReturnType<Repository['reader']>;
  now: () => number;
  result: SyncResult;
  record: (change: SyncChange) => void;
  /** Folders this pull has written into, swept of earlier pulls' leftovers once each. */
  swept: Set<string>;
  /** Whether another program holds a file open (looked at once per pull, when a file is first replaced). */
  heldOpen: (path: string) => Promise<boolean>;
}

export async function pull(options: PullOptions): Promise<SyncResult> {
  const { repo } = options;
  const result: SyncResult = { devices: 0, changes: [], conflicts: [] };
  const ctx: PullContext = {
    repo,
    options,
    reader: repo.reader(),
    now: options.now ?? Date.now,
    result,
    swept: new Set(),
    heldOpen: (() => {
      let look: Promise<(path: string) => Promise<boolean>> | undefined;
      return async (path: string) => (await (look ??= openByOthers()))(path);
    })(),
    record: (change) => {
      result.changes.push(change);
      options.onChange?.(change);
    },
  };
  await repo.refreshIndex();

  // The newest backup of every other device (a safety snapshot holds only what a restore replaced).
  const latest = newestBackups((await repo.listSnapshots()).filter((s) => s.device !== repo.device.id));
  result.devices = latest.size;
  const localByLabel = new Map(options.sources.map((s) => [s.label, s]));
  for (const snap of [...latest.values()].sort((a, b) => a.time.localeCompare(b.time))) {
    for (const root of snap.roots) {
      const local = localByLabel.get(root.label);
      if (!local?.syncable || local.syncable.length === 0) continue;
      // A damaged folder listing of theirs: that root is left alone, the others are pulled.
      await pullRoot(ctx, snap, root.label, local).catch((error: unknown) => damaged(ctx, snap, root.label, error));
    }
  }
  repo.db.addHistory('sync', new Date(ctx.now()).toISOString(), { devices: result.devices, changes: result.changes.length, conflicts: result.conflicts.length });
  return result;
}

/** One root of another device's snapshot into the matching local agent folder. */
async function pullRoot(ctx: PullContext, snap: SnapshotRecord, label: string, local: AgentBackupSource): Promise<void> {
  const m = matchers(local);
  const rootEntry = await ctx.reader.resolve(snap, label).catch(() => undefined);
  if (!rootEntry || rootEntry.entry.type !== 'dir') return;
  const rawDirs: string[] = [];
  const folder = (await ctx.options.folders?.(snap, label, local.path)) ?? ((rel: string) => rel);
  const root: RootContext = { snap, label, local, m, folder, clashes: new NameClashes(async () => ctx.options.nameFolding ?? (await probeNameFolding(local.path))), clashed: [] };
  for await (const item of ctx.reader.walk({ path: '', entry: rootEntry.entry })) {
    if (!item.path) continue;
    // Inside a folder of theirs left out for its name: named once, at its first file sync takes.
    const inClashed = root.clashed.find((d) => item.path.startsWith(`${d.rel}/`));
    if (inClashed) {
      if (!inClashed.named && item.entry.type === 'file' && m.syncable(item.path)) {
        inClashed.named = true;
        nameClash(ctx, root, inClashed.rel, inClashed.name, inClashed.earlier);
      }
      continue;
    }
    const rawName = item.entry.rawName !== undefined || rawDirs.some((d) => item.path.startsWith(`${d}/`));
    if (rawName && item.entry.type === 'dir') rawDirs.push(item.path);
    // A file of theirs damaged in the vault: nothing is written for it, the other files are pulled.
    await pullEntry(ctx, root, item.path, item.entry, rawName).catch((error: unknown) => damaged(ctx, snap, `${label}/${item.path}`, error));
  }
}

/**
 * Lists `path` of another device's snapshot as not pulled when what failed is an object of the
 * vault that is damaged (it fails authentication or doesn't parse), or a place here Cairn may not
 * use: one such stopped the whole pull, every sync after it. Any other failure is the pull's.
 */
async function damaged(ctx: PullContext, snap: SnapshotRecord, path: string, error: unknown): Promise<void> {
  const e = error as NodeJS.ErrnoException;
  // A place here Cairn may not use: a folder this user may not write or read (one an agent made
  // while run with sudo belongs to root), one on a read-only file system (a mount made read-only,
  // a disk that remounted itself read-only after errors), a path too long for this one
  // (another machine's longer project folder names, mapped here), a file where a folder is needed
  // or the other way round, a link to a place that is not there. That file is left out, the
  // others are pulled (each stopped the whole pull). A temporary file of the pull's own is named
  // by its folder, which is what to fix.
  const here = await placeProblem(e, snap.deviceName);
  if (here) {
    (ctx.result.skipped ??= []).push({ path, device: snap.deviceName, why: here });
    return;
  }
  // Its data missing from the vault, or on a disk that can't read it: the same, a file of theirs.
  if (!(error instanceof IntegrityError) && !(await ctx.repo.vault.lostObject(error))) throw error;
  const what = error instanceof IntegrityError ? 'damaged' : 'missing or unreadable';
  (ctx.result.skipped ??= []).push({ path, device: snap.deviceName, why: `it is ${what} in the vault (${(error as Error).message.replace(/\.$/, '')}); nothing was written for it. Check the vault reading its data ('cairn check --read-data')` });
}

/** Why a file of `device`'s could not be placed here, in words; undefined when the failure is not the place's. */
async function placeProblem(e: NodeJS.ErrnoException & { dest?: string }, device: string): Promise<string | undefined> {
  const temp = e.path !== undefined && isCairnTemp(e.path);
  const where = (temp ? dirname(e.path as string) : e.path) ?? 'its place here';
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return `Cairn was refused access to ${where} (permission denied); nothing was written for it. Fix that folder's permissions and sync again`;
    case 'EROFS':
      return `${where} is on a read-only file system; nothing was written for it. Make it writable and sync again`;
    case 'ENAMETOOLONG':
      return 'its place here is too long a path for this file system; nothing was written for it';
    case 'EISDIR':
      return `${e.dest ?? where} is a folder here, where ${device}'s snapshot has a file; nothing was written for it. Move or rename that folder and sync again`;
    case 'ENOTDIR':
    case 'EEXIST':
      return e.path === undefined ? undefined : inTheWay(where, device);
    case 'ENOENT':
      // A folder the pull made, gone when it wrote into it: a link to a place not there, most often.
      return e.path !== undefined && (temp || e.syscall === 'mkdir') ? inTheWay(where, device) : undefined;
    default:
      return undefined;
  }
}

/**
 * What stands where a folder on the way to `path` is needed: a file, a link to a file, or a link
 * to a place that is not there (a dotfiles link to a disk not mounted now); or, when nothing does,
 * a folder removed while the pull ran.
 */
async function inTheWay(path: string, device: string): Promise<string> {
  for (let at = path; ; ) {
    const st = await lstat(at).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      const dangling = await danglingLinkTarget(at);
      if (dangling !== undefined) return `${at} is a link to ${dangling}, which is not there; nothing was written for it. Make the link's target available, or remove the link, and sync again`;
      if (!(await stat(at)).isDirectory()) return `${at} is a link to a file here, where ${device}'s snapshot has a folder; nothing was written for it. Move or rename that link and sync again`;
    } else if (st && !st.isDirectory()) {
      return `${at} is a file here, where ${device}'s snapshot has a folder; nothing was written for it. Move or rename that file and sync again`;
    }
    const up = dirname(at);
    if (up === at) return `${dirname(path)} disappeared while the pull wrote into it; nothing was written for it. Sync again`;
    at = up;
  }
}

interface RootContext {
  snap: SnapshotRecord;
  label: string;
  local: AgentBackupSource;
  m: Matchers;
  /** This machine's name for a path's project-named folder. */
  folder: (rel: string) => string;
  /** The names placed here, by folder: two of theirs this file system takes for one are not both pulled. */
  clashes: NameClashes;
  /** Their folders left out for that (what is inside them is left out too), and what they clash with. */
  clashed: { rel: string; name: string; earlier: string; named: boolean }[];
}

/** Lists one of their files or folders as not pulled: its name is another's on this file system. */
function nameClash(ctx: PullContext, root: RootContext, remoteRel: string, name: string, earlier: string): void {
  const differs = earlier.normalize('NFC') === name.normalize('NFC') ? 'its Unicode form' : 'case';
  (ctx.result.skipped ??= []).push({
    path: `${root.label}/${remoteRel}`,
    device: root.snap.deviceName,
    why: `its name differs only in ${differs} from ${earlier}, which is pulled, and the file system here takes the two for one name: it would have been written into ${earlier}. Nothing was written for it; 'cairn restore' puts it into a folder of your choice under a name of its own`,
  });
}

/** Gathers the facts `decideSync` asks for, then carries out its decision. */
async function pullEntry(ctx: PullContext, root: RootContext, remoteRel: string, entry: TreeEntry, rawName: boolean): Promise<void> {
  const { snap, local, m } = root;
  const rel = mapRelativePath(root.folder(remoteRel), ctx.options.mappings ?? []);
  const path = join(local.path, ...rel.split('/'));
  // Another device's `App` and `app` (or `café` composed and decomposed) are two folders there and
  // one here, on a Mac's or Windows' disk: the second's files would land in the first, its files
  // of the same name taken for conflicting edits and the next backup carrying the mix back. Only
  // the first is pulled; the other is named (a folder at its first file sync would take) for a
  // restore into a folder of one's choice. Files sync leaves alone anyway claim no place.
  const name = basename(path);
  const placed = entry.type === 'dir' || (entry.type === 'file' && m.syncable(remoteRel) && !rawName && !name.includes(CONFLICT_MARKS.pending));
  // A Linux or macOS name Windows refuses (`notes:v2.md`): written as it is, `:` would make an NTFS
  // stream of another file. A restore writes it under a look-alike name; sync can't rename.
  const refused = placed && entry.type === 'file' ? rel.split('/').find((part) => restoredName(part, ctx.options.platform ?? process.platform) !== part) : undefined;
  if (refused !== undefined) {
    (ctx.result.skipped ??= []).push({
      path: `${root.label}/${remoteRel}`,
      device: snap.deviceName,
      why: `${refused === name ? 'its name' : `a folder on the way, '${refused}',`} is not one Windows allows (it holds \\ : * ? " < > | or a control character, ends in a dot or a space, or is a device's, as CON or NUL are); nothing was written for it. 'cairn restore' writes it under a look-alike name`,
    });
    return;
  }
  const earlier = placed ? await root.clashes.claim(dirname(path), name, remoteRel) : undefined;
  if (earlier) {
    if (entry.type === 'dir') root.clashed.push({ rel: remoteRel, name, earlier: earlier.name, named: false });
    else nameClash(ctx, root, remoteRel, name, earlier.name);
    return;
  }
  const remoteHash = contentHash(entry.content ?? []);
  const facts: SyncFacts = {
    remote: { rel: remoteRel, type: entry.type, rawName, hash: remoteHash },
    deviceName: snap.deviceName,
    localName: basename(path),
    syncable: m.syncable(remoteRel),
    rule: ruleOf(m, rel),
    base: ctx.repo.db.getSyncBase(path, snap.device)?.hash,
    superseded: snap.merges?.find((x) => x.path === `${root.label}/${remoteRel}`)?.hashes ?? [],
    now: new Date(ctx.now()),
  };
  let decision = decideSync(facts);
  let st: Awaited<ReturnType<typeof statOrUndefined>>;
  if (decision.do === 'need-local') {
    st = await statOrUndefined(path);
    facts.local = st ? { exists: true, hash: cachedHash(ctx, local.label, rel, st) } : { exists: false, everSynced: ctx.repo.db.hasAnySyncBase(path) };
    decision = decideSync(facts);
  }
  if (decision.do === 'need-contents') {
    // A folder here where theirs is a file: its path said (fs.promises.readFile's error has none).
    const mine = await readFile(path).catch((error: unknown) => {
      throw Object.assign(error as Error, { path: (error as { path?: string }).path ?? path });
    });
    facts.contents = { mine, theirs: await ctx.reader.readFile(entry) };
    decision = decideSync(facts);
  }
  const expect = st ? { size: st.size, mtimeNs: st.mtimeNs } : undefined;
  await execute(ctx, { ...root, path, rel, remoteRel, entry, facts, expect }, decision);
}

/** The chunk ids the backup just before recorded for this file, if it is unchanged since. */
function cachedHash(ctx: PullContext, label: string, rel: string, st: { size: bigint; mtimeNs: bigint }): string | undefined {
  const cached = ctx.repo.db.getFile(label, rel);
  return cached && cached.size === Number(st.size) && cached.mtimeNs === st.mtimeNs.toString() ? contentHash(cached.content) : undefined;
}

interface Target extends RootContext {
  path: string;
  rel: string;
  remoteRel: string;
  entry: TreeEntry;
  facts: SyncFacts;
  /** The local file's size and time when looked at; a write is skipped if they changed. */
  expect: { size: bigint; mtimeNs: bigint } | undefined;
}

async function execute(ctx: PullContext, t: Target, decision: SyncDecision): Promise<void> {
  const device = t.snap.deviceName;
  const setBase = () => recordBase(ctx, t);
  const written = (ok: boolean, action: SyncAction) => {
    if (ok) setBase();
    ctx.record({ path: t.path, action: ok ? action : 'skipped-busy', device });
  };
  switch (decision.do) {
    case 'skip':
      if (decision.reason === 'raw-name') {
        (ctx.result.skipped ??= []).push({ path: `${t.label}/${t.remoteRel}`, device, why: 'its name (or a folder\'s on the way) is not valid UTF-8; sync leaves it alone, restore writes it exactly' });
      }
      return;
    case 'keep-deleted':
      setBase();
      ctx.record({ path: t.path, action: 'kept-deleted', device });
      return;
    case 'record-base':
      setBase();
      return;
    case 'take-theirs': {
      // Not read whole when not compared: a 300 MB transcript new here was 700 MB of memory.
      const bytes = t.facts.contents?.theirs ?? ctx.reader.chunks(t.entry);
      written(await writeIfUnchanged(ctx, t.path, bytes, t.entry, t.expect), decision.why === 'fast-forward' ? 'fast-forward' : 'pulled');
      return;
    }
    case 'write-merged':
      written(await writeIfUnchanged(ctx, t.path, decision.bytes, undefined, t.expect), 'merged');
      return;
    case 'conflict': {
      if (!t.facts.contents) throw new Error('sync: a conflict decided without both versions');
      await recordConflict(ctx, t, decision.theirsName, t.facts.contents);
      return;
    }
    case 'need-local':
    case 'need-contents':
      throw new Error(`sync: '${decision.do}' after the facts were gathered`);
  }
}

/** The other device's version is now the base: the content we last took from, or saw of, it. */
function recordBase(ctx: PullContext, t: Target): void {
  ctx.repo.db.setSyncBase(t.path, t.snap.device, t.facts.remote.hash, t.entry.size, t.facts.now.toISOString());
}

/** Keeps ours in place, writes theirs beside it, and records the conflict. */
async function recordConflict(ctx: PullContext, t: Target, theirsName: string, { mine, theirs }: { mine: Uint8Array; theirs: Uint8Array }): Promise<void> {
  const theirsPath = join(dirname(t.path), theirsName);
  if (!(await writeIfUnchanged(ctx, theirsPath, theirs, t.entry, undefined))) return;
  recordBase(ctx, t);
  const detected = t.facts.now;
  const conflict: ConflictInfo = {
    id: createHash('sha256').update(`${t.path}\0${t.snap.device}\0${t.facts.remote.hash}`).digest('hex').slice(0, 16),
    ...(t.local.agent ? { agent: t.local.agent } : {}),
    path: t.path,
    theirsPath,
    otherDeviceId: t.snap.device,
    otherDeviceName: t.snap.deviceName,
    detectedAt: detected.toISOString(),
    mineSize: mine.length,
    theirsSize: theirs.length,
    mineMtime: new Date(Number((t.expect?.mtimeNs ?? 0n) / 1_000_000n)).toISOString(),
    theirsMtime: new Date(Number(BigInt(t.entry.mtimeNs) / 1_000_000n)).toISOString(),
    status: 'open',
  };
  const stored: StoredConflict = { ...conflict, mergePath: `${t.local.label}/${t.rel}`, theirsHash: t.facts.remote.hash, theirsAt: { device: t.snap.device, snapshot: t.snap.id, path: `${t.label}/${t.remoteRel}` } };
  ctx.repo.db.putConflict(conflict.id, stored, 'open', conflict.detectedAt);
  ctx.result.conflicts.push(conflict);
  ctx.record({ path: t.path, action: 'conflict', device: t.snap.deviceName });
}

/**
 * The end of their version of conflict `id`, for the compare view: their copy beside ours, or —
 * deleted meanwhile — the version in their snapshot (what "keep theirs" then takes).
 */
export async function readTheirsTail(repo: Repository, id: string, maxBytes: number): Promise<FileTail> {
  const conflict = repo.db.getConflict(id) as StoredConflict | undefined;
  if (!conflict) throw new NotFoundError(`No conflict with id '${id}'. See 'cairn conflicts'.`);
  if (await statOrUndefined(conflict.theirsPath)) return readFileTail(conflict.theirsPath, maxBytes);
  const stored = await theirsInVault(repo, conflict);
  if (!stored) throw new NotFoundError(`Their copy ${conflict.theirsPath} is gone, and so is the snapshot of ${conflict.otherDeviceName}'s it came from.`);
  return bytesTail(stored.bytes, conflict.theirsPath, maxBytes);
}

/** Their version of a conflict as their snapshot holds it, when it is still there and unchanged. */
async function theirsInVault(repo: Repository, conflict: StoredConflict): Promise<{ bytes: Uint8Array; entry: TreeEntry } | undefined> {
  const at = conflict.theirsAt;
  if (!at || !conflict.theirsHash) return undefined;
  try {
    await repo.refreshIndex();
    const reader = repo.reader();
    const { entry } = await reader.resolve(await repo.vault.loadSnapshot(at.device as DeviceId, at.snapshot as SnapshotId), at.path);
    if (entry.type !== 'file' || contentHash(entry.content ?? []) !== conflict.theirsHash) return undefined;
    return { bytes: await reader.readFile(entry), entry };
  } catch (error) {
    // Their snapshot forgotten and pruned since, or the file gone from it.
    if (error instanceof CairnError && error.code === 'not_found') return undefined;
    throw error;
  }
}

/** `bytes` at `path` by a temporary file beside it and a rename, with the entry's mode and time. */
async function writeAtomically(path: string, bytes: Uint8Array, entry: TreeEntry): Promise<void> {
  const tmp = syncTemp(path);
  try {
    await makeDirs(dirname(path));
    await fillTemp(tmp, bytes, entry);
    await rename(tmp, path);
  } finally {
    await dropTemp(tmp);
  }
}

/** What the UI and the CLI see of a stored conflict. */
const publicInfo = ({ mergePath: _m, theirsHash: _h, theirsAt: _a, ...info }: StoredConflict): ConflictInfo => info;

export function listConflicts(repo: Repository): ConflictInfo[] {
  return (repo.db.listConflicts() as StoredConflict[]).map(publicInfo);
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
  // Their copy beside ours deleted meanwhile: their version is still in their snapshot.
  const fromVault = theirsExists || options.keep === 'mine' ? undefined : await theirsInVault(repo, conflict);
  if (options.keep === 'mine') {
    // Their version stays in their snapshots; only the copy beside ours goes.
    await rm(conflict.theirsPath, { force: true });
    publish();
  } else if (options.keep === 'both') {
    // Their copy becomes an ordinary file, so it syncs to every device like any other session.
    // Deleted meanwhile, it is written from their snapshot, as the screen promises its name.
    const kept = join(dirname(conflict.theirsPath), keptBothName(conflict));
    if (theirsExists) await rename(conflict.theirsPath, kept);
    else if (fromVault) await writeAtomically(kept, fromVault.bytes, fromVault.entry);
    if (theirsExists || fromVault) theirsPath = kept;
    publish();
  } else if (options.keep === 'theirs') {
    if (!theirsExists && !fromVault) {
      throw new CairnError('not_found', `Their copy ${conflict.theirsPath} is gone, so it can't replace yours. Restore it from a snapshot of ${conflict.otherDeviceName} instead.`);
    }
    // Theirs replaces ours: not under an agent that has ours open, which would go on writing it.
    const open = await openersOf([conflict.path]);
    if (open.length > 0) throw heldOpenError(open, 'Nothing was changed', 'keep theirs again');
    if (await statOrUndefined(conflict.path)) await options.safetySnapshot(conflict.path);
    if (fromVault) await writeAtomically(conflict.path, fromVault.bytes, fromVault.entry);
    else await rename(conflict.theirsPath, conflict.path);
  }
  const resolved: StoredConflict = { ...conflict, theirsPath, status: 'resolved', resolution: options.keep };
  repo.db.putConflict(resolved.id, resolved, 'resolved', conflict.detectedAt);
  repo.db.addHistory('resolve', at, { id: resolved.id, keep: options.keep, path: resolved.path });
  return publicInfo(resolved);
}

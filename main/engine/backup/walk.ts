// The walk: one folder of a source into its tree entries, depth first. It goes on while files are
// read, but waits for one of the file saver's slots before it starts the next file, so what is
// pending at once is bounded by the saver's concurrency, not by the number of files. Folders
// become trees through the tree saver, files go to the file saver, symlinks are kept as links;
// FIFOs, sockets and devices are counted and left out. Names are read as bytes: one that isn't
// valid UTF-8 is kept exactly.

import { isUtf8 } from 'node:buffer';
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import type { BigIntStats, Dirent } from 'node:fs';
import { join } from 'node:path';
import { turn } from '../concurrency.ts';
import { displayName } from '../vault/index.ts';
import type { TreeEntry } from '../vault/index.ts';
import { fsArg, showPath, sourceFileErrorOf } from '../workers/index.ts';
import type { FsPath } from '../workers/index.ts';
import type { FileSaver, Started, WalkedPath } from './file-saver.ts';
import type { BackupOutcome } from './outcome.ts';
import type { CompiledRules } from './rules.ts';
import type { CheckedRoot } from './roots.ts';
import type { TreeSaver } from './tree-saver.ts';

export interface Walker {
  files: FileSaver;
  trees: TreeSaver;
  outcome: BackupOutcome;
  checkAbort: () => void;
}

/**
 * A listed folder's or link's lstat; undefined when it can't be had, said like a file's (deleted
 * since it was listed: counted; any other failure: a warning). Folders that failed here were left
 * out of the snapshot without a word (one past the system's path length limit, measured).
 */
function lstatOrSkip(w: Walker, path: FsPath): BigIntStats | undefined {
  try {
    return lstatSync(fsArg(path), { bigint: true });
  } catch (error) {
    const skipped = sourceFileErrorOf(path, error);
    if (skipped?.reason === 'vanished') w.outcome.vanished();
    else w.outcome.warn(showPath(path), skipped?.reason ?? 'unreadable', skipped?.message ?? `${showPath(path)} can't be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the next backup tries again.`);
    return undefined;
  }
}

/** Whether `path` (a link) leads to a folder. */
function isFolder(path: FsPath): boolean {
  try {
    return statSync(fsArg(path)).isDirectory();
  } catch {
    return false; // dangling, a loop, or not ours to read
  }
}

interface Named {
  d: Dirent<Buffer>;
  bytes: Buffer;
  name: string;
  rawName: string | undefined;
}

/** A folder's entries by name; a name that isn't UTF-8 gets a display form unique among them. */
function names(listed: Dirent<Buffer>[]): Named[] {
  const valid = new Set<string>();
  for (const d of listed) if (isUtf8(d.name)) valid.add(d.name.toString('utf8'));
  const named = listed.map((d) => {
    const bytes = d.name;
    const ok = isUtf8(bytes);
    return { d, bytes, name: ok ? bytes.toString('utf8') : displayName(bytes, valid), rawName: ok ? undefined : bytes.toString('base64') };
  });
  return named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The folder `abs` (at `rel` in `source`) as tree entries. `rawRel`: its path under the root as bytes, once a name on the way isn't UTF-8. */
export async function walkDir(w: Walker, source: CheckedRoot, rules: CompiledRules, rel: string, abs: FsPath, depth: number, rawRel?: Buffer): Promise<TreeEntry[]> {
  return (await startDir(w, source, rules, rel, abs, depth, rawRel)).done;
}

/** Lists the folder and starts each child (waiting for file slots); `done` is its entries. */
async function startDir(w: Walker, source: CheckedRoot, rules: CompiledRules, rel: string, abs: FsPath, depth: number, rawRel?: Buffer): Promise<Started<TreeEntry[]>> {
  w.checkAbort();
  let listed;
  try {
    // Names as bytes: a name that isn't valid UTF-8 is kept exactly (docs/FORMAT.md).
    // Synchronous, like the lstat calls: a listing through the thread pool cost ~4× the CPU
    // (docs/BENCHMARKS.md), and the turns below keep the event loop moving between folders.
    listed = readdirSync(fsArg(abs), { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    const skipped = sourceFileErrorOf(abs, error);
    if (!skipped) throw error;
    if (skipped.reason === 'vanished') w.outcome.vanished();
    else w.outcome.warn(showPath(abs), skipped.reason, `The folder ${skipped.message}`);
    return { done: Promise.resolve([]) };
  }
  // Listings of many folders complete together, each continuing the walk: turns between them.
  for (let t = turn(); t; t = turn()) await t;
  const jobs: Promise<TreeEntry | undefined>[] = [];
  for (const { d, bytes, name, rawName } of names(listed)) {
    const childRel = rel ? `${rel}/${name}` : name;
    const childRaw = rawRel || rawName !== undefined ? Buffer.concat([rawRel ?? Buffer.from(rel, 'utf8'), Buffer.from(rel || rawRel ? '/' : ''), bytes]) : undefined;
    const childAbs: FsPath = childRaw ? Buffer.concat([Buffer.from(source.path.endsWith('/') ? source.path : `${source.path}/`), childRaw]) : join(abs as string, name);
    const at: WalkedPath = { source, rel: childRel, abs: childAbs, name, ...(childRaw ? { raw: { rel: childRaw, ...(rawName !== undefined ? { name: rawName } : {}) } } : {}) };
    const { done } = await startChild(w, rules, d, at, depth);
    // Awaited together below; until then a failure must not count as unhandled.
    done.catch(() => undefined);
    jobs.push(done);
  }
  return { done: Promise.all(jobs).then((entries) => entries.filter((e): e is TreeEntry => e !== undefined)) };
}

async function startChild(w: Walker, rules: CompiledRules, d: Dirent<Buffer>, at: WalkedPath, depth: number): Promise<Started<TreeEntry | undefined>> {
  if (d.isDirectory()) return startDirEntry(w, rules, at, depth);
  if (d.isFile()) return w.files.begin(rules, at);
  return { done: otherEntry(w, rules, d, at) };
}

/** A symlink's entry; FIFOs, sockets and devices have no content to keep (docs/FORMAT.md, "Names and links"). */
async function otherEntry(w: Walker, rules: CompiledRules, d: Dirent<Buffer>, at: WalkedPath): Promise<TreeEntry | undefined> {
  if (d.isSymbolicLink()) {
    if (rules.classify(at.rel) !== 'included') return undefined;
    const st = lstatOrSkip(w, at.abs);
    const target = await readlink(fsArg(at.abs)).catch(() => undefined);
    if (!st || target === undefined) return undefined;
    if (isFolder(at.abs)) w.outcome.linkedFolders.push({ path: showPath(at.abs), target });
    return { name: at.name, type: 'symlink', mode: Number(st.mode) & 0o7777, mtimeNs: st.mtimeNs.toString(), size: 0, target, ...withRaw(at) };
  }
  if (rules.classify(at.rel) === 'included') w.outcome.stats.specialSkipped = (w.outcome.stats.specialSkipped ?? 0) + 1;
  return undefined;
}

const withRaw = (at: WalkedPath) => (at.raw?.name !== undefined ? { rawName: at.raw.name } : {});

async function startDirEntry(w: Walker, rules: CompiledRules, at: WalkedPath, depth: number): Promise<Started<TreeEntry | undefined>> {
  const { source, rel, abs } = at;
  const none = { done: Promise.resolve(undefined) };
  if (source.maxDepth !== undefined && depth >= source.maxDepth) return none;
  const skip = rules.skipDir(rel);
  if (skip === 'secret') w.outcome.keep(source.label, rel, `credential folder (rule ${rules.secretRule(rel) ?? 'secret'})`);
  if (skip) return none;
  // A folder of thousands of folders starts each one's walk from one loop: turns between them.
  for (let t = turn(); t; t = turn()) await t;
  const st = lstatOrSkip(w, abs);
  if (!st) return none;
  // Replaced by a link since it was listed: reading it would follow the link.
  if (!st.isDirectory()) {
    w.outcome.warn(showPath(abs), 'changed', `The folder ${showPath(abs)} was replaced after it was listed; it was not read. The next backup tries again.`);
    return none;
  }
  const started = await startDir(w, source, rules, rel, abs, depth + 1, at.raw?.rel);
  return { done: started.done.then((children) => dirTree(w, at, st, children)) };
}

async function dirTree(w: Walker, at: WalkedPath, st: BigIntStats, children: TreeEntry[]): Promise<TreeEntry | undefined> {
  // With include rules, folders that end up holding nothing included are left out.
  if (children.length === 0 && at.source.include && at.source.include.length > 0) return undefined;
  w.outcome.stats.dirs++;
  for (let t = turn(); t; t = turn()) await t;
  return { name: at.name, type: 'dir', mode: Number(st.mode) & 0o7777, mtimeNs: st.mtimeNs.toString(), size: 0, subtree: await w.trees.saveTree(children), ...withRaw(at) };
}

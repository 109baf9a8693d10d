// The walk: one folder of a source into its tree entries, depth first, children in parallel (the
// file saver bounds how many files are read at once). Folders become trees through the tree
// saver, files go to the file saver, symlinks are kept as links; FIFOs, sockets and devices are
// counted and left out. Names are read as bytes: one that isn't valid UTF-8 is kept exactly.

import { isUtf8 } from 'node:buffer';
import { lstatSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import type { BigIntStats, Dirent } from 'node:fs';
import { join } from 'node:path';
import { turn } from '../concurrency.ts';
import { displayName } from '../vault/index.ts';
import type { TreeEntry } from '../vault/index.ts';
import { fsArg, showPath, sourceFileErrorOf } from '../workers/index.ts';
import type { FsPath } from '../workers/index.ts';
import type { FileSaver, WalkedPath } from './file-saver.ts';
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

function lstatOrUndefined(path: FsPath): BigIntStats | undefined {
  try {
    return lstatSync(fsArg(path), { bigint: true });
  } catch {
    return undefined;
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
  w.checkAbort();
  let listed;
  try {
    // Names as bytes: a name that isn't valid UTF-8 is kept exactly (docs/FORMAT.md).
    listed = await readdir(fsArg(abs), { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    const skipped = sourceFileErrorOf(abs, error);
    if (!skipped) throw error;
    w.outcome.warn(showPath(abs), skipped.reason, `The folder ${skipped.message}`);
    return [];
  }
  // Listings of many folders complete together, each continuing the walk: turns between them.
  for (let t = turn(); t; t = turn()) await t;
  const jobs = names(listed).map(({ d, bytes, name, rawName }) => {
    const childRel = rel ? `${rel}/${name}` : name;
    const childRaw = rawRel || rawName !== undefined ? Buffer.concat([rawRel ?? Buffer.from(rel, 'utf8'), Buffer.from(rel || rawRel ? '/' : ''), bytes]) : undefined;
    const childAbs: FsPath = childRaw ? Buffer.concat([Buffer.from(source.path.endsWith('/') ? source.path : `${source.path}/`), childRaw]) : join(abs as string, name);
    const at: WalkedPath = { source, rel: childRel, abs: childAbs, name, ...(childRaw ? { raw: { rel: childRaw, ...(rawName !== undefined ? { name: rawName } : {}) } } : {}) };
    return childEntry(w, rules, d, at, depth);
  });
  return (await Promise.all(jobs)).filter((e): e is TreeEntry => e !== undefined);
}

async function childEntry(w: Walker, rules: CompiledRules, d: Dirent<Buffer>, at: WalkedPath, depth: number): Promise<TreeEntry | undefined> {
  if (d.isDirectory()) return dirEntry(w, rules, at, depth);
  if (d.isSymbolicLink()) {
    if (rules.classify(at.rel) !== 'included') return undefined;
    const st = lstatOrUndefined(at.abs);
    const target = await readlink(fsArg(at.abs)).catch(() => undefined);
    if (!st || target === undefined) return undefined;
    return { name: at.name, type: 'symlink', mode: Number(st.mode) & 0o7777, mtimeNs: st.mtimeNs.toString(), size: 0, target, ...withRaw(at) };
  }
  if (d.isFile()) return w.files.save(rules, at);
  // FIFOs, sockets, devices: no content to keep (docs/FORMAT.md, "Names and links").
  if (rules.classify(at.rel) === 'included') w.outcome.stats.specialSkipped = (w.outcome.stats.specialSkipped ?? 0) + 1;
  return undefined;
}

const withRaw = (at: WalkedPath) => (at.raw?.name !== undefined ? { rawName: at.raw.name } : {});

async function dirEntry(w: Walker, rules: CompiledRules, at: WalkedPath, depth: number): Promise<TreeEntry | undefined> {
  const { source, rel, abs } = at;
  if (source.maxDepth !== undefined && depth >= source.maxDepth) return undefined;
  const skip = rules.skipDir(rel);
  if (skip === 'secret') w.outcome.keep(source.label, rel, `credential folder (rule ${rules.secretRule(rel) ?? 'secret'})`);
  if (skip) return undefined;
  // A folder of thousands of folders starts each one's walk from one loop: turns between them.
  for (let t = turn(); t; t = turn()) await t;
  const st = lstatOrUndefined(abs);
  if (!st) return undefined;
  // Replaced by a link since it was listed: reading it would follow the link.
  if (!st.isDirectory()) {
    w.outcome.warn(showPath(abs), 'changed', `The folder ${showPath(abs)} was replaced after it was listed; it was not read. The next backup tries again.`);
    return undefined;
  }
  const children = await walkDir(w, source, rules, rel, abs, depth + 1, at.raw?.rel);
  // With include rules, folders that end up holding nothing included are left out.
  if (children.length === 0 && source.include && source.include.length > 0) return undefined;
  w.outcome.stats.dirs++;
  for (let t = turn(); t; t = turn()) await t;
  return { name: at.name, type: 'dir', mode: Number(st.mode) & 0o7777, mtimeNs: st.mtimeNs.toString(), size: 0, subtree: await w.trees.saveTree(children), ...withRaw(at) };
}

// Agents that keep a project's sessions in a folder named after the project's path, not by the
// path itself: continuing a session from another machine (whose project is elsewhere) must put
// its files in the folder this machine's agent will look in for the mapped project.
//
// - Gemini CLI: `~/.gemini/tmp/<id>/chats/…`. Since the project registry (gemini-cli
//   packages/core/src/config/projectRegistry.ts, storage.ts), <id> is a short slug that
//   `~/.gemini/projects.json` (`{ projects: { <path>: <slug> } }`) gives the project and that
//   `tmp/<slug>/.project_root` (the path) proves; before it, and for a project the registry has
//   not met yet, the SHA-256 hex of the path — which Gemini migrates into the project's slug
//   folder the first time it runs there. Chat files also carry the hash as `projectHash`.
// - Cursor CLI chats: `~/.cursor/chats/<MD5 hex of the path>/<chat id>/store.db`.
// - Cursor agent transcripts: `~/.cursor/projects/<path with every non-alphanumeric character a
//   dash, no leading dash>/agent-transcripts/…` (Claude Code's rule keeps the leading dash).

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PathMapping } from '../../../shared/models.ts';
import { canonicalEntry } from './entry.ts';
import type { CatalogEntry } from './entry.ts';

/** The fields of a session's catalog entry that say where its folder is. */
type Located = Pick<CatalogEntry, 'format' | 'path' | 'project'>;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
/** Cursor's folder name for a project path: `/Users/bob/app` → `Users-bob-app`. */
export const cursorSlug = (path: string) => path.replace(/[^a-zA-Z0-9]/g, '-').replace(/^-+/, '');
const trimSlash = (p: string) => p.replace(/[\\/]+$/, '');

/** An absolute path from another machine, mapped to this one by the first matching rule. */
export function mapAbsolutePath(path: string, mappings: readonly PathMapping[]): string {
  for (const m of mappings) {
    const from = trimSlash(m.from);
    if (path === from || path.startsWith(`${from}/`) || path.startsWith(`${from}\\`)) return trimSlash(m.to) + path.slice(from.length);
  }
  return path;
}

/** How one session's relative paths (under its agent folder) and bytes change on this machine. */
export interface FolderPlan {
  /** The session's relative path on this machine (only project-named folders change). */
  path(rel: string): string;
  /** Files of the other machine not to write here (Gemini's ownership marker of its project). */
  skip(rel: string): boolean;
  /** The file's bytes with the other machine's project hash replaced by this machine's. */
  bytes(rel: string, data: Buffer): Buffer;
  /** Whether `bytes` may change the file (else it can be written as it streams). */
  rewrites(rel: string): boolean;
}

const SAME: FolderPlan = { path: (rel) => rel, skip: () => false, bytes: (_rel, data) => data, rewrites: () => false };

/**
 * The folder plan for continuing `row` here, whose project (on the other machine `row.project`)
 * is `project` on this one. `agentRoot` is this machine's agent folder (`~/.gemini`, `~/.cursor`).
 */
export async function projectFolders(row: Located, agentRoot: string, project: string | undefined, mappings: readonly PathMapping[]): Promise<FolderPlan> {
  if (row.format === 'gemini-json' || row.format === 'gemini-jsonl') return geminiPlan(row, agentRoot, project);
  if (row.format === 'cursor-cli' && row.project && project && project !== row.project) return renameSegment(md5(row.project), md5(project), 1);
  if (row.format === 'cursor-transcript') {
    if (row.project && project && project !== row.project) return renameSegment(cursorSlug(row.project), cursorSlug(project), 1);
    return cursorByPrefix(mappings);
  }
  return SAME;
}

/** Renames the path segment at `index` when it is exactly `from`. */
function renameSegment(from: string, to: string, index: number): FolderPlan {
  return {
    ...SAME,
    path(rel) {
      const parts = rel.split('/');
      if (parts[index] === from) parts[index] = to;
      return parts.join('/');
    },
  };
}

/** Cursor transcripts of an unknown project: its folder is mapped by the path mappings' prefixes. */
function cursorByPrefix(mappings: readonly PathMapping[]): FolderPlan {
  const slugs = mappings.map((m) => ({ from: cursorSlug(trimSlash(m.from)), to: cursorSlug(trimSlash(m.to)) })).filter((s) => s.from !== '');
  if (slugs.length === 0) return SAME;
  return {
    ...SAME,
    path(rel) {
      const parts = rel.split('/');
      const seg = parts[1];
      if (parts[0] !== 'projects' || seg === undefined) return rel;
      for (const { from, to } of slugs) {
        if (seg === from || seg.startsWith(`${from}-`)) {
          parts[1] = to + seg.slice(from.length);
          break;
        }
      }
      return parts.join('/');
    },
  };
}

/**
 * Cursor's CLI chats and agent transcripts name their project only by its folder: the MD5 of the
 * project's path (`chats/<md5>/…`) or its slug (`projects/<slug>/…`); so does Gemini CLI before
 * its project registry (`tmp/<SHA-256>/…`, no `.project_root`). Where the device has another
 * session in that project (Cursor's editor, whose workspace.json names it, Claude Code, Codex, …),
 * or its agents name it without a session (`known`: Claude Code's `~/.claude.json` projects, an
 * editor's workspace without a chat, …), those without a project get it, when exactly one known
 * project has that hash or slug. The rest are returned as they are.
 */
export function withFolderProjects(entries: readonly CatalogEntry[], known: readonly string[] = []): CatalogEntry[] {
  const bySha = new Map<string, string>();
  const byHash = new Map<string, string>();
  const bySlug = new Map<string, string | null>();
  const projects = new Set(known);
  for (const e of entries) if (e.project) projects.add(e.project);
  for (const project of projects) {
    byHash.set(md5(project), project);
    bySha.set(sha256(project), project);
    const slug = cursorSlug(project);
    const seen = bySlug.get(slug);
    // Two projects with one slug (`/a/b-c`, `/a/b/c`): neither is the transcripts' for sure.
    if (seen === undefined) bySlug.set(slug, project);
    else if (seen !== project) bySlug.set(slug, null);
  }
  return entries.map((e) => {
    if (e.project) return e;
    const [top, folder] = e.path.split('/');
    if (!folder) return e;
    const project =
      e.format === 'cursor-cli' && top === 'chats' ? byHash.get(folder)
      : e.format === 'cursor-transcript' && top === 'projects' ? bySlug.get(folder)
      : (e.format === 'gemini-json' || e.format === 'gemini-jsonl') && top === 'tmp' ? bySha.get(folder)
      : undefined;
    return project ? canonicalEntry({ ...e, project }) : e;
  });
}

async function geminiPlan(row: Located, agentRoot: string, project: string | undefined): Promise<FolderPlan> {
  // The session's project folder on the other machine: tmp/<id>/…
  const theirs = row.path.split('/')[0] === 'tmp' ? row.path.split('/')[1] : undefined;
  if (!theirs || !row.project || !project) return SAME;
  const ours = await geminiFolder(agentRoot, project);
  const fromHash = sha256(row.project);
  const toHash = sha256(project);
  return {
    path(rel) {
      const parts = rel.split('/');
      if (parts[0] === 'tmp' && parts[1] === theirs) parts[1] = ours;
      return parts.join('/');
    },
    // The marker says which project owns the folder: the other machine's path would make this
    // machine's Gemini treat the folder as another project's.
    skip: (rel) => rel === `tmp/${theirs}/.project_root`,
    rewrites: (rel) => fromHash !== toHash && (rel.endsWith('.json') || rel.endsWith('.jsonl')),
    bytes(rel, data) {
      if (fromHash === toHash || !rel.endsWith('.json') && !rel.endsWith('.jsonl')) return data;
      const text = data.toString('utf8');
      return text.includes(fromHash) ? Buffer.from(text.split(fromHash).join(toHash), 'utf8') : data;
    },
  };
}

/**
 * The `tmp/` folder this machine's Gemini CLI uses for `project`: the registry's slug when its
 * marker agrees (or is missing), else a folder whose marker names the project, else the path's
 * hash (Gemini moves a hash folder into the slug it gives the project on its first run there).
 */
export async function geminiFolder(agentRoot: string, project: string): Promise<string> {
  const marker = async (folder: string) => (await readFile(join(agentRoot, 'tmp', folder, '.project_root'), 'utf8').catch(() => undefined))?.trim();
  const registry = await readFile(join(agentRoot, 'projects.json'), 'utf8')
    .then((t) => JSON.parse(t) as { projects?: Record<string, unknown> })
    .catch(() => undefined);
  const slug = registry?.projects?.[project];
  if (typeof slug === 'string' && /^[^/\\]+$/.test(slug) && slug !== '.' && slug !== '..') {
    const owner = await marker(slug);
    if (owner === undefined || owner === project) return slug;
  }
  const folders = await readdir(join(agentRoot, 'tmp'), { withFileTypes: true }).catch(() => []);
  for (const f of folders) if (f.isDirectory() && (await marker(f.name)) === project) return f.name;
  return sha256(project);
}

/** Formats whose project's folder is named after the project (see the top of this file). */
const PROJECT_NAMED = new Set(['gemini-json', 'gemini-jsonl', 'cursor-cli', 'cursor-transcript']);

/**
 * How sync renames another device's project-named folders (`tmp/<id>`, `chats/<hash>`,
 * `projects/<slug>`) of one agent root to the folders this machine's agent uses for the mapped
 * projects, from that device's catalog entries of the root. Only folders change: file contents
 * are synced as they are (rewriting them would make every later pull see a local change).
 */
export async function pullFolderRenames(entries: readonly Located[], agentRoot: string, mappings: readonly PathMapping[]): Promise<(rel: string) => string> {
  const renames = new Map<string, string>();
  const plans = new Map<string, FolderPlan>();
  for (const e of entries) {
    if (!PROJECT_NAMED.has(e.format)) continue;
    const [top, folder] = e.path.split('/');
    if (top === undefined || folder === undefined || renames.has(`${top}/${folder}`)) continue;
    const project = e.project === undefined ? undefined : mapAbsolutePath(e.project, mappings);
    const key = `${e.format}\0${e.project ?? ''}\0${folder}`;
    const plan = plans.get(key) ?? (await projectFolders(e, agentRoot, project, mappings));
    plans.set(key, plan);
    const ours = plan.path(e.path).split('/')[1];
    if (ours !== undefined && ours !== folder) renames.set(`${top}/${folder}`, ours);
  }
  if (renames.size === 0) return (rel) => rel;
  return (rel) => {
    const parts = rel.split('/');
    const ours = parts.length > 1 ? renames.get(`${parts[0]}/${parts[1]}`) : undefined;
    if (ours === undefined) return rel;
    parts[1] = ours;
    return parts.join('/');
  };
}

// Turns the enabled adapters' roots into what the backup engine reads, and lends their credential
// rules to plain folders that contain an agent's folder.

import { lstat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { BackupSource } from '../backup/index.ts';
import { aiderAdapter } from './adapters/aider.ts';
import { prepareContext } from './discovery.ts';
import { ADAPTERS } from './registry.ts';
import type { AgentAdapter, AgentBackupSource, AgentContext, AgentRoot } from './types.ts';

export interface ToBackupSourcesOptions {
  /** Labels of opt-in roots the user turned on (e.g. `claude-code/state`). */
  optIn?: readonly string[];
  /** Keep roots whose path does not exist (default: dropped, so snapshots hold no empty roots). */
  keepMissing?: boolean;
}

export function rootToSource(agent: string, root: AgentRoot): AgentBackupSource {
  const source: AgentBackupSource = { label: root.label, agent, path: root.path, kind: root.kind };
  if (root.include) source.include = root.include;
  if (root.exclude) source.exclude = root.exclude;
  if (root.secrets) source.secrets = root.secrets;
  if (root.sqlite) source.sqlite = root.sqlite;
  if (root.appendOnly) source.appendOnly = root.appendOnly;
  if (root.sharedLogs) source.sharedLogs = root.sharedLogs;
  if (root.syncable) source.syncable = root.syncable;
  if (root.contentRules) source.contentRules = root.contentRules;
  if (root.maxDepth !== undefined) source.maxDepth = root.maxDepth;
  return source;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** The backup sources of the enabled adapters, in adapter then root order. */
export async function toBackupSources(
  adapters: readonly AgentAdapter[],
  ctx: AgentContext,
  enabledIds: readonly string[],
  options: ToBackupSourcesOptions = {},
): Promise<AgentBackupSource[]> {
  const prepared = await prepareContext(ctx);
  const optIn = new Set(options.optIn ?? []);
  const sources: AgentBackupSource[] = [];
  for (const adapter of adapters) {
    if (!enabledIds.includes(adapter.id)) continue;
    for (const root of adapter.roots(prepared)) {
      if (root.optIn && !optIn.has(root.label)) continue;
      if (!options.keepMissing && !(await exists(root.path))) continue;
      const source = rootToSource(adapter.id, root);
      if (prepared.knownProjects?.length) source.projects = prepared.knownProjects;
      sources.push(source);
    }
  }
  return sources;
}

/** The adapters' rules re-rooted at `prefix`: a folder path relative to the source ending in `/`, or a globstar. */
function reRoot(root: AgentRoot, prefix: string, withSqlite: boolean): Pick<BackupSource, 'secrets' | 'sqlite' | 'contentRules'> {
  const at = (glob: string): string => `${prefix}${glob}`;
  return {
    secrets: (root.secrets ?? []).map(at),
    sqlite: withSqlite ? (root.sqlite ?? []).map(at) : [],
    contentRules: (root.contentRules ?? []).map((rule) => ({ ...rule, glob: at(rule.glob) })),
  };
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/**
 * Folder mode (`cairn backup ~`, safety snapshots): the agents' credential rules (secret files,
 * rows, keys) and SQLite rules apply wherever an agent's folder is found inside the folders
 * given. An agent folder inside a source gets its rules at its exact place; each is also matched
 * by its path from the home below any folder (`.codex/...` anywhere), so a copy of a home backed
 * up from another place is covered too; a source inside an agent folder gets the rules at any
 * depth. Name-based secrets (DEFAULT_SECRET_GLOBS) apply everywhere as always.
 */
export function withAgentRules(sources: readonly BackupSource[], ctx: AgentContext, adapters: readonly AgentAdapter[] = ADAPTERS): BackupSource[] {
  const roots = adapters.flatMap((a) => a.roots(ctx));
  // Aider's files sit in any repository: its rules apply at any depth.
  const anywhere: AgentRoot[] = [aiderAdapter.roots({ ...ctx, aiderRepos: [ctx.home], aiderHistoryFiles: [] })[0]].filter((r): r is AgentRoot => r !== undefined);
  return sources.map((source) => {
    if (source.agent) return source;
    const base = resolve(source.path);
    const parts: Pick<BackupSource, 'secrets' | 'sqlite' | 'contentRules'>[] = anywhere.map((r) => reRoot(r, '**/', false));
    for (const root of roots) {
      const dir = root.kind === 'file' ? dirname(root.path) : root.path;
      const inside = relative(base, dir);
      const fromHome = relative(ctx.home, dir);
      if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
        parts.push(reRoot(root, inside === '' ? '' : `${toPosix(inside)}/`, true));
      } else if (!relative(dir, base).startsWith('..') && !isAbsolute(relative(dir, base))) {
        parts.push(reRoot(root, '**/', false));
      }
      if (fromHome !== '' && !fromHome.startsWith('..') && !isAbsolute(fromHome)) parts.push(reRoot(root, `**/${toPosix(fromHome)}/`, false));
    }
    const merged = (key: 'secrets' | 'sqlite'): string[] => [...new Set([...(source[key] ?? []), ...parts.flatMap((p) => p[key] ?? [])])];
    return {
      ...source,
      secrets: merged('secrets'),
      sqlite: merged('sqlite'),
      contentRules: [...(source.contentRules ?? []), ...parts.flatMap((p) => p.contentRules ?? [])],
    };
  });
}

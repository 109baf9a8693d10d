// Turns the enabled adapters' roots into what the backup engine reads.

import { lstat } from 'node:fs/promises';
import { prepareContext } from './context.ts';
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
      sources.push(rootToSource(adapter.id, root));
    }
  }
  return sources;
}

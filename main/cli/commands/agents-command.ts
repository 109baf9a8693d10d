// `cairn agents`: which coding agents are on this machine, with sizes and session counts; and the
// folders discovery scans for Aider repositories, which the user can add to or remove from.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { COMMON_PROJECT_FOLDERS, detectAgents, formatAgentsTable, loadAgentPaths, updateAgentPaths } from '../../engine/agents/index.ts';
import type { AgentPaths } from '../../engine/agents/index.ts';
import { countFileSessions } from '../../engine/sessions/index.ts';
import { agentContext, appChoices, stateDir } from '../context.ts';
import { makeOutput } from '../output.ts';

export interface AgentsCommandOptions {
  json?: boolean;
  stateDir?: string;
  addPath?: string[];
  removePath?: string[];
}

function describePaths(paths: AgentPaths): string {
  return [
    `Aider repositories are looked for in ~/{${COMMON_PROJECT_FOLDERS.join(',')}} and in the project folders other agents name.`,
    paths.added.length > 0 ? `Also scanned: ${paths.added.join(', ')}` : '',
    paths.removed.length > 0 ? `Never scanned: ${paths.removed.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export async function agentsCommand(opts: AgentsCommandOptions): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  const changing = (opts.addPath?.length ?? 0) > 0 || (opts.removePath?.length ?? 0) > 0;
  const paths = changing ? updateAgentPaths(stateDir(opts), { add: opts.addPath ?? [], remove: opts.removePath ?? [] }) : loadAgentPaths(stateDir(opts));
  // Saved all the same (a disk not mounted now), but a typo would otherwise go unnoticed.
  for (const added of opts.addPath ?? []) {
    const at = resolve(added);
    if (!existsSync(at)) out.warn(`${at} does not exist (yet): it is saved, and looked in once it does.`);
  }
  // ENABLED says what a backup without --agent takes: the app's choice on this machine, if it made one.
  const chosen = appChoices(opts)?.agents;
  const infos = await detectAgents(await agentContext(opts), { countSessions: countFileSessions, ...(chosen ? { enabledIds: chosen } : {}) });
  const found = infos.filter((a) => a.detected);
  out.result({ detected: found.length, agents: infos, paths }, () =>
    [
      found.length === 0 ? 'No coding agents found on this machine (looked for: ' + infos.map((a) => a.displayName).join(', ') + ').' : formatAgentsTable(infos).trimEnd(),
      changing ? describePaths(paths) : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
}

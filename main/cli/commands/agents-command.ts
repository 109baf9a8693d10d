// `cairn agents`: which coding agents are on this machine, with sizes and session counts.

import { contextFromProcess, detectAgents, formatAgentsTable, prepareContext } from '../../engine/agents/index.ts';
import { makeOutput } from '../output.ts';

export async function agentsCommand(opts: { json?: boolean }): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  const infos = await detectAgents(await prepareContext(contextFromProcess()));
  const found = infos.filter((a) => a.detected);
  out.result({ detected: found.length, agents: infos }, () =>
    found.length === 0 ? 'No coding agents found on this machine (looked for: ' + infos.map((a) => a.displayName).join(', ') + ').' : formatAgentsTable(infos),
  );
}

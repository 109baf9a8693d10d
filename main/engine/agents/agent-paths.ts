// The folders the user adds to or removes from agent discovery (`cairn agents --add-path /
// --remove-path`), kept in Cairn's state folder so that the CLI and the app see the same list.
// Added folders are scanned for Aider repositories like ~/src; removed ones are never scanned or
// used, nor anything below them (a default folder or one another agent names included).

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as z from 'zod/mini';
import { ConfigError } from '../../../shared/errors.ts';
import { writeJsonAtomic } from '../atomic-file.ts';
import type { AgentContext } from './types.ts';
import { makeDirsSync } from '../make-dirs.ts';

export interface AgentPaths {
  added: string[];
  removed: string[];
}

export const AGENT_PATHS_FILE = 'agent-paths.json';

const schema = z.object({ added: z.array(z.string()), removed: z.array(z.string()) });

/** The saved folders; none when the file doesn't exist. */
export function loadAgentPaths(stateDir: string): AgentPaths {
  const file = join(stateDir, AGENT_PATHS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { added: [], removed: [] };
    throw error;
  }
  const parsed = schema.safeParse((() => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  })());
  if (!parsed.success) throw new ConfigError(`${file} is not a valid list of agent folders. Fix or delete it, then add the folders again with 'cairn agents --add-path'.`);
  return parsed.data;
}

/** Adds and removes folders (absolute paths), saves, and returns the new lists. */
export function updateAgentPaths(stateDir: string, change: { add?: readonly string[]; remove?: readonly string[] }): AgentPaths {
  const current = loadAgentPaths(stateDir);
  const added = new Set(current.added);
  const removed = new Set(current.removed);
  for (const path of (change.add ?? []).map((p) => resolve(p))) {
    added.add(path);
    removed.delete(path);
  }
  for (const path of (change.remove ?? []).map((p) => resolve(p))) {
    // Removing a folder the user added forgets it; removing any other folder keeps it out.
    if (added.has(path)) added.delete(path);
    else removed.add(path);
  }
  const next = { added: [...added].sort(), removed: [...removed].sort() };
  makeDirsSync(stateDir, 0o700);
  writeJsonAtomic(join(stateDir, AGENT_PATHS_FILE), next);
  return next;
}

/** The part of an agent context the saved folders set. */
export function agentPathsContext(paths: AgentPaths): Pick<AgentContext, 'extraFolders' | 'ignoredFolders'> {
  return { extraFolders: paths.added, ignoredFolders: paths.removed };
}

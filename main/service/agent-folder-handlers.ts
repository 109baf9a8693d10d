// Settings → Agents → Aider project folders: the folders Aider detection scans, in the same file
// as `cairn agents --add-path / --remove-path` (`<state>/agent-paths.json`). A typed `~` is this
// computer's home; anything else must be an absolute path.

import { isAbsolute, join } from 'node:path';
import type { AgentFolders, Handlers } from '../../shared/ipc/contract.ts';
import { ConfigError } from '../../shared/errors.ts';
import { COMMON_PROJECT_FOLDERS, loadAgentPaths, updateAgentPaths } from '../engine/agents/index.ts';

export interface AgentFolderDeps {
  stateDir: string;
  home: string;
  /** Detection changes with the folders: forget what was detected. */
  onChange?(): void;
}

export function expandFolder(path: string, home: string): string {
  const p = path.trim();
  const expanded = p === '~' ? home : p.startsWith('~/') || p.startsWith('~\\') ? join(home, p.slice(2)) : p;
  if (!isAbsolute(expanded)) throw new ConfigError(`'${path}' is not a full path. Use one that starts at the top of the disk (/home/me/src, C:\\Users\\me\\src) or with ~ for your home folder.`);
  return expanded;
}

export function agentFolderHandlers(deps: AgentFolderDeps): Pick<Handlers, 'agents.paths' | 'agents.updatePaths'> {
  const view = (paths: { added: string[]; removed: string[] }): AgentFolders => ({ ...paths, defaults: COMMON_PROJECT_FOLDERS.map((f) => join(deps.home, f)), home: deps.home });
  return {
    'agents.paths': async () => view(loadAgentPaths(deps.stateDir)),
    'agents.updatePaths': async ({ add, remove }) => {
      const paths = updateAgentPaths(deps.stateDir, { add: (add ?? []).map((p) => expandFolder(p, deps.home)), remove: (remove ?? []).map((p) => expandFolder(p, deps.home)) });
      deps.onChange?.();
      return view(paths);
    },
  };
}

// The folders the user adds to or removes from discovery: saved in the state folder, applied to
// the next detection.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { AGENT_PATHS_FILE, agentPathsContext, loadAgentPaths, updateAgentPaths } from './agent-paths.ts';
import { prepareContext } from './discovery.ts';
import { fixtureContext, makeTempHome } from './fixtures.ts';

let home: string;
let state: string;
beforeEach(() => {
  home = makeTempHome('cairn-paths-');
  state = join(home, 'state');
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function aiderRepo(path: string): string {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, '.aider.chat.history.md'), '# aider chat started at 2026-11-30 09:00:00\n');
  return path;
}

describe('agent paths', () => {
  it('saves added and removed folders; removing an added folder forgets it', () => {
    expect(loadAgentPaths(state)).toEqual({ added: [], removed: [] });
    updateAgentPaths(state, { add: [join(home, 'clients')], remove: [join(home, 'src', 'private')] });
    expect(loadAgentPaths(state)).toEqual({ added: [join(home, 'clients')], removed: [join(home, 'src', 'private')] });
    updateAgentPaths(state, { remove: [join(home, 'clients')] });
    expect(loadAgentPaths(state)).toEqual({ added: [], removed: [join(home, 'src', 'private')] });
    // Adding a removed folder back un-removes it.
    updateAgentPaths(state, { add: [join(home, 'src', 'private')] });
    expect(loadAgentPaths(state)).toEqual({ added: [join(home, 'src', 'private')], removed: [] });
  });

  it('applies to discovery: added folders are scanned, removed ones never', async () => {
    const client = aiderRepo(join(home, 'clients', 'acme'));
    aiderRepo(join(home, 'src', 'private'));
    const kept = aiderRepo(join(home, 'src', 'app'));
    updateAgentPaths(state, { add: [join(home, 'clients')], remove: [join(home, 'src', 'private')] });
    const ctx = await prepareContext(fixtureContext(home, 'linux', agentPathsContext(loadAgentPaths(state))));
    expect(ctx.aiderRepos).toEqual([client, kept].sort());
  });

  it('says which file is damaged instead of forgetting the folders', () => {
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, AGENT_PATHS_FILE), '{"added": 3}');
    expect(() => loadAgentPaths(state)).toThrow(ConfigError);
  });
});

// Which files sync merges line by line: only those the adapters list, never a file for its name.

import { describe, expect, it } from 'vitest';
import { ADAPTERS, toBackupSources } from '../agents/index.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import type { AgentBackupSource } from '../agents/index.ts';
import { mergeRule } from './sync.ts';

async function source(agent: string, label: string): Promise<AgentBackupSource> {
  const sources = await toBackupSources(ADAPTERS, fixtureContext('/home/alice', 'linux', { scanFolders: [] }), [agent], { keepMissing: true });
  const found = sources.find((s) => s.label === label);
  if (!found) throw new Error(`no source ${label}`);
  return found;
}

describe('merge rules come from the adapters alone', () => {
  it.each([
    ['claude-code', 'claude-code/config', 'projects/-repo/2222.jsonl', 'append-only'],
    ['claude-code', 'claude-code/config', 'projects/-repo/2222/subagents/agent-a1.jsonl', 'append-only'],
    // Workflow runs are rewritten: a longer remote copy is not a continuation of ours.
    ['claude-code', 'claude-code/config', 'projects/-repo/2222/subagents/workflows/wf_sp01/agent-agsp0001.jsonl', 'whole-file'],
    ['claude-code', 'claude-code/config', 'projects/-repo/2222/subagents/workflows/wf_sp01/journal.jsonl', 'whole-file'],
    ['claude-code', 'claude-code/config', 'history.jsonl', 'shared-log'],
    ['gemini-cli', 'gemini-cli/home', 'tmp/abc/chats/session-2026-04-29T21-39-gemini_s.jsonl', 'append-only'],
    // Subagent chats (chats/<parent>/<id>.jsonl) are rewritten.
    ['gemini-cli', 'gemini-cli/home', 'tmp/abc/chats/session-2026-04-29T21-39-gemini_s/sub-1.jsonl', 'whole-file'],
    // Goose's legacy writer rewrote the whole session file (metadata first).
    ['goose', 'goose/data', 'sessions/20250101_1.jsonl', 'whole-file'],
    ['codex', 'codex/home', 'sessions/2026/08/03/rollout-2026-08-03T10-48-56-x.jsonl', 'append-only'],
  ])('%s %s: %s is %s', async (agent, label, rel, rule) => {
    expect(mergeRule(await source(agent, label), rel)).toBe(rule);
  });
});

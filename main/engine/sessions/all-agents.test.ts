// Every agent's real samples, found the way the catalog finds them: the adapters' roots in the
// samples' home, every file offered to `findSessions`, every session read whole. Every file
// SOURCES.md lists is accounted for: it starts a session, is part of one, or is named below as
// not a conversation.

import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../testing/real-agents.ts';
import { ADAPTERS, type AgentContext } from '../agents/index.ts';
import { findSessions, localFiles, readerForFormat, readSession, type SessionItem, type SessionMeta } from './index.ts';

const home = realAgentsHome();
if (!home) process.stderr.write(`[sessions/all agents] ${REAL_AGENTS_MISSING}\n`);

function walk(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
  } catch {
    return [];
  }
}

/** Sample files (relative to the samples' home) that hold no conversation, with why. */
const NOT_CONVERSATIONS: Record<string, string> = {
  'src/simple-calculator/.aider.input.history': 'Aider’s prompt history (the chat history has the prompts)',
  'src/simple-calculator/.aider.llm.history': 'Aider’s raw LLM traffic log',
  'src/simple-calculator/.gitignore': 'the project’s own file',
  'src/simple-calculator/src/App.js': 'the project’s own file',
  '.config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks/1769053680585/task_metadata.json': 'Cline’s file and model-usage tracking',
  '.config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks/1769053680585/focus_chain_taskid_1769053680585.md': 'Cline’s focus-chain checklist',
};

/** The sessions SOURCES.md's files hold, by the file that starts each (relative to the home). */
const EXPECTED: Record<string, { format: SessionMeta['format']; sessions: number }> = {
  '.claude/projects/-tmp/ses_stage0_small.jsonl': { format: 'claude-code', sessions: 1 },
  '.claude/projects/-tmp-large/ses_stage0_large.jsonl': { format: 'claude-code', sessions: 1 },
  '.claude/projects/-tmp/0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f.jsonl': { format: 'claude-code', sessions: 1 },
  '.claude/projects/-tmp/0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f/subagents/agent-a0ad4f44468bdf20d.jsonl': { format: 'claude-code', sessions: 1 },
  '.claude/projects/-repo/22220000-0000-4000-8000-000000000002.jsonl': { format: 'claude-code', sessions: 1 },
  '.claude/projects/-repo/22220000-0000-4000-8000-000000000002/subagents/workflows/wf_sp01/agent-agsp0001.jsonl': { format: 'claude-code', sessions: 1 },
  '.codex/sessions/2026/08/03/rollout-2026-08-03T10-48-56-019fc8be-3658-7ca3-9e29-000000000000.jsonl': { format: 'codex', sessions: 1 },
  '.codex/sessions/2025/12/18/rollout-2025-12-18T10-00-00-019b2ea4-aaaa-bbbb-cccc-58208e1f0000.jsonl': { format: 'codex', sessions: 1 },
  '.gemini/tmp/0b7dfb1274ee51b336813b17f2ddab1f56b6591f723e7314126bbd502c69e9c9/chats/session-2026-04-29T21-39-gemini_s.jsonl': { format: 'gemini-jsonl', sessions: 1 },
  '.gemini/tmp/0b7dfb1274ee51b336813b17f2ddab1f56b6591f723e7314126bbd502c69e9c9/chats/session-2026-01-16T18-34-3739ef95.json': { format: 'gemini-json', sessions: 1 },
  '.local/share/opencode/opencode.db': { format: 'opencode-db', sessions: 1 },
  '.local/share/opencode/storage/session/proj_test/ses_s_stage0_small.json': { format: 'opencode-storage', sessions: 1 },
  '.local/share/opencode/storage/session/proj_test/ses_s_stage0_large.json': { format: 'opencode-storage', sessions: 1 },
  // 5 chat tabs with bubbles and 26 composers with a conversation (straight from the database in cursor.test.ts).
  '.config/Cursor/User/workspaceStorage/f87f6e0b2cf1ae8645cc0c5ffaa99529/state.vscdb': { format: 'cursor-chat', sessions: 31 },
  '.cursor/projects/tmp/agent-transcripts/8e72ca80-0000-4000-8000-00000000c001/8e72ca80-0000-4000-8000-00000000c001.jsonl': { format: 'cursor-transcript', sessions: 1 },
  '.cursor/projects/tmp/agent-transcripts/8e72ca80-0000-4000-8000-00000000c001/subagents/8e72ca80-0000-4000-8000-00000000c002.jsonl': { format: 'cursor-transcript', sessions: 1 },
  '.cursor/projects/tmp/agent-transcripts/8e72ca80-0000-4000-8000-00000000c003/8e72ca80-0000-4000-8000-00000000c003.jsonl': { format: 'cursor-transcript', sessions: 1 },
  '.cursor/chats/5f0c2b8e3a9d4e1f0a1b2c3d4e5f6a7b/a1b2c3d4-e5f6-7890-abcd-ef1234567890/store.db': { format: 'cursor-cli', sessions: 1 },
  '.config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks/1769053680585/api_conversation_history.json': { format: 'cline', sessions: 1 },
  'src/simple-calculator/.aider.chat.history.md': { format: 'aider', sessions: 1 },
};

describe.skipIf(!home)('the real samples of every agent, as the catalog finds them', () => {
  it('reads every session as a conversation with no line counted as unreadable, and accounts for every sample file', async () => {
    const ctx: AgentContext = { home: home!, platform: 'linux', env: {}, aiderRepos: [join(home!, 'src/simple-calculator')] };
    const sessions: { meta: SessionMeta; items: SessionItem[]; start: string }[] = [];
    const covered = new Set<string>();
    for (const adapter of ADAPTERS) {
      for (const root of adapter.roots(ctx)) {
        if (root.kind !== 'dir') continue;
        const files = localFiles(root.path);
        const under = relative(home!, root.path).split(sep).join('/');
        for (const ref of await findSessions(adapter.id, files, walk(root.path))) {
          const { meta, items } = await readSession(readerForFormat(ref.format), files, ref);
          sessions.push({ meta, items, start: `${under}/${ref.path}` });
          for (const f of meta.files) covered.add(`${under}/${f}`);
        }
      }
    }

    // Every sample file starts a session, is part of one, or is known not to be a conversation.
    const all = walk(home!);
    expect(all.filter((f) => !covered.has(f) && !(f in NOT_CONVERSATIONS))).toEqual([]);
    const started = new Map<string, { format: string; sessions: number }>();
    for (const s of sessions) started.set(s.start, { format: s.meta.format, sessions: (started.get(s.start)?.sessions ?? 0) + 1 });
    expect(Object.fromEntries([...started].sort(([a], [b]) => a.localeCompare(b)))).toEqual(Object.fromEntries(Object.entries(EXPECTED).sort(([a], [b]) => a.localeCompare(b))));

    // Goose has no public agent-written sample (SOURCES.md); the other seven do.
    expect([...new Set(sessions.map((s) => s.meta.agent))].sort()).toEqual(['aider', 'claude-code', 'cline', 'codex', 'cursor', 'gemini-cli', 'opencode']);

    // Nothing unreadable; every session a conversation (the store.db sample ships no blobs).
    const label = (m: SessionMeta) => `${m.format} ${m.ref.path} ${m.ref.key ?? ''}`;
    expect(sessions.filter((s) => s.meta.counts.unreadable > 0).map((s) => `${label(s.meta)}: ${s.meta.counts.unreadable}`)).toEqual([]);
    for (const { meta, items } of sessions) {
      expect(meta.id, label(meta)).toBeTruthy();
      if (meta.format === 'cursor-cli') continue;
      expect(meta.counts.messages, label(meta)).toBeGreaterThan(0);
      expect(items.some((i) => i.kind === 'message' && i.text.trim() !== ''), label(meta)).toBe(true);
    }

    // What the issue found missing, each present now.
    const by = (start: string) => sessions.find((s) => s.start.endsWith(start)) as (typeof sessions)[number];
    // Claude Code `attachment` lines are attachments, sub-agents and workflow agents are linked to their parent.
    expect(by('-tmp/ses_stage0_small.jsonl').meta.counts.attachments).toBeGreaterThan(0);
    expect(by('agent-a0ad4f44468bdf20d.jsonl').meta).toMatchObject({ parentId: '0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f', role: 'subagent' });
    expect(by('-tmp/0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f.jsonl').meta.children).toContain(by('agent-a0ad4f44468bdf20d.jsonl').meta.id);
    expect(by('wf_sp01/agent-agsp0001.jsonl').meta.parentId).toBe('22220000-0000-4000-8000-000000000002');
    // A current Codex rollout: every tool call a tool call, its new record families not shown by name.
    const codex = by('rollout-2026-08-03T10-48-56-019fc8be-3658-7ca3-9e29-000000000000.jsonl').meta;
    expect(codex.counts.toolCalls).toBe(8);
    for (const t of ['world_state', 'ghost_snapshot', 'inter_agent_communication_metadata']) expect(codex.notShownTypes[t], t).toBeGreaterThan(0);
    // Gemini's JSONL chat: `$set` records fold into the session, no line unreadable.
    expect(by('session-2026-04-29T21-39-gemini_s.jsonl').meta.counts).toMatchObject({ unreadable: 0, toolCalls: 1 });
    // Sessions' times come from their records wherever the records date anything.
    for (const { meta } of sessions) if (meta.startedAt) expect(meta.updatedAt, label(meta)).toBeDefined();
  });
});

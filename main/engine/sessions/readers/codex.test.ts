import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type * as Zstd from 'zstd-napi';
import { afterAll, describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../../testing/real-agents.ts';
import { allPages } from '../../../../testing/sessions.ts';
import { findSessions, localFiles, readSession, readerFor, type SessionItem } from '../index.ts';

const zstd = createRequire(import.meta.url)('zstd-napi') as typeof Zstd;
const home = realAgentsHome();
if (!home) process.stderr.write(`[sessions/codex] ${REAL_AGENTS_MISSING}\n`);
const root = home ? join(home, '.codex') : '';
const CURRENT = 'sessions/2026/08/03/rollout-2026-08-03T10-48-56-019fc8be-3658-7ca3-9e29-000000000000.jsonl';
const OLDER = 'sessions/2025/12/18/rollout-2025-12-18T10-00-00-019b2ea4-aaaa-bbbb-cccc-58208e1f0000.jsonl';
const CALL_TYPES = ['function_call', 'custom_tool_call', 'local_shell_call', 'tool_search_call', 'web_search_call', 'image_generation_call', 'tool_call'];
const temp = mkdtempSync(join(tmpdir(), 'cairn-codex-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function fileFacts(path: string) {
  const records = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { type: string; payload?: { type?: string } });
  return { lines: records.length, toolCalls: records.filter((r) => r.type === 'response_item' && CALL_TYPES.includes(r.payload?.type ?? '')).length, records };
}

function readAll(files: ReturnType<typeof localFiles>, path: string, limit: number): Promise<SessionItem[]> {
  return allPages(readerFor('codex', path)!, files, { agent: 'codex', format: 'codex', path }, limit);
}

describe.skipIf(!home)('Codex reader on real samples', () => {
  it('reads every record family of a 0.146 rollout with no line unreadable and every tool call as a tool call', async () => {
    const files = localFiles(root);
    const [ref] = await findSessions('codex', files, [CURRENT]);
    const { meta, items } = await readSession(readerFor('codex', CURRENT)!, files, ref!);
    const facts = fileFacts(join(root, CURRENT));
    expect(meta.counts.unreadable).toBe(0);
    expect(facts.toolCalls).toBe(8);
    expect(meta.counts.toolCalls).toBe(facts.toolCalls);
    expect(meta.id).toBe('019fc8be-3658-7ca3-9e29-000000000000');
    expect(meta.project).toBe('/tmp/repo');
    expect(meta.role).toBe('main');
    expect(meta.model).toBeDefined();
    expect(meta.notShownTypes).toMatchObject({ ghost_snapshot: 1, world_state: 5, inter_agent_communication_metadata: 1, 'event token_count': 3 });
    expect(items.filter((i) => i.kind === 'note' && i.label === 'Conversation compacted')).toHaveLength(6);
    expect(items.some((i) => i.kind === 'note' && i.label.startsWith('Agent message'))).toBe(true);
    expect(items.some((i) => i.kind === 'subagent')).toBe(true);
    const calls = items.filter((i): i is Extract<SessionItem, { kind: 'tool-call' }> => i.kind === 'tool-call');
    expect(calls.map((c) => c.name).sort()).toEqual(['image_generation', 'shell', 'shell', 'tool_search', 'tool_search', 'web_search', '[trimmed for fixture]', '[trimmed for fixture].[trimmed for fixture]'].sort());
    // call-1 (custom) and call-2 (function) get their outputs although other items come between.
    expect(calls.find((c) => c.callId === 'call-1')?.result?.text).toBe('a.txt\nb.txt\n');
    expect(calls.find((c) => c.callId === 'call-2')?.result?.text).toBe('a.txt\n');
    expect(calls.find((c) => c.callId === 'call-3')?.result?.text).toContain('example_tool');
    // Every line became an item except pure metadata (the first session_meta, turn contexts, the thread name).
    const lines = new Set(items.flatMap((i) => [i.at?.line, i.kind === 'tool-call' ? i.result?.at?.line : undefined]));
    facts.records.forEach((r, i) => {
      const metadataOnly = r.type === 'turn_context' || (r.type === 'session_meta' && i === 0) || r.payload?.type === 'thread_name_updated';
      if (!metadataOnly) expect(lines.has(i + 1), `line ${i + 1} ${r.type}/${r.payload?.type}`).toBe(true);
    });
  });

  it('pairs 0.10x tool_call / tool_result records that carry no call id', async () => {
    const files = localFiles(root);
    const { meta, items } = await readSession(readerFor('codex', OLDER)!, files, { agent: 'codex', format: 'codex', path: OLDER });
    expect(meta.counts).toMatchObject({ unreadable: 0, toolCalls: 1, toolResults: 0, userMessages: 6, assistantMessages: 7 });
    expect(meta.model).toBe('gpt-5.2');
    expect(meta.title).toBe('Start');
    const call = items.find((i) => i.kind === 'tool-call');
    expect(call?.kind === 'tool-call' && call.result?.text).toBe('line1\nline2\nline3\n');
    expect(items.some((i) => i.kind === 'note' && i.label === 'Context')).toBe(true);
  });

  it('reads a .jsonl.zst rollout as it streams, pages included', async () => {
    const zst = `${CURRENT}.zst`;
    mkdirSync(dirname(join(temp, zst)), { recursive: true });
    writeFileSync(join(temp, zst), zstd.compress(readFileSync(join(root, CURRENT))));
    expect(readerFor('codex', zst)?.format).toBe('codex');
    const plain = await readSession(readerFor('codex', CURRENT)!, localFiles(root), { agent: 'codex', format: 'codex', path: CURRENT });
    const compressed = await readAll(localFiles(temp), zst, 5);
    const strip = (items: SessionItem[]) => JSON.parse(JSON.stringify(items).replaceAll(`${CURRENT}.zst`, CURRENT)) as SessionItem[];
    expect(strip(compressed)).toEqual(plain.items);
    expect(await readAll(localFiles(root), CURRENT, 3)).toEqual(plain.items);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../../testing/real-agents.ts';
import { findSessions, localFiles, readMeta, readPage, readSession, readerFor, type SessionItem } from '../index.ts';

const home = realAgentsHome();
if (!home) process.stderr.write(`[sessions/claude-code] ${REAL_AGENTS_MISSING}\n`);
const root = home ? join(home, '.claude') : '';

/** Counts straight from the file, independently of the reader. */
function fileCounts(path: string) {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim());
  let toolUses = 0;
  let attachments = 0;
  for (const line of lines) {
    const v = JSON.parse(line) as { type?: string; message?: { content?: unknown } };
    if (v.type === 'attachment') attachments += 1;
    if (Array.isArray(v.message?.content)) toolUses += (v.message.content as { type?: string }[]).filter((b) => b.type === 'tool_use').length;
  }
  return { lines: lines.length, toolUses, attachments };
}

describe.skipIf(!home)('Claude Code reader on real samples', () => {
  it('reads every line of the 2.1.x sample, attachments and tool calls included', async () => {
    const path = 'projects/-tmp/ses_stage0_small.jsonl';
    const reader = readerFor('claude-code', path);
    expect(reader?.format).toBe('claude-code');
    const files = localFiles(root);
    const [ref] = await findSessions('claude-code', files, [path]);
    const { meta, items } = await readSession(reader!, files, ref!);
    const expected = fileCounts(join(root, path));
    expect(meta.counts.unreadable).toBe(0);
    expect(meta.counts.toolCalls).toBe(expected.toolUses);
    expect(meta.counts.attachments).toBeGreaterThanOrEqual(expected.attachments);
    expect(items.filter((i) => i.kind === 'attachment' && i.label.startsWith('hook success')).length).toBeGreaterThan(0);
    expect(meta.title).toBe('Stage0 small fixture'); // custom-title beats ai-title
    expect(meta.id).toBe('ses_stage0_small');
    expect(meta.project).toBe('/tmp');
    expect(meta.notShownTypes['file-history-snapshot']).toBe(1);
    expect(items.some((i) => i.kind === 'note' && i.label === 'Permission mode' && i.text === 'bypassPermissions')).toBe(true);
    expect(items.some((i) => i.kind === 'note' && i.label === 'Mode' && i.text === 'normal')).toBe(true);
    // Every line is accounted for: each one gives at least one item unless it is pure metadata.
    const lines = new Set(items.flatMap((i) => [i.at?.line, i.kind === 'tool-call' ? i.result?.at?.line : undefined]));
    const metadataOnly = ['custom-title', 'ai-title', 'agent-name', 'last-prompt'];
    const text = readFileSync(join(root, path), 'utf8').split('\n').filter((l) => l.trim());
    text.forEach((line, i) => {
      const type = (JSON.parse(line) as { type: string }).type;
      if (!metadataOnly.includes(type)) expect(lines.has(i + 1), `line ${i + 1} (${type})`).toBe(true);
    });
  });

  it('links a sub-agent transcript to its parent', async () => {
    const files = localFiles(root);
    const parentPath = 'projects/-tmp/0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f.jsonl';
    const childPath = 'projects/-tmp/0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f/subagents/agent-a0ad4f44468bdf20d.jsonl';
    const refs = await findSessions('claude-code', files, await files.list('projects/-tmp'));
    expect(refs.map((r) => r.path)).toContain(childPath);
    const reader = readerFor('claude-code', childPath)!;
    const parent = await readMeta(reader, files, { agent: 'claude-code', format: 'claude-code', path: parentPath });
    const child = await readMeta(reader, files, { agent: 'claude-code', format: 'claude-code', path: childPath });
    expect(parent.role).toBe('main');
    expect(parent.children).toEqual(['agent-a0ad4f44468bdf20d']);
    // Restoring the parent restores its sub-agents' files too.
    expect(parent.files).toEqual([parentPath, childPath, childPath.replace('.jsonl', '.meta.json')]);
    expect(child.id).toBe('agent-a0ad4f44468bdf20d');
    expect(child.parentId).toBe('0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f');
    expect(child.role).toBe('subagent');
    expect(child.files).toContain(childPath.replace('.jsonl', '.meta.json'));
    expect(child.counts).toMatchObject({ unreadable: 0, toolCalls: 1, attachments: 1, userMessages: 1 });
    expect(child.title).toBe('Search the repo for TODO comments');
  });

  it('reads a workflow agent with its journal result', async () => {
    const files = localFiles(root);
    const childPath = 'projects/-repo/22220000-0000-4000-8000-000000000002/subagents/workflows/wf_sp01/agent-agsp0001.jsonl';
    const reader = readerFor('claude-code', childPath)!;
    expect(readerFor('claude-code', childPath.replace('agent-agsp0001', 'journal'))).toBeUndefined();
    const { meta, items } = await readSession(reader, files, { agent: 'claude-code', format: 'claude-code', path: childPath });
    expect(meta).toMatchObject({ id: 'agent-agsp0001', parentId: '22220000-0000-4000-8000-000000000002', role: 'workflow', model: 'claude-sonnet-4-6' });
    expect(items.some((i) => i.kind === 'note' && i.label === 'Agent result' && i.text.includes('2 stale pages'))).toBe(true);
    const parent = await readSession(reader, files, { agent: 'claude-code', format: 'claude-code', path: 'projects/-repo/22220000-0000-4000-8000-000000000002.jsonl' });
    expect(parent.meta.children).toEqual(['agent-agsp0001']);
    const calls = parent.items.filter((i): i is Extract<SessionItem, { kind: 'tool-call' }> => i.kind === 'tool-call');
    expect(calls.map((c) => c.name)).toEqual(['Workflow', 'Workflow']);
    expect(calls.every((c) => c.result?.text.startsWith('Workflow launched'))).toBe(true);
  });

  it('pages give the same items as a whole read, whatever the page size', async () => {
    const files = localFiles(root);
    const ref = { agent: 'claude-code' as const, format: 'claude-code' as const, path: 'projects/-tmp/ses_stage0_small.jsonl' };
    const reader = readerFor('claude-code', ref.path)!;
    const whole = await readSession(reader, files, ref);
    for (const limit of [1, 2, 3, 7, 50]) {
      const paged: SessionItem[] = [];
      let cursor: string | undefined;
      do {
        const page = await readPage(reader, files, ref, { limit, cursor });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        paged.push(...page.items);
        cursor = page.next;
      } while (cursor);
      expect(paged, `limit ${limit}`).toEqual(whole.items);
    }
  });
});

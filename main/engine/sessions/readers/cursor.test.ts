import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../../testing/real-agents.ts';
import { localFiles, readPage, readSession, readerFor, type SessionItem, type SessionRef } from '../index.ts';

const home = realAgentsHome();
if (!home) process.stderr.write(`[sessions/cursor] ${REAL_AGENTS_MISSING}\n`);
const temp = mkdtempSync(join(tmpdir(), 'cairn-cursor-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe.skipIf(!home)('Cursor readers on real samples', () => {
  it('reads every chat tab and composer of the real Nov 2024 workspace database', async () => {
    const root = join(home!, '.config/Cursor/User');
    const path = 'workspaceStorage/f87f6e0b2cf1ae8645cc0c5ffaa99529/state.vscdb';
    const files = localFiles(root);
    const reader = readerFor('cursor', path)!;
    expect(reader.format).toBe('cursor-chat');
    const refs = await reader.list(files, path);
    // Straight from the database: tabs with bubbles, composers with a conversation.
    // A copy: opening the sample in place could leave -wal/-shm files beside it.
    const copy = join(temp, 'state-copy.vscdb');
    copyFileSync(join(root, path), copy);
    const db = new Database(copy, { readonly: true });
    const value = (key: string) => JSON.parse((db.prepare('SELECT value FROM ItemTable WHERE key = ?').get(key) as { value: string }).value) as Record<string, unknown>;
    const tabs = (value('workbench.panel.aichat.view.aichat.chatdata').tabs as { tabId: string; bubbles: { type: string; text?: string }[] }[]).filter((t) => t.bubbles.length > 0);
    const composers = (value('composer.composerData').allComposers as { composerId: string; conversation?: { type: number }[] }[]).filter((c) => (c.conversation ?? []).length > 0);
    db.close();
    expect(refs.map((r) => r.key)).toEqual([...tabs.map((t) => `chat:${t.tabId}`), ...composers.map((c) => `composer:${c.composerId}`)]);
    let userMessages = 0;
    for (const ref of refs) {
      const { meta } = await readSession(reader, files, ref);
      expect(meta.counts.unreadable, ref.key).toBe(0);
      expect(meta.title, ref.key).toBeTruthy();
      if (ref.key?.startsWith('chat:')) userMessages += meta.counts.userMessages;
    }
    expect(userMessages).toBe(tabs.flatMap((t) => t.bubbles).filter((b) => b.type === 'user' && (b.text ?? '').trim()).length);
    const first = await readSession(reader, files, refs[0]!);
    expect(first.meta).toMatchObject({ id: tabs[0]!.tabId, title: 'Ionic App Sidebar Customization Guide', model: 'claude-3.5-sonnet', updatedAt: '2024-11-17T04:37:11.743Z' });
    expect(first.meta.counts.assistantMessages).toBe(16);
    const paged: SessionItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await readPage(reader, files, refs[0]!, { limit: 5, cursor });
      paged.push(...page.items);
      cursor = page.next;
    } while (cursor);
    expect(paged).toEqual(first.items);
  });

  it('reads agent transcripts, their sub-agents and roleless turn markers', async () => {
    const files = localFiles(join(home!, '.cursor'));
    const dir = 'projects/tmp/agent-transcripts/8e72ca80-0000-4000-8000-00000000c001';
    const main = `${dir}/8e72ca80-0000-4000-8000-00000000c001.jsonl`;
    const sub = `${dir}/subagents/8e72ca80-0000-4000-8000-00000000c002.jsonl`;
    const reader = readerFor('cursor', main)!;
    expect(reader.format).toBe('cursor-transcript');
    const parent = await readSession(reader, files, { agent: 'cursor', format: 'cursor-transcript', path: main });
    expect(parent.meta).toMatchObject({ id: '8e72ca80-0000-4000-8000-00000000c001', role: 'main', children: ['8e72ca80-0000-4000-8000-00000000c002'], title: 'run ls command' });
    expect(parent.meta.counts).toMatchObject({ unreadable: 0, userMessages: 2, toolCalls: 2 });
    const child = await readSession(reader, files, { agent: 'cursor', format: 'cursor-transcript', path: sub });
    expect(child.meta).toMatchObject({ parentId: '8e72ca80-0000-4000-8000-00000000c001', role: 'subagent' });
    const third = `projects/tmp/agent-transcripts/8e72ca80-0000-4000-8000-00000000c003/8e72ca80-0000-4000-8000-00000000c003.jsonl`;
    const last = await readSession(reader, files, { agent: 'cursor', format: 'cursor-transcript', path: third });
    expect(last.meta.counts).toMatchObject({ unreadable: 0, notShown: 0, toolCalls: 1 });
    expect(last.items.at(-1)).toMatchObject({ kind: 'note', label: 'Turn ended', text: 'success' });
  });

  it("reads the cursor-agent CLI store's metadata", async () => {
    const files = localFiles(join(home!, '.cursor'));
    const path = 'chats/5f0c2b8e3a9d4e1f0a1b2c3d4e5f6a7b/a1b2c3d4-e5f6-7890-abcd-ef1234567890/store.db';
    const reader = readerFor('cursor', path)!;
    expect(reader.format).toBe('cursor-cli');
    const { meta } = await readSession(reader, files, { agent: 'cursor', format: 'cursor-cli', path });
    // Updated at the newest time its records carry (here only createdAt), never the file's mtime.
    expect(meta).toMatchObject({ id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890', title: 'Test Session', model: 'claude-4-sonnet', startedAt: '2026-04-07T00:43:10.321Z', updatedAt: '2026-04-07T00:43:10.321Z' });
    expect(meta.counts.unreadable).toBe(0);
  });
});

describe('Cursor global composer store (cursorDiskKV)', () => {
  it('follows a composer header list to its bubbles', async () => {
    // The shape Cursor writes since 2025: headers in composerData, one row per bubble.
    mkdirSync(join(temp, 'globalStorage'), { recursive: true });
    const db = new Database(join(temp, 'globalStorage/state.vscdb'));
    db.exec('CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)');
    const put = db.prepare('INSERT INTO cursorDiskKV VALUES (?, ?)');
    put.run('composerData:c1', JSON.stringify({ composerId: 'c1', name: 'Fix the build', createdAt: 1767000000000, lastUpdatedAt: 1767000060000, fullConversationHeadersOnly: [{ bubbleId: 'b1', type: 1 }, { bubbleId: 'b2', type: 2 }, { bubbleId: 'b3', type: 2 }] }));
    put.run('bubbleId:c1:b1', JSON.stringify({ type: 1, text: 'the build fails', context: { fileSelections: [{ uri: { fsPath: '/w/Makefile' } }] } }));
    put.run('bubbleId:c1:b2', JSON.stringify({ type: 2, text: '', thinking: { text: 'check make output' }, toolFormerData: { name: 'run_terminal_cmd', toolCallId: 't1', rawArgs: '{"command":"make"}', result: '{"output":"ok"}', status: 'completed' } }));
    put.run('bubbleId:c1:b3', JSON.stringify({ type: 2, text: 'It builds now.', modelInfo: { modelName: 'gpt-5' } }));
    put.run('composerData:c2', JSON.stringify({ composerId: 'c2', conversation: [] }));
    db.close();
    const files = localFiles(temp);
    const reader = readerFor('cursor', 'globalStorage/state.vscdb')!;
    expect(reader.format).toBe('cursor-composer');
    const refs = await reader.list(files, 'globalStorage/state.vscdb');
    expect(refs.map((r) => r.key)).toEqual(['c1', 'c2']);
    const { meta, items } = await readSession(reader, files, refs[0] as SessionRef);
    expect(meta).toMatchObject({ id: 'c1', title: 'Fix the build', model: 'gpt-5', startedAt: '2025-12-29T09:20:00.000Z', updatedAt: '2025-12-29T09:21:00.000Z' });
    expect(items.map((i) => i.kind)).toEqual(['message', 'attachment', 'thinking', 'tool-call', 'message']);
    expect(items[3]).toMatchObject({ name: 'run_terminal_cmd', summary: 'make', result: { text: '{"output":"ok"}' } });
  });
});

describe('Cursor plain-text agent transcripts', () => {
  it('reads user / A headings and tool blocks', async () => {
    // The older `agent-transcripts/<id>.txt` shape as public readers of these files describe it.
    const path = 'projects/home-alice-app/agent-transcripts/0f1e2d3c.txt';
    const { writeFileSync } = await import('node:fs');
    mkdirSync(join(temp, 'projects/home-alice-app/agent-transcripts'), { recursive: true });
    writeFileSync(join(temp, path), ['user:', '<user_query>', 'why is CI red?', '</user_query>', '', 'A:', 'Let me look at the logs.', '', '[Tool call] Shell', '  command: npm test', '', '[Tool result] Shell', '1 failing', '', 'A:', 'One test fails: fixed.', ''].join('\n'));
    const reader = readerFor('cursor', path)!;
    expect(reader.format).toBe('cursor-text');
    const { meta, items } = await readSession(reader, localFiles(temp), { agent: 'cursor', format: 'cursor-text', path });
    expect(meta).toMatchObject({ id: '0f1e2d3c', title: 'why is CI red?' });
    expect(items.map((i) => (i.kind === 'message' ? `${i.role}:${i.text}` : i.kind === 'tool-call' ? `call:${i.name}:${i.summary}` : i.kind === 'tool-result' ? `result:${i.result.text}` : i.kind))).toEqual([
      'user:why is CI red?',
      'assistant:Let me look at the logs.',
      'call:Shell:command: npm test',
      'result:1 failing',
      'assistant:One test fails: fixed.',
    ]);
  });
});

// The cursor-agent store's blobs as the public descriptions of it give them (see cursor.ts): JSON
// messages in the AI SDK shape, messages in Protocol Buffers, and Protocol Buffers tree nodes whose
// 32-byte fields are child blob ids. Encoded here with a minimal wire-format writer.
describe('cursor-agent CLI store (blobs)', () => {
  const varint = (n: number) => {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return Buffer.from(out);
  };
  const field = (no: number, value: Buffer | string) => {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    return Buffer.concat([varint((no << 3) | 2), varint(bytes.length), bytes]);
  };
  const id = (data: Buffer) => createHash('sha256').update(data).digest('hex');
  const ref = (data: Buffer) => field(1, Buffer.from(id(data), 'hex'));
  const json = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');

  it('reads the conversation from the root blob: JSON and Protocol Buffers messages, tool calls with results, times from the prompts', async () => {
    const system = json({ role: 'system', content: 'You are a coding agent.' });
    const user1 = json({ role: 'user', content: [{ type: 'text', text: '<user_info>OS: linux</user_info>' }, { type: 'text', text: '<timestamp>Sunday, Jan 4, 2026, 3:14 PM (UTC+1)</timestamp>\n<user_query>\nwhy does the build fail?\n</user_query>' }], providerOptions: { cursor: { requestId: 'r1' } } });
    const assistant1 = json({ id: '1', role: 'assistant', content: [{ type: 'reasoning', text: 'check the log first', signature: 's' }, { type: 'text', text: 'Running the build.' }, { type: 'tool-call', toolCallId: 'toolu_1', toolName: 'Shell', args: { command: 'npm run build' } }], providerOptions: { cursor: { modelName: 'claude-4.5-opus-high-thinking' } } });
    const tool1 = json({ role: 'tool', id: 'toolu_1', content: [{ type: 'tool-result', toolName: 'Shell', toolCallId: 'toolu_1', result: 'Exit code: 1\n\nmissing import' }] });
    const assistant2 = Buffer.concat([field(1, field(1, 'Fixed the import.')), field(3, '')]);
    const user2 = Buffer.concat([field(1, 'thanks, ship it'), field(2, '5b0e7c1e-0000-4000-8000-000000000001')]);
    const odd = json({ role: 'assistant', content: [{ type: 'source-url', url: 'https://example.com' }] });
    const opaque = Buffer.from([0xff, 0xff, 0xff]);
    const stale = json({ role: 'user', content: 'an earlier state of the chat, no longer in the tree' });
    const node = Buffer.concat([ref(system), ref(user1), ref(assistant1)]);
    const root = Buffer.concat([ref(node), ref(tool1), ref(assistant2), ref(user2), ref(odd), ref(opaque), Buffer.from([0x18, 0x07]), field(9, JSON.stringify({ role: 'assistant', content: 'All green.' }))]);
    const dir = join(temp, 'cli-store/chats/0123456789abcdef0123456789abcdef/0f0e0d0c-0000-4000-8000-000000000042');
    mkdirSync(dir, { recursive: true });
    const db = new Database(join(dir, 'store.db'));
    db.exec('CREATE TABLE blobs (id TEXT PRIMARY KEY, data BLOB); CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);');
    const meta = { agentId: '0f0e0d0c-0000-4000-8000-000000000042', name: 'Build failure', mode: 'default', createdAt: Date.UTC(2026, 0, 4, 14, 0), lastUsedModel: 'default', latestRootBlobId: id(root) };
    db.prepare("INSERT INTO meta VALUES ('0', ?)").run(Buffer.from(JSON.stringify(meta)).toString('hex'));
    const add = db.prepare('INSERT INTO blobs VALUES (?, ?)');
    for (const b of [stale, system, user1, assistant1, tool1, assistant2, user2, odd, opaque, node, root]) add.run(id(b), b);
    db.close();

    const files = localFiles(join(temp, 'cli-store'));
    const path = 'chats/0123456789abcdef0123456789abcdef/0f0e0d0c-0000-4000-8000-000000000042/store.db';
    const reader = readerFor('cursor', path)!;
    const sessionRef: SessionRef = { agent: 'cursor', format: 'cursor-cli', path };
    const { meta: m, items } = await readSession(reader, files, sessionRef);
    const shown = items.map((i) => {
      if (i.kind === 'message') return `${i.role}:${i.text}`;
      if (i.kind === 'tool-call') return `call:${i.name}:${i.summary}:${i.result?.text ?? ''}`;
      if (i.kind === 'not-shown') return `not shown:${i.recordType}`;
      if (i.kind === 'thinking') return `thinking:${i.text}`;
      return i.kind;
    });
    expect(shown).toEqual([
      'not shown:system message',
      'not shown:context for the agent',
      'user:why does the build fail?',
      'thinking:check the log first',
      'assistant:Running the build.',
      'call:Shell:npm run build:Exit code: 1\n\nmissing import',
      'assistant:Fixed the import.',
      'user:thanks, ship it',
      'not shown:content block source-url',
      'not shown:blob (not a message)',
      'assistant:All green.',
    ]);
    expect(items.find((i) => i.kind === 'message' && i.role === 'user')?.time).toBe('2026-01-04T14:14:00.000Z');
    expect(m).toMatchObject({ id: '0f0e0d0c-0000-4000-8000-000000000042', title: 'Build failure', model: 'claude-4.5-opus-high-thinking', startedAt: '2026-01-04T14:00:00.000Z', updatedAt: '2026-01-04T14:14:00.000Z' });
    expect(m.counts).toMatchObject({ unreadable: 0, userMessages: 2, assistantMessages: 3, toolCalls: 1, toolResults: 0 });
    const paged: SessionItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await readPage(reader, files, sessionRef, { limit: 2, cursor });
      paged.push(...page.items);
      cursor = page.next;
    } while (cursor);
    expect(paged).toEqual(items);
  });
});

describe('Cursor agent transcripts with prompt timestamps', () => {
  it('takes the user text from <user_query> and its time from <timestamp>', async () => {
    const dir = join(temp, 'ts/projects/home-a-app/agent-transcripts/9d2f0000-0000-4000-8000-000000000001');
    mkdirSync(dir, { recursive: true });
    const lines = [
      { role: 'user', message: { content: [{ type: 'text', text: '<timestamp>Monday, Feb 2, 2026, 9:05 AM (UTC-5)</timestamp>\n<user_query>\nrename the flag\n</user_query>' }] } },
      { role: 'assistant', message: { content: [{ type: 'text', text: 'Renamed.' }] } },
    ];
    writeFileSync(join(dir, '9d2f0000-0000-4000-8000-000000000001.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const path = 'projects/home-a-app/agent-transcripts/9d2f0000-0000-4000-8000-000000000001/9d2f0000-0000-4000-8000-000000000001.jsonl';
    const { meta, items } = await readSession(readerFor('cursor', path)!, localFiles(join(temp, 'ts')), { agent: 'cursor', format: 'cursor-transcript', path });
    expect(items[0]).toMatchObject({ kind: 'message', role: 'user', text: 'rename the flag', time: '2026-02-02T14:05:00.000Z' });
    expect(meta.updatedAt).toBe('2026-02-02T14:05:00.000Z');
  });
});

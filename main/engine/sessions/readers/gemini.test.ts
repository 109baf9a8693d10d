import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../../testing/real-agents.ts';
import { allPages, readInHeap } from '../../../../testing/sessions.ts';
import { localFiles, readPage, readSession, readerFor, type SessionItem, type SessionRef } from '../index.ts';

const home = realAgentsHome();
if (!home) process.stderr.write(`[sessions/gemini] ${REAL_AGENTS_MISSING}\n`);
const root = home ? join(home, '.gemini') : '';
const HASH = '0b7dfb1274ee51b336813b17f2ddab1f56b6591f723e7314126bbd502c69e9c9';
const LEGACY = `tmp/${HASH}/chats/session-2026-01-16T18-34-3739ef95.json`;
const JSONL = `tmp/${HASH}/chats/session-2026-04-29T21-39-gemini_s.jsonl`;
const temp = mkdtempSync(join(tmpdir(), 'cairn-gemini-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(temp, path)), { recursive: true });
  writeFileSync(join(temp, path), text);
}

async function read(files: ReturnType<typeof localFiles>, path: string) {
  const reader = readerFor('gemini-cli', path);
  if (!reader) throw new Error(`no reader for ${path}`);
  const ref: SessionRef = (await reader.list(files, path))[0] as SessionRef;
  return { reader, ref, ...(await readSession(reader, files, ref)) };
}

describe.skipIf(!home)('Gemini CLI readers on real samples', () => {
  it('reads the legacy single-JSON chat', async () => {
    const { meta, items, ref } = await read(localFiles(root), LEGACY);
    expect(ref.format).toBe('gemini-json');
    expect(meta).toMatchObject({ id: 'session-2026-01-16T18-34-3739ef95', model: 'gemini-3-flash-preview', startedAt: '2026-01-16T18:34:00.000Z', updatedAt: '2026-01-16T18:34:10.000Z', title: 'Hello' });
    expect(meta.counts).toMatchObject({ userMessages: 1, assistantMessages: 1, thinking: 1, unreadable: 0, notShown: 0 });
    expect(items.map((i) => i.kind)).toEqual(['message', 'thinking', 'message']);
  });

  it('reads the 0.40 JSONL chat: metadata line, $set records, tool calls with results', async () => {
    const { meta, items, ref } = await read(localFiles(root), JSONL);
    expect(ref.format).toBe('gemini-jsonl');
    const lines = readFileSync(join(root, JSONL), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { toolCalls?: unknown[] });
    expect(meta.counts.toolCalls).toBe(lines.reduce((n, l) => n + (l.toolCalls?.length ?? 0), 0));
    expect(meta).toMatchObject({ id: 'gemini_stage0_jsonl', role: 'main', updatedAt: '2026-04-29T21:39:45.996Z', model: 'gemini-3-flash-preview' });
    expect(meta.counts).toMatchObject({ userMessages: 1, assistantMessages: 1, unreadable: 0, notShown: 0 });
    const call = items.find((i): i is Extract<SessionItem, { kind: 'tool-call' }> => i.kind === 'tool-call');
    expect(call).toMatchObject({ name: 'run_shell_command', summary: 'ls -F', callId: 'run_shell_command_stage0', result: { text: 'AgentSessions/\nREADME.md', isError: false } });
  });
});

describe('Gemini CLI JSONL log semantics (upserts, $rewindTo, $set, sub-agents)', () => {
  it('keeps the last record of an id in its first place and drops what a rewind removes', async () => {
    const lines = [
      { sessionId: 'full-session-id', projectHash: 'h', startTime: '2026-05-01T10:00:00Z', lastUpdated: '2026-05-01T10:00:00Z', kind: 'main' },
      { id: 'u1', timestamp: '2026-05-01T10:00:01Z', type: 'user', content: [{ text: 'first question' }] },
      { id: 'g1', timestamp: '2026-05-01T10:00:02Z', type: 'gemini', content: '', toolCalls: [{ id: 't1', name: 'read_file', args: { absolute_path: '/p/a.ts' }, status: 'executing', timestamp: '2026-05-01T10:00:02Z' }] },
      { id: 'u2', timestamp: '2026-05-01T10:00:05Z', type: 'user', content: 'a question that is rewound' },
      { id: 'g1', timestamp: '2026-05-01T10:00:02Z', type: 'gemini', content: 'Read it.', toolCalls: [{ id: 't1', name: 'read_file', args: { absolute_path: '/p/a.ts' }, status: 'success', result: [{ functionResponse: { id: 't1', name: 'read_file', response: { output: 'export {}' } } }], timestamp: '2026-05-01T10:00:03Z' }] },
      { $rewindTo: 'u2' },
      { $set: { summary: 'Reading a.ts', lastUpdated: '2026-05-01T10:00:09Z' } },
      { id: 'u3', timestamp: '2026-05-01T10:00:08Z', type: 'user', content: 'second question' },
      { id: 'i1', timestamp: '2026-05-01T10:00:08Z', type: 'info', content: 'Switched model' },
      { id: 'x1', timestamp: '2026-05-01T10:00:08Z', type: 'brand_new_kind', content: '?' },
    ];
    const path = 'tmp/proj/chats/session-2026-05-01T10-00-full-ses.jsonl';
    write(path, `${lines.map((l) => JSON.stringify(l)).join('\n')}\nnot json\n`);
    write('tmp/proj/.project_root', '/home/alice/proj\n');
    const { meta, items, reader, ref } = await read(localFiles(temp), path);
    expect(meta).toMatchObject({ id: 'full-session-id', title: 'Reading a.ts', project: '/home/alice/proj', updatedAt: '2026-05-01T10:00:09.000Z' });
    expect(meta.files).toContain('tmp/proj/.project_root');
    const texts = items.map((i) => (i.kind === 'message' || i.kind === 'note' ? i.text : i.kind === 'tool-call' ? `${i.name}=${i.result?.text}` : i.kind));
    expect(texts).toEqual(['unreadable', 'first question', 'Read it.', 'read_file=export {}', 'second question', 'Switched model', 'not-shown']);
    expect(meta.counts).toMatchObject({ unreadable: 1, notShown: 1, toolCalls: 1, userMessages: 2 });
    expect(await allPages(reader, localFiles(temp), ref, 2)).toEqual(items);
  });

  it('takes a `$set.messages` list in place of the records, wherever it is in the log', async () => {
    const path = 'tmp/proj/chats/session-2026-05-02T10-00-replaced.jsonl';
    const lines = [
      { sessionId: 'replaced', projectHash: 'h', startTime: '2026-05-02T10:00:00Z', kind: 'main' },
      { id: 'u1', type: 'user', content: 'dropped by the list below' },
      { $set: { messages: [{ id: 'a', type: 'user', content: 'loaded one' }, { id: 'b', type: 'gemini', content: 'loaded two' }], summary: 'Loaded' } },
      { $set: { lastUpdated: '2026-05-02T10:00:09Z' } },
    ];
    write(path, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const { meta, items, reader, ref } = await read(localFiles(temp), path);
    expect(meta).toMatchObject({ id: 'replaced', title: 'Loaded', updatedAt: '2026-05-02T10:00:09.000Z' });
    expect(items.map((i) => (i.kind === 'message' ? i.text : i.kind))).toEqual(['loaded one', 'loaded two']);
    const second = await readPage(reader, localFiles(temp), ref, { limit: 1, cursor: (await readPage(reader, localFiles(temp), ref, { limit: 1 })).next });
    expect(second.items.map((i) => (i.kind === 'message' ? i.text : i.kind))).toEqual(['loaded two']);
  });

  it('says a log that changed between its two passes changed, instead of showing another record', async () => {
    const path = 'tmp/proj/chats/session-2026-05-03T10-00-rewritten.jsonl';
    const message = (id: string, text: string) => JSON.stringify({ id, type: 'user', content: text });
    // Larger than what a first pass keeps (1 MiB of records), so the messages are read twice.
    const rest = Array.from({ length: 600 }, (_, i) => message(`m${i}`, 'x'.repeat(8000))).join('\n');
    write(path, `${message('u1', 'one')}\n${message('u2', 'two')}\n${rest}\n`);
    const files = localFiles(temp);
    let opens = 0;
    // The log is rewritten (not appended to) after the first pass has read it: its first line is another message of the same length.
    const changing = { ...files, open: (p: string, start?: number) => (++opens === 2 && write(path, `${message('zz', 'eno')}\n${message('u2', 'two')}\n${rest}\n`), files.open(p, start)) };
    const { items } = await read(changing, path);
    expect(items.slice(0, 2).map((i) => (i.kind === 'message' ? i.text : i.kind === 'unreadable' ? i.reason : i.kind))).toEqual([expect.stringContaining('changed while it was being read'), 'two']);
    expect(items).toHaveLength(602);
  });

  it('pages a log too long to keep (read twice) as it reads it whole: rewritten messages in their first place, unknown records first', async () => {
    const path = 'tmp/proj/chats/session-2026-05-06T10-00-longlog1.jsonl';
    const long = 'y'.repeat(4000);
    const lines = [{ sessionId: 'long', kind: 'main' }, { mystery: true }];
    for (let i = 0; i < 400; i++) {
      lines.push({ id: `m${i}`, type: 'user', content: `${i} ${long}` } as never);
      // Every tenth message is written again much later (a tool call that ran long).
      if (i >= 20 && i % 10 === 0) lines.push({ id: `m${i - 20}`, type: 'user', content: `${i - 20} rewritten` } as never);
    }
    write(path, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const { items, reader, ref } = await read(localFiles(temp), path);
    expect(items).toHaveLength(401);
    expect(items[0]).toMatchObject({ kind: 'not-shown', recordType: 'mystery' });
    expect(items[1]).toMatchObject({ kind: 'message', text: '0 rewritten' });
    expect(items[2]).toMatchObject({ kind: 'message', text: `1 ${long}` });
    expect(await allPages(reader, localFiles(temp), ref, 57)).toEqual(items);
  });

  it('reads a long log in bounded memory: a 64 MB log, the first page and the whole metadata pass, in a 48 MB heap', async () => {
    const path = 'tmp/big/chats/session-2026-05-04T10-00-biglog00.jsonl';
    mkdirSync(join(temp, 'tmp/big/chats'), { recursive: true });
    const filler = 'lorem ipsum dolor sit amet '.repeat(40);
    const header = JSON.stringify({ sessionId: 'big', projectHash: 'h', startTime: '2026-05-04T10:00:00Z', kind: 'main' });
    const exchange = (n: number): string => {
      const answer = { id: `g${n}`, type: 'gemini', content: filler, toolCalls: [{ id: `c${n}`, name: 'run_shell_command', args: { command: 'ls' }, status: 'executing' }] };
      const done = { ...answer, toolCalls: [{ ...answer.toolCalls[0], status: 'success', result: [{ functionResponse: { response: { output: filler } } }] }] };
      return `${JSON.stringify({ id: `u${n}`, type: 'user', content: [{ text: filler }] })}\n${JSON.stringify(answer)}\n${JSON.stringify(done)}\n`;
    };
    // A long chat: every message its own, each answer written twice (as its tool call starts and ends).
    const exchanges = Math.ceil((64 * 2 ** 20) / exchange(0).length);
    const out = openSync(join(temp, path), 'w');
    writeSync(out, `${header}\n`);
    for (let n = 0; n < exchanges; n++) writeSync(out, exchange(n));
    closeSync(out);
    const run = readInHeap(48, temp, 'gemini-cli', path);
    expect(run.stderr).not.toContain('heap out of memory');
    expect(run.status).toBe(0);
    expect({ page: run.page, messages: run.counts?.userMessages }).toEqual({ page: 50, messages: exchanges });
  }, 60_000);

  it('streams a legacy single-JSON chat: metadata wherever it is, the messages of a chat cut off mid-write, then where it stops', async () => {
    const path = 'tmp/proj/chats/session-2026-05-05T10-00-legacy01.json';
    const doc = JSON.stringify({ sessionId: 'legacy-1', startTime: '2026-05-05T10:00:00Z', messages: [{ id: 'a', type: 'user', content: 'hello' }, { id: 'b', type: 'gemini', content: 'hi there', model: 'gemini-2.5-pro' }], summary: 'Greeting', lastUpdated: '2026-05-05T10:00:05Z' });
    write(path, doc);
    const whole = await read(localFiles(temp), path);
    expect(whole.meta).toMatchObject({ id: 'legacy-1', title: 'Greeting', startedAt: '2026-05-05T10:00:00.000Z', updatedAt: '2026-05-05T10:00:05.000Z', model: 'gemini-2.5-pro' });
    expect(whole.items.map((i) => (i.kind === 'message' ? i.text : i.kind))).toEqual(['hello', 'hi there']);
    write(path, doc.slice(0, doc.indexOf('{"id":"b"') + 12));
    const cut = await read(localFiles(temp), path);
    expect(cut.items.map((i) => (i.kind === 'message' ? i.text : i.kind === 'unreadable' ? i.reason : i.kind))).toEqual(['hello', expect.stringContaining('not valid JSON after its message 1')]);
  });

  it('links a sub-agent chat to its parent session', async () => {
    const path = 'tmp/proj/chats/full-session-id/sub-1.jsonl';
    write(path, `${JSON.stringify({ sessionId: 'sub-1', projectHash: 'h', startTime: '2026-05-01T10:00:00Z', kind: 'subagent', directories: ['/home/alice/proj'] })}\n${JSON.stringify({ id: 'u', type: 'user', content: 'look around' })}\n`);
    const { meta } = await read(localFiles(temp), path);
    expect(meta).toMatchObject({ id: 'sub-1', parentId: 'full-session-id', role: 'subagent', title: 'look around' });
  });
});

describe('Antigravity transcript reader', () => {
  it('reads user input, planner responses with tool calls and tool output steps', async () => {
    // No agent-written Antigravity transcript is public; these steps follow the shape that public
    // readers of `.system_generated/logs/transcript.jsonl` rely on.
    const path = '.gemini/antigravity/brain/7f3c0de9-1734-4e27-b47a-c45c4bfab658/.system_generated/logs/transcript.jsonl';
    const steps = [
      { step_index: 0, source: 'USER_EXPLICIT', type: 'USER_INPUT', created_at: '2026-06-01T09:00:00Z', content: '<USER_REQUEST>\nFix the failing test\n</USER_REQUEST>\n<ADDITIONAL_METADATA>cursor at line 3</ADDITIONAL_METADATA>' },
      { step_index: 1, source: 'MODEL', type: 'PLANNER_RESPONSE', created_at: '2026-06-01T09:00:02Z', thinking: 'Look at the test first.', content: 'Reading the test.', tool_calls: [{ name: 'default_api:view_file', args: { AbsolutePath: '/w/test.py' } }] },
      { step_index: 2, source: 'SYSTEM', type: 'GENERIC', created_at: '2026-06-01T09:00:03Z', content: 'def test(): assert 1 == 2' },
      { step_index: 3, source: 'SYSTEM', type: 'CHECKPOINT', created_at: '2026-06-01T09:00:04Z' },
    ];
    write(path, `${steps.map((s) => JSON.stringify(s)).join('\n')}\n`);
    const reader = readerFor('gemini-cli', path.slice('.gemini/'.length));
    expect(reader?.format).toBe('antigravity');
    const { meta, items } = await readSession(reader!, localFiles(join(temp, '.gemini')), { agent: 'gemini-cli', format: 'antigravity', path: path.slice('.gemini/'.length) });
    expect(meta).toMatchObject({ id: '7f3c0de9-1734-4e27-b47a-c45c4bfab658', title: 'Fix the failing test', startedAt: '2026-06-01T09:00:00.000Z' });
    expect(items.map((i) => i.kind)).toEqual(['message', 'thinking', 'message', 'tool-call', 'tool-result', 'not-shown']);
    expect(items[3]).toMatchObject({ name: 'view_file', summary: '/w/test.py' });
  });
});

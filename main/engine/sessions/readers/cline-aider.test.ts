import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../../testing/real-agents.ts';
import { allPages, readInHeap } from '../../../../testing/sessions.ts';
import { localFiles, readSession, readerFor } from '../index.ts';

const home = realAgentsHome();
if (!home) process.stderr.write(`[sessions/cline, aider] ${REAL_AGENTS_MISSING}\n`);
const temp = mkdtempSync(join(tmpdir(), 'cairn-cline-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe.skipIf(!home)('Cline reader on the real task', () => {
  const root = home ? join(home, '.config/Code/User') : '';
  const path = 'globalStorage/saoudrizwan.claude-dev/tasks/1769053680585/api_conversation_history.json';

  it('reads every message: thinking, tool calls answered by their text results, environment details', async () => {
    const files = localFiles(root);
    const reader = readerFor('cline', path)!;
    expect(reader.format).toBe('cline');
    const [ref] = await reader.list(files, path);
    const { meta, items } = await readSession(reader, files, ref!);
    const raw = JSON.parse(readFileSync(join(root, path), 'utf8')) as { role: string; content: { type: string; text?: string }[] }[];
    const blocks = raw.flatMap((m) => m.content.map((b) => ({ role: m.role, ...b })));
    const toolUses = blocks.filter((b) => b.type === 'tool_use').length;
    const textResults = blocks.filter((b) => b.role === 'user' && b.type === 'text' && /^\[[^\]\s]+( for [^\]]*)?\] Result:/.test(b.text ?? '')).length;
    expect(meta.counts.unreadable).toBe(0);
    expect(meta.counts.notShown).toBe(0);
    expect(meta.counts.toolCalls).toBe(toolUses);
    expect(meta.counts.thinking).toBe(blocks.filter((b) => b.type === 'thinking').length);
    // Every text result found its call: none is left over as a loose result.
    const attached = items.filter((i) => i.kind === 'tool-call' && i.result).length;
    expect(attached + meta.counts.toolResults).toBe(textResults);
    expect(attached).toBeGreaterThan(40);
    expect(meta).toMatchObject({ id: '1769053680585', model: 'claude-sonnet-4-5-20250929', startedAt: '2026-01-22T03:48:00.585Z', role: 'main' });
    expect(meta.updatedAt! > meta.startedAt!).toBe(true);
    expect(meta.title).toMatch(/^You have been given a Dockerized codebase/);
    expect(meta.files).toEqual(expect.arrayContaining([path, path.replace('api_conversation_history', 'ui_messages'), path.replace('api_conversation_history', 'task_metadata'), path.replace('api_conversation_history.json', 'focus_chain_taskid_1769053680585.md')]));
    expect(await allPages(reader, files, ref!, 9)).toEqual(items);
  });

  it("reads Roo's {version, messages} wrapper under Roo's folder", async () => {
    const rooPath = 'globalStorage/rooveterinaryinc.roo-cline/tasks/roo-task-1/api_conversation_history.json';
    const real = JSON.parse(readFileSync(join(root, path), 'utf8')) as unknown[];
    mkdirSync(dirname(join(temp, rooPath)), { recursive: true });
    writeFileSync(join(temp, rooPath), JSON.stringify({ version: 2, messages: real.slice(0, 6) }));
    const reader = readerFor('cline', rooPath)!;
    expect(reader.format).toBe('roo');
    const { meta } = await readSession(reader, localFiles(temp), { agent: 'cline', format: 'roo', path: rooPath });
    expect(meta).toMatchObject({ id: 'roo-task-1', format: 'roo' });
    expect(meta.counts).toMatchObject({ unreadable: 0, toolCalls: 3 });
  });
});

describe('Cline task histories of any size', () => {
  const task = (id: string) => `tasks/${id}/api_conversation_history.json`;
  const exchange = (n: number, filler: string) => [
    { role: 'user', content: [{ type: 'text', text: `<task>request ${n}: ${filler}</task>` }] },
    { role: 'assistant', content: [{ type: 'text', text: filler }, { type: 'tool_use', id: `t${n}`, name: 'read_file', input: { path: `f${n}.ts` } }] },
    { role: 'user', content: [{ type: 'text', text: `[read_file for 'f${n}.ts'] Result:\n${filler}` }] },
  ];

  it('shows the messages of a history cut off while it was being written, then says where it stops', async () => {
    const path = task('1769000000001');
    const whole = JSON.stringify([...exchange(0, 'a'), ...exchange(1, 'b')]);
    mkdirSync(dirname(join(temp, path)), { recursive: true });
    writeFileSync(join(temp, path), whole.slice(0, whole.lastIndexOf('{"role"') + 20));
    const reader = readerFor('cline', path)!;
    const { items, meta } = await readSession(reader, localFiles(temp), { agent: 'cline', format: 'cline', path });
    expect(items.map((i) => i.kind)).toEqual(['message', 'message', 'tool-call', 'message', 'message', 'tool-call', 'unreadable']);
    expect(items.at(-1)).toMatchObject({ reason: expect.stringContaining('not valid JSON after its message 5') });
    expect(meta.counts.toolCalls).toBe(2);
  });

  it('reads a 64 MB history, its first page and every message, in a 48 MB heap', async () => {
    const path = task('1769000000002');
    mkdirSync(dirname(join(temp, path)), { recursive: true });
    const filler = 'lorem ipsum dolor sit amet '.repeat(40);
    const per = JSON.stringify(exchange(0, filler)).length;
    const exchanges = Math.ceil((64 * 2 ** 20) / per);
    const out = openSync(join(temp, path), 'w');
    writeSync(out, '[');
    for (let n = 0; n < exchanges; n++) writeSync(out, `${n ? ',' : ''}${JSON.stringify(exchange(n, filler)).slice(1, -1)}`);
    writeSync(out, ']');
    closeSync(out);
    const run = readInHeap(48, temp, 'cline', path);
    expect(run.stderr).not.toContain('heap out of memory');
    expect(run.status).toBe(0);
    expect({ page: run.page, toolCalls: run.counts?.toolCalls, unreadable: run.counts?.unreadable }).toEqual({ page: 50, toolCalls: exchanges, unreadable: 0 });
  }, 60_000);
});

describe.skipIf(!home)('Aider reader on the real chat history', () => {
  const root = home ? join(home, 'src/simple-calculator') : '';
  const path = '.aider.chat.history.md';

  it('reads a run as user requests, answers and Aider output', async () => {
    const files = localFiles(root);
    const reader = readerFor('aider', path)!;
    const refs = await reader.list(files, path);
    expect(refs.map((r) => r.key)).toEqual(['2025-05-04 17:02:36']);
    const { meta, items } = await readSession(reader, files, refs[0]!);
    // User requests: runs of consecutive `#### ` lines, counted straight from the file.
    const lines = readFileSync(join(root, path), 'utf8').split('\n');
    const userBlocks = lines.filter((l, i) => l.startsWith('#### ') && !(lines[i - 1] ?? '').startsWith('#### ')).length;
    expect(meta.counts.userMessages).toBe(userBlocks);
    expect(meta.counts.unreadable).toBe(0);
    expect(meta.counts.assistantMessages).toBeGreaterThan(10);
    // The model switched during the run (/model): the last "Main model:" line is the current one.
    const lastModel = lines.filter((l) => l.startsWith('> Main model: ')).at(-1)?.split(' ')[3];
    expect(lastModel).toBe('openai/deepseek.deepseek-chat');
    expect(meta).toMatchObject({ model: lastModel, project: root, startedAt: '2025-05-04T17:02:36.000Z', title: 'give me a quick summarized overview of this repo' });
    expect(items[0]).toMatchObject({ kind: 'note', label: 'Aider' });
    expect(await allPages(reader, files, refs[0]!, 4)).toEqual(items);
  });

  it('splits a log into its runs', async () => {
    const log = ['# aider chat started at 2026-01-01 10:00:00', '', '#### first run', '', 'Answer one.', '', '# aider chat started at 2026-01-02 11:00:00', '', '> Aider v0.90.0', '> Main model: anthropic/claude-sonnet-4-5 with diff edit format', '', '#### second run', '#### more lines', '', 'Answer two.', '', '> Applied edit to a.py', ''].join('\n');
    writeFileSync(join(temp, '.aider.chat.history.md'), log);
    const files = localFiles(temp);
    const reader = readerFor('aider', '.aider.chat.history.md')!;
    const refs = await reader.list(files, '.aider.chat.history.md');
    expect(refs.map((r) => r.key)).toEqual(['2026-01-01 10:00:00', '2026-01-02 11:00:00']);
    const second = await readSession(reader, files, refs[1]!);
    expect(second.items.map((i) => (i.kind === 'message' ? `${i.role}:${i.text}` : i.kind === 'note' ? `note:${i.text}` : i.kind))).toEqual([
      'note:Aider v0.90.0\nMain model: anthropic/claude-sonnet-4-5 with diff edit format',
      'user:second run\nmore lines',
      'assistant:Answer two.',
      'note:Applied edit to a.py',
    ]);
    expect(second.meta.model).toBe('anthropic/claude-sonnet-4-5');
    const first = await readSession(reader, files, refs[0]!);
    expect(first.items).toHaveLength(2);
  });

  /** localFiles, counting the bytes its streams deliver. */
  function counted(root: string): { files: ReturnType<typeof localFiles>; bytes: () => number } {
    const base = localFiles(root);
    let bytes = 0;
    const files = {
      ...base,
      async *open(path: string, start?: number) {
        for await (const chunk of base.open(path, start)) {
          bytes += chunk.length;
          yield chunk;
        }
      },
    };
    return { files, bytes: () => bytes };
  }

  it('reads a run from its own header, not through every run before it, and still when the log changed', async () => {
    const run = (i: number, time: string) => [`# aider chat started at ${time}`, '', `#### question ${i}`, '', `${'An answer. '.repeat(400)}${i}`, ''];
    const times = Array.from({ length: 60 }, (_, i) => `2026-02-${String(1 + (i % 28)).padStart(2, '0')} 10:00:${String(i).padStart(2, '0')}`);
    // Two runs with the same time: the second is `<time>#2`.
    times[59] = times[58] as string;
    const path = '.aider.chat.history.md';
    const dir = join(temp, 'long');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, path), times.flatMap((t, i) => run(i, t)).join('\n'));
    const size = readFileSync(join(dir, path)).length;
    const { files, bytes } = counted(dir);
    const reader = readerFor('aider', path)!;
    const refs = await reader.list(files, path);
    expect(refs).toHaveLength(60);
    expect(refs[59]!.key).toBe(`${times[58]}#2`);
    const listed = bytes();
    const last = await readSession(reader, files, refs[59]!);
    expect(last.items.map((i) => (i.kind === 'message' && i.role === 'user' ? i.text : ''))).toContain('question 59');
    expect(bytes() - listed).toBeLessThan(size / 10);
    const twin = await readSession(reader, files, refs[58]!);
    expect(twin.items.map((i) => (i.kind === 'message' && i.role === 'user' ? i.text : ''))).toContain('question 58');

    // The log rewritten after the listing (a run removed at the top): the positions seen are
    // stale, and the run is found by scanning, as without them.
    writeFileSync(join(dir, path), times.slice(1).flatMap((t, i) => run(i + 1, t)).join('\n'));
    const again = await readSession(reader, files, refs[30]!);
    expect(again.items.map((i) => (i.kind === 'message' && i.role === 'user' ? i.text : ''))).toContain('question 30');
  });
});

// How fast a large transcript opens, and that memory stays bounded: a generated Claude Code
// transcript (or Gemini CLI JSONL log) of SIZE_MB (default 50) megabytes; times the first page,
// a page in the middle (resumed by byte offset, or by item for Gemini's log), the metadata pass
// over the whole file, and the heap growth of each.
// Usage: node bench/sessions-pages.ts [SIZE_MB] [claude-code|gemini]

import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { localFiles, readerForFormat, readMeta, readPage, type SessionRef } from '../main/engine/sessions/index.ts';

const sizeMb = Number(process.argv[2] ?? 50);
const format = process.argv[3] === 'gemini' ? 'gemini-jsonl' : 'claude-code';
const dir = mkdtempSync(join(tmpdir(), 'cairn-sessions-bench-'));
const path = format === 'gemini-jsonl' ? `tmp/${'a'.repeat(64)}/chats/session-2026-01-01T00-00-5f1c0000.jsonl` : 'projects/-home-alice-app/5f1c0000-0000-4000-8000-000000000000.jsonl';

/** Lines of one exchange (a request, an answer with a tool call and its result). */
function exchange(n: number, filler: string): object[] {
  const t = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
  if (format === 'gemini-jsonl') {
    // As Gemini CLI writes its log: each message once, the answer again when its tool call ends
    // (the last record of an id wins), and a metadata patch after each exchange.
    const answer = { id: `g${n}`, timestamp: t, type: 'gemini', content: filler, model: 'gemini-3-pro-preview', thoughts: [{ subject: 'Plan', description: filler }] };
    const call = { id: `c${n}`, name: 'run_shell_command', args: { command: `ls ${n}` }, timestamp: t };
    return [
      ...(n === 0 ? [{ sessionId: 's', projectHash: 'a'.repeat(64), startTime: t, lastUpdated: t, kind: 'main' }] : []),
      { id: `u${n}`, timestamp: t, type: 'user', content: [{ text: `request ${n}: ${filler}` }] },
      { ...answer, toolCalls: [{ ...call, status: 'executing' }] },
      { ...answer, toolCalls: [{ ...call, status: 'success', result: [{ functionResponse: { id: call.id, name: call.name, response: { output: filler } } }] }] },
      { $set: { lastUpdated: t } },
    ];
  }
  return [
    { type: 'user', sessionId: 's', cwd: '/home/alice/app', timestamp: t, message: { role: 'user', content: `request ${n}: ${filler}` } },
    { type: 'assistant', sessionId: 's', timestamp: t, message: { role: 'assistant', model: 'claude-opus-4-8', content: [{ type: 'thinking', thinking: filler }, { type: 'text', text: filler }, { type: 'tool_use', id: `t${n}`, name: 'Bash', input: { command: `ls ${n}` } }] } },
    { type: 'user', sessionId: 's', timestamp: t, message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${n}`, content: filler }] } },
  ];
}

async function generate(): Promise<void> {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, path, '..'), { recursive: true });
  const out = createWriteStream(join(dir, path));
  const filler = 'lorem ipsum dolor sit amet '.repeat(40);
  let bytes = 0;
  let n = 0;
  while (bytes < sizeMb * 2 ** 20) {
    for (const l of exchange(n, filler)) {
      const s = `${JSON.stringify(l)}\n`;
      bytes += Buffer.byteLength(s);
      if (!out.write(s)) await once(out, 'drain');
    }
    n += 1;
  }
  out.end();
  await once(out, 'finish');
}

function heapMb(): number {
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function measure<T>(label: string, run: () => Promise<T>): Promise<T> {
  globalThis.gc?.();
  const before = heapMb();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, heapMb())), 5);
  const start = performance.now();
  const result = await run();
  const ms = performance.now() - start;
  clearInterval(timer);
  peak = Math.max(peak, heapMb());
  console.log(`${label.padEnd(28)} ${ms.toFixed(0).padStart(6)} ms   heap +${(peak - before).toFixed(1)} MB (sampled peak)`);
  return result;
}

await generate();
const size = statSync(join(dir, path)).size;
console.log(`transcript: ${(size / 2 ** 20).toFixed(1)} MB`);
const files = localFiles(dir);
const reader = readerForFormat(format);
const ref: SessionRef = format === 'gemini-jsonl' ? { agent: 'gemini-cli', format, path } : { agent: 'claude-code', format, path };
const first = await measure('first page (200 items)', () => readPage(reader, files, ref, { limit: 200 }));
let cursor = first.next;
// Walk to the middle by pages of 2,000 (a viewer scrolling far), then time one page there.
let pages = 0;
const middle = Math.floor((await readMeta(reader, files, ref)).counts.items / 2);
await measure('pages to the middle', async () => {
  let read = first.items.length;
  while (cursor && read < middle) {
    const page = await readPage(reader, files, ref, { limit: 2000, cursor });
    read += page.items.length;
    cursor = page.next;
    pages += 1;
  }
});
const mid = await measure('one page mid-file (200 items)', () => readPage(reader, files, ref, { limit: 200, cursor }));
console.log(`mid-file page starts at item ${mid.items[0]?.seq}`);
const meta = await measure('metadata pass (whole file)', () => readMeta(reader, files, ref));
console.log(`items ${meta.counts.items}, tool calls ${meta.counts.toolCalls}, unreadable ${meta.counts.unreadable}; ${pages} pages walked`);
rmSync(dir, { recursive: true, force: true });

// How fast a large transcript opens, and that memory stays bounded: a generated Claude Code
// transcript of SIZE_MB (default 50) megabytes; times the first page, a page in the middle
// (resumed by byte offset), the metadata pass over the whole file, and the heap growth of each.
// Usage: node bench/sessions-pages.ts [SIZE_MB]

import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { localFiles, readerForFormat, readMeta, readPage, type SessionRef } from '../main/engine/sessions/index.ts';

const sizeMb = Number(process.argv[2] ?? 50);
const dir = mkdtempSync(join(tmpdir(), 'cairn-sessions-bench-'));
const path = 'projects/-home-alice-app/5f1c0000-0000-4000-8000-000000000000.jsonl';

async function generate(): Promise<void> {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'projects/-home-alice-app'), { recursive: true });
  const out = createWriteStream(join(dir, path));
  const filler = 'lorem ipsum dolor sit amet '.repeat(40);
  let bytes = 0;
  let n = 0;
  while (bytes < sizeMb * 2 ** 20) {
    const t = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
    const lines = [
      { type: 'user', sessionId: 's', cwd: '/home/alice/app', timestamp: t, message: { role: 'user', content: `request ${n}: ${filler}` } },
      { type: 'assistant', sessionId: 's', timestamp: t, message: { role: 'assistant', model: 'claude-opus-4-8', content: [{ type: 'thinking', thinking: filler }, { type: 'text', text: filler }, { type: 'tool_use', id: `t${n}`, name: 'Bash', input: { command: `ls ${n}` } }] } },
      { type: 'user', sessionId: 's', timestamp: t, message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${n}`, content: filler }] } },
    ];
    for (const l of lines) {
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
const reader = readerForFormat('claude-code');
const ref: SessionRef = { agent: 'claude-code', format: 'claude-code', path };
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

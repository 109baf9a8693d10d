// Measures FastCDC parameters and zstd levels on the workload that matters most to Cairn: agent
// transcripts (JSONL) that grow by a few lines between backups. Prints markdown tables; the
// numbers and the choice are recorded in docs/CHUNKING.md.
//
//   node bench/chunk-params.ts            full run (files of 100 KB … 50 MB)
//   node bench/chunk-params.ts --quick    smaller files, for a smoke run
//
// For each file size and parameter set it simulates APPENDS successive backups of a growing
// transcript (each appending a user turn, an assistant tool call and its tool result) and
// reports: bytes of new chunks per backup against the bytes actually appended, the number of
// chunks (each costs a 32-byte id in the file's tree entry and an index entry), the bytes the
// vault stores for all versions against the final file size (dedup across versions), and the
// new bytes after zstd. Chunker throughput is measured on the largest file.

import { createHash } from 'node:crypto';
import { chunkBuffer, compressWithHeader, createChunker, createGearTable, decompressWithHeader } from '../main/engine/chunk/index.ts';
import type { ChunkParams } from '../main/engine/chunk/index.ts';
import { SEAL_OVERHEAD } from '../main/engine/crypto/index.ts';
import { benchArgs } from './args.ts';

const { quick } = benchArgs({ flags: ['quick'] });
const SIZES = quick ? [100e3, 1e6, 5e6] : [100e3, 1e6, 10e6, 50e6];
const APPENDS = quick ? 8 : 20;
const KiB = 1024;
const CANDIDATES: ChunkParams[] = [16, 32, 64, 128].map((avg) => ({ min: (avg * KiB) / 4, avg: avg * KiB, max: avg * KiB * 4 }));
const gear = createGearTable(createHash('sha256').update('cairn bench seed').digest());

// ---------------------------------------------------------------------------------------------
// A deterministic generator of Claude-Code-like transcripts.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(20251121);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() ** 1.6 * items.length)]!; // Zipf-ish
const between = (lo: number, hi: number): number => Math.floor(lo * (hi / lo) ** random()); // log-uniform
const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;

const WORDS = (
  'the a to of and is in that it for this with you be on we can I will file function test error not ' +
  'are as if use should now let me check which from have or add run code by update fix so see type ' +
  'value return new need build change all one there when make then also here but its more issue line ' +
  'config import export const await async string number true false null path module component state ' +
  'request response handler server client data index cache query result output input option default ' +
  'command install package version dependency directory branch commit merge review refactor implement'
).split(' ');
const IDENTS = 'user session config handler result items index path options value store cache client request response chunk buffer stream reader writer'.split(' ');
const DIRS = 'src lib test components hooks utils api services models routes store engine'.split(' ');
const TOOLS = ['Bash', 'Read', 'Edit', 'Grep', 'Glob', 'Write', 'TodoWrite'];

function sentence(): string {
  const words = Array.from({ length: between(6, 30) }, () => pick(WORDS));
  return `${words.join(' ')}.`;
}

function prose(bytes: number): string {
  let text = '';
  while (text.length < bytes) text += random() < 0.15 ? `\n\n${sentence()} ` : `${sentence()} `;
  return text;
}

function codeLine(): string {
  switch (Math.floor(random() * 5)) {
    case 0:
      return `  const ${pick(IDENTS)} = await ${pick(IDENTS)}.${pick(IDENTS)}(${pick(IDENTS)}, ${Math.floor(random() * 1000)});`;
    case 1:
      return `${pick(DIRS)}/${pick(DIRS)}/${pick(IDENTS)}-${pick(IDENTS)}.ts:${Math.floor(random() * 400)}: ${sentence()}`;
    case 2:
      return `  ✓ ${pick(IDENTS)} ${sentence()} (${Math.floor(random() * 90)} ms)`;
    case 3:
      return `    if (${pick(IDENTS)}.${pick(IDENTS)} === undefined) throw new Error('${sentence()}');`;
    default:
      return `${Math.floor(random() * 999)}\t${pick(IDENTS)}\t${hex(7)}\t${sentence()}`;
  }
}

function toolOutput(bytes: number): string {
  const lines: string[] = [];
  let length = 0;
  while (length < bytes) {
    const line = codeLine();
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n');
}

const sessionId = uuid();
let parent = uuid();

function envelope(type: 'user' | 'assistant', message: unknown, extra: Record<string, unknown> = {}): string {
  const id = uuid();
  const line = JSON.stringify({
    parentUuid: parent,
    isSidechain: false,
    userType: 'external',
    cwd: '/home/alice/src/app',
    sessionId,
    version: '1.0.51',
    gitBranch: 'main',
    type,
    message,
    ...extra,
    uuid: id,
    timestamp: new Date(1_760_000_000_000 + Math.floor(random() * 1e9)).toISOString(),
  });
  parent = id;
  return line;
}

/** One turn: a user prompt or assistant text, a tool call and its (sometimes large) result. */
function turn(): string[] {
  const lines: string[] = [];
  if (random() < 0.3) lines.push(envelope('user', { role: 'user', content: prose(between(60, 1500)) }));
  const usage = { input_tokens: Math.floor(random() * 9), cache_creation_input_tokens: Math.floor(random() * 9000), cache_read_input_tokens: Math.floor(random() * 90000), output_tokens: Math.floor(random() * 900) };
  const model = 'claude-sonnet-4-5-20250929';
  if (random() < 0.6) {
    lines.push(envelope('assistant', { id: `msg_01${hex(22)}`, type: 'message', role: 'assistant', model, content: [{ type: 'text', text: prose(between(100, 4000)) }], usage }, { requestId: `req_011${hex(21)}` }));
  }
  const toolId = `toolu_01${hex(22)}`;
  const tool = pick(TOOLS);
  lines.push(envelope('assistant', { id: `msg_01${hex(22)}`, type: 'message', role: 'assistant', model, content: [{ type: 'tool_use', id: toolId, name: tool, input: { command: codeLine(), description: sentence() } }], usage }, { requestId: `req_011${hex(21)}` }));
  // Tool outputs: mostly small, a long tail up to 50 KB; Claude Code repeats them in toolUseResult.
  const output = toolOutput(random() < 0.8 ? between(100, 3000) : between(3000, 25_000));
  lines.push(envelope('user', { role: 'user', content: [{ tool_use_id: toolId, type: 'tool_result', content: output }] }, { toolUseResult: { stdout: output, stderr: '', interrupted: false } }));
  return lines;
}

/** A transcript of at least `bytes` bytes, whole lines, plus the turns to append afterwards. */
function transcript(bytes: number, appends: number): { base: Uint8Array; tails: Uint8Array[] } {
  const encoder = new TextEncoder();
  const lines: string[] = [];
  let length = 0;
  while (length < bytes) {
    for (const line of turn()) {
      lines.push(line);
      length += line.length + 1;
    }
  }
  const tails = Array.from({ length: appends }, () => encoder.encode(`${turn().join('\n')}\n`));
  return { base: encoder.encode(`${lines.join('\n')}\n`), tails };
}

// ---------------------------------------------------------------------------------------------

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const fmt = (bytes: number): string => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} KB`);
const label = (p: ChunkParams): string => `${p.min / KiB}/${p.avg / KiB}/${p.max / KiB} KiB`;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

interface Row {
  size: number;
  params: ChunkParams;
  chunks: number;
  tail: number;
  newRaw: number;
  newCompressed: number;
  newChunks: number;
  stored: number;
  /** Bytes in the bucket for all versions: every distinct chunk after zstd-3 and sealing. */
  bucket: number;
  finalSize: number;
  zstdRatio: number;
}

function simulate(base: Uint8Array, tails: readonly Uint8Array[], params: ChunkParams): Row {
  // Version 0 is the base file; each version appends one tail. Boundaries before the last cut
  // of the previous version can't move (FastCDC cuts left to right and restarts its hash at each
  // cut), so each version re-chunks only from its previous last chunk: the same result as
  // chunking the whole file, which is checked on the first append.
  let chunks = chunkBuffer(base, params, gear);
  const store = new Map<string, number>(chunks.map((c) => [sha(c), c.length]));
  let compressedTotal = 0;
  let compressedRaw = 0;
  for (const c of chunks) {
    compressedTotal += compressWithHeader(c, 3).length;
    compressedRaw += c.length;
  }
  let newRaw = 0;
  let newCompressed = 0;
  let newChunks = 0;
  let file = base;
  tails.forEach((tail, version) => {
    const last = chunks[chunks.length - 1]!;
    const rechunked = chunkBuffer(concat([last, tail]), params, gear);
    const next = [...chunks.slice(0, -1), ...rechunked];
    file = concat([file, tail]);
    if (version === 0) {
      const full = chunkBuffer(file, params, gear).map((c) => c.length);
      if (full.join() !== next.map((c) => c.length).join()) throw new Error('incremental re-chunking differs from a full pass');
    }
    for (const c of rechunked) {
      const id = sha(c);
      if (store.has(id)) continue;
      store.set(id, c.length);
      newRaw += c.length;
      newCompressed += compressWithHeader(c, 3).length;
      newChunks++;
    }
    chunks = next;
  });
  const stored = [...store.values()].reduce((a, b) => a + b, 0);
  const tail = tails.reduce((n, t) => n + t.length, 0);
  return {
    size: base.length,
    params,
    chunks: chunks.length,
    tail: tail / tails.length,
    newRaw: newRaw / tails.length,
    newCompressed: newCompressed / tails.length,
    newChunks: newChunks / tails.length,
    stored,
    bucket: compressedTotal + newCompressed + store.size * SEAL_OVERHEAD,
    finalSize: file.length,
    zstdRatio: compressedRaw / compressedTotal,
  };
}

interface Timing {
  /** Best wall-clock time, ms. */
  wall: number;
  /** Best CPU time of this thread, ms: robust when other processes share the cores. */
  cpu: number;
}

/** Runs `fn` `reps` times; returns the best wall and thread-CPU times. */
function time(reps: number, fn: () => void): Timing {
  let wall = Infinity;
  let cpu = Infinity;
  for (let rep = 0; rep < reps; rep++) {
    const cpuStart = process.threadCpuUsage();
    const start = performance.now();
    fn();
    wall = Math.min(wall, performance.now() - start);
    const used = process.threadCpuUsage(cpuStart);
    cpu = Math.min(cpu, (used.user + used.system) / 1000);
  }
  return { wall, cpu };
}

const rate = (bytes: number, ms: number): string => (bytes / 1e6 / (ms / 1000)).toFixed(0);

function throughput(data: Uint8Array, params: ChunkParams): Timing {
  return time(5, () => {
    const chunker = createChunker(params, gear);
    for (let at = 0; at < data.length; at += 1 << 20) chunker.push(data.subarray(at, at + (1 << 20)));
    chunker.finish();
  });
}

function main(): void {
  console.log(`# Chunking parameters on growing agent transcripts (${APPENDS} appends per file)\n`);
  console.log('Per backup (mean over the appends): "tail" = bytes appended; "new" = bytes of chunks the vault did not have; "upload" = new chunks after zstd-3 + 32 B per chunk id of the file\'s content list (rewritten each backup). Whole history: "stored/final" = distinct chunk bytes of all versions / final file size; "bucket/final" = the same after zstd-3 and sealing; "zstd" = compression ratio of the base file\'s chunks.\n');
  console.log('| file | min/avg/max | chunks | tail | new raw | new/tail | new chunks | new zstd | upload | stored/final | bucket/final | zstd |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  let largest: Uint8Array = new Uint8Array(0);
  for (const size of SIZES) {
    const { base, tails } = transcript(size, APPENDS);
    if (base.length > largest.length) largest = base;
    for (const params of CANDIDATES) {
      const r = simulate(base, tails, params);
      const upload = r.newCompressed + 32 * r.chunks;
      console.log(
        `| ${fmt(r.size)} | ${label(params)} | ${r.chunks} | ${fmt(r.tail)} | ${fmt(r.newRaw)} | ${(r.newRaw / r.tail).toFixed(1)}× | ${r.newChunks.toFixed(1)} | ${fmt(r.newCompressed)} | ${fmt(upload)} | ${(r.stored / r.finalSize).toFixed(3)} | ${(r.bucket / r.finalSize).toFixed(3)} | ${r.zstdRatio.toFixed(2)} |`,
      );
    }
  }

  console.log(`\n# Chunker throughput (${fmt(largest.length)} transcript, 1 MiB pushes, best of 5, one thread)\n`);
  console.log('MB/s of wall time, and MB per second of this thread\'s CPU time (unaffected by other processes on the machine).\n');
  console.log('| min/avg/max | MB/s wall | MB/s CPU |');
  console.log('|---|---|---|');
  for (const params of CANDIDATES) {
    const t = throughput(largest, params);
    console.log(`| ${label(params)} | ${rate(largest.length, t.wall)} | ${rate(largest.length, t.cpu)} |`);
  }

  const sample = largest.subarray(0, Math.min(largest.length, 20e6));
  const chunks = chunkBuffer(sample, { min: 16 * KiB, avg: 64 * KiB, max: 256 * KiB }, gear);
  console.log(`\n# zstd levels (${fmt(sample.length)} of transcript in 64 KiB-average chunks, best of 5, one thread)\n`);
  console.log('| level | ratio | compress MB/s wall | compress MB/s CPU | decompress MB/s wall | decompress MB/s CPU |');
  console.log('|---|---|---|---|---|---|');
  for (const level of [1, 3, 6, 9]) {
    let packed: Uint8Array[] = [];
    const compress = time(5, () => {
      packed = chunks.map((c) => compressWithHeader(c, level));
    });
    const decompress = time(5, () => {
      packed.forEach((p, i) => decompressWithHeader(p, chunks[i]!.length));
    });
    const size = packed.reduce((n, p) => n + p.length, 0);
    const n = sample.length;
    console.log(`| ${level} | ${(n / size).toFixed(2)} | ${rate(n, compress.wall)} | ${rate(n, compress.cpu)} | ${rate(n, decompress.wall)} | ${rate(n, decompress.cpu)} |`);
  }
}

main();

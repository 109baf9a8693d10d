// What the vault's stored bytes could be on `npm run bench`'s home, and at what CPU: the issue's
// target is ≤ 0.95× what restic 0.14 stores for it (90.1 MB at scale 1). Every file of the home is
// cut the vault's way (FastCDC), each distinct chunk compressed on its own as a vault blob is, and
// the sizes summed (plus the codec byte and the seal's 28 bytes a blob):
//
// - zstd levels 1–9 at the vault's chunk size (128 KiB average; the vault uses level 3);
// - a dictionary per vault: raw content (the first 8 KiB of every 13th chunk, no training) at
//   several sizes, and a trained one (`zstd --train`, when the zstd command is installed);
// - larger average chunks (what restic's 1 MiB chunks gain per-chunk compression), with and without
//   the dictionary.
//
//   node bench/stored-bytes.ts [--scale 1] [--home DIR]
//
// Compression CPU is this thread's, one core. Numbers and the conclusion: docs/BENCHMARKS.md.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as ZstdBinding from 'zstd-napi/binding.js';
import { chunkBuffer, createGearTable } from '../main/engine/chunk/index.ts';
import { SEAL_OVERHEAD } from '../main/engine/crypto/index.ts';
import { DEFAULT_CHUNKER } from '../main/engine/vault/index.ts';
import { generateAgentHome } from '../testing/agent-home.ts';
import { benchArgs } from './args.ts';

const { scale, home: givenHome } = benchArgs({ numbers: { scale: 1 }, strings: ['home'] });
const zstd = createRequire(import.meta.url)('zstd-napi/binding') as typeof ZstdBinding;

const work = mkdtempSync(join(tmpdir(), 'cairn-stored-bytes-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const home = givenHome ?? join(work, 'home');
if (!givenHome) {
  // The same home as `npm run bench` at this scale (bench/run.ts).
  const sizeMiB = Math.round(341 * scale);
  generateAgentHome(home, { seed: 42, sizeMiB, smallFiles: Math.max(200, Math.round((sizeMiB * 2500) / 300)) });
}
const files: string[] = [];
const walk = (dir: string) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile()) files.push(p);
  }
};
walk(home);
const gear = createGearTable(createHash('sha256').update('stored-bytes bench').digest());

/** The distinct chunks of every file, cut with an average of `avgKiB`. */
function chunksOf(avgKiB: number): Buffer[] {
  const seen = new Set<string>();
  const out: Buffer[] = [];
  const params = avgKiB === DEFAULT_CHUNKER.avg / 1024 ? DEFAULT_CHUNKER : { min: avgKiB * 256, avg: avgKiB * 1024, max: avgKiB * 4096 };
  for (const file of files) {
    for (const chunk of chunkBuffer(readFileSync(file), params, gear)) {
      const id = createHash('sha256').update(chunk).digest('hex');
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(Buffer.from(chunk));
    }
  }
  return out;
}

const scratch = Buffer.alloc(16 * 2 ** 20);
/** Stored bytes of `chunks` compressed one by one (stored raw when zstd doesn't save), and the CPU it took. */
function stored(chunks: readonly Buffer[], level: number, dict?: Uint8Array): { mb: number; cpuMs: number } {
  const cctx = new zstd.CCtx();
  if (dict) {
    cctx.setParameter(zstd.CParameter.compressionLevel, level);
    cctx.loadDictionary(dict);
  }
  const cpu = process.cpuUsage();
  let bytes = 0;
  for (const c of chunks) {
    const n = dict ? cctx.compress2(scratch, c) : cctx.compress(scratch, c, level);
    bytes += 1 + Math.min(n, c.length) + SEAL_OVERHEAD;
  }
  const used = process.cpuUsage(cpu);
  return { mb: bytes / 1e6, cpuMs: (used.user + used.system) / 1000 };
}

const rows: string[][] = [];
const row = (what: string, r: { mb: number; cpuMs: number }, base?: number) => {
  rows.push([what, `${r.mb.toFixed(2)} MB`, base ? `${((r.mb / base - 1) * 100).toFixed(1)} %` : '', `${Math.round(r.cpuMs)} ms`]);
  process.stderr.write(`${what}: ${r.mb.toFixed(2)} MB\n`);
};

const vaultChunks = chunksOf(DEFAULT_CHUNKER.avg / 1024);
const total = vaultChunks.reduce((n, c) => n + c.length, 0);
process.stderr.write(`${files.length} files; ${vaultChunks.length} distinct chunks, ${(total / 2 ** 20).toFixed(1)} MiB\n`);
const base = stored(vaultChunks, 3);
for (const level of [1, 3, 5, 6, 9]) row(`level ${level}${level === 3 ? ' (the vault)' : ''}`, level === 3 ? base : stored(vaultChunks, level), base.mb);

const rawDict = (kib: number) => Buffer.concat(vaultChunks.filter((_, i) => i % 13 === 0).map((c) => c.subarray(0, 8192))).subarray(0, kib * 1024);
for (const kib of [112, 256, 1024]) row(`level 3, raw-content dictionary ${kib} KiB`, stored(vaultChunks, 3, rawDict(kib)), base.mb);

let trained: Buffer | undefined;
try {
  const samples = join(work, 'samples');
  mkdirSync(samples);
  vaultChunks.forEach((c, i) => {
    if (i % 5 === 0) writeFileSync(join(samples, String(i)), c);
  });
  execFileSync('zstd', ['--train', '-r', samples, '-o', join(work, 'dict'), '--maxdict=112640', '-q', '-f'], { stdio: 'ignore' });
  if (existsSync(join(work, 'dict'))) trained = readFileSync(join(work, 'dict'));
} catch {
  process.stderr.write('(no zstd command: the trained dictionary is left out)\n');
}
if (trained) row('level 3, trained dictionary 110 KiB', stored(vaultChunks, 3, trained), base.mb);

for (const avg of [256, 512, 1024]) {
  const chunks = chunksOf(avg);
  row(`level 3, ${avg} KiB average chunks`, stored(chunks, 3), base.mb);
  if (trained) row(`level 3, ${avg} KiB average chunks, trained dictionary`, stored(chunks, 3, trained), base.mb);
}

const header = ['data blobs, stored', 'bytes', 'against level 3', 'compression CPU'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
console.log(`scale ${scale}: ${files.length} files, ${(total / 2 ** 20).toFixed(1)} MiB of distinct chunks`);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));

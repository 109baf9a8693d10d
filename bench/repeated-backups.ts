// Issue 15's footprint check for the app (a benchmark, not a test): the engine kept open the way
// the Electron main process keeps it (one Repository, worker threads = cores − 1), driving 100
// scheduled backups through runBackup — as the app's service does, with the session catalog
// (its metadata worker) and the search index — of a small agent home that changes between runs
// (appends, new sessions). Prints the process's RSS idle (vault open, before any backup) and
// after backup 1, 10 and every 50th, both right after the backup and once the process has been
// idle past the worker pool's idle timeout (as between two scheduled backups), so growth across
// a day of backups shows. The home and the vault are made
// first; the measured process is a fresh one that opens the vault (with the local key cache, as
// the app does after its first start), so neither the generator nor init's KDF is counted.
//
//   node [--expose-gc] bench/repeated-backups.ts [--size MiB] [--runs N] [--keep-workers]

import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateAgentHome } from '../testing/agent-home.ts';
import { runBackup } from '../main/engine/operations.ts';
import { Repository } from '../main/engine/repository.ts';
import { LocalBlobStore } from '../main/engine/storage/index.ts';
import { createWorkerCodec, DEFAULT_IDLE_MS } from '../main/engine/workers/index.ts';
import { benchArgs } from './args.ts';

const { size: sizeMiB, runs, child, 'keep-workers': keepWorkers } = benchArgs({ numbers: { size: 20, runs: 100 }, strings: ['child'], flags: ['keep-workers'] });
const mib = (n: number) => `${(n / (1 << 20)).toFixed(0)} MiB`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const passphrase = 'repeated backups benchmark';
const threads = Math.max(1, availableParallelism() - 1);
// --keep-workers: the pool never retires idle workers (the behaviour before it did).
const idleMs = keepWorkers ? Infinity : DEFAULT_IDLE_MS;
const makeCodec = (v: Parameters<typeof createWorkerCodec>[0]) => createWorkerCodec(v, { threads, idleMs });

if (child === undefined) {
  const work = mkdtempSync(join(tmpdir(), 'cairn-repeat-'));
  const summary = generateAgentHome(join(work, 'home'), { seed: 7, sizeMiB, smallFiles: Math.round((sizeMiB * 2500) / 300) });
  writeFileSync(join(work, 'transcripts.json'), JSON.stringify(summary.transcripts));
  console.log(`Repeated scheduled backups: ${summary.files} files, ${mib(summary.bytes)}, ${runs} runs, load average ${load()}`);
  const { repo } = await Repository.init({ store: new LocalBlobStore(join(work, 'vault'), { fsync: false }), stateDir: join(work, 'state'), passphrase, makeCodec });
  await repo.close();
  // The first open writes the local key cache (a full KDF); the measured process then uses it.
  await (await Repository.open({ store: new LocalBlobStore(join(work, 'vault'), { fsync: false }), stateDir: join(work, 'state'), secret: { passphrase }, makeCodec })).close();
  try {
    execFileSync(process.execPath, [...process.execArgv, process.argv[1] as string, '--size', String(sizeMiB), '--runs', String(runs), ...(keepWorkers ? ['--keep-workers'] : []), '--child', work], { stdio: 'inherit' });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.exit(0);
}
const work = child;
const home = join(work, 'home');
const store = new LocalBlobStore(join(work, 'vault'), { fsync: false });
const repo = await Repository.open({ store, stateDir: join(work, 'state'), secret: { passphrase }, makeCodec });
const report = (what: string) => {
  const m = process.memoryUsage();
  console.log(`${what.padEnd(26)} RSS ${mib(m.rss).padStart(8)}   heap used/total ${mib(m.heapUsed).padStart(7)} / ${mib(m.heapTotal).padStart(7)}   external ${mib(m.external).padStart(7)}   array buffers ${mib(m.arrayBuffers).padStart(7)}${residentByKind()}`);
};
/** Resident memory by kind of mapping (Linux): glibc's main heap, other anonymous memory (thread arenas, V8's pages, large blocks), files (node, libraries). */
const residentByKind = (): string => {
  let smaps: string;
  try {
    smaps = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return '';
  }
  const kb = { heap: 0, anon: 0, file: 0 };
  let kind: keyof typeof kb = 'anon';
  for (const line of smaps.split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) kind = mapping[1] === '[heap]' ? 'heap' : mapping[1]?.startsWith('/') ? 'file' : 'anon';
    else if (line.startsWith('Rss:')) kb[kind] += Number(line.split(/\s+/)[1]);
  }
  return `   [heap] ${(kb.heap / 1024).toFixed(0)}, anonymous ${(kb.anon / 1024).toFixed(0)}, files ${(kb.file / 1024).toFixed(0)} MiB`;
};
const sources = [
  { label: 'claude-code', agent: 'claude-code', path: join(home, '.claude') },
  { label: 'codex', agent: 'codex', path: join(home, '.codex'), sqlite: ['**/*.sqlite'] },
];
await new Promise((resolve) => setTimeout(resolve, 200));
report('idle, vault open');
const transcripts = JSON.parse(readFileSync(join(work, 'transcripts.json'), 'utf8')) as string[];
const started = Date.now();
for (let i = 1; i <= runs; i++) {
  // A few minutes of agent work: one transcript grows, and every tenth run a new session appears.
  appendFileSync(transcripts[i % transcripts.length] as string, `{"type":"assistant","run":${i},"text":"${'x'.repeat(2000 + (i % 7) * 500)}"}\n`);
  if (i % 10 === 0) appendFileSync(join(dirname(transcripts[0] as string), `new-session-${i}.jsonl`), `{"type":"user","run":${i}}\n`.repeat(200));
  await runBackup(repo, { sources, reason: 'scheduled' });
  if (i === 1 || i === 10 || i % 50 === 0 || i === runs) {
    report(`after backup ${i}`);
    await new Promise((resolve) => setTimeout(resolve, DEFAULT_IDLE_MS + 1000));
    // With --expose-gc, a full collection first: the heap's size at rest, not where GC happened to be.
    (globalThis as { gc?: () => void }).gc?.();
    report(`  idle ${(DEFAULT_IDLE_MS + 1000) / 1000} s later`);
  }
}
console.log(`${runs} backups in ${((Date.now() - started) / 1000).toFixed(1)} s, load average ${load()}`);
await repo.close();

// The session catalog and search index at scale: a generated home of SESSIONS sessions (Claude
// Code and Codex transcripts of mixed sizes, one of BIG_MB megabytes, plus every real sample of
// all eight agents from ../shared/real-agents when present) backed up into a local-folder vault.
// Measures what the catalog and index add to the backup (time inside the catalog step / backup
// time), a second backup with one session grown, listing every session, search latency (p50/p95
// over many queries), the first page of the big transcript read from the vault on another device
// and from this disk, and the process's peak RSS.
//
// Usage: node bench/sessions-catalog.ts [SESSIONS=10000] [TOTAL_MB=2048] [BIG_MB=50]
// (the scale by default; the generated home lives in a temp folder, removed at the end,
// on an error and on Ctrl-C)

import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng, transcriptLine } from '../testing/agent-home.ts';
import { realAgentsHome } from '../testing/real-agents.ts';
import { initRepo, openRepo } from '../testing/repo.ts';
import { ADAPTERS, AGENT_IDS, toBackupSources } from '../main/engine/agents/index.ts';
import { runBackup } from '../main/engine/operations.ts';
import { findSession, openSession, refreshSessions, SessionDb, sessionPage } from '../main/engine/catalog/index.ts';
import type { BuildStats } from '../main/engine/catalog/index.ts';
import { LocalBlobStore } from '../main/engine/storage/index.ts';
import type { Repository } from '../main/engine/repository.ts';

const SESSIONS = Number(process.argv[2] ?? 10_000);
const TOTAL_MB = Number(process.argv[3] ?? 2048);
const BIG_MB = Number(process.argv[4] ?? 50);
const base = mkdtempSync(join(tmpdir(), 'cairn-catalog-bench-'));
const home = join(base, 'home');
const r = rng(42);
const cleanUp = () => rmSync(base, { recursive: true, force: true });
process.on('exit', cleanUp);
process.on('SIGINT', () => process.exit(130));

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const mb = (n: number) => (n / 2 ** 20).toFixed(0);

function uuid(): string {
  const h = () => Math.floor(r.next() * 0x10000).toString(16).padStart(4, '0');
  return `${h()}${h()}-${h()}-4${h().slice(1)}-a${h().slice(1)}-${h()}${h()}${h()}`;
}

function generate(): { files: number; bytes: number; big: string } {
  const avg = Math.max(2048, Math.floor(((TOTAL_MB - BIG_MB) * 2 ** 20) / SESSIONS));
  let bytes = 0;
  const t0 = Date.UTC(2026, 0, 1);
  let big = '';
  for (let i = 0; i < SESSIONS; i++) {
    const id = uuid();
    const t = t0 + i * 600_000;
    // Sizes spread around the average: most small, a few large.
    const target = i === 0 ? BIG_MB * 2 ** 20 : Math.floor(avg * (0.2 + 1.6 * r.next() ** 2) * 1.5);
    const lines: string[] = [];
    let size = 0;
    let now = t;
    if (i % 4 === 3) {
      // Codex rollout.
      const day = new Date(t).toISOString().slice(0, 10).split('-');
      const dir = join(home, '.codex', 'sessions', ...day);
      mkdirSync(dir, { recursive: true });
      const cwd = `/home/alice/src/project-${i % 40}`;
      lines.push(JSON.stringify({ timestamp: new Date(t).toISOString(), type: 'session_meta', payload: { id, timestamp: new Date(t).toISOString(), cwd, originator: 'codex_cli_rs', cli_version: '0.146.0', source: 'cli' } }));
      while (size < target) {
        const text = transcriptLine(r, id, (now += 30_000));
        const msg = (JSON.parse(text) as { message?: { content?: unknown } }).message?.content;
        const words = typeof msg === 'string' ? msg : JSON.stringify(msg ?? '').slice(0, 4000);
        const line = JSON.stringify({ timestamp: new Date(now).toISOString(), type: 'response_item', payload: { type: 'message', role: r.next() < 0.4 ? 'user' : 'assistant', content: [{ type: 'output_text', text: words }] } });
        lines.push(line);
        size += line.length + 1;
      }
      const file = join(dir, `rollout-${new Date(t).toISOString().slice(0, 19).replace(/:/g, '-')}-${id}.jsonl`);
      writeFileSync(file, `${lines.join('\n')}\n`);
    } else {
      const dir = join(home, '.claude', 'projects', `-home-alice-src-project-${i % 40}`);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${id}.jsonl`);
      if (i === 0) big = id;
      // The big one is written in pieces so the generator's memory stays small too.
      writeFileSync(file, '');
      while (size < target) {
        const line = transcriptLine(r, id, (now += 30_000));
        lines.push(line);
        size += line.length + 1;
        if (lines.length >= 2000) appendFileSync(file, `${lines.splice(0).join('\n')}\n`);
      }
      if (lines.length > 0) appendFileSync(file, `${lines.join('\n')}\n`);
    }
    bytes += size;
  }
  return { files: SESSIONS, bytes, big };
}

const samples = realAgentsHome();
console.log(`Generating ${SESSIONS} sessions, ~${TOTAL_MB} MB (one of ${BIG_MB} MB) in ${home}…`);
const t = performance.now();
const gen = generate();
if (samples) {
  // Every real sample of all eight agents, laid out as the agents do.
  for (const entry of ['.claude', '.codex', '.config', '.cursor', '.gemini', '.local', 'src']) if (existsSync(join(samples, entry))) cpSync(join(samples, entry), join(home, entry), { recursive: true, force: false, errorOnExist: false });
}
console.log(`  generated ${gen.files} sessions, ${mb(gen.bytes)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s${samples ? ' (plus the real samples of all eight agents)' : ' (real samples not found: two agents only)'}`);

const vault = join(base, 'vault');
const { repo } = await initRepo(new LocalBlobStore(vault), join(base, 'state-a'), 'laptop');
const ctx = { home, platform: 'linux' as const, env: {}, aiderRepos: [join(home, 'src')] };
const sources = await toBackupSources(ADAPTERS, ctx, AGENT_IDS);
const sessions = new SessionDb(repo.db.db);

async function timedBackup(label: string): Promise<{ total: number; catalog: number; index: number; stats: BuildStats }> {
  const start = performance.now();
  const result = await runBackup(repo, { sources, reason: 'manual' });
  const all = performance.now() - start;
  const s = result.catalog as BuildStats;
  // The backup proper ends when its snapshot is saved; the text index is brought up to date after.
  const total = all - s.indexMs;
  // The catalog's cost inside the backup: its step after the walk, and handing files over during it.
  const catalog = s.buildMs + s.walkMs;
  console.log(
    `${label}: backup ${(total / 1000).toFixed(1)} s, of which catalog ${(catalog / 1000).toFixed(2)} s = ${((100 * catalog) / total).toFixed(1)} % (step ${s.buildMs} ms, in the walk ${s.walkMs} ms; ${s.sessions} sessions, ${s.read} read); ` +
      `then the search index ${(s.indexMs / 1000).toFixed(2)} s = ${((100 * s.indexMs) / total).toFixed(1)} % of the backup (${s.indexed} sessions indexed)`,
  );
  return { total, catalog, index: s.indexMs, stats: s };
}

const first = await timedBackup('First backup');
// A day's work: one session grows by a few lines.
const grown = join(home, '.claude', 'projects', '-home-alice-src-project-1');
const { readdirSync } = await import('node:fs');
const target = join(grown, readdirSync(grown)[0] as string);
for (let i = 0; i < 20; i++) appendFileSync(target, `${transcriptLine(r, 'grown', Date.now() + i)}\n`);
const second = await timedBackup('Next backup (one session grown)');

function time<T>(fn: () => T): [T, number] {
  const s = performance.now();
  const v = fn();
  return [v, performance.now() - s];
}

const [listed, listMs] = time(() => sessions.list());
const [, listMs2] = time(() => sessions.list());
console.log(`List every session: ${listed.length} in ${listMs.toFixed(0)} ms (again: ${listMs2.toFixed(0)} ms)`);
const [, filteredMs] = time(() => sessions.list({ agent: 'codex', project: '/home/alice/src/project-3' }));
console.log(`List filtered by agent and project: ${filteredMs.toFixed(1)} ms`);

const WORDS = ['error', 'function', 'refactor', 'build', 'config', 'import', 'async', 'lint', 'cargo', 'readme', 'rename', 'python'];
const queries: string[] = [];
for (let i = 0; i < 60; i++) {
  const a = WORDS[i % WORDS.length] as string;
  const b = WORDS[(i * 7 + 3) % WORDS.length] as string;
  queries.push(i % 3 === 0 ? `"${a} ${b}"` : i % 3 === 1 ? `${a} ${b}` : a);
}
const times: number[] = [];
const cpu: number[] = [];
let hitsTotal = 0;
for (const q of queries) {
  const c0 = process.cpuUsage();
  const [hits, ms] = time(() => sessions.search(q, {}, 50));
  const c = process.cpuUsage(c0);
  // CPU time too: on a loaded machine wall time is mostly waiting for a core.
  cpu.push((c.user + c.system) / 1000);
  times.push(ms);
  hitsTotal += hits.length;
}
cpu.sort((x, y) => x - y);
times.sort((x, y) => x - y);
const pct = (p: number) => (times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] as number).toFixed(0);
const cpct = (p: number) => (cpu[Math.min(cpu.length - 1, Math.floor((p / 100) * cpu.length))] as number).toFixed(0);
console.log(`Search (${queries.length} queries: words, pairs, phrases; 50 results each, ${(hitsTotal / queries.length).toFixed(0)} on average): p50 ${pct(50)} ms, p95 ${pct(95)} ms, max ${pct(100)} ms; CPU p50 ${cpct(50)} ms, p95 ${cpct(95)} ms`);
const [, filteredSearch] = time(() => sessions.search('error function', { agent: 'claude-code', since: '2026-01-20T00:00:00Z' }, 50));
console.log(`Search with filters: ${filteredSearch.toFixed(0)} ms`);

async function firstPage(r2: Repository, label: string): Promise<void> {
  const s0 = performance.now();
  const row = findSession(new SessionDb(r2.db.db), gen.big, 'claude-code');
  const opened = await openSession(r2, row);
  const page = await sessionPage(opened, { limit: 100 });
  console.log(`First page (100 items) of the ${BIG_MB} MB transcript, ${label} (${opened.from}): ${(performance.now() - s0).toFixed(0)} ms, ${page.items.length} items`);
}
await firstPage(repo, 'this device');
const other = await openRepo(new LocalBlobStore(vault), join(base, 'state-b'), undefined, 'desktop');
const r0 = performance.now();
await refreshSessions(other);
console.log(`Another device reads every catalog: ${((performance.now() - r0) / 1000).toFixed(2)} s for ${new SessionDb(other.db.db).list().length} sessions`);
await firstPage(other, 'another device');
await other.close();

clearInterval(sampler);
console.log(`Peak RSS: ${mb(peakRss)} MB (the big transcript alone is ${BIG_MB} MB)`);
console.log(`Summary: catalog = ${((100 * first.catalog) / first.total).toFixed(1)} % of the first backup, ${((100 * second.catalog) / second.total).toFixed(1)} % of the next; index after the snapshot ${(first.index / 1000).toFixed(1)} s and ${(second.index / 1000).toFixed(2)} s`);
await repo.close();
rmSync(base, { recursive: true, force: true });

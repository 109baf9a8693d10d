// The session catalog and search index at scale: a generated home of SESSIONS sessions of all
// eight agents, each in its own format (mixed sizes, one Claude Code transcript of BIG_MB
// megabytes), plus every real sample from ../shared/real-agents when present, backed up into a local-folder vault.
// Measures what the catalog and index add to the backup (time inside the catalog step / backup
// time), a second backup with one session grown, listing every session, search latency (p50/p95
// over many queries), the first page of the big transcript read from the vault on another device
// and from this disk, and the process's peak RSS.
//
// Usage: node bench/sessions-catalog.ts [SESSIONS=10000] [TOTAL_MB=2048] [BIG_MB=50]
// (the issue's scale by default; the generated home lives in a temp folder, removed at the end,
// on an error and on Ctrl-C)

import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
// CAIRN_BENCH_HOME: generate the home there once and reuse it (generating 2 GB takes minutes).
const keptHome = process.env.CAIRN_BENCH_HOME;
const home = keptHome ?? join(base, 'home');
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

/** One turn of a conversation, taken from a generated Claude Code line (testing/agent-home.ts). */
type Turn = { role: 'user' | 'assistant'; text: string } | { tool: string; input: Record<string, unknown>; output: string };

function turnOf(line: string): Turn {
  const v = JSON.parse(line) as { type: string; message: { content: unknown } };
  const c = v.message.content;
  if (typeof c === 'string') return { role: 'user', text: c };
  const block = (c as { type: string; text?: string; name?: string; input?: Record<string, unknown>; content?: string }[])[0];
  if (block?.type === 'text') return { role: 'assistant', text: block.text ?? '' };
  if (block?.type === 'tool_use') return { tool: block.name ?? 'Bash', input: block.input ?? {}, output: '' };
  return { tool: 'Bash', input: { command: 'cat src/app.ts' }, output: block?.content ?? '' };
}

/**
 * Each agent's own file format (the shapes its reader takes, as in the real samples), written from
 * generated turns until `target` bytes. The agents in proportion: of every 20 sessions 9 Claude
 * Code, 4 Codex, 2 Gemini CLI and one each of Cursor, Cline, Goose, OpenCode and Aider.
 */
const AGENT_CYCLE = ['claude-code', 'claude-code', 'claude-code', 'claude-code', 'claude-code', 'claude-code', 'claude-code', 'claude-code', 'claude-code', 'codex', 'codex', 'codex', 'codex', 'gemini', 'gemini', 'cursor', 'cline', 'goose', 'opencode', 'aider'] as const;
const perAgent = new Map<string, number>();

function turns(id: string, t: number, target: number, each: (turn: Turn, now: number, lineBytes: number) => number): void {
  let size = 0;
  let now = t;
  while (size < target) {
    const line = transcriptLine(r, id, (now += 30_000));
    const turn = turnOf(line);
    // A tool call gets its output from the next tool-result line.
    if ('tool' in turn && turn.output === '') turn.output = (turnOf(transcriptLine(r, id, now)) as { output?: string }).output ?? '';
    size += each(turn, now, line.length);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

function writeAgentSession(agent: (typeof AGENT_CYCLE)[number], i: number, id: string, t: number, target: number): void {
  const project = `/home/alice/src/project-${i % 40}`;
  perAgent.set(agent, (perAgent.get(agent) ?? 0) + 1);
  if (agent === 'codex') {
    const day = iso(t).slice(0, 10).split('-');
    const dir = join(home, '.codex', 'sessions', ...day);
    mkdirSync(dir, { recursive: true });
    const lines = [JSON.stringify({ timestamp: iso(t), type: 'session_meta', payload: { id, timestamp: iso(t), cwd: project, originator: 'codex_cli_rs', cli_version: '0.146.0', source: 'cli' } })];
    turns(id, t, target, (turn, now) => {
      const ts = iso(now);
      const recs =
        'tool' in turn
          ? [
              { timestamp: ts, type: 'response_item', payload: { type: 'function_call', name: 'shell', arguments: JSON.stringify({ command: ['bash', '-lc', String(turn.input.file_path ?? turn.input.command ?? '')] }), call_id: `call_${i}_${now}` } },
              { timestamp: ts, type: 'response_item', payload: { type: 'function_call_output', call_id: `call_${i}_${now}`, output: turn.output } },
            ]
          : [{ timestamp: ts, type: 'response_item', payload: { type: 'message', role: turn.role, content: [{ type: turn.role === 'user' ? 'input_text' : 'output_text', text: turn.text }] } }];
      const text = recs.map((x) => JSON.stringify(x));
      lines.push(...text);
      return text.reduce((n, l) => n + l.length + 1, 0);
    });
    writeFileSync(join(dir, `rollout-${iso(t).slice(0, 19).replace(/:/g, '-')}-${id}.jsonl`), `${lines.join('\n')}\n`);
  } else if (agent === 'gemini') {
    const dir = join(home, '.gemini', 'tmp', `${(i % 40).toString(16).padStart(64, 'a')}`, 'chats');
    mkdirSync(dir, { recursive: true });
    const lines = [JSON.stringify({ sessionId: id, projectHash: (i % 40).toString(16).padStart(64, 'a'), startTime: iso(t), lastUpdated: iso(t), kind: 'main' })];
    let n = 0;
    turns(id, t, target, (turn, now) => {
      const ts = iso(now);
      const rec =
        'tool' in turn
          ? { id: `g-${n++}`, timestamp: ts, type: 'gemini', content: '', model: 'gemini-3-flash-preview', toolCalls: [{ id: `run_${n}`, name: 'run_shell_command', args: { command: String(turn.input.file_path ?? turn.input.command ?? '') }, result: [{ functionResponse: { id: `run_${n}`, name: 'run_shell_command', response: { output: turn.output } } }], status: 'success', timestamp: ts }] }
          : turn.role === 'user'
            ? { id: `g-${n++}`, timestamp: ts, type: 'user', content: [{ text: turn.text }] }
            : { id: `g-${n++}`, timestamp: ts, type: 'gemini', content: turn.text, model: 'gemini-3-flash-preview' };
      const line = JSON.stringify(rec);
      const set = JSON.stringify({ $set: { lastUpdated: ts } });
      lines.push(line, set);
      return line.length + set.length + 2;
    });
    writeFileSync(join(dir, `session-${iso(t).slice(0, 16).replace(/:/g, '-')}-${id.slice(0, 8)}.jsonl`), `${lines.join('\n')}\n`);
  } else if (agent === 'cursor') {
    const dir = join(home, '.cursor', 'projects', `home-alice-src-project-${i % 40}`, 'agent-transcripts', id);
    mkdirSync(dir, { recursive: true });
    const lines: string[] = [];
    turns(id, t, target, (turn) => {
      const rec =
        'tool' in turn
          ? { role: 'assistant', message: { content: [{ type: 'tool_use', name: 'Shell', input: { command: String(turn.input.file_path ?? turn.input.command ?? '') } }, { type: 'text', text: turn.output.slice(0, 2000) }] } }
          : { role: turn.role, message: { content: [{ type: 'text', text: turn.role === 'user' ? `<user_query>\n${turn.text}\n</user_query>` : turn.text }] } };
      const line = JSON.stringify(rec);
      lines.push(line);
      return line.length + 1;
    });
    writeFileSync(join(dir, `${id}.jsonl`), `${lines.join('\n')}\n`);
  } else if (agent === 'cline') {
    const task = String(t);
    const dir = join(home, '.config', 'Code', 'User', 'globalStorage', 'saoudrizwan.claude-dev', 'tasks', task);
    mkdirSync(dir, { recursive: true });
    const messages: unknown[] = [];
    let k = 0;
    turns(id, t, target, (turn) => {
      const m =
        'tool' in turn
          ? [
              { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${k}`, name: 'execute_command', input: { command: String(turn.input.file_path ?? turn.input.command ?? ''), requires_approval: false } }] },
              { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${k++}`, content: [{ type: 'text', text: turn.output }] }] },
            ]
          : [{ role: turn.role, content: [{ type: 'text', text: turn.role === 'user' ? `<task>\n${turn.text}\n</task>` : turn.text }] }];
      messages.push(...m);
      return JSON.stringify(m).length;
    });
    writeFileSync(join(dir, 'api_conversation_history.json'), JSON.stringify(messages));
  } else if (agent === 'goose') {
    const dir = join(home, '.local', 'share', 'goose', 'sessions');
    mkdirSync(dir, { recursive: true });
    const lines = [JSON.stringify({ working_dir: project, description: `Session ${i}`, message_count: 0 })];
    let k = 0;
    turns(id, t, target, (turn, now) => {
      const created = Math.floor(now / 1000);
      const recs =
        'tool' in turn
          ? [
              { role: 'assistant', created, content: [{ type: 'toolRequest', id: `tr_${k}`, toolCall: { status: 'success', value: { name: 'developer__shell', arguments: { command: String(turn.input.file_path ?? turn.input.command ?? '') } } } }] },
              { role: 'user', created, content: [{ type: 'toolResponse', id: `tr_${k++}`, toolResult: { status: 'success', value: [{ type: 'text', text: turn.output }] } }] },
            ]
          : [{ role: turn.role, created, content: [{ type: 'text', text: turn.text }] }];
      const text = recs.map((x) => JSON.stringify(x));
      lines.push(...text);
      return text.reduce((n, l) => n + l.length + 1, 0);
    });
    writeFileSync(join(dir, `${iso(t).slice(0, 10).replace(/-/g, '')}_${i}.jsonl`), `${lines.join('\n')}\n`);
  } else if (agent === 'opencode') {
    // The legacy JSON storage: a file per session, message and part.
    const storage = join(home, '.local', 'share', 'opencode', 'storage');
    const sid = `ses_gen_${i}`;
    mkdirSync(join(storage, 'session', 'proj_gen'), { recursive: true });
    mkdirSync(join(storage, 'message', sid), { recursive: true });
    let k = 0;
    let last = t;
    turns(id, t, target, (turn, now) => {
      const mid = `msg_${i}_${String(k++).padStart(5, '0')}`;
      last = now;
      const role = 'tool' in turn ? 'assistant' : turn.role;
      const msg = JSON.stringify({ id: mid, sessionID: sid, role, time: { created: now }, agent: 'opencode', model: { providerID: 'openai', modelID: 'gpt-4o-mini' } });
      writeFileSync(join(storage, 'message', sid, `${mid}.json`), msg);
      mkdirSync(join(storage, 'part', mid), { recursive: true });
      const part =
        'tool' in turn
          ? { id: `prt_${mid}`, sessionID: sid, messageID: mid, type: 'tool', callID: `call_${mid}`, tool: 'bash', state: { status: 'completed', input: { command: String(turn.input.file_path ?? turn.input.command ?? '') }, output: turn.output, time: { start: now, end: now + 500 } } }
          : { id: `prt_${mid}`, sessionID: sid, messageID: mid, type: 'text', text: turn.text, time: { start: now } };
      const p = JSON.stringify(part);
      writeFileSync(join(storage, 'part', mid, '001.json'), p);
      return msg.length + p.length;
    });
    writeFileSync(join(storage, 'session', 'proj_gen', `${sid}.json`), JSON.stringify({ id: sid, version: '1.3.17', projectID: 'proj_gen', directory: project, parentID: null, title: `Generated session ${i}`, time: { created: t, updated: last } }));
  } else if (agent === 'aider') {
    // A repository's chat history holds its sessions one after another.
    const dir = join(home, 'src', `gen-repo-${i % 40}`);
    mkdirSync(dir, { recursive: true });
    const parts = [`\n# aider chat started at ${iso(t).slice(0, 19).replace('T', ' ')}\n\n> Aider v0.82.2  \n> Main model: gemini/gemini-2.5-pro with diff-fenced edit format  \n\n`];
    turns(id, t, target, (turn) => {
      const text = 'tool' in turn ? `> Running ${String(turn.input.file_path ?? turn.input.command ?? '')}  \n${turn.output.split('\n').map((l) => `> ${l}  `).join('\n')}\n\n` : turn.role === 'user' ? `#### ${turn.text.replace(/\n/g, ' ')}  \n\n` : `${turn.text}\n\n`;
      parts.push(text);
      return text.length;
    });
    appendFileSync(join(dir, '.aider.chat.history.md'), parts.join(''));
  }
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
    const agent = i === 0 ? 'claude-code' : AGENT_CYCLE[i % AGENT_CYCLE.length] ?? 'claude-code';
    if (agent !== 'claude-code') {
      writeAgentSession(agent, i, id, t, target);
      bytes += target;
      continue;
    }
    perAgent.set(agent, (perAgent.get(agent) ?? 0) + 1);
    const lines: string[] = [];
    let size = 0;
    let now = t;
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
    bytes += size;
  }
  return { files: SESSIONS, bytes, big };
}

const samples = realAgentsHome();
const marker = join(home, '.cairn-bench.json');
const reuse = keptHome !== undefined && existsSync(marker);
console.log(`${reuse ? 'Reusing' : 'Generating'} ${SESSIONS} sessions, ~${TOTAL_MB} MB (one of ${BIG_MB} MB) in ${home}…`);
const t = performance.now();
const gen = reuse ? (JSON.parse(readFileSync(marker, 'utf8')) as ReturnType<typeof generate>) : generate();
if (keptHome && !reuse) writeFileSync(marker, JSON.stringify(gen));
if (samples && !reuse) {
  // Every real sample of all eight agents, laid out as the agents do.
  for (const entry of ['.claude', '.codex', '.config', '.cursor', '.gemini', '.local', 'src']) if (existsSync(join(samples, entry))) cpSync(join(samples, entry), join(home, entry), { recursive: true, force: false, errorOnExist: false });
}
console.log(`  generated ${gen.files} sessions (${[...perAgent].map(([a, n]) => `${a} ${n}`).join(', ')}), ${mb(gen.bytes)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s${samples ? ' (plus the real samples of all eight agents)' : ' (real samples not found)'}`);

const vault = join(base, 'vault');
const { repo } = await initRepo(new LocalBlobStore(vault), join(base, 'state-a'), 'laptop');
const ctx = { home, platform: 'linux' as const, env: {}, aiderRepos: [join(home, 'src')] };
const sources = await toBackupSources(ADAPTERS, ctx, AGENT_IDS);
const sessions = new SessionDb(repo.db.db);

/** CPU time of the whole process (every thread: the chunk workers and the session worker too), in ms. */
function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

// The same home backed up without its catalog (the sources not marked as agents' folders), into
// another vault: what the backup costs without catalog and index, to compare with.
const plainRepo = (await initRepo(new LocalBlobStore(join(base, 'vault-plain')), join(base, 'state-plain'), 'laptop')).repo;
const plainSources = sources.map(({ agent: _agent, ...rest }) => rest);
async function plainBackup(label: string): Promise<{ wall: number; cpu: number }> {
  const c0 = cpuMs();
  const start = performance.now();
  await runBackup(plainRepo, { sources: plainSources, reason: 'manual' });
  const out = { wall: performance.now() - start, cpu: cpuMs() - c0 };
  console.log(`${label} without the catalog: ${(out.wall / 1000).toFixed(2)} s, CPU ${(out.cpu / 1000).toFixed(2)} s`);
  return out;
}

async function timedBackup(label: string, plain: { wall: number; cpu: number }): Promise<{ total: number; catalog: number; index: number; stats: BuildStats; cpu: number }> {
  const c0 = cpuMs();
  const start = performance.now();
  const result = await runBackup(repo, { sources, reason: 'manual' });
  const all = performance.now() - start;
  const cpu = cpuMs() - c0;
  const s = result.catalog as BuildStats;
  // The backup proper ends when its snapshot is saved; the text index is brought up to date after.
  const total = all - s.indexMs;
  // The catalog's cost inside the backup: its step after the walk, and handing files over during it.
  const catalog = s.buildMs + s.walkMs;
  const pc = (x: number, of: number) => `${((100 * x) / of).toFixed(1)} %`;
  console.log(
    `${label}: backup ${(total / 1000).toFixed(1)} s, of which catalog ${(catalog / 1000).toFixed(2)} s = ${pc(catalog, total)} (step ${s.buildMs} ms, in the walk ${s.walkMs} ms; ${s.sessions} sessions, ${s.read} read (${s.resumed} of them resumed), ${s.kept} kept as they were, ${s.indexed} indexed); ` +
      `then the search index ${(s.indexMs / 1000).toFixed(2)} s = ${pc(s.indexMs, total)} of the backup.\n` +
      `  Against the same backup without the catalog: wall ${(all / 1000).toFixed(2)} s vs ${(plain.wall / 1000).toFixed(2)} s (+${pc(all - plain.wall, plain.wall)}), CPU ${(cpu / 1000).toFixed(2)} s vs ${(plain.cpu / 1000).toFixed(2)} s (+${pc(cpu - plain.cpu, plain.cpu)})`,
  );
  return { total, catalog, index: s.indexMs, stats: s, cpu };
}

const first = await timedBackup('First backup', await plainBackup('First backup'));
// A day's work: one session grows by a few lines.
const grown = join(home, '.claude', 'projects', '-home-alice-src-project-1');
const target = join(grown, readdirSync(grown)[0] as string);
for (let i = 0; i < 20; i++) appendFileSync(target, `${transcriptLine(r, 'grown', Date.now() + i)}\n`);
const plainNext = await plainBackup('Next backup (one session grown)');
// CAIRN_BENCH_PROFILE_NEXT=file.cpuprofile: a CPU profile of the next backup alone (main thread).
const profiler = process.env.CAIRN_BENCH_PROFILE_NEXT ? new (await import('node:inspector/promises')).Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
const second = await timedBackup('Next backup (one session grown)', plainNext);
if (profiler) {
  const { profile } = await profiler.post('Profiler.stop');
  writeFileSync(process.env.CAIRN_BENCH_PROFILE_NEXT as string, JSON.stringify(profile));
  profiler.disconnect();
}
// An Aider run goes on: its repository's history (every run of that repository, one file) grows.
const histories = readdirSync(join(home, 'src'))
  .map((d) => join(home, 'src', d, '.aider.chat.history.md'))
  .filter((f) => existsSync(f))
  .sort((a, b) => statSync(b).size - statSync(a).size);
let aider: Awaited<ReturnType<typeof timedBackup>> | undefined;
if (histories[0]) {
  appendFileSync(histories[0], `#### and the ledger rounding?\n\n${'The ledger rounds once. '.repeat(40)}\n\n`);
  console.log(`An Aider history grows: ${histories[0]} (${mb(statSync(histories[0]).size)} MB)`);
  aider = await timedBackup('Next backup (an Aider history grown)', await plainBackup('Next backup (an Aider history grown)'));
}
await plainRepo.close();

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
// Prefixes (`test*`): FTS5 merges every indexed word that begins with one (no prefix index).
const prefixTimes = ['err*', 'func*', 'conf*', 'ref*', 'imp*', 'the*', 'asy*', 'pyt*', 'rea*', 'ren*', '"error fun"*', 'build con*']
  .map((q) => time(() => sessions.search(q, {}, 50))[1])
  .sort((x, y) => x - y);
console.log(`Search by prefix (${prefixTimes.length} queries): p50 ${(prefixTimes[Math.floor(prefixTimes.length / 2)] as number).toFixed(0)} ms, max ${(prefixTimes.at(-1) as number).toFixed(0)} ms`);
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
// What the index takes on disk: FTS5's own tables (words) and the text kept for snippets.
const onDisk = new Map(sessions.db.prepare<[], { name: string; bytes: number }>('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all().map((r) => [r.name, r.bytes]));
const sized = (prefix: string) => [...onDisk].filter(([n]) => n.startsWith(prefix)).reduce((n, [, b]) => n + b, 0);
console.log(`State database: ${mb([...onDisk.values()].reduce((a, b) => a + b, 0))} MB, of which the search index's words ${mb(sized('session_words'))} MB and its text ${mb(sized('session_text'))} MB`);
console.log(`Peak RSS: ${mb(peakRss)} MB (the big transcript alone is ${BIG_MB} MB)`);
console.log(`Summary: catalog = ${((100 * first.catalog) / first.total).toFixed(1)} % of the first backup, ${((100 * second.catalog) / second.total).toFixed(1)} % of the next${aider ? `, ${((100 * aider.catalog) / aider.total).toFixed(1)} % of the one after an Aider history grew` : ''}; index after the snapshot ${(first.index / 1000).toFixed(1)} s and ${(second.index / 1000).toFixed(2)} s`);
await repo.close();
rmSync(base, { recursive: true, force: true });

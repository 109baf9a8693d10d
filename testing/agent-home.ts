// A deterministic generator of an agent-like home folder, for tests and the benchmark: JSONL
// transcripts of mixed sizes, small JSON files, a SQLite database in WAL mode, a few
// incompressible blobs and secret files; plus a mutation step like a day of agent use.

import Database from 'better-sqlite3';
import { appendFileSync, mkdirSync, rmSync, utimesSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** mulberry32: tiny, seedable, well distributed: good enough for test data. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    bytes(n: number): Buffer {
      const out = Buffer.alloc(n);
      let i = 0;
      for (; i + 4 <= n; i += 4) out.writeUInt32LE((next() * 4294967296) >>> 0, i);
      for (; i < n; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
  };
}

export type Rng = ReturnType<typeof rng>;

const WORDS = 'the a to of and in is it for that on with this file test function error fix update change return value type import export const let if else await async class interface module build run npm cargo go python src lib index main util config readme docs add remove refactor rename move check lint format parse load save read write open close start stop'.split(' ');

function sentence(r: Rng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(r.pick(WORDS));
  return out.join(' ');
}

function uuid(r: Rng): string {
  const h = () => Math.floor(r.next() * 65536).toString(16).padStart(4, '0');
  return `${h()}${h()}-${h()}-4${h().slice(1)}-a${h().slice(1)}-${h()}${h()}${h()}`;
}

/** One transcript line shaped like Claude Code's: user, assistant, tool use, tool result. */
export function transcriptLine(r: Rng, sessionId: string, t: number): string {
  const kind = r.int(0, 9);
  const base = { sessionId, uuid: uuid(r), timestamp: new Date(t).toISOString(), cwd: '/home/alice/src/app', version: '2.0.14' };
  if (kind < 3) return JSON.stringify({ ...base, type: 'user', message: { role: 'user', content: sentence(r, r.int(5, 60)) } });
  if (kind < 7) {
    return JSON.stringify({ ...base, type: 'assistant', message: { role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: sentence(r, r.int(20, 400)) }] } });
  }
  if (kind < 9) {
    return JSON.stringify({ ...base, type: 'assistant', message: { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${uuid(r)}`, name: r.pick(['Read', 'Edit', 'Bash', 'Grep']), input: { file_path: `/home/alice/src/app/${r.pick(WORDS)}.ts` } }] } });
  }
  // Tool results are the big ones: file contents and command output.
  const lines: string[] = [];
  const n = r.int(5, r.next() < 0.1 ? 1500 : 120);
  for (let i = 0; i < n; i++) lines.push(`${String(i + 1).padStart(5)}  ${sentence(r, r.int(2, 14))}`);
  return JSON.stringify({ ...base, type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${uuid(r)}`, content: lines.join('\n') }] } });
}

function writeTranscript(path: string, r: Rng, targetBytes: number, t0: number): void {
  const sessionId = uuid(r);
  const parts: string[] = [];
  let size = 0;
  let t = t0;
  while (size < targetBytes) {
    const line = transcriptLine(r, sessionId, (t += r.int(1000, 60_000)));
    parts.push(line);
    size += line.length + 1;
  }
  writeFileSync(path, parts.join('\n') + '\n');
}

export interface AgentHomeOptions {
  seed?: number;
  /** Roughly the total size in MiB (default 300). */
  sizeMiB?: number;
  /** Number of small JSON files (default 2000). */
  smallFiles?: number;
}

export interface AgentHomeSummary {
  files: number;
  bytes: number;
  transcripts: string[];
  database: string;
  secrets: string[];
}

const T0 = Date.UTC(2026, 9, 1);

/** Builds the home under `dir` (which must be empty or missing). */
export function generateAgentHome(dir: string, options: AgentHomeOptions = {}): AgentHomeSummary {
  const r = rng(options.seed ?? 1);
  const sizeMiB = options.sizeMiB ?? 300;
  const smallFiles = options.smallFiles ?? 2000;
  const budget = sizeMiB * 1024 * 1024;
  const claude = join(dir, '.claude');
  const transcripts: string[] = [];
  const secrets: string[] = [];

  // Transcripts: ~80% of the bytes, sizes from a few KB to tens of MB, across projects.
  let used = 0;
  const projects = ['-home-alice-src-app', '-home-alice-src-api', '-home-alice-work-infra', '-home-alice-notes'];
  for (const p of projects) mkdirSync(join(claude, 'projects', p), { recursive: true });
  while (used < budget * 0.8) {
    const big = r.next() < 0.05;
    const size = big ? r.int(5, 30) * 1024 * 1024 : r.int(4, 900) * 1024;
    const path = join(claude, 'projects', r.pick(projects), `${uuid(r)}.jsonl`);
    writeTranscript(path, r, Math.min(size, budget - used), T0 + r.int(0, 30) * 86_400_000);
    transcripts.push(path);
    used += size;
  }
  writeTranscript(join(claude, 'history.jsonl'), r, 256 * 1024, T0);

  // Small JSON files: todos, settings, statsig-like caches.
  mkdirSync(join(claude, 'todos'), { recursive: true });
  for (let i = 0; i < smallFiles; i++) {
    const body = JSON.stringify({ id: uuid(r), items: Array.from({ length: r.int(0, 8) }, () => ({ content: sentence(r, r.int(3, 15)), status: r.pick(['pending', 'done']) })) });
    writeFileSync(join(claude, 'todos', `${uuid(r)}.json`), body);
    used += body.length;
  }
  writeFileSync(join(claude, 'settings.json'), JSON.stringify({ model: 'sonnet', cleanupPeriodDays: 30 }, null, 2));

  // A SQLite database in WAL mode (Codex / Goose style).
  const codex = join(dir, '.codex');
  mkdirSync(join(codex, 'sessions'), { recursive: true });
  const database = join(codex, 'state_5.sqlite');
  const db = new Database(database);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS threads (id TEXT PRIMARY KEY, created INTEGER, title TEXT, body TEXT)');
  const insert = db.prepare('INSERT INTO threads VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) insert.run(uuid(r), T0 + i, sentence(r, 6), sentence(r, r.int(20, 200)));
  })();
  db.close();

  // Incompressible blobs (images pasted into sessions, zstd rollouts).
  mkdirSync(join(claude, 'image-cache'), { recursive: true });
  for (let i = 0; i < 6; i++) {
    const n = Math.min(r.int(1, 4) * 1024 * 1024, Math.max(0, budget - used));
    writeFileSync(join(claude, 'image-cache', `paste-${i}.png`), r.bytes(n));
    used += n;
  }

  // Secrets: must never reach the vault.
  for (const [path, body] of [
    [join(claude, '.credentials.json'), '{"claudeAiOauth":{"accessToken":"sk-ant-oat01-SECRET"}}'],
    [join(codex, 'auth.json'), '{"OPENAI_API_KEY":"sk-SECRET"}'],
    [join(dir, '.config', 'goose', 'secrets.yaml'), 'openai_api_key: sk-SECRET\n'],
    [join(dir, '.gemini', 'oauth_creds.json'), '{"refresh_token":"SECRET"}'],
    [join(dir, 'project', '.env'), 'TOKEN=SECRET\n'],
  ] as const) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, body, { mode: 0o600 });
    secrets.push(path);
  }
  mkdirSync(join(dir, 'project'), { recursive: true });
  writeFileSync(join(dir, 'project', '.aider.chat.history.md'), `# aider chat started at 2026-10-01\n\n${sentence(r, 200)}\n`);

  const { files, bytes } = measure(dir);
  return { files, bytes, transcripts, database, secrets };
}

export function measure(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        files++;
        bytes += statSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

export interface MutationSummary {
  appendedBytes: number;
  newFiles: number;
  deleted: number;
  touched: number;
}

/** A day of agent use: appends to transcripts, new sessions, DB rows, deletions, touched mtimes. */
export function mutateAgentHome(dir: string, summary: AgentHomeSummary, seed = 2): MutationSummary {
  const r = rng(seed);
  const out: MutationSummary = { appendedBytes: 0, newFiles: 0, deleted: 0, touched: 0 };
  const live = summary.transcripts.filter((p) => {
    try {
      statSync(p);
      return true;
    } catch {
      return false;
    }
  });
  for (let i = 0; i < Math.min(20, live.length); i++) {
    const path = r.pick(live);
    const lines: string[] = [];
    for (let j = 0, n = r.int(3, 30); j < n; j++) lines.push(transcriptLine(r, 'appended', T0 + 40 * 86_400_000 + j));
    const text = lines.join('\n') + '\n';
    appendFileSync(path, text);
    out.appendedBytes += text.length;
  }
  const project = join(dir, '.claude', 'projects', '-home-alice-src-app');
  for (let i = 0; i < 5; i++) {
    const path = join(project, `${uuid(r)}.jsonl`);
    writeTranscript(path, r, r.int(10, 200) * 1024, T0 + 41 * 86_400_000);
    summary.transcripts.push(path);
    out.newFiles++;
    out.appendedBytes += statSync(path).size;
  }
  const db = new Database(summary.database);
  const insert = db.prepare('INSERT INTO threads VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < 200; i++) insert.run(uuid(r), T0 + 50_000 + i, sentence(r, 6), sentence(r, r.int(20, 200)));
  })();
  db.close();
  const todos = join(dir, '.claude', 'todos');
  const names = readdirSync(todos).sort();
  for (let i = 0; i < 10 && names.length > 0; i++) {
    const name = names.splice(r.int(0, names.length - 1), 1)[0] as string;
    rmSync(join(todos, name));
    out.deleted++;
  }
  for (let i = 0; i < 10 && names.length > 0; i++) {
    const t = new Date(T0 + 45 * 86_400_000 + i * 1000);
    utimesSync(join(todos, r.pick(names)), t, t);
    out.touched++;
  }
  return out;
}

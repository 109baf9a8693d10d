// Detection: which agents live on this machine, how much a backup of each would hold (files and
// bytes after every rule: secrets and excluded paths are not counted) and how many sessions.
// Reads only metadata, plus a count query on session databases and a line count of Aider
// transcripts. Never throws for a missing or unreadable agent: that agent is reported absent.
// A backup only needs to know which agents are here: presentAgents() answers that alone.

import { constants, createReadStream } from 'node:fs';
import { copyFile, lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import type { AgentInfo, AgentRootInfo } from '../../../shared/models.ts';
import { prepareContext } from './discovery.ts';
import { ADAPTERS } from './registry.ts';
import { globMatcher } from '../backup/index.ts';
import { rootToSource } from './sources.ts';
import type { AgentAdapter, AgentContext, AgentRoot } from './types.ts';
import { listIncludedFiles } from './walk.ts';

export interface DetectOptions {
  adapters?: readonly AgentAdapter[];
  /** Ids the user enabled; default: every detected agent. */
  enabledIds?: readonly string[];
  signal?: AbortSignal;
  /**
   * Counts the sessions a file holds the way the session readers do (sessions/ countFileSessions;
   * undefined: not a session file), so that a count here is what the Sessions screen lists. Without
   * it, the adapters' own estimate: their session globs and count queries.
   */
  countSessions?: (agent: string, root: string, rel: string) => Promise<number | undefined>;
}

interface RootScan extends AgentRootInfo {
  sessions: number;
}

/** Databases above this size are not copied just to count their sessions. */
const MAX_COUNT_COPY_BYTES = 512 * 1024 * 1024;

function countIn(path: string, sql: string): number | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: 2000 });
    const value = db.prepare(sql).pluck().get();
    return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}

/**
 * Runs a count query on a database without changing the agent's folder; undefined when it can't
 * be read. Opening a WAL database, even read-only, creates `-wal` and `-shm` beside it and leaves
 * them there: when the agent isn't running (no sidecars), the query runs on a copy (a clone
 * where the file system can) in a private temporary folder instead.
 */
export async function countWithSqlite(path: string, sql: string): Promise<number | undefined> {
  const live = (await Promise.all(['-wal', '-shm'].map((s) => lstat(`${path}${s}`).then(() => true, () => false)))).some(Boolean);
  if (live) return countIn(path, sql);
  const size = await sizeOf(path);
  if (size > MAX_COUNT_COPY_BYTES) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'cairn-count-'));
  try {
    const copy = join(dir, 'db');
    await copyFile(path, copy, constants.COPYFILE_FICLONE);
    return countIn(copy, sql);
  } catch {
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function countLines(path: string, prefix: string): Promise<number> {
  let count = 0;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) if (line.startsWith(prefix)) count++;
  return count;
}

async function sizeOf(path: string): Promise<number> {
  return lstat(path).then(
    (s) => (s.isFile() ? s.size : 0),
    () => 0,
  );
}

async function scanRoot(agent: string, root: AgentRoot, signal: AbortSignal | undefined, countSessions: DetectOptions['countSessions']): Promise<RootScan> {
  const pathExists = await lstat(root.path).then(
    () => true,
    () => false,
  );
  const scan: RootScan = { path: root.path, exists: false, files: 0, bytes: 0, sessions: 0 };
  if (!pathExists) return scan;
  const isSession = globMatcher(root.sessions);
  const queries = (root.sessionQueries ?? []).map((q) => ({ query: q, matches: globMatcher([q.glob]) }));
  let fileSessions = 0;
  let querySessions = 0;
  let readerSessions = 0;
  try {
    for await (const file of listIncludedFiles(rootToSource(agent, root), { signal })) {
      scan.files++;
      // A live WAL database's recent pages are in its `-wal`: the consistent copy holds them.
      scan.bytes += file.stat.size + (file.sqlite ? await sizeOf(`${file.absPath}-wal`) : 0);
      if (countSessions) {
        readerSessions += (await countSessions(agent, root.path, file.relPath)) ?? 0;
        continue;
      }
      if (isSession(file.relPath)) fileSessions++;
      for (const { query, matches } of queries) {
        if (!matches(file.relPath)) continue;
        if (query.kind === 'sqlite') querySessions += (await countWithSqlite(file.absPath, query.sql)) ?? 0;
        else querySessions += await countLines(file.absPath, query.prefix).catch(() => 0);
      }
    }
  } catch (error) {
    if (signal?.aborted) throw error;
    // An unreadable root: present, but nothing a backup could read.
  }
  scan.sessions = countSessions ? readerSessions : Math.max(fileSessions, querySessions);
  scan.exists = root.presence === 'files' ? scan.files > 0 : true;
  return scan;
}

function prefixed(root: AgentRoot, globs: readonly string[] | undefined): string[] {
  return (globs ?? []).map((g) => `${root.label}:${g}`);
}

async function detectOne(adapter: AgentAdapter, ctx: AgentContext, options: DetectOptions): Promise<AgentInfo> {
  // Opt-in roots are not part of what a default backup holds: they are not counted.
  const roots = adapter.roots(ctx).filter((r) => !r.optIn);
  const scans: RootScan[] = [];
  for (const root of roots) scans.push(await scanRoot(adapter.id, root, options.signal, options.countSessions));
  const present = scans.filter((s) => s.exists);
  const detected = present.length > 0;
  const shown = detected ? present : scans;
  return {
    id: adapter.id,
    displayName: adapter.displayName,
    detected,
    enabled: options.enabledIds ? options.enabledIds.includes(adapter.id) : detected,
    roots: shown.map(({ path, exists, files, bytes }) => ({ path, exists, files, bytes })),
    files: present.reduce((n, s) => n + s.files, 0),
    bytes: present.reduce((n, s) => n + s.bytes, 0),
    sessions: present.reduce((n, s) => n + s.sessions, 0),
    include: roots.flatMap((r) => prefixed(r, r.include ?? ['**'])),
    exclude: roots.flatMap((r) => prefixed(r, r.exclude)),
    secrets: roots.flatMap((r) => prefixed(r, r.secrets)),
    syncable: roots.flatMap((r) => prefixed(r, r.syncable)),
  };
}

/**
 * Whether a backup would find the root: its path is there, and for a root present only by its
 * files, it holds one file the rules include (the first one found ends the look).
 */
async function rootPresent(agent: string, root: AgentRoot, signal: AbortSignal | undefined): Promise<boolean> {
  if (!(await lstat(root.path).then(() => true, () => false))) return false;
  if (root.presence !== 'files') return true;
  const files = listIncludedFiles(rootToSource(agent, root), { signal });
  try {
    return !(await files.next()).done;
  } catch (error) {
    // An unreadable root: present, but nothing a backup could read (as in scanRoot).
    if (signal?.aborted) throw error;
    return false;
  } finally {
    await files.return(undefined);
  }
}

/**
 * The ids of the agents detectAgents() reports detected, in registry order, without what it
 * counts: no walk of every file, no session database copied and queried, no transcript read.
 * What a backup asks before each run (the app's, every few minutes; every `cairn backup`).
 */
export async function presentAgents(ctx: AgentContext, options: Pick<DetectOptions, 'adapters' | 'signal'> = {}): Promise<string[]> {
  const prepared = await prepareContext(ctx);
  const adapters = options.adapters ?? ADAPTERS;
  const present = await Promise.all(
    adapters.map(async (adapter) => {
      for (const root of adapter.roots(prepared).filter((r) => !r.optIn)) if (await rootPresent(adapter.id, root, options.signal)) return true;
      return false;
    }),
  );
  return adapters.filter((_, i) => present[i]).map((a) => a.id);
}

/**
 * One AgentInfo per adapter, in registry order: what `cairn agents --json` prints. Rule lists are
 * `<root label>:<glob>`; DEFAULT_SECRET_GLOBS apply on top of each root's own secrets.
 */
export async function detectAgents(ctx: AgentContext, options: DetectOptions = {}): Promise<AgentInfo[]> {
  const prepared = await prepareContext(ctx);
  const adapters = options.adapters ?? ADAPTERS;
  return Promise.all(adapters.map((a) => detectOne(a, prepared, options)));
}

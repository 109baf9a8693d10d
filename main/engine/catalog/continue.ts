// Continue on this machine: a listed session's files put where this machine's agent looks for
// them (path-mapped), what the agent needs to list it updated, and the agent's own way to resume
// it. Sessions stored in a file of their own are written whole (a local copy the backed-up one
// goes on from is replaced; one that goes on past it is left as it is; one with changes of its
// own is replaced only when asked, and kept in a safety snapshot first). Sessions that are rows of a database every session shares (OpenCode's
// `opencode.db`, Goose's `sessions.db`, Cursor's global `state.vscdb`) are merged into this
// machine's database row by row, never by replacing the file, which holds this machine's other
// sessions too.

import { existsSync } from 'node:fs';
import { appendFile, readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { CairnError, ConflictError, NotFoundError } from '../../../shared/errors.ts';
import type { PathMapping } from '../../../shared/models.ts';
import type { ContinueInfo } from '../../../shared/sessions.ts';
import { writeFileAtomic } from '../atomic-file.ts';
import { heldOpenError, openersOf } from '../open-files.ts';
import { ADAPTERS, toBackupSources } from '../agents/index.ts';
import type { AgentContext } from '../agents/index.ts';
import type { Repository } from '../repository.ts';
import type { SessionFiles } from '../sessions/index.ts';
import { mapRelativePath } from '../sync/index.ts';
import { openSession } from './access.ts';
import { mapAbsolutePath, projectFolders } from './project-folders.ts';
import { SessionDb } from './session-db.ts';
import type { CatalogRow } from './session-db.ts';
import { makeDirs } from '../make-dirs.ts';
import { dropReplacedLogs, hasPendingLog } from '../sqlite-logs.ts';

/** What continueSession did: the shape the app and the CLI show (shared/sessions.ts). */
export type ContinueResult = ContinueInfo;

/** How a session is resumed: a command to copy, or (for IDE agents without one) what to do. */
export type ResumeHint = { command: string } | { howTo: string };

/**
 * The agent's own way to resume a session of this format. Checked against each agent's docs:
 * Goose's legacy JSONL sessions are named by their file (`--name`), its sessions.db sessions by
 * id (`--session-id`); `cursor-agent --resume` opens only the CLI's own chats
 * (`~/.cursor/chats/…/store.db`), not the IDE's Composer history; the Antigravity CLI (`agy`)
 * resumes a conversation with `--conversation`.
 */
export function resumeHint(format: string, id: string, project: string | undefined): ResumeHint {
  const run = (cmd: string): ResumeHint => ({ command: project ? `cd ${shellQuote(project)} && ${cmd}` : cmd });
  const q = shellQuote(id);
  switch (format) {
    case 'claude-code':
      return run(`claude --resume ${q}`);
    case 'codex':
      return run(`codex resume ${q}`);
    case 'gemini-json':
    case 'gemini-jsonl':
      return run(`gemini --resume ${q}`);
    case 'opencode-db':
    case 'opencode-storage':
      return run(`opencode --session ${q}`);
    case 'goose-db':
      return run(`goose session --resume --session-id ${q}`);
    case 'goose-jsonl':
      return run(`goose session --resume --name ${q}`);
    case 'cursor-cli':
      return run(`cursor-agent --resume ${q}`);
    case 'cursor-composer':
    case 'cursor-chat':
    case 'cursor-transcript':
    case 'cursor-text':
      return { howTo: `Open ${project ? `${project} ` : 'the project '}in Cursor; the chat is in the Composer (Agent) history. Cursor has no command that resumes an editor chat: cursor-agent --resume opens only Cursor CLI chats.` };
    case 'antigravity':
      return run(`agy --conversation ${q}`);
    case 'aider':
      return run('aider --restore-chat-history');
    case 'cline':
      return { howTo: 'Open VS Code, then the Cline panel’s History, and pick the task.' };
    case 'roo':
      return { howTo: 'Open VS Code, then the Roo Code panel’s History, and pick the task.' };
    default:
      return { howTo: `Open ${format} and pick the session ${id} from its history.` };
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ContinueOptions {
  ctx: AgentContext;
  mappings?: readonly PathMapping[];
  /** Takes a safety snapshot of local files about to be replaced (operations.safetySnapshot). */
  safetySnapshot: (paths: readonly string[]) => Promise<unknown>;
  /**
   * Replace a local copy with changes of its own (the session was continued here too): asked
   * for, after a first run refused with a ConflictError naming the copies.
   */
  replace?: boolean;
}

/**
 * Puts a session's files where this machine's agent looks for them (path-mapped), replacing a
 * local copy only after a safety snapshot of it, merges a database-held session into this
 * machine's database, updates what the agent needs to list it, and says how to resume it.
 */
export async function continueSession(repo: Repository, row: CatalogRow, options: ContinueOptions): Promise<ContinueResult> {
  // Claude Code resumes a session by its own transcript's id, and a sub-agent's conversation only
  // inside the session that started it (whose files hold the sub-agent's): that one is continued.
  if (row.agent === 'claude-code' && row.role !== undefined && row.role !== 'main' && row.parentId !== undefined) {
    const parent = new SessionDb(repo.db.db).find(row.parentId, row.agent).find((r) => r.id === row.parentId);
    if (parent) {
      const result = await continueSession(repo, parent, options);
      result.notes.unshift(`Claude Code resumes a sub-agent's conversation only inside the session that started it, so that session (${parent.id}) is the one continued here; it holds this one.`);
      return result;
    }
  }
  const mappings = options.mappings ?? [];
  const project = row.project ? mapAbsolutePath(row.project, mappings) : undefined;
  const source = { path: await targetFolder(row, options.ctx, project) };
  const result: ContinueResult = { written: [], unchanged: [], replaced: [], ...resumeHint(row.format, row.id, project), notes: [], ...(project ? { project } : {}) };
  const opened = await openSession(repo, row);
  if (opened.from === 'local') {
    result.unchanged.push(...row.files.map((f) => join(source.path, ...f.split('/'))));
    return result;
  }
  const merge = row.key !== undefined ? DB_MERGES[row.format] : undefined;
  const folders = await projectFolders(row, source.path, project, mappings);
  const plan: { target: string; bytes: Buffer }[] = [];
  /** Files new here that need no rewriting: written as they stream from the vault, never held whole. */
  const streamed: { target: string; file: string }[] = [];
  for (const file of row.files) {
    if (folders.skip(file)) continue;
    const target = join(source.path, ...mapRelativePath(folders.path(file), mappings).split('/'));
    // A database's journal beside it belongs to this machine's copy: never written from another.
    if (merge && file !== row.path && file.startsWith(`${row.path}-`) && existsSync(join(source.path, ...mapRelativePath(row.path, mappings).split('/')))) continue;
    if (merge && file === row.path && existsSync(target)) {
      const changed = await mergeSessionRows(merge, await opened.files.sqlitePath(file), target, row.key as string, mappings, options.safetySnapshot);
      (changed ? result.replaced : result.unchanged).push(target);
      if (changed) result.notes.push(`Merged the session into ${target} (this machine's other sessions there are kept).`);
      continue;
    }
    if (!merge && DB_KEEP_LOCAL.has(row.format) && file === row.path && existsSync(target)) {
      const local = await readFile(target);
      if (!local.equals(await opened.files.read(file))) {
        result.unchanged.push(target);
        result.notes.push(`Kept this machine's ${target}: it holds this machine's own Cursor state, and Cursor can't take a chat into it from outside. Read the chat here, or export it as Markdown.`);
        continue;
      }
    }
    if (row.format === 'aider' && file === row.path) {
      // A history holds every run in the project: this machine's runs stay, the session's is added.
      const added = await addAiderRun(target, await opened.files.read(file), row.key ?? '');
      (added ? result.written : result.unchanged).push(target);
      if (added) result.notes.push(`Added the run to the end of ${target} (the project's other runs there are kept).`);
      continue;
    }
    // A 288 MB transcript read whole took ~1 GB of memory to continue; new here, nothing compares it.
    if (!existsSync(target) && !folders.rewrites(file)) streamed.push({ target, file });
    else plan.push({ target, bytes: folders.bytes(file, await opened.files.read(file)) });
  }
  const differing: string[] = [];
  /** Local copies with changes the backed-up one doesn't have: replaced only when asked (options.replace). */
  const diverged: string[] = [];
  for (const p of plan) {
    const local = await readFile(p.target).catch(() => undefined);
    // A database with a log beside it holds more than its file (sqlite-logs.ts).
    if (local?.equals(p.bytes) && !(await hasPendingLog(p.target))) result.unchanged.push(p.target);
    else if (local && p.target.endsWith('.jsonl') && local.length > p.bytes.length && local.subarray(0, p.bytes.length).equals(p.bytes)) {
      // A transcript as backed up and more written here since (continued on this machine): this
      // copy is ahead, and putting the older one back would undo that work.
      result.unchanged.push(p.target);
      result.notes.push(`Kept ${p.target}: it holds the backed-up session and more written on this machine since.`);
    } else if (local) {
      differing.push(p.target);
      // A transcript the backed-up one goes on from (this machine stopped earlier) loses nothing.
      const behind = p.target.endsWith('.jsonl') && local.length < p.bytes.length && p.bytes.subarray(0, local.length).equals(local);
      if (!behind) diverged.push(p.target);
    }
  }
  if (diverged.length > 0 && !options.replace) throw divergedError(diverged, row);
  if (differing.length > 0) {
    // Not under a program that has one open (the agent still in the session): it would go on
    // writing the replaced file, and what it wrote would be lost.
    const open = await openersOf(differing);
    if (open.length > 0) throw heldOpenError(open, 'Nothing was written', 'continue the session again');
    await options.safetySnapshot(differing);
  }
  await writeFiles(opened.files, streamed, plan.filter((p) => !result.unchanged.includes(p.target)), differing, result);
  if (row.agent === 'codex') result.notes.push(...(await codexIndex(source.path, row)));
  return result;
}

/** Writes the session's files: those new here as they stream, the others from the bytes compared. */
async function writeFiles(files: SessionFiles, streamed: readonly { target: string; file: string }[], plan: readonly { target: string; bytes: Buffer }[], differing: readonly string[], result: ContinueResult): Promise<void> {
  for (const s of streamed) {
    await makeDirs(dirname(s.target));
    await writeFileAtomic(s.target, files.open(s.file));
    result.written.push(s.target);
  }
  for (const p of plan) {
    await makeDirs(dirname(p.target));
    await writeFileAtomic(p.target, p.bytes);
    // The replaced database's log must not be applied to the session's (sqlite-logs.ts).
    await dropReplacedLogs(p.target);
    (differing.includes(p.target) ? result.replaced : result.written).push(p.target);
  }
}

/** Continue refused: this machine's copy has work of its own that the replacing would take away (kept only in a safety snapshot). */
function divergedError(diverged: readonly string[], row: CatalogRow): ConflictError {
  const shown = diverged.slice(0, 3).join(', ') + (diverged.length > 3 ? `, and ${diverged.length - 3} more` : '');
  return new ConflictError(
    `Nothing was written: this machine's copy of the session has changes the one from ${row.deviceName} doesn't (${shown}) — it was continued here too. Continuing here would replace ${diverged.length === 1 ? 'it' : 'them'} with ${row.deviceName}'s version; this machine's copy would be kept in a safety snapshot. To do that: cairn continue ${row.id} --replace (in the app: Replace this machine's copy). Or go on with this machine's copy as it is.`,
  );
}

/**
 * The folder this machine's agent looks in for the session: the agent's folder; for Aider, which
 * keeps a project's history in the project itself, the (mapped) project's folder wherever this
 * machine has it, found by Cairn or not.
 */
async function targetFolder(row: CatalogRow, ctx: AgentContext, project: string | undefined): Promise<string> {
  const sources = await toBackupSources(ADAPTERS, ctx, [row.agent], { keepMissing: true });
  const source = sources.find((s) => s.label === row.root) ?? (row.agent === 'aider' && project ? sources.find((s) => s.path === project) : undefined);
  if (source) return source.path;
  if (row.agent === 'aider') {
    if (project && (await stat(project).catch(() => undefined))?.isDirectory()) return project;
    const where = project ?? row.root;
    throw new CairnError('config', `Aider keeps a session in its project's folder, and this machine has no ${where}. Put the project there, or say where it is here: --map ${where}=/path/to/it (in the app: Settings, Path mappings).`);
  }
  throw new CairnError('config', `This machine has no folder for ${row.agent}'s '${row.root}'; the session can't be put where the agent looks for it.`);
}

/** One run of an Aider history: from the header of `key` (its time, `#n` for the n-th run of that time) to the next header; '' is the whole history. */
export function aiderRun(history: Buffer, key: string): Buffer | undefined {
  if (key === '') return history;
  const time = key.replace(/#\d+$/, '');
  const wanted = Number(/#(\d+)$/.exec(key)?.[1] ?? 1);
  // latin1: one character per byte, so a match's index is its byte offset.
  const starts = [...history.toString('latin1').matchAll(/^# aider chat started at (.+?)\s*$/gm)];
  let seen = 0;
  for (const [i, m] of starts.entries()) {
    if (m[1] !== time || ++seen < wanted) continue;
    return history.subarray(m.index, starts[i + 1]?.index ?? history.length);
  }
  return undefined;
}

/** Adds the run `key` of `history` to this machine's history at `target` unless it holds it already. Returns whether it was added. */
async function addAiderRun(target: string, history: Buffer, key: string): Promise<boolean> {
  const run = aiderRun(history, key);
  if (!run) throw new NotFoundError(`The snapshot's Aider history has no run that started at ${key}.`);
  const local = await readFile(target).catch(() => undefined);
  if (local?.includes(run)) return false;
  await makeDirs(dirname(target));
  // Aider starts each run after a blank line.
  const ends = local?.subarray(-2).toString('latin1') ?? '';
  const gap = Buffer.from(ends === '' || ends === '\n\n' ? '' : ends.endsWith('\n') ? '\n' : '\n\n');
  await writeFileAtomic(target, local ? Buffer.concat([local, gap, run]) : run);
  return true;
}

/**
 * Codex lists named threads from `session_index.jsonl` (one `{ id, thread_name, updated_at }` per
 * line, appended) and finds a rollout for `codex resume <id>` by its file name: a titled session
 * gets its line, once.
 */
async function codexIndex(home: string, row: CatalogRow): Promise<string[]> {
  if (!row.title) return [];
  const file = join(home, 'session_index.jsonl');
  const text = await readFile(file, 'utf8').catch(() => '');
  if (text.split('\n').some((l) => l.includes(`"${row.id}"`))) return [];
  const line = `${JSON.stringify({ id: row.id, thread_name: row.title, updated_at: row.updatedAt ?? new Date().toISOString() })}\n`;
  await makeDirs(home);
  if (text && !text.endsWith('\n')) await appendFile(file, '\n');
  await appendFile(file, line);
  return [`Added the thread to ${file}.`];
}

// Database-held sessions ------------------------------------------------------------------------

/** One table's rows of a session: selected by `where` (SQL over schema `s`, `?` = session key). */
interface TableRows {
  table: string;
  where: (s: string) => string;
  /** Columns holding absolute paths, mapped to this machine. */
  paths?: string[];
  /** Columns left for this database to assign (autoincrement row ids shared by all sessions). */
  fresh?: string[];
  /** Rows shared with other sessions (a project): added when missing, never replaced. */
  shared?: boolean;
}

/** Tables in insert order (parents first); deleted in reverse. */
const DB_MERGES: Partial<Record<string, TableRows[]>> = {
  // OpenCode 1.x (packages/opencode/src/session/session.sql.ts): text ids, foreign keys to session.
  'opencode-db': [
    { table: 'project', where: (s) => `id = (SELECT project_id FROM ${s}.session WHERE id = ?)`, paths: ['worktree'], shared: true },
    { table: 'session', where: () => 'id = ?', paths: ['directory'] },
    { table: 'message', where: () => 'session_id = ?' },
    { table: 'part', where: (s) => `message_id IN (SELECT id FROM ${s}.message WHERE session_id = ?)` },
    { table: 'todo', where: () => 'session_id = ?' },
  ],
  // Goose ≥ 1.10 (crates/goose/src/session/session_manager.rs): messages keyed by an
  // autoincrement id shared by every session, so this database assigns them.
  'goose-db': [
    { table: 'sessions', where: () => 'id = ?', paths: ['working_dir'] },
    { table: 'messages', where: () => 'session_id = ?', fresh: ['id'] },
  ],
  // Cursor's global state: one composer and its bubbles, by key.
  'cursor-composer': [{ table: 'cursorDiskKV', where: () => `(key = 'composerData:' || ? OR key LIKE 'bubbleId:' || ? || ':%')` }],
};

/** Databases holding one machine's own state that a chat can't be merged into: kept as they are. */
const DB_KEEP_LOCAL = new Set(['cursor-chat']);

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Merges one session's rows from `source` (the snapshot's database) into the local database
 * `target`, in one transaction: this session's local rows are replaced by the source's, other
 * sessions' rows are untouched. Returns false when the local rows already equal the source's.
 */
async function mergeSessionRows(tables: readonly TableRows[], source: string, target: string, key: string, mappings: readonly PathMapping[], safetySnapshot: (paths: readonly string[]) => Promise<unknown>): Promise<boolean> {
  const db = new Database(target, { fileMustExist: true, timeout: 5000 });
  try {
    db.function('cairn_map', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? mapAbsolutePath(v, mappings) : v) as string);
    db.prepare('ATTACH DATABASE ? AS src').run(source);
    const present = (schema: string, table: string) => db.prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
    const cols = (schema: string, table: string) => (db.prepare(`PRAGMA ${schema}.table_info(${ident(table)})`).all() as { name: string }[]).map((c) => c.name);
    const usable = tables.filter((t) => present('src', t.table));
    const missing = usable.filter((t) => !present('main', t.table));
    if (missing.length > 0) throw new CairnError('config', `This machine's ${target} has no '${missing[0]?.table}' table: its ${missing[0]?.table === 'cursorDiskKV' ? 'Cursor' : 'agent'} is of another version. Update the agent here (or start it once), then continue the session again.`);
    // Every `?` of a table's condition is the session key.
    const keys = (sql: string) => Array.from({ length: sql.split('?').length - 1 }, () => key);
    const plans = usable.map((t) => {
      const local = new Set(cols('main', t.table));
      const shared = cols('src', t.table).filter((c) => local.has(c) && !(t.fresh ?? []).includes(c));
      const select = (schema: string) => `SELECT ${shared.map((c) => ((t.paths ?? []).includes(c) && schema === 'src' ? `cairn_map(${ident(c)})` : ident(c))).join(', ')} FROM ${schema}.${ident(t.table)} WHERE ${t.where(schema)} ORDER BY rowid`;
      return { t, shared, select };
    });
    const digest = (schema: string) => {
      const h = createHash('sha256');
      for (const p of plans) {
        if (p.t.shared) continue;
        const sql = p.select(schema);
        for (const r of db.prepare(sql).raw().all(...keys(sql))) h.update(JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? v.toString() : v)));
      }
      return h.digest('hex');
    };
    if (digest('main') === digest('src')) return false;
    const wal = `${target}-wal`;
    await safetySnapshot(existsSync(wal) ? [target, wal] : [target]);
    db.pragma('foreign_keys = OFF');
    db.transaction(() => {
      for (const p of [...plans].reverse()) {
        if (p.t.shared) continue;
        const sql = `DELETE FROM main.${ident(p.t.table)} WHERE ${p.t.where('main')}`;
        db.prepare(sql).run(...keys(sql));
      }
      for (const p of plans) {
        const sql = `${p.t.shared ? 'INSERT OR IGNORE' : 'INSERT OR REPLACE'} INTO main.${ident(p.t.table)} (${p.shared.map(ident).join(', ')}) ${p.select('src')}`;
        db.prepare(sql).run(...keys(sql));
      }
    })();
    return true;
  } finally {
    db.close();
  }
}

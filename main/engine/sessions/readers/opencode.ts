// OpenCode (XDG data `opencode/`): since 1.x one SQLite database, `opencode.db`, with tables
// `session` (id, parent_id, directory, title, model, time_created/updated, …), `message`
// (session_id, data: JSON with role, model, path, error) and `part` (message_id, data: JSON with
// `type`); before that the same records as JSON files: `storage/session/<project>/<id>.json`,
// `storage/message/<session id>/*.json`, `storage/part/<message id>/*.json`. Verified against a
// real 1.16 database and sst/opencode's MessageV2 part types.
//
// Parts, in message order then part order: `text` -> message with the message's role (a
// `synthetic` text -> note "Added by OpenCode"), `reasoning` -> thinking, `tool` -> tool call with
// its result inline (state.output, or state.error as an error), `file` -> attachment, `patch` ->
// note "Files changed", `agent` / `subtask` -> notes, `compaction` -> note, `retry` -> note;
// `step-start`, `step-finish`, `snapshot` and unknown types -> not shown. A message's `error`
// -> note. One item position is one part (its index in the session), so pages resume by index.

import type { SessionFiles } from '../files.ts';
import { arr, isObject, isoTime, parseRecord, pretty, str, toolSummary, type JsonObject } from '../json.ts';
import type { SessionRef } from '../model.ts';
import type { MetaPatch, ReaderEvent, ReadOptions, SessionReader } from '../reader.ts';
import { mapLimit } from '../../concurrency.ts';
import { Emitter, unreadableEvent } from './common.ts';
import { columns, hasTable, openDb, rowStamps } from './sqlite.ts';

/** OpenCode's placeholder title until it names a session. */
const DEFAULT_TITLE = /^(New session|Child session) - \d{4}-\d{2}-\d{2}T/;

export const opencodeDbReader: SessionReader = {
  format: 'opencode-db',
  agent: 'opencode',
  patterns: ['opencode.db', 'opencode-*.db'],

  async list(files: SessionFiles, path: string): Promise<SessionRef[]> {
    const opened = await openDb(files, path);
    if (!('db' in opened)) return [];
    try {
      if (!hasTable(opened.db, 'session')) return [];
      const rows = opened.db.prepare('SELECT id FROM session ORDER BY time_created, id').all() as { id: string }[];
      return rows.map((r) => ({ agent: 'opencode', format: 'opencode-db', path, key: r.id }));
    } finally {
      opened.db.close();
    }
  },

  // A session's row as it is, and the count, latest update and size of its messages and parts:
  // OpenCode stamps every row's time_updated when it writes it (a part streaming in, a message
  // finished). One pass over the tables' integer columns and record sizes (48 ms for 300
  // sessions and 35,000 parts), against a second or more to read them all.
  async stamps(files: SessionFiles, path: string): Promise<ReadonlyMap<string, string> | undefined> {
    const opened = await openDb(files, path);
    if (!('db' in opened)) return undefined;
    const db = opened.db;
    try {
      if (!['session', 'message', 'part'].every((t) => hasTable(db, t) && ['time_updated', ...(t === 'session' ? ['id'] : ['session_id', 'data'])].every((c) => columns(db, t).has(c)))) return undefined;
      const rows = db
        .prepare(
          `SELECT s.*, m.n AS stamp_m_n, m.t AS stamp_m_t, m.b AS stamp_m_b, p.n AS stamp_p_n, p.t AS stamp_p_t, p.b AS stamp_p_b FROM session s
           LEFT JOIN (SELECT session_id, count(*) AS n, max(time_updated) AS t, sum(octet_length(data)) AS b FROM message GROUP BY session_id) m ON m.session_id = s.id
           LEFT JOIN (SELECT session_id, count(*) AS n, max(time_updated) AS t, sum(octet_length(data)) AS b FROM part GROUP BY session_id) p ON p.session_id = s.id`,
        )
        .all() as Record<string, unknown>[];
      return rowStamps(rows);
    } finally {
      db.close();
    }
  },

  async *read(files: SessionFiles, ref: SessionRef, options: ReadOptions = {}): AsyncGenerator<ReaderEvent> {
    const opened = await openDb(files, ref.path);
    if (!('db' in opened)) {
      yield opened.error;
      return;
    }
    const db = opened.db;
    let rows: IterableIterator<{ mid: string; mdata: string; pid: string | null; pdata: string | null }> | undefined;
    try {
      const session = db.prepare('SELECT * FROM session WHERE id = ?').get(ref.key) as Record<string, unknown> | undefined;
      if (!session) {
        yield unreadableEvent(ref.path, { error: `no session ${ref.key} in this database`, pos: { offset: 0, line: 1 }, raw: '' });
        return;
      }
      yield { type: 'meta', meta: sessionMeta(session) };
      const partCols = columns(db, 'part');
      const order = partCols.has('time_created') ? 'm.time_created, m.id, p.id' : 'm.id, p.id';
      rows = db
        .prepare(`SELECT m.id AS mid, m.data AS mdata, p.id AS pid, p.data AS pdata FROM message m LEFT JOIN part p ON p.message_id = m.id WHERE m.session_id = ? ORDER BY ${order} LIMIT -1 OFFSET ?`)
        .iterate(ref.key, options.from?.offset ?? 0) as IterableIterator<{ mid: string; mdata: string; pid: string | null; pdata: string | null }>;
      let index = options.from?.offset ?? 0;
      let lastMessage: string | undefined;
      for (const row of rows) {
        const pos = { offset: index, line: index + 1 };
        index += 1;
        const message = parseRecord(row.mdata);
        if ('error' in message) {
          yield unreadableEvent(ref.path, { error: `message ${row.mid}: ${message.error}`, pos, raw: row.mdata });
          continue;
        }
        const first = row.mid !== lastMessage;
        lastMessage = row.mid;
        const e = new Emitter(ref.path, pos, isoTime(isObject(message.value.time) ? message.value.time.created : undefined));
        if (first) messageMeta(e, message.value);
        if (row.pdata === null) {
          if (first) messageError(e, message.value);
          yield* e.events;
          continue;
        }
        const part = parseRecord(row.pdata);
        if ('error' in part) yield unreadableEvent(ref.path, { error: `part ${row.pid}: ${part.error}`, pos, raw: row.pdata });
        else opencodePart(e, message.value, part.value);
        if (first) messageError(e, message.value);
        yield* e.events;
      }
    } finally {
      // A page that stops early leaves the statement open: end it before closing the database.
      rows?.return?.();
      db.close();
    }
  },
};

function sessionMeta(s: Record<string, unknown>): MetaPatch {
  const meta: MetaPatch = { id: String(s.id), role: s.parent_id ? 'subagent' : 'main' };
  if (typeof s.parent_id === 'string' && s.parent_id) meta.parentId = s.parent_id;
  if (typeof s.title === 'string' && s.title && !DEFAULT_TITLE.test(s.title)) meta.title = s.title;
  if (typeof s.directory === 'string' && s.directory) meta.project = s.directory;
  const started = isoTime(s.time_created);
  if (started) meta.startedAt = started;
  const updated = isoTime(s.time_updated);
  if (updated) meta.updatedAt = updated;
  if (typeof s.model === 'string') {
    const parsed = parseRecord(s.model);
    const id = 'value' in parsed ? str(parsed.value.id) ?? str(parsed.value.modelID) : s.model;
    if (id) meta.model = id;
  }
  return meta;
}

function messageMeta(e: Emitter, m: JsonObject): void {
  const model = str(m.modelID) ?? (isObject(m.model) ? str(m.model.modelID) : undefined);
  if (model && m.role === 'assistant') e.meta({ model });
  const path = isObject(m.path) ? str(m.path.cwd) : str(m.path);
  if (path) e.meta({ project: path });
  if (e.time) e.meta({ updatedAt: e.time });
}

function messageError(e: Emitter, m: JsonObject): void {
  if (!isObject(m.error)) return;
  const data = isObject(m.error.data) ? m.error.data : {};
  e.item({ kind: 'note', label: 'Error', text: [str(m.error.name), str(data.message)].filter(Boolean).join(': ') });
}

function opencodePart(e: Emitter, message: JsonObject, p: JsonObject): void {
  const role = message.role === 'user' ? 'user' : 'assistant';
  const type = str(p.type) ?? '';
  const time = isObject(p.time) ? isoTime(p.time.start) : undefined;
  const at = time ? { time } : {};
  switch (type) {
    case 'text':
      if (p.synthetic === true) e.item({ kind: 'note', label: 'Added by OpenCode', text: str(p.text) ?? '', ...at });
      else e.item({ kind: 'message', role, text: str(p.text) ?? '', ...at });
      return;
    case 'reasoning':
      e.item({ kind: 'thinking', text: str(p.text) ?? '', ...at });
      return;
    case 'tool': {
      const state = isObject(p.state) ? p.state : {};
      const status = str(state.status);
      const title = str(state.title);
      const stateTime = isObject(state.time) ? isoTime(state.time.start) : undefined;
      const resultText = str(state.output) ?? str(state.error);
      e.item({
        kind: 'tool-call',
        name: str(p.tool) ?? 'tool',
        summary: title || toolSummary(state.input),
        input: pretty(state.input),
        ...(str(p.callID) ? { callId: str(p.callID) } : {}),
        ...(resultText !== undefined ? { result: { text: resultText, isError: status === 'error' } } : {}),
        ...(stateTime ? { time: stateTime } : {}),
      });
      return;
    }
    case 'file':
      e.item({ kind: 'attachment', label: str(p.filename) ?? str(p.url) ?? 'file', ...(str(p.mime) ? { mediaType: str(p.mime) } : {}), text: str(p.url)?.startsWith('data:') ? '' : (str(p.url) ?? '') });
      return;
    case 'patch':
      e.item({ kind: 'note', label: 'Files changed', text: arr(p.files).filter((f): f is string => typeof f === 'string').join('\n') });
      return;
    case 'agent':
      e.item({ kind: 'note', label: 'Agent', text: str(p.name) ?? '' });
      return;
    case 'subtask':
      e.item({ kind: 'note', label: `Sub-task${str(p.agent) ? ` (${str(p.agent)})` : ''}`, text: str(p.description) ?? str(p.prompt) ?? '' });
      return;
    case 'compaction':
      e.item({ kind: 'note', label: 'Conversation compacted', text: p.auto === true ? 'automatically' : '' });
      return;
    case 'retry':
      e.item({ kind: 'note', label: 'Retry', text: isObject(p.error) ? (str(p.error.name) ?? '') : '' });
      return;
    default:
      e.notShown(type ? `part ${type}` : 'part without a type', p);
  }
}

// ---- Legacy JSON storage ---------------------------------------------------------------------

export const opencodeStorageReader: SessionReader = {
  format: 'opencode-storage',
  agent: 'opencode',
  patterns: ['storage/session/*/*.json'],

  async list(_files: SessionFiles, path: string): Promise<SessionRef[]> {
    return [{ agent: 'opencode', format: 'opencode-storage', path }];
  },

  async *read(files: SessionFiles, ref: SessionRef, options: ReadOptions = {}): AsyncGenerator<ReaderEvent> {
    const session = await readJson(files, ref.path);
    if ('error' in session) {
      yield unreadableEvent(ref.path, { error: session.error, pos: { offset: 0, line: 1 }, raw: '' });
      return;
    }
    const s = session.value;
    const id = str(s.id) ?? ref.path.slice(ref.path.lastIndexOf('/') + 1).replace(/\.json$/, '');
    const time = isObject(s.time) ? s.time : {};
    yield {
      type: 'meta',
      meta: sessionMeta({ id, parent_id: str(s.parentID) ?? null, title: s.title, directory: s.directory, time_created: time.created, time_updated: time.updated }),
    };
    // Messages in time order, then each message's parts in name order (ids sort by creation).
    // The store is thousands of small files: they are read FILE_READS at a time (waiting on the
    // disk one after another was most of reading a session), and yielded in order.
    const messages: { path: string; value: JsonObject; created: number }[] = [];
    let index = 0;
    const skipTo = options.from?.offset ?? 0;
    const paths = await files.list(`storage/message/${id}`);
    const docs = await mapLimit(paths, FILE_READS, (path) => readJson(files, path));
    for (const [i, path] of paths.entries()) {
      const m = docs[i] as Awaited<ReturnType<typeof readJson>>;
      if ('error' in m) {
        if (index >= skipTo) yield unreadableEvent(path, { error: m.error, pos: { offset: index, line: 1 }, raw: '' });
        index += 1;
        continue;
      }
      yield { type: 'meta', meta: { file: path } };
      const t = isObject(m.value.time) ? m.value.time : {};
      messages.push({ path, value: m.value, created: typeof t.created === 'number' ? t.created : 0 });
    }
    messages.sort((a, b) => a.created - b.created || a.path.localeCompare(b.path));
    // Parts, a window of messages at a time (memory stays bounded by the window).
    for (let w = 0; w < messages.length; w += FILE_READS) {
      const window = messages.slice(w, w + FILE_READS);
      const partsOf = await mapLimit(window, FILE_READS, (message) => files.list(`storage/part/${messageId(message)}`));
      // A part is read only when its position is at or after the page's start.
      let at = index;
      const wanted: string[] = [];
      for (const parts of partsOf) for (const path of parts.length ? parts : [undefined]) if (at++ >= skipTo && path) wanted.push(path);
      const read = new Map(wanted.map((path, i) => [path, i]));
      const partDocs = await mapLimit(wanted, FILE_READS, (path) => readJson(files, path));
      for (const [k, message] of window.entries()) {
        const parts = partsOf[k] as string[];
        const time = isoTime(message.created || undefined);
        let first = true;
        for (const path of parts.length ? parts : [undefined]) {
          const pos = { offset: index, line: 1 };
          index += 1;
          if (path) yield { type: 'meta', meta: { file: path } };
          if (pos.offset < skipTo) continue;
          const e = new Emitter(path ?? message.path, pos, time);
          if (first) messageMeta(e, message.value);
          if (path) {
            const part = partDocs[read.get(path) as number] as Awaited<ReturnType<typeof readJson>>;
            if ('error' in part) e.events.push(unreadableEvent(path, { error: part.error, pos, raw: '' }));
            else opencodePart(e, message.value, part.value);
          }
          if (first) messageError(e, message.value);
          first = false;
          yield* e.events;
        }
      }
    }
  },
};

/** Files of the legacy store read at once. */
const FILE_READS = 16;

function messageId(message: { path: string; value: JsonObject }): string {
  return str(message.value.id) ?? message.path.slice(message.path.lastIndexOf('/') + 1).replace(/\.json$/, '');
}

async function readJson(files: SessionFiles, path: string): Promise<{ value: JsonObject } | { error: string }> {
  try {
    return parseRecord((await files.read(path)).toString('utf8'));
  } catch (error) {
    return { error: `can't be read: ${(error as Error).message}` };
  }
}


// Goose (data folder `goose/`): since 1.10 `sessions/sessions.db` (tables `sessions`: id, name,
// description, working_dir, created_at, updated_at, …; `messages`: session_id, role,
// content_json, created_timestamp, ordered by id), before that `sessions/<id>.jsonl` (a metadata
// line `{working_dir, description, message_count, …}`, then one message per line). Verified in
// block/goose crates/goose/src/session (storage.rs, session_manager.rs, migrations.rs) and the
// message model (conversation/message.rs, content tagged by `type`, camelCase).
//
// Content: `text` -> message with the message's role, `image` -> attachment, `toolRequest` ->
// tool call (`toolCall.value.{name, arguments}`), `toolResponse` -> its result (by id),
// `thinking` -> thinking, `redactedThinking` -> thinking "(redacted)", `toolConfirmationRequest`,
// `contextLengthExceeded`, `summarizationRequested`, `systemNotification` -> notes, others -> not
// shown. No Goose session written by the agent was available: tests build these from the schema.

import type { SessionFiles } from '../files.ts';
import { arr, contentText, isObject, isoTime, parseRecord, pretty, str, toolSummary, type JsonObject } from '../json.ts';
import type { SessionRef } from '../model.ts';
import type { MetaPatch, ReaderEvent, ReadOptions, SessionReader } from '../reader.ts';
import { Emitter, humanize, jsonlRecords, unreadableEvent } from './common.ts';
import { columns, hasTable, openDb, rowStamps } from './sqlite.ts';

function gooseMessage(e: Emitter, m: JsonObject): void {
  const role = m.role === 'assistant' ? 'assistant' : 'user';
  for (const c of arr(m.content)) {
    if (!isObject(c)) continue;
    const type = str(c.type) ?? '';
    switch (type) {
      case 'text':
        e.item({ kind: 'message', role, text: str(c.text) ?? '' });
        break;
      case 'image':
        e.item({ kind: 'attachment', label: 'image', ...(str(c.mimeType) ? { mediaType: str(c.mimeType) } : {}), text: '' });
        break;
      case 'toolRequest':
      case 'frontendToolRequest': {
        const call = isObject(c.toolCall) ? c.toolCall : {};
        const value = isObject(call.value) ? call.value : call;
        const args = value.arguments ?? value.params;
        e.item({ kind: 'tool-call', name: str(value.name) ?? 'tool', summary: toolSummary(args), input: pretty(args), ...(str(c.id) ? { callId: str(c.id) } : {}) });
        if (str(call.status) === 'error') e.item({ kind: 'tool-result', ...(str(c.id) ? { callId: str(c.id) } : {}), result: { text: str(call.error) ?? 'invalid tool call', isError: true } });
        break;
      }
      case 'toolResponse': {
        const result = isObject(c.toolResult) ? c.toolResult : {};
        const ok = str(result.status) !== 'error';
        const value = result.value;
        const items = isObject(value) && Array.isArray(value.content) ? value.content : value;
        const text = ok ? contentText(arr(items).map((x) => (isObject(x) && isObject(x.text) ? x.text : x))) || pretty(items) : (str(result.error) ?? 'error');
        e.item({ kind: 'tool-result', ...(str(c.id) ? { callId: str(c.id) } : {}), result: { text, isError: !ok || (isObject(value) && value.isError === true) } });
        break;
      }
      case 'thinking':
        e.item({ kind: 'thinking', text: str(c.thinking) ?? '' });
        break;
      case 'redactedThinking':
        e.item({ kind: 'thinking', text: '(redacted by the model provider)' });
        break;
      case 'toolConfirmationRequest':
        e.item({ kind: 'note', label: 'Confirmation asked', text: [str(c.toolName), str(c.prompt)].filter(Boolean).join(': ') });
        break;
      case 'contextLengthExceeded':
      case 'summarizationRequested':
      case 'systemNotification':
        e.item({ kind: 'note', label: humanize(str(c.notificationType) ?? type.replace(/([A-Z])/g, ' $1').toLowerCase()), text: str(c.msg) ?? '' });
        break;
      default:
        e.notShown(`content ${type || 'without a type'}`, c);
    }
  }
  if (arr(m.content).length === 0) e.notShown('empty message', m);
}

// ---- sessions.db ------------------------------------------------------------------------------

export const gooseDbReader: SessionReader = {
  format: 'goose-db',
  agent: 'goose',
  patterns: ['sessions/sessions.db'],
  async list(files: SessionFiles, path: string): Promise<SessionRef[]> {
    const opened = await openDb(files, path);
    if (!('db' in opened)) return [];
    try {
      if (!hasTable(opened.db, 'sessions')) return [];
      const order = columns(opened.db, 'sessions').has('created_at') ? 'created_at, id' : 'id';
      return (opened.db.prepare(`SELECT id FROM sessions ORDER BY ${order}`).all() as { id: string }[]).map((r) => ({ agent: 'goose', format: 'goose-db', path, key: String(r.id) }));
    } finally {
      opened.db.close();
    }
  },
  // A session's row as it is, and the count, last id, latest time and size of its messages:
  // Goose appends a message as a new row, and rewrites a conversation (compacted, edited) by
  // deleting its rows and inserting new ones, which take new ids.
  async stamps(files: SessionFiles, path: string): Promise<ReadonlyMap<string, string> | undefined> {
    const opened = await openDb(files, path);
    if (!('db' in opened)) return undefined;
    const db = opened.db;
    try {
      if (!hasTable(db, 'sessions') || !hasTable(db, 'messages') || !columns(db, 'sessions').has('id')) return undefined;
      const m = columns(db, 'messages');
      if (!['id', 'session_id', 'role', 'content_json'].every((c) => m.has(c))) return undefined;
      const time = m.has('created_timestamp') ? 'max(created_timestamp)' : 'NULL';
      const rows = db
        .prepare(
          `SELECT s.*, m.n AS stamp_n, m.last AS stamp_last, m.t AS stamp_t, m.b AS stamp_b FROM sessions s
           LEFT JOIN (SELECT session_id, count(*) AS n, max(id) AS last, ${time} AS t, sum(octet_length(content_json)) + sum(octet_length(role)) AS b FROM messages GROUP BY session_id) m ON m.session_id = s.id`,
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
    let rows: IterableIterator<{ role: string; content_json: string; ts: unknown }> | undefined;
    try {
      const s = db.prepare('SELECT * FROM sessions WHERE id = ?').get(ref.key) as Record<string, unknown> | undefined;
      if (!s) {
        yield unreadableEvent(ref.path, { error: `no session ${ref.key} in this database`, pos: { offset: 0, line: 1 }, raw: '' });
        return;
      }
      const meta: MetaPatch = { id: String(s.id), role: 'main' };
      const title = (typeof s.name === 'string' && s.name) || (typeof s.description === 'string' && s.description) || undefined;
      if (title) meta.title = title;
      if (typeof s.working_dir === 'string' && s.working_dir) meta.project = s.working_dir;
      const started = isoTime(s.created_at);
      if (started) meta.startedAt = started;
      const updated = isoTime(s.updated_at);
      if (updated) meta.updatedAt = updated;
      if (typeof s.model_config_json === 'string') {
        const parsed = parseRecord(s.model_config_json);
        if ('value' in parsed && str(parsed.value.model_name)) meta.model = str(parsed.value.model_name);
      }
      yield { type: 'meta', meta };
      const time = columns(db, 'messages').has('created_timestamp') ? 'created_timestamp' : 'NULL';
      rows = db.prepare(`SELECT role, content_json, ${time} AS ts FROM messages WHERE session_id = ? ORDER BY id LIMIT -1 OFFSET ?`).iterate(ref.key, options.from?.offset ?? 0) as IterableIterator<{ role: string; content_json: string; ts: unknown }>;
      let index = options.from?.offset ?? 0;
      for (const row of rows) {
        const pos = { offset: index, line: index + 1 };
        index += 1;
        let content: unknown;
        try {
          content = JSON.parse(row.content_json);
        } catch {
          yield unreadableEvent(ref.path, { error: 'message content is not valid JSON', pos, raw: row.content_json });
          continue;
        }
        const e = new Emitter(ref.path, pos, isoTime(row.ts));
        gooseMessage(e, { role: row.role, content: Array.isArray(content) ? content : [] } as JsonObject);
        yield* e.events;
      }
    } finally {
      rows?.return?.();
      db.close();
    }
  },
};

// ---- Legacy JSONL -------------------------------------------------------------------------------

export const gooseJsonlReader: SessionReader = {
  format: 'goose-jsonl',
  agent: 'goose',
  patterns: ['sessions/*.jsonl'],
  async list(_files, path) {
    return [{ agent: 'goose', format: 'goose-jsonl', path }];
  },
  async *read(files, ref, options = {}) {
    yield { type: 'meta', meta: { id: ref.path.slice(ref.path.lastIndexOf('/') + 1).replace(/\.jsonl$/, ''), role: 'main' } };
    for await (const record of jsonlRecords(files, ref.path, options.from)) {
      if (!record.ok) {
        yield unreadableEvent(ref.path, record);
        continue;
      }
      const v = record.value;
      const e = new Emitter(ref.path, record.pos, isoTime(v.created));
      if (typeof v.role === 'string') {
        gooseMessage(e, v);
      } else if (record.pos.offset === 0 && ('working_dir' in v || 'description' in v || 'message_count' in v)) {
        e.meta({ ...(str(v.working_dir) ? { project: str(v.working_dir) } : {}), ...(str(v.description) ? { title: str(v.description) } : {}) });
      } else {
        e.notShown('record without a role', v);
      }
      yield* e.events;
    }
  },
};

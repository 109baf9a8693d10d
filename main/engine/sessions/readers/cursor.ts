// Cursor keeps conversations in four places:
//
// - `cursor-composer`: the global `User/globalStorage/state.vscdb`, table `cursorDiskKV`:
//   `composerData:<composer id>` (name, createdAt, lastUpdatedAt, and either the whole
//   `conversation` or `fullConversationHeadersOnly` [{bubbleId, type}]) and
//   `bubbleId:<composer id>:<bubble id>` (one bubble each). One session per composer.
// - `cursor-chat`: older per-workspace `User/workspaceStorage/<hash>/state.vscdb`, table
//   `ItemTable`: `workbench.panel.aichat.view.aichat.chatdata` (chat tabs, bubbles typed
//   `user` / `ai`) and `composer.composerData` (composers with their conversation inline). One
//   session per tab (`chat:<tab id>`) and per composer with messages (`composer:<id>`); the
//   project comes from the folder's `workspace.json`.
// - `cursor-transcript`: `~/.cursor/projects/<project>/agent-transcripts/<id>/<id>.jsonl` (CLI and
//   IDE agent), lines `{role, message: {content: [text | tool_use]}}` and roleless markers
//   (`turn_ended`); sub-agents in `<id>/subagents/<sub id>.jsonl`.
//   Older versions wrote plain-text `<id>.txt` transcripts (`user:` / `A:` headings).
// - `cursor-cli`: `~/.cursor/chats/<workspace hash>/<agent id>/store.db`: `meta` (hex JSON: name,
//   createdAt, lastUsedModel, latestRootBlobId) and a content-addressed tree of `blobs` (Protocol
//   Buffers nodes, JSON or Protocol Buffers messages), read from the root in conversation order
//   (see the cursor-agent CLI store section below).
//
// Bubbles: user (type 1 / "user") -> user message, with file selections and images as
// attachments; assistant (type 2 / "ai") -> thinking, message, and `toolFormerData` -> tool call
// with its result. Verified against a real Nov 2024 workspace database and public fixtures.

import { statSync } from 'node:fs';
import type { SessionFiles } from '../files.ts';
import { arr, contentText, isObject, isoTime, maybeJson, parseRecord, pretty, str, toolSummary, type Json, type JsonObject } from '../json.ts';
import type { SessionRef } from '../model.ts';
import type { DraftItem, MetaPatch, ReaderEvent, ReadOptions, SessionReader } from '../reader.ts';
import { readLines } from '../lines.ts';
import { Emitter, jsonlRecords, unreadableEvent } from './common.ts';
import { hasTable, openDb, rowStamps, type Db } from './sqlite.ts';
import { decodeWire, wireText, type WireField } from './protobuf-wire.ts';

// ---- Bubbles (shared by the databases) --------------------------------------------------------

function bubble(e: Emitter, b: JsonObject): void {
  const type = b.type;
  const user = type === 1 || type === 'user';
  const ai = type === 2 || type === 'ai';
  const text = str(b.text) ?? str(b.rawText) ?? '';
  const model = str(b.modelType) ?? (isObject(b.modelInfo) ? str(b.modelInfo.modelName) : undefined);
  if (model && ai) e.meta({ model });
  if (user) {
    if (text.trim()) e.item({ kind: 'message', role: 'user', text });
    const context = isObject(b.context) ? b.context : b;
    for (const f of arr(context.fileSelections)) {
      const uri = isObject(f) && isObject(f.uri) ? f.uri : undefined;
      const path = uri ? (str(uri.fsPath) ?? str(uri.path)) : undefined;
      if (path) e.item({ kind: 'attachment', label: path, text: '' });
    }
    for (const img of arr(context.selectedImages)) if (isObject(img)) e.item({ kind: 'attachment', label: 'image', text: str(img.path) ?? '' });
    if (!text.trim() && e.events.every((ev) => ev.type !== 'item')) e.notShown('empty user bubble', b);
    return;
  }
  if (ai) {
    const thinking = isObject(b.thinking) ? str(b.thinking.text) : str(b.thinking);
    if (thinking) e.item({ kind: 'thinking', text: thinking });
    if (text.trim()) e.item({ kind: 'message', role: 'assistant', text, ...(model ? { model } : {}) });
    const tool = isObject(b.toolFormerData) ? b.toolFormerData : undefined;
    if (tool) {
      const args = maybeJson(tool.rawArgs ?? tool.params);
      const result = tool.result;
      const status = str(tool.status);
      e.item({
        kind: 'tool-call',
        name: str(tool.name) ?? 'tool',
        summary: toolSummary(args),
        input: pretty(args),
        ...(str(tool.toolCallId) ? { callId: str(tool.toolCallId) } : {}),
        ...(result !== undefined && result !== null ? { result: { text: typeof result === 'string' ? result : pretty(result), isError: status === 'error' } } : {}),
      });
    }
    if (!thinking && !text.trim() && !tool) e.notShown('empty assistant bubble', b);
    return;
  }
  e.notShown(`bubble type ${String(type)}`, b);
}

function composerMeta(c: JsonObject): MetaPatch {
  const meta: MetaPatch = { role: 'main' };
  if (str(c.composerId)) meta.id = str(c.composerId);
  if (str(c.name)) meta.title = str(c.name);
  const started = isoTime(c.createdAt);
  if (started) meta.startedAt = started;
  const updated = isoTime(c.lastUpdatedAt);
  if (updated) meta.updatedAt = updated;
  return meta;
}

function* bubbleEvents(path: string, bubbles: { value: Json; time?: string }[], options: ReadOptions): Generator<ReaderEvent> {
  for (let i = options.from?.offset ?? 0; i < bubbles.length; i += 1) {
    const { value, time } = bubbles[i] as { value: Json; time?: string };
    const pos = { offset: i, line: i + 1 };
    if (!isObject(value)) {
      yield unreadableEvent(path, { error: 'a bubble that is not a JSON object', pos, raw: JSON.stringify(value) ?? '' });
      continue;
    }
    const e = new Emitter(path, pos, time ?? (isObject(value.timingInfo) ? isoTime(value.timingInfo.clientStartTime) : isoTime(value.createdAt)));
    bubble(e, value);
    yield* e.events;
  }
}

// ---- Global storage: cursorDiskKV ------------------------------------------------------------

export const cursorComposerReader: SessionReader = {
  format: 'cursor-composer',
  agent: 'cursor',
  patterns: ['globalStorage/state.vscdb'],
  async list(files, path) {
    return withDb(files, path, [], (db) => {
      if (!hasTable(db, 'cursorDiskKV')) return [];
      const rows = db.prepare("SELECT key FROM cursorDiskKV WHERE key LIKE 'composerData:%' ORDER BY key").all() as { key: string }[];
      return rows.map((r) => ({ agent: 'cursor', format: 'cursor-composer', path, key: r.key.slice('composerData:'.length) }) satisfies SessionRef);
    });
  },
  // A composer's record as it is, and the count, rowids and size of its bubbles' rows. Cursor
  // writes a row by replacing it (the table's key is UNIQUE ON CONFLICT REPLACE), so a rewritten
  // bubble has a new rowid; the bubbles' values are sized from their record headers, not read.
  async stamps(files, path) {
    return withDb(files, path, undefined, (db) => {
      if (!hasTable(db, 'cursorDiskKV')) return undefined;
      const bubbles = db
        .prepare(
          `SELECT substr(key, 10, instr(substr(key, 10), ':') - 1) AS id, count(*) AS n, sum(rowid) AS r, max(rowid) AS m, sum(octet_length(value)) AS b
           FROM cursorDiskKV WHERE key LIKE 'bubbleId:%' GROUP BY 1`,
        )
        .all() as Record<string, unknown>[];
      const byComposer = rowStamps(bubbles);
      const composers = db.prepare("SELECT substr(key, 14) AS id, rowid AS r, value FROM cursorDiskKV WHERE key LIKE 'composerData:%'").all() as Record<string, unknown>[];
      return new Map([...rowStamps(composers)].map(([id, stamp]) => [id, `${stamp}${byComposer.get(id) ?? ''}`]));
    });
  },
  async *read(files, ref, options = {}) {
    const opened = await openDb(files, ref.path);
    if (!('db' in opened)) {
      yield opened.error;
      return;
    }
    try {
      const row = opened.db.prepare('SELECT value FROM cursorDiskKV WHERE key = ?').get(`composerData:${ref.key}`) as { value: string | Buffer } | undefined;
      const parsed = row ? parseRecord(String(row.value)) : { error: `no composer ${ref.key} in this database` };
      if ('error' in parsed) {
        yield unreadableEvent(ref.path, { error: parsed.error, pos: { offset: 0, line: 1 }, raw: '' });
        return;
      }
      const c = parsed.value;
      yield { type: 'meta', meta: { id: ref.key, ...composerMeta(c) } };
      let bubbles: { value: Json }[];
      if (Array.isArray(c.conversation) && c.conversation.length > 0) {
        bubbles = c.conversation.map((value) => ({ value }));
      } else {
        const get = opened.db.prepare('SELECT value FROM cursorDiskKV WHERE key = ?');
        bubbles = arr(c.fullConversationHeadersOnly).map((h) => {
          const id = isObject(h) ? str(h.bubbleId) : undefined;
          const r = id ? (get.get(`bubbleId:${ref.key}:${id}`) as { value: string | Buffer } | undefined) : undefined;
          const b = r ? parseRecord(String(r.value)) : undefined;
          return { value: b && 'value' in b ? b.value : (h as Json) };
        });
      }
      yield* bubbleEvents(ref.path, bubbles, options);
    } finally {
      opened.db.close();
    }
  },
};

// ---- Workspace storage: ItemTable ------------------------------------------------------------

const CHAT_KEY = 'workbench.panel.aichat.view.aichat.chatdata';
const COMPOSER_KEY = 'composer.composerData';

/**
 * ItemTable values parsed lately, by database file (as it was: size, mtime, inode) and key. A
 * workspace database holds all its chats in one value, and each of its sessions is read on its
 * own: parsing the value for each one made reading a workspace quadratic (600 chats, 13 MB:
 * 38.5 s). Kept while the reads of one file follow one another: forgotten a second after the last.
 */
const parsedItems = new Map<string, JsonObject | undefined>();
const PARSED_KEPT_MS = 1000;
let forget: NodeJS.Timeout | undefined;

function itemJson(db: Db, key: string): JsonObject | undefined {
  let at: string | undefined;
  try {
    const s = statSync(db.name);
    at = `${db.name}\0${s.size}:${s.mtimeMs}:${s.ino}\0${key}`;
  } catch {
    // Not a file (an in-memory database): parsed each time.
  }
  if (at === undefined || !parsedItems.has(at)) {
    const row = db.prepare('SELECT value FROM ItemTable WHERE key = ?').get(key) as { value: string | Buffer } | undefined;
    const parsed = row ? parseRecord(String(row.value)) : undefined;
    const value = parsed && 'value' in parsed ? parsed.value : undefined;
    if (at === undefined) return value;
    // One file's values at a time (its chats and its composers).
    for (const k of parsedItems.keys()) if (!k.startsWith(`${db.name}\0`)) parsedItems.delete(k);
    parsedItems.set(at, value);
  }
  clearTimeout(forget);
  forget = setTimeout(() => parsedItems.clear(), PARSED_KEPT_MS).unref();
  return parsedItems.get(at);
}

export const cursorChatReader: SessionReader = {
  format: 'cursor-chat',
  agent: 'cursor',
  patterns: ['workspaceStorage/*/state.vscdb'],
  async list(files, path) {
    return withDb(files, path, [], (db) => {
      if (!hasTable(db, 'ItemTable')) return [];
      const refs: SessionRef[] = [];
      for (const tab of arr(itemJson(db, CHAT_KEY)?.tabs)) {
        if (isObject(tab) && str(tab.tabId) && arr(tab.bubbles).length > 0) refs.push({ agent: 'cursor', format: 'cursor-chat', path, key: `chat:${str(tab.tabId)}` });
      }
      for (const c of arr(itemJson(db, COMPOSER_KEY)?.allComposers)) {
        if (isObject(c) && str(c.composerId) && arr(c.conversation).length > 0) refs.push({ agent: 'cursor', format: 'cursor-chat', path, key: `composer:${str(c.composerId)}` });
      }
      return refs;
    });
  },
  // Cursor rewrites the database whenever its window changes, and every chat is in one value: a
  // chat's stamp is a digest of its record (and of the folder's workspace.json, its project), so a
  // backup reads again only the chats that changed.
  async stamps(files, path) {
    const folder = `${path.slice(0, path.lastIndexOf('/'))}/workspace.json`;
    const project = (await files.stat(folder)) ? await files.read(folder) : Buffer.alloc(0);
    return withDb(files, path, undefined, (db) => {
      if (!hasTable(db, 'ItemTable')) return undefined;
      const rows: Record<string, unknown>[] = [];
      for (const tab of arr(itemJson(db, CHAT_KEY)?.tabs)) if (isObject(tab) && str(tab.tabId)) rows.push({ id: `chat:${str(tab.tabId)}`, project, record: tab });
      for (const c of arr(itemJson(db, COMPOSER_KEY)?.allComposers)) if (isObject(c) && str(c.composerId)) rows.push({ id: `composer:${str(c.composerId)}`, project, record: c });
      return rowStamps(rows);
    });
  },
  async *read(files, ref, options = {}) {
    yield* workspaceProject(files, ref.path);
    const opened = await openDb(files, ref.path);
    if (!('db' in opened)) {
      yield opened.error;
      return;
    }
    try {
      const [kind, id] = [ref.key?.slice(0, ref.key.indexOf(':')), ref.key?.slice(ref.key.indexOf(':') + 1)];
      if (kind === 'chat') {
        const tab = arr(itemJson(opened.db, CHAT_KEY)?.tabs).find((t) => isObject(t) && t.tabId === id);
        if (!isObject(tab)) {
          yield unreadableEvent(ref.path, { error: `no chat tab ${id} in this database`, pos: { offset: 0, line: 1 }, raw: '' });
          return;
        }
        const last = isoTime(tab.lastSendTime);
        yield { type: 'meta', meta: { id: id as string, role: 'main', ...(str(tab.chatTitle) ? { title: str(tab.chatTitle) } : {}), ...(last ? { updatedAt: last } : {}) } };
        yield* bubbleEvents(ref.path, arr(tab.bubbles).map((value) => ({ value })), options);
      } else {
        const c = arr(itemJson(opened.db, COMPOSER_KEY)?.allComposers).find((x) => isObject(x) && x.composerId === id);
        if (!isObject(c)) {
          yield unreadableEvent(ref.path, { error: `no composer ${id} in this database`, pos: { offset: 0, line: 1 }, raw: '' });
          return;
        }
        yield { type: 'meta', meta: composerMeta(c) };
        yield* bubbleEvents(ref.path, arr(c.conversation).map((value) => ({ value })), options);
      }
    } finally {
      opened.db.close();
    }
  },
};

async function* workspaceProject(files: SessionFiles, dbPath: string): AsyncGenerator<ReaderEvent> {
  const path = `${dbPath.slice(0, dbPath.lastIndexOf('/'))}/workspace.json`;
  if (!(await files.stat(path))) return;
  const parsed = parseRecord((await files.read(path)).toString('utf8'));
  const folder = 'value' in parsed ? (str(parsed.value.folder) ?? str(parsed.value.workspace)) : undefined;
  if (!folder) return;
  let project = folder;
  try {
    if (folder.startsWith('file://')) project = decodeURIComponent(new URL(folder).pathname).replace(/^\/([A-Za-z]:)/, '$1');
  } catch {
    // Keep the URI as written.
  }
  yield { type: 'meta', meta: { project, file: path } };
}

// ---- Agent transcripts (JSONL) ----------------------------------------------------------------

const TRANSCRIPT = /^projects\/[^/]+\/agent-transcripts\/(?:([^/]+)\/)?(?:subagents\/)?([^/]+)\.jsonl$/;
const SUB = /^projects\/[^/]+\/agent-transcripts\/([^/]+)\/subagents\/([^/]+)\.jsonl$/;

export const cursorTranscriptReader: SessionReader = {
  format: 'cursor-transcript',
  agent: 'cursor',
  patterns: ['projects/*/agent-transcripts/**/*.jsonl'],
  async list(_files, path) {
    return [{ agent: 'cursor', format: 'cursor-transcript', path }];
  },
  async *read(files, ref, options = {}) {
    const sub = SUB.exec(ref.path);
    const m = TRANSCRIPT.exec(ref.path);
    if (sub) yield { type: 'meta', meta: { id: sub[2], parentId: sub[1], role: 'subagent' } };
    else if (m) yield { type: 'meta', meta: { id: m[2], role: 'main' } };
    if (!sub && m?.[1] && !options.from) {
      for (const child of await files.list(`${ref.path.slice(0, ref.path.lastIndexOf('/'))}/subagents`)) {
        if (child.endsWith('.jsonl')) yield { type: 'meta', meta: { child: child.slice(child.lastIndexOf('/') + 1, -'.jsonl'.length) } };
      }
    }
    for await (const record of jsonlRecords(files, ref.path, options.from)) {
      if (!record.ok) {
        yield unreadableEvent(ref.path, record);
        continue;
      }
      const v = record.value;
      const userText = v.role === 'user' ? contentText(isObject(v.message) ? v.message.content : v.content) : undefined;
      const e = new Emitter(ref.path, record.pos, isoTime(v.timestamp) ?? (userText ? cursorPromptTime(userText) : undefined));
      transcriptLine(e, v);
      yield* e.events;
    }
  },

  // A transcript only grows, and its lines carry nothing from one to the next. A main session's
  // sub-agents are listed from its folder, read only from the top: with any, it doesn't resume.
  async resumable(files, ref) {
    const m = TRANSCRIPT.exec(ref.path);
    if (SUB.exec(ref.path) || !m?.[1]) return true;
    return (await files.list(`${ref.path.slice(0, ref.path.lastIndexOf('/'))}/subagents`)).length === 0;
  },
};

function transcriptLine(e: Emitter, v: JsonObject): void {
  const role = str(v.role);
  if (role !== 'user' && role !== 'assistant') {
    const type = str(v.type);
    if (type === 'turn_ended') e.item({ kind: 'note', label: 'Turn ended', text: str(v.status) ?? '' });
    else e.notShown(type ?? 'line without a role', v);
    return;
  }
  const message = isObject(v.message) ? v.message : v;
  const content = typeof message.content === 'string' ? [{ type: 'text', text: message.content } as JsonObject] : arr(message.content);
  for (const b of content) {
    if (!isObject(b)) continue;
    const type = str(b.type) ?? '';
    if (type === 'text') {
      const text = str(b.text) ?? '';
      e.item({ kind: 'message', role, text: role === 'user' ? cursorUserText(text) : text });
    } else if (type === 'tool_use') {
      e.item({ kind: 'tool-call', name: str(b.name) ?? 'tool', summary: toolSummary(b.input), input: pretty(b.input), ...(str(b.id) ? { callId: str(b.id) } : {}) });
    } else if (type === 'tool_result') {
      e.item({ kind: 'tool-result', ...(str(b.tool_use_id) ? { callId: str(b.tool_use_id) } : {}), result: { text: contentText(b.content), isError: b.is_error === true } });
    } else if (type === 'thinking') {
      e.item({ kind: 'thinking', text: str(b.thinking) ?? str(b.text) ?? '' });
    } else {
      e.notShown(`content block ${type || 'without a type'}`, b);
    }
  }
}

// Older agent transcripts are plain text: `user:` / `A:` (or `assistant:`) headings, the user's
// words in `<user_query>`, and `[Tool call] name` / `[Tool result] name` / `[Thinking]` blocks.
// Each block is one item (tool results carry no call id); its position is its first line.

const TXT_HEAD = /^(user|A|assistant):\s*$/;
const TXT_TAG = /^\[(Tool call|Tool result|Thinking)\]\s*(.*)$/;

export const cursorTextTranscriptReader: SessionReader = {
  format: 'cursor-text',
  agent: 'cursor',
  patterns: ['projects/*/agent-transcripts/**/*.txt'],
  async list(_files, path) {
    return [{ agent: 'cursor', format: 'cursor-text', path }];
  },
  async *read(files, ref, options = {}) {
    yield { type: 'meta', meta: { id: ref.path.slice(ref.path.lastIndexOf('/') + 1).replace(/\.txt$/, ''), role: 'main' } };
    let block: { kind: string; name: string; lines: string[]; pos: { offset: number; line: number } } | undefined;
    const flush = function* (): Generator<ReaderEvent> {
      if (!block) return;
      const text = block.lines.join('\n').trim();
      const at = { path: ref.path, line: block.pos.line };
      let item: DraftItemLike | undefined;
      if (block.kind === 'user') item = { kind: 'message', role: 'user', text: text.replace(/^<user_query>\s*([\s\S]*?)\s*<\/user_query>$/, '$1'), at };
      else if (block.kind === 'A' || block.kind === 'assistant') item = text ? { kind: 'message', role: 'assistant', text, at } : undefined;
      else if (block.kind === 'Tool call') item = { kind: 'tool-call', name: block.name || 'tool', summary: toolSummary(text), input: text, at };
      else if (block.kind === 'Tool result') item = { kind: 'tool-result', name: block.name || 'tool', result: { text, isError: false }, at };
      else if (block.kind === 'Thinking') item = { kind: 'thinking', text, at };
      if (item) yield { type: 'item', item, pos: block.pos };
      block = undefined;
    };
    for await (const line of readLines(files, ref.path, options.from)) {
      const head = TXT_HEAD.exec(line.text);
      const tag = head ? undefined : TXT_TAG.exec(line.text);
      if (head || tag) {
        yield* flush();
        block = { kind: head ? (head[1] as string) : (tag?.[1] as string), name: tag?.[2]?.trim() ?? '', lines: [], pos: { offset: line.offset, line: line.line } };
        continue;
      }
      // Text before any heading is the assistant's (a transcript cut at its start).
      if (!block) block = { kind: 'A', name: '', lines: [], pos: { offset: line.offset, line: line.line } };
      block.lines.push(line.text);
    }
    yield* flush();
  },
};

type DraftItemLike = Extract<DraftItem, { kind: 'message' | 'tool-call' | 'tool-result' | 'thinking' }>;

// ---- cursor-agent CLI store -------------------------------------------------------------------
//
// `store.db` (one per chat): `meta` row "0" is hex-encoded JSON {agentId, name, createdAt (epoch
// ms), lastUsedModel, latestRootBlobId, mode}; `blobs` (id = SHA-256 hex of data) is a
// content-addressed tree. The root blob (`latestRootBlobId`) and other inner nodes are Protocol
// Buffers messages whose 32-byte length-delimited fields are the ids of child blobs, in
// conversation order; a node may also carry a message as embedded JSON. Leaves are the messages:
// JSON in the AI SDK shape ({role: user|assistant|tool|system, content: string | [{type: text |
// reasoning | tool-call {toolCallId, toolName, args} | tool-result {toolCallId, toolName, result,
// isError}}]}), or, in some versions, Protocol Buffers with the text in field 1 (a string for the
// user, a nested message with the text in its field 1 for the assistant). The schema is not
// published: the tree is read with a schema-less wire-format reader (protobuf-wire.ts), and a
// blob that is neither a message nor a node is "not shown", never damage. Records carry no
// per-message time except the `<timestamp>` Cursor prefixes to a user's query, so the session's
// times come from those and `meta.createdAt` — not from the file's mtime, which a copy or a
// `cairn continue` resets. Verified against the public descriptions of the store in
// jazzyalex/agent-sessions, guidemode/desktop and marcus/sidecar, and the meta-only public
// fixture in ../shared/real-agents.

const ID_BYTES = 32;

type CliEntry = { blob: string; json?: JsonObject; wire?: WireField[] };

/** The store's message blobs in conversation order: the tree from the root, else every blob in order. */
function cliEntries(db: Db, root: string | undefined): CliEntry[] {
  const get = db.prepare('SELECT data FROM blobs WHERE id = ?');
  const data = (id: string): Buffer | undefined => {
    const row = get.get(id) as { data: Buffer | string | null } | undefined;
    if (!row || row.data === null) return undefined;
    return Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data, 'utf8');
  };
  const entries: CliEntry[] = [];
  const seen = new Set<string>();
  const visit = (id: string, bytes: Buffer, recurse: boolean) => {
    if (seen.has(id)) return;
    seen.add(id);
    if (bytes[0] === 0x7b /* { */) {
      const parsed = parseRecord(bytes.toString('utf8'));
      entries.push('value' in parsed ? { blob: id, json: parsed.value } : { blob: id });
      return;
    }
    const fields = decodeWire(bytes);
    const children = (fields ?? []).flatMap((f) => (f.wire === 2 && f.value.length === ID_BYTES ? [f.value.toString('hex')] : [])).filter((child) => data(child) !== undefined);
    if (!fields || children.length === 0) {
      // A leaf: a message in Protocol Buffers, or a blob nothing here reads.
      entries.push(fields ? { blob: id, wire: fields } : { blob: id });
      return;
    }
    // An inner node: children in field order, and any message it embeds as JSON where it sits.
    for (const f of fields) {
      if (f.wire !== 2) continue;
      const child = f.value.length === ID_BYTES ? f.value.toString('hex') : undefined;
      const childBytes = child ? data(child) : undefined;
      if (child && childBytes) {
        if (recurse) visit(child, childBytes, true);
        continue;
      }
      const text = f.value[0] === 0x7b ? wireText(f.value) : undefined;
      const parsed = text ? parseRecord(text) : undefined;
      if (parsed && 'value' in parsed && typeof parsed.value.role === 'string') entries.push({ blob: `${id}#${f.no}`, json: parsed.value });
    }
  };
  const rootBytes = root ? data(root) : undefined;
  if (root && rootBytes) {
    visit(root, rootBytes, true);
    return entries;
  }
  for (const row of db.prepare('SELECT id, data FROM blobs ORDER BY rowid').iterate() as IterableIterator<{ id: string; data: Buffer | string | null }>) {
    if (row.data === null) continue;
    visit(row.id, Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data, 'utf8'), false);
  }
  return entries;
}

/** `<timestamp>…</timestamp>` Cursor puts before a user's query, as ISO 8601 when it parses. */
export function cursorPromptTime(text: string): string | undefined {
  const m = /<timestamp>\s*([\s\S]*?)\s*<\/timestamp>/.exec(text);
  if (!m?.[1]) return undefined;
  // "(UTC+2)" / "(UTC-05:30)" as an offset the date parser understands; other zone names are ignored.
  const zone = /\(?\b(?:UTC|GMT)\s*([+-])(\d{1,2})(?::?(\d{2}))?\)?/.exec(m[1]);
  const base = m[1].replace(/\(?\b(?:UTC|GMT)\s*[+-]\d{1,2}(?::?\d{2})?\)?/, '').replace(/\s+at\s+/, ' ').trim();
  const withZone = zone ? `${base} GMT${zone[1]}${(zone[2] ?? '0').padStart(2, '0')}${zone[3] ?? '00'}` : base;
  return isoTime(withZone) ?? isoTime(m[1]);
}

/**
 * A user's text without Cursor's wrappers: the query itself when it is in `<user_query>`; empty
 * when the text is only context Cursor adds for the model (`<user_info>`, `<rules>`, … blocks).
 */
export function cursorUserText(text: string): string {
  const query = /<user_query>\s*([\s\S]*?)\s*<\/user_query>/.exec(text);
  if (query) return query[1] ?? '';
  const rest = text.replace(/^\s*<timestamp>[\s\S]*?<\/timestamp>\s*/, '');
  return /^\s*(?:<([a-z][\w-]*)>[\s\S]*?<\/\1>\s*)+$/.test(rest) ? '' : rest;
}

function cliJson(e: Emitter, v: JsonObject): void {
  const role = str(v.role);
  const content = typeof v.content === 'string' ? [{ type: 'text', text: v.content } as JsonObject] : arr(v.content);
  const model = isObject(v.providerOptions) && isObject(v.providerOptions.cursor) ? str(v.providerOptions.cursor.modelName) : undefined;
  if (model) e.meta({ model });
  if (role === 'system') {
    e.notShown('system message', v);
    return;
  }
  if (role !== 'user' && role !== 'assistant' && role !== 'tool') {
    e.notShown(role ? `${role} message` : 'record without a role', v);
    return;
  }
  for (const b of content) {
    if (!isObject(b)) continue;
    const type = str(b.type) ?? '';
    if (type === 'text') {
      const text = str(b.text) ?? '';
      if (role === 'user') {
        const query = cursorUserText(text);
        if (query.trim()) e.item({ kind: 'message', role: 'user', text: query });
        else e.notShown('context for the agent', b);
      } else if (role === 'assistant') {
        e.item({ kind: 'message', role: 'assistant', text, ...(model ? { model } : {}) });
      } else {
        e.item({ kind: 'tool-result', result: { text, isError: false } });
      }
    } else if (type === 'reasoning' || type === 'thinking') {
      e.item({ kind: 'thinking', text: str(b.text) ?? str(b.thinking) ?? '' });
    } else if (type === 'tool-call' || type === 'tool_use') {
      const args = b.args ?? b.input;
      const id = str(b.toolCallId) ?? str(b.id);
      e.item({ kind: 'tool-call', name: str(b.toolName) ?? str(b.name) ?? 'tool', summary: toolSummary(args), input: pretty(args), ...(id ? { callId: id } : {}) });
    } else if (type === 'tool-result' || type === 'tool_result') {
      const id = str(b.toolCallId) ?? str(b.tool_use_id);
      const result = b.result ?? b.output ?? b.content;
      const text = typeof result === 'string' ? result : Array.isArray(result) ? contentText(result) || pretty(result) : pretty(result);
      e.item({ kind: 'tool-result', ...(id ? { callId: id } : {}), ...(str(b.toolName) ? { name: str(b.toolName) } : {}), result: { text, isError: b.isError === true } });
    } else if (type === 'image' || type === 'file') {
      e.item({ kind: 'attachment', label: str(b.filename) ?? type, ...(str(b.mediaType) ? { mediaType: str(b.mediaType) } : {}), text: '' });
    } else {
      e.notShown(`content block ${type || 'without a type'}`, b);
    }
  }
  if (content.length === 0) e.notShown(`empty ${role} message`, v);
}

/** A message stored as Protocol Buffers: field 1 is the user's text, or a message holding the assistant's. */
function cliWire(e: Emitter, fields: readonly WireField[], blob: string): void {
  const first = fields.find((f) => f.no === 1 && f.wire === 2);
  if (first?.wire === 2) {
    const nested = decodeWire(first.value);
    const inner = nested?.find((f) => f.no === 1 && f.wire === 2);
    const assistant = inner?.wire === 2 && nested?.every((f) => f.wire !== 2 || wireText(f.value) !== undefined) ? wireText(inner.value) : undefined;
    if (assistant !== undefined && assistant.trim()) {
      e.item({ kind: 'message', role: 'assistant', text: assistant });
      return;
    }
    const user = wireText(first.value);
    if (user !== undefined && user.trim()) {
      const query = cursorUserText(user);
      if (query.trim()) e.item({ kind: 'message', role: 'user', text: query });
      else e.notShown('context for the agent', { blob });
      return;
    }
  }
  e.notShown('blob (conversation tree)', { blob, fields: fields.map((f) => f.no) });
}

export const cursorCliReader: SessionReader = {
  format: 'cursor-cli',
  agent: 'cursor',
  patterns: ['chats/*/*/store.db'],
  async list(_files, path) {
    return [{ agent: 'cursor', format: 'cursor-cli', path }];
  },
  async *read(files, ref, options = {}) {
    const opened = await openDb(files, ref.path);
    if (!('db' in opened)) {
      yield opened.error;
      return;
    }
    try {
      const agentId = ref.path.split('/').at(-2);
      if (agentId) yield { type: 'meta', meta: { id: agentId, role: 'main' } };
      let root: string | undefined;
      if (hasTable(opened.db, 'meta')) {
        for (const row of opened.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string | Buffer }[]) {
          const raw = Buffer.isBuffer(row.value) ? row.value.toString('utf8') : String(row.value);
          const text = /^(?:[0-9a-f]{2})+$/i.test(raw) ? Buffer.from(raw, 'hex').toString('utf8') : raw;
          const parsed = parseRecord(text);
          if (!('value' in parsed)) continue;
          const m = parsed.value;
          const meta: MetaPatch = {};
          if (str(m.agentId)) meta.id = str(m.agentId);
          if (str(m.name)) meta.title = str(m.name);
          if (str(m.lastUsedModel) && m.lastUsedModel !== 'default') meta.model = str(m.lastUsedModel);
          const created = isoTime(m.createdAt);
          if (created) meta.startedAt = created;
          const updated = [created, isoTime(m.lastUpdatedAt), isoTime(m.updatedAt)].filter((t): t is string => t !== undefined).sort().at(-1);
          if (updated) meta.updatedAt = updated;
          if (isObject(m.subagentInfo) && str(m.subagentInfo.parentAgentId)) {
            meta.parentId = str(m.subagentInfo.parentAgentId);
            meta.role = 'subagent';
          }
          root ??= str(m.latestRootBlobId);
          yield { type: 'meta', meta };
        }
      }
      if (!hasTable(opened.db, 'blobs')) return;
      const entries = cliEntries(opened.db, root);
      for (let i = options.from?.offset ?? 0; i < entries.length; i += 1) {
        options.signal?.throwIfAborted();
        const entry = entries[i] as CliEntry;
        const pos = { offset: i, line: i + 1 };
        const text = entry.json && entry.json.role === 'user' ? contentText(entry.json.content) : undefined;
        const e = new Emitter(ref.path, pos, text ? cursorPromptTime(text) : undefined);
        if (entry.json) cliJson(e, entry.json);
        else if (entry.wire) cliWire(e, entry.wire, entry.blob);
        else e.notShown('blob (not a message)', { blob: entry.blob });
        yield* e.events;
      }
    } finally {
      opened.db.close();
    }
  },
};

async function withDb<T>(files: SessionFiles, path: string, fallback: T, use: (db: Db) => T): Promise<T> {
  const opened = await openDb(files, path);
  if (!('db' in opened)) return fallback;
  try {
    return use(opened.db);
  } finally {
    opened.db.close();
  }
}

// Gemini CLI chats and Antigravity transcripts, both kept under `~/.gemini`.
//
// Gemini CLI (verified in google-gemini/gemini-cli packages/core/src/services/
// chatRecordingService.ts and chatRecordingTypes.ts): `tmp/<project>/chats/session-<time>-<id8>.json`
// (legacy: one ConversationRecord document) or `.jsonl` (current): a metadata line
// `{sessionId, projectHash, startTime, lastUpdated, kind}`, then message records keyed by `id` —
// a message is appended again in full whenever its tool calls, results or tokens change, so the
// last record of an id wins and keeps the id's first place — `{$set: {...}}` metadata patches
// (summary, lastUpdated, …; `$set.messages` replaces the whole list, as the CLI does when it
// loads), and `{$rewindTo: id}`, which drops that message and every later one (all of them when
// the id is unknown). Sub-agents: `tmp/<project>/chats/<parent session id>/<id>.jsonl`. The
// project's path is in `tmp/<project>/.project_root` (projectRegistry.ts).
// Messages: `user` -> user message, `gemini` -> thoughts (thinking), text (assistant message)
// and `toolCalls` (each a tool call with its result inline), `info` / `warning` / `error` ->
// notes, another type -> not shown. The log is folded before items are produced (the CLI does
// the same) in a first pass that keeps only where each surviving record is; a second reads
// those records again, so memory doesn't grow with the log (see foldLog).
//
// Antigravity: `…/brain/<conversation id>/.system_generated/logs/transcript.jsonl`, one step per
// line: `{step_index, source, type, created_at, content, thinking, tool_calls}`. `USER_INPUT` ->
// user message (its <USER_REQUEST> wrapper removed), `PLANNER_RESPONSE` -> thinking, assistant
// message and tool calls, `GENERIC` and other system steps with content -> tool results (they
// carry no call id), anything else -> not shown. No Antigravity transcript written by the agent
// was available: the shape comes from public tools that read these files.

import type { SessionFiles } from '../files.ts';
import { arr, isObject, isoTime, maybeJson, pretty, str, toolSummary, type Json, type JsonObject } from '../json.ts';
import type { SessionRef } from '../model.ts';
import type { MetaPatch, ReaderEvent, ReadOptions, SessionReader } from '../reader.ts';
import { jsonListElements } from '../json-elements.ts';
import { readLines, type LinePosition } from '../lines.ts';
import { Emitter, humanize, jsonlRecord, jsonlRecords, unreadableEvent, type JsonlRecord } from './common.ts';

const SUBAGENT = /^tmp\/[^/]+\/chats\/([^/]+)\/([^/]+)\.jsonl$/;

export const geminiJsonReader: SessionReader = {
  format: 'gemini-json',
  agent: 'gemini-cli',
  patterns: ['tmp/*/chats/session-*.json'],
  async list(_files, path) {
    return [{ agent: 'gemini-cli', format: 'gemini-json', path }];
  },
  async *read(files, ref, options = {}) {
    yield* projectOf(files, ref.path);
    // The document streams a member and a message at a time (json-elements.ts): memory holds one.
    const start = options.from ? Math.max(0, options.from.offset) : 0;
    const metadata: JsonObject = {};
    let count = 0;
    try {
      for await (const event of jsonListElements(files.open(ref.path))) {
        if (event.type === 'member') {
          metadata[event.key] = event.value;
          yield { type: 'meta', meta: metadataPatch(metadata) };
        } else if (event.type === 'damaged') {
          const pos = { offset: count, line: count + 1 };
          if (count >= start) yield unreadableEvent(ref.path, { error: count > 0 ? `the chat is not valid JSON after its message ${count} (${event.error})` : event.error, pos, raw: '' });
          return;
        } else {
          count = event.index + 1;
          const pos = { offset: event.index, line: event.index + 1 };
          if (event.error !== undefined) {
            if (event.index >= start) yield unreadableEvent(ref.path, { error: event.error, pos, raw: event.raw });
          } else yield* messageEvents(ref.path, [{ value: event.value, line: pos.line }], event.index, start);
        }
      }
    } catch (error) {
      yield unreadableEvent(ref.path, { error: `can't be read: ${(error as Error).message}`, pos: { offset: count, line: count + 1 }, raw: '' });
    }
  },
};

export const geminiJsonlReader: SessionReader = {
  format: 'gemini-jsonl',
  agent: 'gemini-cli',
  patterns: ['tmp/*/chats/session-*.jsonl', 'tmp/*/chats/*/*.jsonl'],
  async list(_files, path) {
    return [{ agent: 'gemini-cli', format: 'gemini-jsonl', path }];
  },
  async *read(files, ref, options = {}) {
    const sub = SUBAGENT.exec(ref.path);
    if (sub) yield { type: 'meta', meta: { parentId: sub[1], role: 'subagent', id: sub[2] } };
    else yield { type: 'meta', meta: { role: 'main' } };
    yield* projectOf(files, ref.path);
    const log = await foldLog(files, ref.path);
    yield { type: 'meta', meta: metadataPatch(log.metadata) };
    // Damaged lines and unknown records first, then the messages; a position is an index here.
    const start = options.from ? Math.max(0, options.from.offset) : 0;
    let index = start;
    for await (const { place, record } of recordsAt(files, ref.path, log.other.slice(start))) {
      const pos = { offset: index++, line: place.line };
      if (!record?.ok) yield unreadableEvent(ref.path, { error: record ? record.error : CHANGED, pos, raw: record?.raw ?? '' });
      else {
        const e = new Emitter(ref.path, pos);
        e.notShown(Object.keys(record.value)[0] ?? 'empty record', record.value);
        yield* e.events;
      }
    }
    const first = log.other.length;
    const replaced = log.replacedBy ? await replacedMessages(files, ref.path, log.replacedBy) : [];
    if (replaced.length > 0) {
      yield* messageEvents(ref.path, replaced.map((value, i) => ({ value, line: i + 1 })), first, Math.max(start, first));
      return;
    }
    index = Math.max(start, first);
    const messages = [...log.messages.values()].slice(index - first);
    if (log.kept) {
      // A log small enough to have been kept whole by the first pass: no second pass.
      yield* messageEvents(ref.path, messages.map((m) => ({ value: m.value ?? null, line: m.line })), index, index);
      return;
    }
    for await (const { place, record } of recordsAt(files, ref.path, messages)) {
      const pos = { offset: index++, line: place.line };
      if (!record?.ok || record.value.id !== place.id) yield unreadableEvent(ref.path, { error: record && !record.ok ? record.error : CHANGED, pos, raw: record?.raw ?? '' });
      else yield* messageEvents(ref.path, [{ value: record.value, line: place.line }], pos.offset, pos.offset);
    }
  },
};

const CHANGED = 'the log changed while it was being read: read it again';
/** Message records a first pass keeps, in characters of their lines, before it keeps only places. */
const KEEP_BYTES = 2 ** 20;

/** Where a record of a log is: its byte offset and line. */
type Place = LinePosition;

/** Where a message's last record is, and (while the log is kept whole) the record. */
interface MessagePlace extends Place {
  id: string;
  value?: JsonObject;
}

interface FoldedLog {
  metadata: JsonObject;
  /** Damaged lines and records of no known kind, in file order. */
  other: Place[];
  /** Each message id's last record, in the order the ids first appeared. */
  messages: Map<string, MessagePlace>;
  /**
   * Every message's record is kept (`value`) while their lines add up to less than KEEP_BYTES
   * (most logs): then there is no second pass. Dropped, all of them, past that.
   */
  kept: boolean;
  /** The last record with a whole message list (`$set.messages`), which replaces them all. */
  replacedBy?: Place;
}

/**
 * The first of two passes over a log: folds it the way the CLI does (the last record of an id
 * wins and keeps the id's first place — Map.set on an existing key — and a rewind drops the id and
 * everything after it), keeping only where each surviving record is. The second pass (recordsAt)
 * reads those records again: memory holds places, never the messages of a log of any size.
 */
async function foldLog(files: SessionFiles, path: string): Promise<FoldedLog> {
  const log: FoldedLog = { metadata: {}, other: [], messages: new Map(), kept: true };
  let kept = 0;
  for await (const record of jsonlRecords(files, path)) {
    if (!record.ok) {
      log.other.push(record.pos);
      continue;
    }
    const v = record.value;
    if (typeof v.$rewindTo === 'string') {
      const ids = [...log.messages.keys()];
      const at = ids.indexOf(v.$rewindTo);
      for (const id of at < 0 ? ids : ids.slice(at)) log.messages.delete(id);
    } else if (typeof v.id === 'string') {
      log.messages.set(v.id, { ...record.pos, id: v.id, ...(log.kept ? { value: v } : {}) });
      kept += record.raw.length;
      if (log.kept && kept > KEEP_BYTES) {
        log.kept = false;
        for (const m of log.messages.values()) delete m.value;
      }
    } else if (isObject(v.$set) || typeof v.sessionId === 'string') {
      const { messages, ...rest } = isObject(v.$set) ? v.$set : v;
      log.metadata = { ...log.metadata, ...rest };
      if (messages !== undefined) log.replacedBy = record.pos;
    } else {
      log.other.push(record.pos);
    }
  }
  return log;
}

/** The message list of the record at `place` (`$set.messages`, or `messages` of a metadata line). */
async function replacedMessages(files: SessionFiles, path: string, place: Place): Promise<Json[]> {
  for await (const { record } of recordsAt(files, path, [place])) {
    if (record?.ok) return arr(isObject(record.value.$set) ? record.value.$set.messages : record.value.messages);
  }
  return [];
}

/**
 * The records at `places`, in that order, from one forward read of the file (from the first of
 * them): a record met before its turn is held until then, so memory holds only records read
 * ahead of their turn (a message rewritten later, when its tool call ended). A place the file no
 * longer has (it changed since the first pass) comes with no record.
 */
async function* recordsAt<P extends Place>(files: SessionFiles, path: string, places: readonly P[]): AsyncGenerator<{ place: P; record: JsonlRecord | undefined }> {
  if (places.length === 0) return;
  const wanted = new Set(places.map((p) => p.offset));
  const from = places.reduce((a, b) => (b.offset < a.offset ? b : a));
  const ahead = new Map<number, JsonlRecord>();
  let next = 0;
  for await (const line of readLines(files, path, from)) {
    if (!wanted.has(line.offset)) continue;
    ahead.set(line.offset, jsonlRecord(line));
    for (let place = places[next]; place && ahead.has(place.offset); place = places[next]) {
      const record = ahead.get(place.offset);
      ahead.delete(place.offset);
      next++;
      yield { place, record };
    }
    if (next === places.length) return;
  }
  for (; next < places.length; next++) yield { place: places[next] as P, record: undefined };
}

async function* projectOf(files: SessionFiles, path: string): AsyncGenerator<ReaderEvent> {
  const m = /^(tmp\/[^/]+)\//.exec(path);
  if (!m) return;
  const marker = `${m[1]}/.project_root`;
  if (!(await files.stat(marker))) return;
  const project = (await files.read(marker)).toString('utf8').trim();
  if (project) yield { type: 'meta', meta: { project, file: marker } };
}

function metadataPatch(m: JsonObject): MetaPatch {
  const patch: MetaPatch = {};
  if (str(m.sessionId)) patch.id = str(m.sessionId);
  if (str(m.summary)) patch.title = str(m.summary);
  const started = isoTime(m.startTime);
  if (started) patch.startedAt = started;
  const updated = isoTime(m.lastUpdated);
  if (updated) patch.updatedAt = updated;
  const dirs = arr(m.directories).filter((d): d is string => typeof d === 'string');
  if (dirs[0]) patch.project = dirs[0];
  if (m.kind === 'subagent') patch.role = 'subagent';
  return patch;
}

interface Entry {
  line: number;
  value: Json;
}

/**
 * Items of folded messages; a message's position is its index (`base` + its place in `entries`),
 * so pages resume by index; those before index `from` are skipped.
 */
function* messageEvents(path: string, entries: readonly Entry[], base = 0, from = 0): Generator<ReaderEvent> {
  for (let i = Math.max(0, from - base); i < entries.length; i += 1) {
    const { value, line } = entries[i] as Entry;
    const pos = { offset: base + i, line };
    if (!isObject(value)) {
      yield { type: 'item', item: { kind: 'unreadable', reason: 'a message that is not a JSON object', raw: JSON.stringify(value).slice(0, 500), at: { path, line } }, pos };
      continue;
    }
    const e = new Emitter(path, pos, isoTime(value.timestamp));
    geminiMessage(e, value);
    yield* e.events;
  }
}

function geminiMessage(e: Emitter, m: JsonObject): void {
  const type = str(m.type) ?? '';
  switch (type) {
    case 'user':
      e.item({ kind: 'message', role: 'user', text: partsText(m.displayContent ?? m.content) });
      for (const a of attachments(m.content)) e.item(a);
      return;
    case 'gemini': {
      const model = str(m.model);
      if (model) e.meta({ model });
      for (const t of arr(m.thoughts)) {
        if (!isObject(t)) continue;
        const text = [str(t.subject), str(t.description)].filter(Boolean).join(': ');
        if (text) e.item({ kind: 'thinking', text, ...(isoTime(t.timestamp) ? { time: isoTime(t.timestamp) } : {}) });
      }
      const text = partsText(m.content);
      if (text.trim()) e.item({ kind: 'message', role: 'assistant', text, ...(model ? { model } : {}) });
      for (const call of arr(m.toolCalls)) {
        if (!isObject(call)) continue;
        const name = str(call.name) ?? 'tool';
        const status = str(call.status);
        const resultText = str(call.resultDisplay) ?? functionResponseText(call.result);
        const done = call.result !== undefined && call.result !== null;
        if (str(call.agentId)) e.meta({ child: str(call.agentId) });
        e.item({
          kind: 'tool-call',
          name,
          summary: str(call.description) ?? toolSummary(call.args),
          input: pretty(call.args),
          ...(str(call.id) ? { callId: str(call.id) } : {}),
          ...(done || resultText ? { result: { text: resultText, isError: status === 'error' || status === 'cancelled', ...(isoTime(call.timestamp) ? { time: isoTime(call.timestamp) } : {}) } } : {}),
          ...(isoTime(call.timestamp) ? { time: isoTime(call.timestamp) } : {}),
        });
      }
      return;
    }
    case 'info':
    case 'warning':
    case 'error':
      e.item({ kind: 'note', label: humanize(type[0]?.toUpperCase() + type.slice(1)), text: partsText(m.content) });
      return;
    default:
      e.notShown(`message ${type || 'without a type'}`, m);
  }
}

/** Text of a PartListUnion: a string, a part, or parts ({text}, {functionResponse}, …). */
function partsText(content: Json | undefined): string {
  if (typeof content === 'string') return content;
  const parts = Array.isArray(content) ? content : content === undefined || content === null ? [] : [content];
  return parts
    .map((p) => {
      if (typeof p === 'string') return p;
      if (!isObject(p)) return '';
      if (typeof p.text === 'string' && p.thought !== true) return p.text;
      if (isObject(p.functionResponse)) return functionResponseText([p]);
      return '';
    })
    .filter(Boolean)
    .join('\n');
}

function functionResponseText(result: Json | undefined): string {
  const parts = Array.isArray(result) ? result : result === undefined || result === null ? [] : [result];
  return parts
    .map((p) => {
      if (typeof p === 'string') return p;
      if (!isObject(p)) return '';
      if (typeof p.text === 'string') return p.text;
      const fr = isObject(p.functionResponse) ? p.functionResponse : undefined;
      const response = fr && isObject(fr.response) ? fr.response : undefined;
      if (!response) return '';
      return str(response.output) ?? str(response.error) ?? pretty(response);
    })
    .filter(Boolean)
    .join('\n');
}

function attachments(content: Json | undefined): { kind: 'attachment'; label: string; mediaType?: string; text: string }[] {
  const out: { kind: 'attachment'; label: string; mediaType?: string; text: string }[] = [];
  for (const p of arr(content)) {
    if (!isObject(p)) continue;
    const data = isObject(p.inlineData) ? p.inlineData : isObject(p.fileData) ? p.fileData : undefined;
    if (!data) continue;
    out.push({ kind: 'attachment', label: str(data.displayName) ?? str(data.fileUri) ?? 'file', ...(str(data.mimeType) ? { mediaType: str(data.mimeType) } : {}), text: str(data.fileUri) ?? '' });
  }
  return out;
}

// ---- Antigravity ---------------------------------------------------------------------------

export const antigravityReader: SessionReader = {
  format: 'antigravity',
  agent: 'gemini-cli',
  patterns: ['**/brain/*/.system_generated/logs/transcript.jsonl'],
  async list(_files, path) {
    return [{ agent: 'gemini-cli', format: 'antigravity', path }];
  },
  async *read(files: SessionFiles, ref: SessionRef, options: ReadOptions = {}) {
    const id = /brain\/([^/]+)\/\.system_generated/.exec(ref.path)?.[1];
    if (id) yield { type: 'meta', meta: { id, role: 'main' } };
    for await (const record of jsonlRecords(files, ref.path, options.from)) {
      if (!record.ok) {
        yield unreadableEvent(ref.path, record);
        continue;
      }
      const e = new Emitter(ref.path, record.pos, isoTime(record.value.created_at) ?? isoTime(record.value.timestamp));
      antigravityStep(e, record.value);
      yield* e.events;
    }
  },
};

function antigravityStep(e: Emitter, v: JsonObject): void {
  const type = str(v.type) ?? '';
  const content = str(v.content) ?? '';
  if (e.time) e.meta({ updatedAt: e.time });
  switch (type) {
    case 'USER_INPUT': {
      const text = content
        .replace(/<ADDITIONAL_METADATA>[\s\S]*?<\/ADDITIONAL_METADATA>/g, '')
        .replace(/<\/?USER_REQUEST>/g, '')
        .trim();
      e.item({ kind: 'message', role: 'user', text });
      return;
    }
    case 'PLANNER_RESPONSE':
    case 'GENERATE_RESPONSE': {
      const thinking = str(v.thinking);
      if (thinking) e.item({ kind: 'thinking', text: thinking });
      if (content.trim()) e.item({ kind: 'message', role: 'assistant', text: content });
      for (const call of arr(v.tool_calls)) {
        if (!isObject(call)) continue;
        const args = maybeJson(call.args);
        const name = (str(call.name) ?? 'tool').replace(/^default_api:/, '');
        e.item({ kind: 'tool-call', name, summary: toolSummary(args), input: pretty(args), ...(str(call.id) ? { callId: str(call.id) } : {}) });
      }
      return;
    }
    default:
      if (content && str(v.source) !== 'USER_EXPLICIT' && type !== 'CHECKPOINT') {
        e.item({ kind: 'tool-result', name: humanize(type.toLowerCase()), result: { text: content, isError: /error|fail/i.test(str(v.status) ?? '') } });
      } else {
        e.notShown(type || 'step without a type', v);
      }
  }
}

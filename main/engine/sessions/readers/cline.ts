// Cline and Roo Code: one folder per task, `tasks/<task id>/` under the extension's global
// storage (`saoudrizwan.claude-dev`, `rooveterinaryinc.roo-cline`) or Cline's own data folder.
// `api_conversation_history.json` is what the model saw (Anthropic messages; Roo may wrap it as
// `{version, messages}`); `ui_messages.json` is what the user saw, with timestamps;
// `task_metadata.json` lists files in context. Verified against a real Cline task (Jan 2026) and
// cline/cline's task persistence; RooCodeInc/Roo-Code keeps the same files.
//
// Assistant blocks: text -> message, thinking -> thinking, tool_use -> tool call. User blocks:
// `[tool for 'x'] Result:` text (Cline's results as text) and tool_result -> the result of the
// call it answers; `<environment_details>` -> attachment; `[TASK RESUMPTION]` -> note; images ->
// attachments; other text -> user message (the `<task>` / `<feedback>` wrappers removed); another
// block type -> not shown. The task id (the folder name) is the session id and, being epoch
// milliseconds, its start; ui_messages.json gives the last time. The file is one JSON document,
// read a message at a time as it streams (json-elements.ts), so memory holds one message, not
// the history; an item's position is its message's index.

import type { SessionFiles } from '../files.ts';
import { arr, contentText, isObject, isoTime, pretty, str, toolSummary, type JsonObject } from '../json.ts';
import type { SessionAgent, SessionFormat, SessionRef } from '../model.ts';
import type { ReaderEvent, ReadOptions, SessionReader } from '../reader.ts';
import { jsonListElements } from '../json-elements.ts';
import { Emitter, unreadableEvent } from './common.ts';

const RESULT = /^\[([^\]\s]+)(?: for [^\]]*)?\] Result:/;

function taskReader(format: Extract<SessionFormat, 'cline' | 'roo'>, patterns: string[]): SessionReader {
  const agent: SessionAgent = 'cline';
  return {
    format,
    agent,
    patterns,
    async list(_files, path) {
      return [{ agent, format, path }];
    },
    read: (files, ref, options) => readTask(files, ref, options ?? {}),
  };
}

export const clineReader = taskReader('cline', ['tasks/*/api_conversation_history.json', '**/saoudrizwan.claude-dev/tasks/*/api_conversation_history.json']);
export const rooReader = taskReader('roo', ['**/rooveterinaryinc.roo-cline/tasks/*/api_conversation_history.json']);

async function* readTask(files: SessionFiles, ref: SessionRef, options: ReadOptions): AsyncGenerator<ReaderEvent> {
  const dir = ref.path.slice(0, ref.path.lastIndexOf('/'));
  const taskId = dir.slice(dir.lastIndexOf('/') + 1);
  yield { type: 'meta', meta: { id: taskId, role: 'main', ...(/^\d{12,}$/.test(taskId) ? { startedAt: isoTime(Number(taskId)) } : {}) } };
  yield* uiTimes(files, `${dir}/ui_messages.json`);
  // The whole task folder belongs to the session (metadata, focus chain, context history).
  for (const file of await files.list(dir)) yield { type: 'meta', meta: { file } };

  // Tool calls waiting for their text results, by tool name, across the whole task (every page
  // reads from the first message, so this never depends on where a page starts).
  const waiting = new Map<string, string[]>();
  const start = options.from?.offset ?? 0;
  let count = 0;
  try {
    for await (const event of jsonListElements(files.open(ref.path))) {
      if (event.type === 'damaged') {
        // After the messages that could be read (none when the file isn't such a list).
        const pos = { offset: count, line: count + 1 };
        if (count >= start) yield unreadableEvent(ref.path, { error: count > 0 ? `the history is not valid JSON after its message ${count} (${event.error})` : `not a list of messages, nor {version, messages}: ${event.error}`, pos, raw: '' });
        return;
      }
      if (event.type === 'member') continue; // Roo's `version`
      const i = event.index;
      count = i + 1;
      const pos = { offset: i, line: i + 1 };
      const m = event.value;
      const e = new Emitter(ref.path, pos, isObject(m) ? isoTime(m.ts) : undefined);
      if (event.error !== undefined) e.events.push(unreadableEvent(ref.path, { error: event.error, pos, raw: event.raw }));
      else if (!isObject(m)) e.events.push(unreadableEvent(ref.path, { error: 'a message that is not a JSON object', pos, raw: JSON.stringify(m) ?? '' }));
      else taskMessage(e, m, waiting);
      if (i >= start) yield* e.events;
      else yield* e.events.filter((ev) => ev.type === 'meta');
    }
  } catch (error) {
    yield unreadableEvent(ref.path, { error: `can't be read: ${(error as Error).message}`, pos: { offset: 0, line: 1 }, raw: '' });
  }
}

async function* uiTimes(files: SessionFiles, path: string): AsyncGenerator<ReaderEvent> {
  if (!(await files.stat(path))) return;
  yield { type: 'meta', meta: { file: path } };
  let first: number | undefined;
  let last: number | undefined;
  try {
    for await (const event of jsonListElements(files.open(path))) {
      const m = event.type === 'element' ? event.value : undefined;
      if (!isObject(m) || typeof m.ts !== 'number') continue;
      first = Math.min(first ?? m.ts, m.ts);
      last = Math.max(last ?? m.ts, m.ts);
    }
  } catch {
    // The UI copy is optional: the conversation itself comes from the API history.
  }
  if (first !== undefined && last !== undefined) yield { type: 'meta', meta: { startedAt: isoTime(first), updatedAt: isoTime(last) } };
}

function taskMessage(e: Emitter, m: JsonObject, waiting: Map<string, string[]>): void {
  const role = m.role === 'assistant' ? 'assistant' : 'user';
  const info = isObject(m.modelInfo) ? m.modelInfo : {};
  const model = str(info.modelId);
  if (model && role === 'assistant') e.meta({ model });
  const content = typeof m.content === 'string' ? [{ type: 'text', text: m.content } as JsonObject] : arr(m.content);
  const texts: string[] = [];
  const flush = (): void => {
    if (!texts.length) return;
    e.item({ kind: 'message', role, text: texts.join('\n\n'), ...(model && role === 'assistant' ? { model } : {}) });
    texts.length = 0;
  };
  for (const b of content) {
    if (!isObject(b)) continue;
    const type = str(b.type) ?? '';
    if (type === 'text') {
      const text = str(b.text) ?? '';
      const result = role === 'user' ? RESULT.exec(text) : null;
      if (result) {
        flush();
        const tool = result[1] as string;
        const ids = waiting.get(tool);
        const callId = ids?.shift();
        const body = text.slice(result[0].length).replace(/^\n/, '');
        e.item({ kind: 'tool-result', ...(callId ? { callId } : {}), name: tool, result: { text: body, isError: /^(Error|The tool execution failed)/.test(body) } });
      } else if (role === 'user' && /^\s*<environment_details>/.test(text)) {
        flush();
        e.item({ kind: 'attachment', label: 'environment details', text: text.replace(/<\/?environment_details>/g, '').trim() });
      } else if (role === 'user' && /^\s*\[TASK RESUMPTION\]/.test(text)) {
        flush();
        e.item({ kind: 'note', label: 'Task resumed', text });
      } else {
        texts.push(role === 'user' ? text.replace(/^\s*<(task|feedback|user_message|answer)>\s*([\s\S]*?)\s*<\/\1>\s*$/, '$2') : text);
      }
      continue;
    }
    flush();
    switch (type) {
      case 'thinking':
        e.item({ kind: 'thinking', text: str(b.thinking) ?? '' });
        break;
      case 'redacted_thinking':
        e.item({ kind: 'thinking', text: '(redacted by the model provider)' });
        break;
      case 'tool_use': {
        const name = str(b.name) ?? 'tool';
        const id = str(b.id);
        if (id) waiting.set(name, [...(waiting.get(name) ?? []), id]);
        e.item({ kind: 'tool-call', name, summary: toolSummary(b.input), input: pretty(b.input), ...(id ? { callId: id } : {}) });
        break;
      }
      case 'tool_result': {
        const callId = str(b.tool_use_id);
        if (callId) for (const ids of waiting.values()) if (ids.includes(callId)) ids.splice(ids.indexOf(callId), 1);
        e.item({ kind: 'tool-result', ...(callId ? { callId } : {}), result: { text: typeof b.content === 'string' ? b.content : contentText(b.content), isError: b.is_error === true } });
        break;
      }
      case 'image': {
        const source = isObject(b.source) ? b.source : {};
        e.item({ kind: 'attachment', label: 'image', ...(str(source.media_type) ? { mediaType: str(source.media_type) } : {}), text: '' });
        break;
      }
      default:
        e.notShown(`content block ${type || 'without a type'}`, b);
    }
  }
  flush();
}


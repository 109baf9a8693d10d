// Codex: `<CODEX_HOME>/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl` (and
// `archived_sessions/`), optionally zstd-compressed as `.jsonl.zst`. Verified against
// openai/codex codex-rs (protocol RolloutItem / ResponseItem / EventMsg, rollout policy).
//
// Each line is `{timestamp, type, payload}`:
// - `session_meta`: id, cwd, cli version, and for a sub-agent thread its parent (first one wins;
//   later ones, written by resumes and forks, are not shown).
// - `turn_context` / `world_state`: model and cwd (metadata; world_state is "not shown").
// - `response_item`: the conversation. `message` (user / assistant; developer and system, and the
//   user-role environment / instruction blocks, as notes), `reasoning` (summary or content) ->
//   thinking; `function_call`, `custom_tool_call`, `local_shell_call`, `tool_search_call`,
//   `web_search_call`, `image_generation_call` (and 0.10x `tool_call`) -> tool calls; their
//   `*_output` / `tool_search_output` / `tool_result` -> results; `agent_message` (between agents)
//   -> note; `compaction` -> note; `ghost_snapshot` and anything else -> not shown.
// - `compacted`: the summary that replaced earlier history -> note.
// - `event_msg`: mostly the same things again as UI events (user_message, agent_message,
//   exec_command_end, token_count…) -> not shown. Those that say something new become notes:
//   errors, aborted turns, review mode and its findings, goals, plans, undo, failed tasks,
//   sub-agents spawned (a link); `thread_name_updated` names the session.
// - The oldest rollouts (2025 H1): a header line `{id, timestamp, instructions}`, then bare
//   response items and `{record_type: "state"}` markers.

import type { SessionFiles } from '../files.ts';
import { arr, contentText, isObject, isoTime, maybeJson, oneLine, pretty, str, toolSummary, type Json, type JsonObject } from '../json.ts';
import type { SessionRef } from '../model.ts';
import type { ReaderEvent, ReadOptions, SessionReader } from '../reader.ts';
import { Emitter, humanize, jsonlRecords, unreadableEvent } from './common.ts';

const ROLLOUT_ID = /rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-([0-9a-f-]{36})\.jsonl(?:\.zst)?$/i;

export const codexReader: SessionReader = {
  format: 'codex',
  agent: 'codex',
  patterns: ['sessions/**/rollout-*.jsonl', 'sessions/**/rollout-*.jsonl.zst', 'archived_sessions/**/rollout-*.jsonl', 'archived_sessions/**/rollout-*.jsonl.zst'],

  async list(_files: SessionFiles, path: string): Promise<SessionRef[]> {
    return [{ agent: 'codex', format: 'codex', path }];
  },

  async *read(files: SessionFiles, ref: SessionRef, options: ReadOptions = {}): AsyncGenerator<ReaderEvent> {
    const fromName = ROLLOUT_ID.exec(ref.path)?.[1];
    if (fromName) yield { type: 'meta', meta: { id: fromName } };
    const state = (options.state ?? {}) as Partial<CodexState> as CodexState;
    state.sessionMeta ??= false;
    state.line ??= 0;
    for await (const record of jsonlRecords(files, ref.path, options.from)) {
      if (!record.ok) {
        yield unreadableEvent(ref.path, record);
        continue;
      }
      state.line = record.pos.line;
      const e = new Emitter(ref.path, record.pos, isoTime(record.value.timestamp));
      codexRecord(e, record.value, state);
      yield* e.events;
    }
  },

  // A rollout only grows; a compressed one (.zst, archived) is written once.
  async resumable(_files: SessionFiles, ref: SessionRef): Promise<boolean> {
    return ref.path.endsWith('.jsonl');
  },
};

interface CodexState {
  sessionMeta: boolean;
  /** 0.10x `tool_call` records carry no call id: the next `tool_result` answers the last call. */
  anonymousCall?: string | undefined;
  line: number;
}

function codexRecord(e: Emitter, v: JsonObject, state: CodexState): void {
  const type = str(v.type);
  const payload = isObject(v.payload) ? v.payload : undefined;
  if (e.time) e.meta({ updatedAt: e.time });
  switch (type) {
    case 'session_meta':
      if (payload) sessionMeta(e, payload, state);
      return;
    case 'turn_context':
      if (payload) {
        e.meta({ ...(str(payload.model) ? { model: str(payload.model) } : {}), ...(usablePath(payload.cwd) ? { project: str(payload.cwd) } : {}) });
      }
      return;
    case 'world_state': {
      const s = payload && isObject(payload.state) ? payload.state : {};
      if (str(s.model)) e.meta({ model: str(s.model) });
      e.notShown('world_state', payload);
      return;
    }
    case 'response_item':
      if (payload) responseItem(e, payload, state);
      else e.notShown('response_item without a payload', v);
      return;
    case 'compacted': {
      const message = payload ? str(payload.message) : undefined;
      e.item({ kind: 'note', label: 'Conversation compacted', text: message ?? '' });
      return;
    }
    case 'event_msg':
      if (payload) eventMsg(e, payload);
      else e.notShown('event_msg without a payload', v);
      return;
    case undefined:
      break;
    default:
      e.notShown(type, payload ?? v);
      return;
  }
  // The oldest format: header, state markers and bare response items.
  if (v.record_type === 'state') {
    e.notShown('state', v);
    return;
  }
  if (str(v.instructions) !== undefined || (str(v.id) && str(v.timestamp) && v.type === undefined)) {
    sessionMeta(e, v, state);
    return;
  }
  responseItem(e, v, state);
}

function sessionMeta(e: Emitter, p: JsonObject, state: CodexState): void {
  // The first line is the session's; later ones (resumes, forks) are shown as such. Items may
  // not depend on reader state, which a page that starts mid-file doesn't have.
  if (e.pos.offset > 0) e.notShown('session_meta', p);
  if (state.sessionMeta) return;
  state.sessionMeta = true;
  const id = usable(p.id) ?? usable(p.session_id);
  const source = isObject(p.source) ? p.source : undefined;
  const sub = source && isObject(source.subagent) ? source.subagent : undefined;
  const spawn = sub && isObject(sub.thread_spawn) ? sub.thread_spawn : undefined;
  const parent = usable(p.parent_thread_id) ?? usable(spawn?.parent_thread_id);
  e.meta({
    ...(id ? { id } : {}),
    ...(usablePath(p.cwd) ? { project: str(p.cwd) } : {}),
    ...(isoTime(p.timestamp) ? { startedAt: isoTime(p.timestamp) } : {}),
    ...(parent ? { parentId: parent, role: 'subagent' as const } : { role: 'main' as const }),
  });
}

// eslint-disable-next-line max-lines-per-function -- one case per Codex response item type (message, reasoning, function and custom tool calls and outputs, web search…), each a few lines; splitting it would scatter one format's table
function responseItem(e: Emitter, p: JsonObject, state: CodexState): void {
  const type = str(p.type) ?? '';
  switch (type) {
    case 'message': {
      const role = str(p.role);
      const text = contentText(p.content);
      if (role === 'assistant') {
        e.item({ kind: 'message', role: 'assistant', text });
        images(e, p.content);
      } else if (role === 'user') {
        if (/^\s*(<(environment_context|user_instructions|user_shell_command|turn_aborted)>|# AGENTS\.md instructions)/.test(text)) {
          e.item({ kind: 'note', label: 'Context', text });
        } else {
          e.item({ kind: 'message', role: 'user', text });
        }
        images(e, p.content);
      } else {
        e.item({ kind: 'note', label: role === 'developer' ? 'Instructions' : humanize(role ?? 'system'), text });
      }
      return;
    }
    case 'reasoning': {
      const summary = arr(p.summary).map((s) => (isObject(s) ? (str(s.text) ?? '') : '')).filter(Boolean);
      const content = arr(p.content).map((s) => (isObject(s) ? (str(s.text) ?? '') : '')).filter(Boolean);
      const text = (summary.length ? summary : content).join('\n\n');
      e.item({ kind: 'thinking', text: text || '(encrypted reasoning)' });
      return;
    }
    case 'function_call':
    case 'custom_tool_call': {
      const name = [str(p.namespace), str(p.name)].filter(Boolean).join('.') || 'tool';
      const args = maybeJson(p.arguments ?? p.input);
      e.item({ kind: 'tool-call', name, summary: toolSummary(args), input: pretty(args), callId: str(p.call_id) });
      return;
    }
    case 'local_shell_call': {
      const action = isObject(p.action) ? p.action : {};
      e.item({ kind: 'tool-call', name: 'shell', summary: toolSummary(action), input: pretty(action), callId: str(p.call_id) });
      return;
    }
    case 'tool_search_call': {
      const args = maybeJson(p.arguments);
      e.item({ kind: 'tool-call', name: 'tool_search', summary: toolSummary(args), input: pretty(args), callId: str(p.call_id) });
      return;
    }
    case 'web_search_call': {
      const action = isObject(p.action) ? p.action : {};
      const queries = arr(action.queries).filter((q): q is string => typeof q === 'string');
      const summary = str(action.query) ?? (queries.length ? queries.join(', ') : undefined) ?? str(action.url) ?? str(action.pattern) ?? str(action.type) ?? '';
      // Its results are only in the UI event (web_search_end); nothing to wait for.
      e.item({ kind: 'tool-call', name: 'web_search', summary: oneLine(summary), input: pretty(action) });
      return;
    }
    case 'image_generation_call': {
      const prompt = str(p.revised_prompt) ?? '';
      const call = { kind: 'tool-call' as const, name: 'image_generation', summary: toolSummary(prompt), input: prompt };
      const status = str(p.status);
      e.item({ ...call, result: { text: status ? `Image ${status}` : 'Image generated', isError: status === 'failed', time: e.time } });
      return;
    }
    case 'tool_call': {
      const fn = isObject(p.function) ? p.function : {};
      const name = str(fn.name) ?? str(p.name) ?? 'tool';
      const args = maybeJson(p.arguments ?? fn.arguments);
      const callId = str(p.call_id) ?? str(p.id) ?? `codex-line-${state.line}`;
      state.anonymousCall = callId;
      e.item({ kind: 'tool-call', name, summary: toolSummary(args), input: pretty(args), callId });
      return;
    }
    case 'function_call_output':
    case 'custom_tool_call_output':
    case 'local_shell_call_output':
    case 'tool_search_output':
    case 'tool_result': {
      let callId = str(p.call_id);
      if (type === 'tool_result' && !callId) {
        callId = state.anonymousCall;
        state.anonymousCall = undefined;
      }
      const result = type === 'tool_search_output' ? toolSearchOutput(p) : type === 'tool_result' ? legacyResult(p.result) : output(p.output);
      e.item({ kind: 'tool-result', callId, ...(str(p.name) ? { name: str(p.name) } : {}), result: { ...result, time: e.time } });
      return;
    }
    case 'agent_message': {
      const from = usable(p.author);
      const to = usable(p.recipient);
      const label = from || to ? `Agent message${from ? ` from ${from}` : ''}${to ? ` to ${to}` : ''}` : 'Agent message';
      e.item({ kind: 'note', label, text: contentText(p.content) });
      return;
    }
    case 'compaction':
    case 'compaction_summary':
      e.item({ kind: 'note', label: 'Conversation compacted', text: contentText(p.content) || str(p.summary) || '' });
      return;
    default:
      e.notShown(type || 'response item without a type', p);
  }
}

function images(e: Emitter, content: Json | undefined): void {
  for (const c of arr(content)) {
    if (isObject(c) && (c.type === 'input_image' || c.type === 'output_image')) {
      e.item({ kind: 'attachment', label: 'image', text: usable(c.image_url)?.startsWith('data:') ? '' : (usable(c.image_url) ?? '') });
    }
  }
}

function output(raw: Json | undefined): { text: string; isError: boolean } {
  if (Array.isArray(raw) || (isObject(raw) && str(raw.type))) return { text: contentText(Array.isArray(raw) ? raw : [raw]), isError: false };
  const text = typeof raw === 'string' ? raw : pretty(raw);
  const parsed = maybeJson(text);
  if (isObject(parsed) && typeof parsed.output === 'string') {
    const meta = isObject(parsed.metadata) ? parsed.metadata : {};
    const exit = typeof meta.exit_code === 'number' ? meta.exit_code : 0;
    return { text: parsed.output, isError: exit !== 0 };
  }
  return { text, isError: false };
}

function legacyResult(raw: Json | undefined): { text: string; isError: boolean } {
  if (isObject(raw)) {
    const stdout = str(raw.stdout) ?? '';
    const stderr = str(raw.stderr) ?? '';
    const exit = typeof raw.exitCode === 'number' ? raw.exitCode : typeof raw.exit_code === 'number' ? raw.exit_code : 0;
    if (stdout || stderr) return { text: [stdout, stderr].filter(Boolean).join('\n'), isError: exit !== 0 };
  }
  return output(raw);
}

function toolSearchOutput(p: JsonObject): { text: string; isError: boolean } {
  const names: string[] = [];
  const walk = (tools: Json | undefined): void => {
    for (const t of arr(tools)) {
      if (!isObject(t)) continue;
      if (str(t.name)) names.push(str(t.name) as string);
      walk(t.tools);
    }
  };
  walk(p.tools);
  return { text: names.length ? `Found: ${names.join(', ')}` : 'No tools found', isError: str(p.status) === 'failed' };
}

/** Event messages: the UI's copy of the conversation; only what items don't say becomes a note. */
function eventMsg(e: Emitter, p: JsonObject): void {
  const type = str(p.type) ?? 'event';
  switch (type) {
    case 'thread_name_updated': {
      const name = usable(p.thread_name);
      if (name) e.meta({ title: name });
      return;
    }
    case 'error':
    case 'stream_error':
      e.item({ kind: 'note', label: 'Error', text: str(p.message) ?? '' });
      return;
    case 'turn_aborted':
      e.item({ kind: 'note', label: 'Turn aborted', text: str(p.reason) ?? '' });
      return;
    case 'task_complete': {
      const error = isObject(p.error) ? str(p.error.message) : undefined;
      if (error !== undefined) e.item({ kind: 'note', label: 'Turn failed', text: error });
      else e.notShown(`event ${type}`, p);
      return;
    }
    case 'entered_review_mode': {
      const target = isObject(p.target) ? p.target : {};
      const what = str(target.type) === 'commit' ? `commit ${str(target.sha) ?? ''}` : str(target.branch) ? `against ${str(target.branch)}` : humanize(str(target.type) ?? '');
      e.item({ kind: 'note', label: 'Review started', text: [what, str(p.user_facing_hint) ?? str(p.prompt)].filter(Boolean).join(': ') });
      return;
    }
    case 'exited_review_mode': {
      const out = isObject(p.review_output) ? p.review_output : {};
      const findings = arr(out.findings).map((f) => (isObject(f) ? `- ${str(f.title) ?? ''}` : '')).filter(Boolean);
      e.item({ kind: 'note', label: 'Review', text: [str(out.overall_explanation), ...findings].filter(Boolean).join('\n') });
      return;
    }
    case 'thread_goal_updated': {
      const goal = isObject(p.goal) ? p.goal : {};
      e.item({ kind: 'note', label: 'Goal', text: [str(goal.objective), str(goal.status) ? `(${str(goal.status)})` : undefined].filter(Boolean).join(' ') });
      return;
    }
    case 'undo_completed':
      e.item({ kind: 'note', label: p.success === true ? 'Undone' : 'Undo failed', text: str(p.message) ?? '' });
      return;
    case 'collab_agent_spawn_end': {
      const id = usable(p.new_thread_id);
      if (id) {
        e.meta({ child: id });
        e.item({ kind: 'subagent', sessionId: id, label: usable(p.new_agent_nickname) ?? usable(p.new_agent_role) ?? 'sub-agent', ...(str(p.prompt) ? { title: str(p.prompt) } : {}) });
      } else {
        e.notShown(`event ${type}`, p);
      }
      return;
    }
    case 'item_completed': {
      const item = isObject(p.item) ? p.item : {};
      if (str(item.type) === 'Plan') e.item({ kind: 'note', label: 'Plan', text: str(item.text) ?? '' });
      else e.notShown(`event item_completed ${str(item.type) ?? ''}`.trim(), p);
      return;
    }
    default:
      e.notShown(`event ${type}`, p);
  }
}

/** A non-empty string, or undefined. */
function usable(v: unknown): string | undefined {
  const s = str(v);
  return s ? s : undefined;
}

function usablePath(v: unknown): boolean {
  return usable(v) !== undefined;
}

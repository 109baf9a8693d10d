// Claude Code: `<config>/projects/<project slug>/<session id>.jsonl`, one JSON record per line.
// Sub-agents write their own transcripts beside the parent: `<session id>/subagents/agent-<id>.jsonl`
// (with an `agent-<id>.meta.json` naming the agent type), workflows under
// `<session id>/subagents/workflows/<run>/agent-<id>.jsonl` with a `journal.jsonl` of started /
// result records; older versions wrote `agent-<id>.jsonl` beside the sessions.
//
// Records (`type`): `user` / `assistant` carry an Anthropic message (string or blocks: text,
// image, document, thinking, redacted_thinking, tool_use, tool_result, server tool use); `system`
// lines (session_start, compact_boundary, api_error, stop hooks, …) become notes; `attachment`
// lines (hook output, files, reminders, queued commands, …) become attachments; `summary`,
// `custom-title`, `ai-title`, `mode`, `permission-mode`, `pr-link`, `relocated`,
// `worktree-state` are metadata or notes; bookkeeping (`file-history-snapshot`,
// `queue-operation`, `progress`, …) and unknown types are "not shown".

import type { SessionFiles } from '../files.ts';
import { arr, contentText, isObject, isoTime, num, pretty, str, toolSummary, type Json, type JsonObject } from '../json.ts';
import type { SessionRef } from '../model.ts';
import type { ReaderEvent, ReadOptions, SessionReader } from '../reader.ts';
import { Emitter, humanize, jsonlRecords, unreadableEvent } from './common.ts';

const SUBAGENT = /^(projects\/[^/]+)\/([^/]+)\/subagents\/(?:(workflows)\/([^/]+)\/)?(?:[^/]+\/)*agent-([^/]+)\.jsonl$/;
const LEGACY_SUBAGENT = /^projects\/[^/]+\/agent-([^/]+)\.jsonl$/;

export const claudeCodeReader: SessionReader = {
  format: 'claude-code',
  agent: 'claude-code',
  patterns: ['projects/*/*.jsonl', 'projects/*/*/subagents/**/agent-*.jsonl'],

  async list(_files: SessionFiles, path: string): Promise<SessionRef[]> {
    if (path.endsWith('/journal.jsonl')) return [];
    return [{ agent: 'claude-code', format: 'claude-code', path }];
  },

  async *read(files: SessionFiles, ref: SessionRef, options: ReadOptions = {}): AsyncGenerator<ReaderEvent> {
    const sub = SUBAGENT.exec(ref.path);
    const legacy = LEGACY_SUBAGENT.exec(ref.path);
    const state = (options.state ?? {}) as Partial<State> as State;
    state.customTitle ??= false;
    if (sub) {
      const [, , parent, workflows, , agentId] = sub;
      yield { type: 'meta', meta: { id: `agent-${agentId}`, parentId: parent, role: workflows ? 'workflow' : 'subagent' } };
      const metaFile = ref.path.replace(/\.jsonl$/, '.meta.json');
      if (await files.stat(metaFile)) yield { type: 'meta', meta: { file: metaFile } };
    } else if (legacy) {
      yield { type: 'meta', meta: { id: `agent-${legacy[1]}`, role: 'subagent' } };
    } else {
      const sessionId = ref.path.slice(ref.path.lastIndexOf('/') + 1).replace(/\.jsonl$/, '');
      yield { type: 'meta', meta: { id: sessionId, role: 'main' } };
      if (!options.from) yield* children(files, ref.path.replace(/\.jsonl$/, ''));
    }
    for await (const record of jsonlRecords(files, ref.path, options.from)) {
      if (!record.ok) {
        yield unreadableEvent(ref.path, record);
        continue;
      }
      const e = new Emitter(ref.path, record.pos, isoTime(record.value.timestamp));
      claudeRecord(e, record.value, state);
      yield* e.events;
    }
    if (sub?.[3] === 'workflows') yield* journal(files, ref.path, sub[5] as string);
  },

  // A transcript only grows. A main session's sub-agents live in its folder, read only from the
  // top; a sub-agent's .meta.json and a workflow's journal are other files: those don't resume.
  async resumable(files: SessionFiles, ref: SessionRef): Promise<boolean> {
    if (SUBAGENT.exec(ref.path) || LEGACY_SUBAGENT.exec(ref.path)) return false;
    return (await files.list(ref.path.replace(/\.jsonl$/, ''))).length === 0;
  },
};

interface State {
  customTitle: boolean;
}

/**
 * Links to the sub-agent transcripts stored under the session's folder; every file there
 * (transcripts, .meta.json, journals, tool results) belongs to the session when it is restored.
 */
async function* children(files: SessionFiles, dir: string): AsyncGenerator<ReaderEvent> {
  for (const path of await files.list(dir)) {
    const m = SUBAGENT.exec(path);
    yield { type: 'meta', meta: m ? { child: `agent-${m[5]}`, file: path } : { file: path } };
  }
}

/** A workflow run's journal: the result each agent reported. */
async function* journal(files: SessionFiles, path: string, agentId: string): AsyncGenerator<ReaderEvent> {
  const journalPath = `${path.slice(0, path.lastIndexOf('/'))}/journal.jsonl`;
  if (!(await files.stat(journalPath))) return;
  yield { type: 'meta', meta: { file: journalPath } };
  for await (const record of jsonlRecords(files, journalPath)) {
    if (!record.ok) {
      yield unreadableEvent(journalPath, record);
      continue;
    }
    if (str(record.value.agentId) !== agentId) continue;
    // Journal positions are past the end of the transcript so that paging never resumes into them.
    const e = new Emitter(journalPath, { offset: Number.MAX_SAFE_INTEGER, line: record.pos.line }, isoTime(record.value.timestamp));
    journalRecord(e, record.value);
    yield* e.events;
  }
}

function journalRecord(e: Emitter, v: JsonObject): void {
  const type = str(v.type) ?? 'record';
  if (type === 'result') {
    const result = v.result;
    const text = typeof result === 'string' ? result : isObject(result) ? (str(result.summary) ?? pretty(result)) : pretty(result);
    e.item({ kind: 'note', label: 'Agent result', text });
  } else if (type === 'started') {
    e.item({ kind: 'note', label: 'Agent started', text: str(v.agentId) ?? '' });
  } else {
    e.notShown(type, v);
  }
}

function claudeRecord(e: Emitter, v: JsonObject, state: State): void {
  const type = str(v.type);
  const cwd = str(v.cwd);
  if (cwd) e.meta({ project: cwd });
  if (e.time) e.meta({ updatedAt: e.time });
  switch (type) {
    case 'user':
    case 'assistant':
      message(e, v, type);
      return;
    case 'system':
      system(e, v);
      return;
    case 'attachment':
      attachment(e, v);
      return;
    case 'summary': {
      const summary = str(v.summary) ?? '';
      e.meta({ summary });
      e.item({ kind: 'note', label: 'Summary', text: summary });
      return;
    }
    case 'custom-title': {
      const title = str(v.customTitle) ?? str(v.title);
      if (title) {
        state.customTitle = true;
        e.meta({ title });
      }
      return;
    }
    case 'ai-title': {
      const title = str(v.aiTitle) ?? str(v.title);
      if (title && !state.customTitle) e.meta({ title });
      return;
    }
    case 'agent-name':
    case 'last-prompt':
      // Metadata the viewer has no use for beyond what the messages say.
      return;
    case 'mode':
      e.item({ kind: 'note', label: 'Mode', text: str(v.mode) ?? '' });
      return;
    case 'permission-mode':
      e.item({ kind: 'note', label: 'Permission mode', text: str(v.permissionMode) ?? '' });
      return;
    case 'pr-link':
      e.item({ kind: 'note', label: 'Pull request', text: [str(v.prRepository), num(v.prNumber) ? `#${num(v.prNumber)}` : undefined, str(v.prUrl)].filter(Boolean).join(' ') });
      return;
    case 'frame-link':
      e.item({ kind: 'attachment', label: str(v.title) ?? 'Preview', text: [str(v.path), str(v.frameUrl)].filter(Boolean).join('\n') });
      return;
    case 'relocated': {
      const to = str(v.relocatedCwd) ?? '';
      e.item({ kind: 'note', label: 'Moved to', text: to });
      return;
    }
    case 'worktree-state': {
      const w = isObject(v.worktreeSession) ? v.worktreeSession : {};
      e.item({ kind: 'note', label: 'Worktree', text: [str(w.worktreePath), str(w.worktreeBranch)].filter(Boolean).join(' on ') });
      return;
    }
    case 'result':
    case 'started':
      journalRecord(e, v);
      return;
    default:
      e.notShown(type ?? 'record without a type', v);
  }
}

function message(e: Emitter, v: JsonObject, role: 'user' | 'assistant'): void {
  const msg = v.message;
  if (!isObject(msg)) {
    e.notShown(`${role} without a message`, v);
    return;
  }
  const model = str(msg.model);
  const usable = model && model !== '<synthetic>' ? model : undefined;
  if (usable) e.meta({ model: usable });
  const content = msg.content;
  if (typeof content === 'string') {
    if (v.isMeta === true) e.item({ kind: 'note', label: 'Context', text: content });
    else e.item({ kind: 'message', role, text: content, ...(usable ? { model: usable } : {}) });
    return;
  }
  const texts: string[] = [];
  const flush = (): void => {
    if (texts.length === 0) return;
    const text = texts.join('\n\n');
    texts.length = 0;
    if (v.isMeta === true && role === 'user') e.item({ kind: 'note', label: 'Context', text });
    else e.item({ kind: 'message', role, text, ...(usable ? { model: usable } : {}) });
  };
  for (const block of arr(content)) {
    if (!isObject(block)) continue;
    const type = str(block.type) ?? '';
    switch (type) {
      case 'text':
        texts.push(str(block.text) ?? '');
        break;
      case 'image':
      case 'document': {
        flush();
        const source = isObject(block.source) ? block.source : {};
        e.item({ kind: 'attachment', label: str(block.title) ?? type, mediaType: str(source.media_type), text: str(source.url) ?? str(source.file_id) ?? '' });
        break;
      }
      case 'thinking':
        flush();
        e.item({ kind: 'thinking', text: str(block.thinking) ?? '' });
        break;
      case 'redacted_thinking':
        flush();
        e.item({ kind: 'thinking', text: '(redacted by the model provider)' });
        break;
      case 'tool_use':
      case 'server_tool_use':
      case 'mcp_tool_use': {
        flush();
        const name = str(block.name) ?? 'tool';
        e.item({ kind: 'tool-call', name, summary: toolSummary(block.input), input: pretty(block.input), callId: str(block.id) });
        break;
      }
      case 'tool_result':
      case 'mcp_tool_result':
      case 'web_search_tool_result':
      case 'web_fetch_tool_result':
      case 'code_execution_tool_result': {
        flush();
        const callId = str(block.tool_use_id) ?? str(v.sourceToolUseID);
        e.item({ kind: 'tool-result', callId, result: { text: resultText(block.content), isError: block.is_error === true, time: e.time } });
        break;
      }
      default:
        flush();
        e.notShown(`content block ${type || 'without a type'}`, block);
    }
  }
  flush();
}

function resultText(content: Json | undefined): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return contentText(content);
  return pretty(content);
}

function system(e: Emitter, v: JsonObject): void {
  const subtype = str(v.subtype) ?? 'system';
  const error = isObject(v.error) ? (str(v.error.message) ?? str(v.error.formatted)) : undefined;
  let text = str(v.content) ?? error ?? '';
  switch (subtype) {
    case 'compact_boundary': {
      const meta = isObject(v.compactMetadata) ? v.compactMetadata : {};
      text = ['Conversation compacted', str(meta.trigger) ? `(${str(meta.trigger)})` : undefined, num(meta.preTokens) ? `at ${num(meta.preTokens)} tokens` : undefined].filter(Boolean).join(' ');
      break;
    }
    case 'stop_hook_summary':
      text = arr(v.hookInfos).map((h) => (isObject(h) ? (str(h.command) ?? '') : '')).filter(Boolean).join('\n') || text;
      break;
    case 'turn_duration':
      text = num(v.durationMs) !== undefined ? `${Math.round((num(v.durationMs) ?? 0) / 100) / 10} s` : text;
      break;
    case 'api_refusal':
      text = str(v.apiRefusalExplanation) ?? text;
      break;
    case 'model_refusal_fallback':
      text = [str(v.originalModel), str(v.fallbackModel)].filter(Boolean).join(' -> ') || text;
      break;
    default:
      break;
  }
  e.item({ kind: 'note', label: humanize(subtype), text });
}

/** Attachment records: what Claude Code put in front of the model besides the user's words. */
function attachment(e: Emitter, v: JsonObject): void {
  const a = isObject(v.attachment) ? v.attachment : {};
  const type = str(a.type) ?? 'attachment';
  let label = humanize(type);
  let text: string;
  if (type.startsWith('hook_')) {
    label = `${humanize(type)}${str(a.hookName) ? `: ${str(a.hookName)}` : ''}`;
    text = [str(a.content), str(a.stdout), str(a.stderr)].filter((s) => s && s !== '{}').join('\n') || (str(a.command) ?? '');
  } else if (str(a.filename) || str(a.path)) {
    label = str(a.filename) ?? str(a.path) ?? label;
    text = contentText(a.content) || (isObject(a.content) ? pretty(a.content) : '');
  } else {
    text = str(a.prompt) ?? str(a.content) ?? str(a.text) ?? contentText(a.content);
    if (!text) {
      const rest: JsonObject = { ...a };
      delete rest.type;
      text = Object.keys(rest).length ? JSON.stringify(rest) : '';
    }
  }
  e.item({ kind: 'attachment', label, text });
}

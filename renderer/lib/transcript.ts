// Reads agent session transcripts (JSONL) into a conversation: Claude Code's
// `~/.claude/projects/<project>/<session>.jsonl` and Codex's `~/.codex/sessions/**/rollout-*.jsonl`
// (both the current `{type, payload}` envelope and the older bare-item format). Each line is
// parsed on its own: a line that is not JSON, or not the shape we expect, becomes a `malformed`
// item that the viewer shows as such; one bad line never hides the rest.

export type TranscriptFormat = 'claude-code' | 'codex' | 'unknown';

export interface ToolResult {
  text: string;
  isError: boolean;
}

export type TranscriptItem =
  | { kind: 'message'; role: 'user' | 'assistant'; text: string; line: number; time?: string; model?: string }
  | { kind: 'thinking'; text: string; line: number; time?: string }
  | { kind: 'tool'; name: string; summary: string; input: string; callId?: string; result?: ToolResult; line: number; time?: string }
  | { kind: 'tool-result'; result: ToolResult; line: number; time?: string }
  | { kind: 'note'; label: string; text: string; line: number; time?: string }
  | { kind: 'malformed'; line: number; raw: string; reason: string };

export interface Transcript {
  format: TranscriptFormat;
  items: TranscriptItem[];
  lineCount: number;
  malformedCount: number;
  title?: string;
  cwd?: string;
  model?: string;
  sessionId?: string;
  startedAt?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

interface Line {
  n: number;
  raw: string;
  value?: JsonObject;
  error?: string;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const raw = text.split(/\r?\n/);
  raw.forEach((r, i) => {
    if (!r.trim()) return;
    const n = i + 1;
    try {
      const parsed = JSON.parse(r) as Json;
      if (isObject(parsed)) lines.push({ n, raw: r, value: parsed });
      else lines.push({ n, raw: r, error: 'not a JSON object' });
    } catch {
      lines.push({ n, raw: r, error: 'not valid JSON (cut off or damaged)' });
    }
  });
  return lines;
}

export function detectFormat(text: string): TranscriptFormat {
  return detect(splitLines(text));
}

function detect(lines: Line[]): TranscriptFormat {
  for (const { value } of lines.slice(0, 50)) {
    if (!value) continue;
    const type = str(value.type);
    if (type === 'session_meta' || type === 'response_item' || type === 'event_msg' || type === 'turn_context') return 'codex';
    if ((type === 'user' || type === 'assistant') && isObject(value.message)) return 'claude-code';
    if (typeof value.sessionId === 'string' && typeof value.uuid === 'string') return 'claude-code';
    if (typeof value.instructions === 'string' || value.record_type === 'state') return 'codex';
    if (type === 'message' && Array.isArray(value.content)) return 'codex';
  }
  return 'unknown';
}

export function parseTranscript(text: string): Transcript {
  const lines = splitLines(text);
  const format = detect(lines);
  const t: Transcript = { format, items: [], lineCount: lines.length, malformedCount: 0 };
  const calls = new Map<string, number>();
  const ctx: Ctx = { t, calls };
  for (const line of lines) {
    if (!line.value) {
      push(ctx, { kind: 'malformed', line: line.n, raw: line.raw, reason: line.error ?? 'unreadable' });
      continue;
    }
    try {
      const ok = format === 'codex' ? codexLine(ctx, line.value, line.n) : format === 'claude-code' ? claudeLine(ctx, line.value, line.n) : false;
      if (!ok) push(ctx, { kind: 'malformed', line: line.n, raw: line.raw, reason: 'not a transcript entry this viewer understands' });
    } catch {
      push(ctx, { kind: 'malformed', line: line.n, raw: line.raw, reason: 'unexpected shape' });
    }
  }
  return t;
}

interface Ctx {
  t: Transcript;
  calls: Map<string, number>;
}

function push(ctx: Ctx, item: TranscriptItem): void {
  if (item.kind === 'malformed') ctx.t.malformedCount += 1;
  if (item.kind === 'tool' && item.callId) ctx.calls.set(item.callId, ctx.t.items.length);
  ctx.t.items.push(item);
}

function attachResult(ctx: Ctx, callId: string | undefined, result: ToolResult, line: number, time: string | undefined): void {
  const index = callId === undefined ? undefined : ctx.calls.get(callId);
  const call = index === undefined ? undefined : ctx.t.items[index];
  if (call && call.kind === 'tool') {
    call.result = result;
    return;
  }
  push(ctx, { kind: 'tool-result', result, line, time });
}

// ---- Claude Code ---------------------------------------------------------------------------

/** Returns false when the line is not a Claude Code entry at all. */
function claudeLine(ctx: Ctx, v: JsonObject, n: number): boolean {
  const type = str(v.type);
  const time = str(v.timestamp);
  if (!ctx.t.sessionId && str(v.sessionId)) ctx.t.sessionId = str(v.sessionId);
  if (!ctx.t.cwd && str(v.cwd)) ctx.t.cwd = str(v.cwd);
  if (!ctx.t.startedAt && time) ctx.t.startedAt = time;
  switch (type) {
    case 'user':
    case 'assistant': {
      const message = v.message;
      if (!isObject(message)) return false;
      const model = str(message.model);
      if (model && !ctx.t.model) ctx.t.model = model;
      const content = message.content;
      if (typeof content === 'string') {
        if (v.isMeta === true) push(ctx, { kind: 'note', label: 'Context', text: content, line: n, time });
        else push(ctx, { kind: 'message', role: type, text: content, line: n, time, model });
        return true;
      }
      if (!Array.isArray(content)) return false;
      const texts: string[] = [];
      const flush = (): void => {
        if (texts.length) push(ctx, { kind: 'message', role: type, text: texts.join('\n\n'), line: n, time, model });
        texts.length = 0;
      };
      for (const block of content) {
        if (!isObject(block)) continue;
        switch (str(block.type)) {
          case 'text':
            texts.push(str(block.text) ?? '');
            break;
          case 'image':
            texts.push('[image]');
            break;
          case 'thinking':
            flush();
            if (str(block.thinking)) push(ctx, { kind: 'thinking', text: str(block.thinking) ?? '', line: n, time });
            break;
          case 'tool_use': {
            flush();
            const name = str(block.name) ?? 'tool';
            push(ctx, { kind: 'tool', name, summary: toolSummary(name, block.input), input: pretty(block.input), callId: str(block.id), line: n, time });
            break;
          }
          case 'tool_result': {
            flush();
            attachResult(ctx, str(block.tool_use_id), { text: contentText(block.content), isError: block.is_error === true }, n, time);
            break;
          }
          default:
            break;
        }
      }
      flush();
      return true;
    }
    case 'summary': {
      const summary = str(v.summary) ?? '';
      if (!ctx.t.title) ctx.t.title = summary;
      push(ctx, { kind: 'note', label: 'Summary', text: summary, line: n, time });
      return true;
    }
    case 'system':
      push(ctx, { kind: 'note', label: 'System', text: str(v.content) ?? str(v.subtype) ?? '', line: n, time });
      return true;
    default:
      // Bookkeeping entries (file-history-snapshot, queue operations, …) are not conversation.
      return typeof type === 'string';
  }
}

// ---- Codex ---------------------------------------------------------------------------------

function codexLine(ctx: Ctx, v: JsonObject, n: number): boolean {
  const type = str(v.type);
  const time = str(v.timestamp);
  if (!ctx.t.startedAt && time) ctx.t.startedAt = time;
  switch (type) {
    case 'session_meta': {
      const p = v.payload;
      if (!isObject(p)) return false;
      ctx.t.sessionId = str(p.id) ?? ctx.t.sessionId;
      ctx.t.cwd = str(p.cwd) ?? ctx.t.cwd;
      return true;
    }
    case 'turn_context': {
      const p = v.payload;
      if (isObject(p) && str(p.model) && !ctx.t.model) ctx.t.model = str(p.model);
      return true;
    }
    case 'response_item':
      return isObject(v.payload) ? codexItem(ctx, v.payload, n, time) : false;
    case 'event_msg':
    case 'compacted':
      // Events repeat what response items already say (messages, token counts).
      return true;
    default:
      break;
  }
  // The older format: a header line, then bare items and state markers.
  if (v.record_type === 'state') return true;
  if (type === undefined && (str(v.instructions) !== undefined || str(v.id) !== undefined)) {
    ctx.t.sessionId = str(v.id) ?? ctx.t.sessionId;
    if (!ctx.t.startedAt) ctx.t.startedAt = str(v.timestamp);
    return true;
  }
  return codexItem(ctx, v, n, time);
}

function codexItem(ctx: Ctx, p: JsonObject, n: number, time: string | undefined): boolean {
  switch (str(p.type)) {
    case 'message': {
      const role = str(p.role);
      const text = contentText(p.content);
      if (role === 'assistant') {
        push(ctx, { kind: 'message', role: 'assistant', text, line: n, time });
      } else if (role === 'user') {
        if (/^\s*<(environment_context|user_instructions)>/.test(text)) push(ctx, { kind: 'note', label: 'Context', text, line: n, time });
        else push(ctx, { kind: 'message', role: 'user', text, line: n, time });
      } else {
        push(ctx, { kind: 'note', label: role === 'developer' ? 'Instructions' : 'System', text, line: n, time });
      }
      return true;
    }
    case 'reasoning': {
      const parts = Array.isArray(p.summary) ? p.summary.map((s) => (isObject(s) ? (str(s.text) ?? '') : '')).filter(Boolean) : [];
      if (parts.length) push(ctx, { kind: 'thinking', text: parts.join('\n\n'), line: n, time });
      return true;
    }
    case 'function_call':
    case 'custom_tool_call': {
      const name = str(p.name) ?? 'tool';
      const rawArgs = str(p.arguments) ?? str(p.input);
      let args: Json | undefined = rawArgs;
      if (rawArgs !== undefined) {
        try {
          args = JSON.parse(rawArgs) as Json;
        } catch {
          args = rawArgs;
        }
      }
      push(ctx, { kind: 'tool', name, summary: toolSummary(name, args), input: pretty(args), callId: str(p.call_id), line: n, time });
      return true;
    }
    case 'local_shell_call': {
      const action = isObject(p.action) ? p.action : {};
      push(ctx, { kind: 'tool', name: 'shell', summary: toolSummary('shell', action), input: pretty(action), callId: str(p.call_id), line: n, time });
      return true;
    }
    case 'function_call_output':
    case 'custom_tool_call_output':
    case 'local_shell_call_output': {
      attachResult(ctx, str(p.call_id), codexOutput(p.output), n, time);
      return true;
    }
    default:
      return false;
  }
}

function codexOutput(output: Json | undefined): ToolResult {
  const raw = typeof output === 'string' ? output : isObject(output) ? JSON.stringify(output) : '';
  try {
    const parsed = JSON.parse(raw) as Json;
    if (isObject(parsed) && typeof parsed.output === 'string') {
      const meta = isObject(parsed.metadata) ? parsed.metadata : {};
      const exit = typeof meta.exit_code === 'number' ? meta.exit_code : 0;
      return { text: parsed.output, isError: exit !== 0 };
    }
  } catch {
    // Plain text output.
  }
  return { text: raw, isError: false };
}

// ---- Shared helpers -----------------------------------------------------------------------

function contentText(content: Json | undefined): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((c) => {
      if (typeof c === 'string') return c;
      if (!isObject(c)) return '';
      if (typeof c.text === 'string') return c.text;
      if (c.type === 'image' || c.type === 'input_image') return '[image]';
      return '';
    })
    .filter(Boolean)
    .join('\n\n');
}

function pretty(value: Json | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

/** One line saying what a tool call did: the command, the file, or the pattern. */
export function toolSummary(_name: string, input: Json | undefined): string {
  if (typeof input === 'string') return oneLine(input);
  if (!isObject(input)) return '';
  const command = input.command ?? input.cmd;
  if (typeof command === 'string') return oneLine(command);
  if (Array.isArray(command)) {
    const parts = command.filter((c): c is string => typeof c === 'string');
    // Codex wraps commands as ["bash", "-lc", "<script>"].
    const script = parts.length === 3 && /sh$/.test(parts[0] ?? '') && parts[1] === '-lc' ? parts[2] : parts.join(' ');
    return oneLine(script ?? '');
  }
  for (const key of ['file_path', 'path', 'notebook_path', 'url', 'pattern', 'query', 'description', 'prompt']) {
    const value = input[key];
    if (typeof value === 'string') return oneLine(value);
  }
  return oneLine(JSON.stringify(input));
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > 140 ? `${line.slice(0, 139)}…` : line;
}

/** Transcripts we can render as a conversation. */
export function isTranscriptPath(path: string): boolean {
  return path.endsWith('.jsonl');
}

export interface LineSummary {
  label: string;
  text: string;
}

/** One JSONL line as "who: what", for comparing transcript tails; undefined when it isn't a transcript entry. */
export function summarizeLine(line: string): LineSummary | undefined {
  const t = parseTranscript(line);
  const item = t.items.find((i) => i.kind !== 'note') ?? t.items[0];
  if (!item) return undefined;
  switch (item.kind) {
    case 'message':
      return { label: item.role === 'user' ? 'User' : 'Assistant', text: item.text };
    case 'thinking':
      return { label: 'Thinking', text: item.text };
    case 'tool':
      return { label: 'Tool', text: `${item.name} ${item.summary}`.trim() };
    case 'tool-result':
      return { label: item.result.isError ? 'Tool error' : 'Tool output', text: item.result.text };
    case 'note':
      return { label: item.label, text: item.text };
    case 'malformed':
      return undefined;
  }
}

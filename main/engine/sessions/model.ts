// The one session model every agent's files are read into.
//
// A session is what a user remembers ("the one where Claude fixed the billing test"), whatever
// files hold it: one JSONL file (Claude Code, Codex, Gemini CLI, Cursor agent transcripts), a task
// folder (Cline, Roo), rows of a database shared by all sessions (OpenCode, Goose, Cursor), or a
// stretch of a Markdown log (Aider). Readers (one per format, see ./readers/) turn those files into:
//
//   SessionRef   where a session lives: agent, format, the file that defines it (relative to the
//                agent root it was found under) and, for stores holding many sessions, its key.
//   SessionMeta  what a catalog and a list need: id, agent, title, project (working directory),
//                device (set by the caller: readers don't know it), times, model, counts, and the
//                parent of a sub-agent session. Computed by one streaming pass (`readMeta`).
//   SessionItem  the content, in order: user and assistant messages, thinking, tool calls (with
//                their results attached when the result follows within a window), attachments,
//                notes (system lines, mode changes, compactions, summaries), links to sub-agent
//                sessions, records the reader knows but doesn't show ("not shown: ghost_snapshot")
//                and, only for bytes that can't be parsed at all, `unreadable`.
//
// An unknown record type is never damage: it becomes `not-shown` with its type. `unreadable` is
// reserved for a line that is not JSON, a JSON value that isn't a record, or a file that can't be
// opened — what a user should be told about.
//
// Pure types and small pure helpers; no I/O. Safe to import from shared/ and the renderer.

/** Agents as the adapters name them (`main/engine/agents`): the catalog filters on these. */
export type SessionAgent = 'claude-code' | 'codex' | 'goose' | 'gemini-cli' | 'opencode' | 'cursor' | 'cline' | 'aider';

/**
 * The file format a reader understands. Several formats may belong to one agent (Antigravity
 * transcripts live with Gemini CLI's state, Roo with Cline's), so the UI labels by format.
 */
export type SessionFormat =
  | 'claude-code' // ~/.claude/projects/<project>/<session>.jsonl, subagents/**/agent-*.jsonl
  | 'codex' // ~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl[.zst]
  | 'gemini-json' // ~/.gemini/tmp/<hash>/chats/session-*.json (legacy, one JSON document)
  | 'gemini-jsonl' // ~/.gemini/tmp/<hash>/chats/session-*.jsonl ($set / $rewindTo records)
  | 'antigravity' // brain/<id>/.system_generated/logs/transcript.jsonl
  | 'opencode-db' // opencode.db: session / message / part tables
  | 'opencode-storage' // storage/{session,message,part}/**.json (legacy)
  | 'goose-db' // sessions/sessions.db
  | 'goose-jsonl' // sessions/*.jsonl (legacy)
  | 'cursor-composer' // state.vscdb cursorDiskKV composerData:* / bubbleId:*
  | 'cursor-chat' // workspace state.vscdb ItemTable chat data (older Cursor)
  | 'cursor-transcript' // ~/.cursor/projects/<p>/agent-transcripts/**.jsonl
  | 'cursor-text' // the same folder's older plain-text *.txt transcripts
  | 'cursor-cli' // ~/.cursor/chats/<hash>/<id>/store.db
  | 'cline' // tasks/<id>/api_conversation_history.json + ui_messages.json (saoudrizwan.claude-dev)
  | 'roo' // the same under rooveterinaryinc.roo-cline, possibly {version, messages}-wrapped
  | 'aider'; // <repo>/.aider.chat.history.md, one session per "# aider chat started at"

/** Where a session lives, relative to the agent root it was found under. */
export interface SessionRef {
  agent: SessionAgent;
  format: SessionFormat;
  /** The file that defines the session, `/`-separated, relative to the root. */
  path: string;
  /** For files that hold many sessions (databases, Aider's log): the session inside. */
  key?: string;
}

/** A stable string for a ref within one root: `<format>:<path>[#<key>]`. */
export function refKey(ref: SessionRef): string {
  return ref.key === undefined ? `${ref.format}:${ref.path}` : `${ref.format}:${ref.path}#${ref.key}`;
}

export interface SessionCounts {
  /** User and assistant messages (not notes, not tool results). */
  messages: number;
  userMessages: number;
  assistantMessages: number;
  toolCalls: number;
  /** Tool results that were not attached to a call (a call outside the window, or none). */
  toolResults: number;
  thinking: number;
  attachments: number;
  notes: number;
  /** Records the reader knows are not conversation and doesn't render (by type in `notShownTypes`). */
  notShown: number;
  /** Lines or records that could not be parsed at all. */
  unreadable: number;
  /** Every item, including the above. */
  items: number;
}

export interface SessionMeta {
  ref: SessionRef;
  /** The agent's own session id (what its resume command takes). */
  id: string;
  agent: SessionAgent;
  format: SessionFormat;
  /** The agent's title, else its summary, else the first user message cut to one line. */
  title?: string;
  /** Working directory / project the session ran in, as recorded on its machine. */
  project?: string;
  /** Filled by the caller (catalog) — readers don't know which device they read for. */
  device?: string;
  /** ISO 8601. */
  startedAt?: string;
  updatedAt?: string;
  /** The model used most recently in the session. */
  model?: string;
  counts: SessionCounts;
  /** Record types shown as "not shown", with how many of each. */
  notShownTypes: Record<string, number>;
  /** A sub-agent session: the id of the session that started it. */
  parentId?: string;
  /** What kind of sub-session this is (`subagent`, `workflow`), when it is one. */
  role?: 'main' | 'subagent' | 'workflow';
  /** Sub-agent sessions this session links to (ids), as far as its own records say. */
  children: string[];
  /** Every file (relative to the root) the session's content comes from. */
  files: string[];
}

/** Where an item came from, for "line 12 is unreadable" and for jumping into the raw file. */
export interface ItemSource {
  /** File relative to the root. */
  path: string;
  /** 1-based line for line formats; 1-based record index for JSON arrays and database rows. */
  line: number;
}

interface ItemBase {
  /** 0-based position in the session's item sequence (stable across pages). */
  seq: number;
  /** ISO 8601, when the record says. */
  time?: string;
  at?: ItemSource;
}

export interface ToolResult {
  text: string;
  isError: boolean;
  time?: string;
  /** Where the result record is, when it is attached to its call from elsewhere. */
  at?: ItemSource;
}

export type SessionItem =
  | (ItemBase & { kind: 'message'; role: 'user' | 'assistant'; text: string; model?: string })
  | (ItemBase & { kind: 'thinking'; text: string })
  | (ItemBase & {
      kind: 'tool-call';
      name: string;
      /** One line: the command, file or pattern. */
      summary: string;
      /** The input as the agent recorded it (pretty JSON or text). */
      input: string;
      callId?: string;
      result?: ToolResult;
    })
  | (ItemBase & { kind: 'tool-result'; callId?: string; name?: string; result: ToolResult })
  | (ItemBase & {
      kind: 'attachment';
      /** What was attached: a file name, "image", "hook output", "todo list", … */
      label: string;
      mediaType?: string;
      /** Text content or a description; binary content is not carried. */
      text: string;
    })
  | (ItemBase & { kind: 'note'; label: string; text: string })
  | (ItemBase & { kind: 'subagent'; sessionId: string; title?: string; label: string })
  | (ItemBase & { kind: 'not-shown'; recordType: string; preview: string })
  | (ItemBase & { kind: 'unreadable'; reason: string; raw: string });

export type SessionItemKind = SessionItem['kind'];

/** A session read whole: for small sessions, tests and export. */
export interface Session {
  meta: SessionMeta;
  items: SessionItem[];
}

/** One page of items and where the next one starts. */
export interface SessionPage {
  items: SessionItem[];
  /** Opaque; pass back to read the next page. Absent at the end. */
  next?: string;
}

export function emptyCounts(): SessionCounts {
  return { messages: 0, userMessages: 0, assistantMessages: 0, toolCalls: 0, toolResults: 0, thinking: 0, attachments: 0, notes: 0, notShown: 0, unreadable: 0, items: 0 };
}

/** Adds one item to counts (and to the per-type tally of not-shown records). */
export function countItem(counts: SessionCounts, notShownTypes: Record<string, number>, item: SessionItem): void {
  counts.items += 1;
  switch (item.kind) {
    case 'message':
      counts.messages += 1;
      if (item.role === 'user') counts.userMessages += 1;
      else counts.assistantMessages += 1;
      break;
    case 'thinking':
      counts.thinking += 1;
      break;
    case 'tool-call':
      counts.toolCalls += 1;
      break;
    case 'tool-result':
      counts.toolResults += 1;
      break;
    case 'attachment':
      counts.attachments += 1;
      break;
    case 'note':
    case 'subagent':
      counts.notes += 1;
      break;
    case 'not-shown':
      counts.notShown += 1;
      notShownTypes[item.recordType] = (notShownTypes[item.recordType] ?? 0) + 1;
      break;
    case 'unreadable':
      counts.unreadable += 1;
      break;
    default: {
      const never: never = item;
      throw new Error(`unhandled item ${JSON.stringify(never)}`);
    }
  }
}

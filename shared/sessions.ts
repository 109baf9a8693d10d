// Sessions as the renderer sees them over IPC: list rows, search hits with highlighted snippets,
// pages of conversation items, the outcome of continuing one here. The item union mirrors the
// engine's session model (main/engine/sessions/model.ts); main/service checks at compile time
// that the engine's items are assignable to it.

export interface SessionSummary {
  /** `agent:id`: unique across agents and devices. */
  key: string;
  agent: string;
  format: string;
  id: string;
  title?: string;
  project?: string;
  startedAt?: string;
  updatedAt?: string;
  model?: string;
  messages: number;
  toolCalls: number;
  parentId?: string;
  role?: 'main' | 'subagent' | 'workflow';
  bytes: number;
  /** The device holding the newest version. */
  deviceId: string;
  deviceName: string;
  /** Every device holding it. */
  deviceIds: string[];
}

export interface SnippetPart {
  text: string;
  hit: boolean;
}

export interface SessionHit {
  session: SessionSummary;
  /** The item the matching text starts at. */
  seq: number;
  snippet: SnippetPart[];
}

export interface SessionFilterInput {
  agent?: string;
  deviceId?: string;
  project?: string;
  since?: string;
  until?: string;
}

interface ItemBase {
  seq: number;
  time?: string;
}

export interface ToolResultView {
  text: string;
  isError: boolean;
  time?: string;
}

export type SessionItemView =
  | (ItemBase & { kind: 'message'; role: 'user' | 'assistant'; text: string; model?: string })
  | (ItemBase & { kind: 'thinking'; text: string })
  | (ItemBase & { kind: 'tool-call'; name: string; summary: string; input: string; callId?: string; result?: ToolResultView })
  | (ItemBase & { kind: 'tool-result'; callId?: string; name?: string; result: ToolResultView })
  | (ItemBase & { kind: 'attachment'; label: string; mediaType?: string; text: string })
  | (ItemBase & { kind: 'note'; label: string; text: string })
  | (ItemBase & { kind: 'subagent'; sessionId: string; title?: string; label: string })
  | (ItemBase & { kind: 'not-shown'; recordType: string; preview: string })
  | (ItemBase & { kind: 'unreadable'; reason: string; raw: string });

export interface SessionPageView {
  items: SessionItemView[];
  /** Pass back for the next page; absent at the end. */
  next?: string;
  /** Where the page was read from: this disk or the vault. */
  from: 'local' | 'vault';
}

/** What "Continue on this machine" did (the engine's continueSession result, as the app and CLI show it). */
export interface ContinueInfo {
  /** Files written (absolute), and those already there with the same content. */
  written: string[];
  unchanged: string[];
  /** Local files replaced or changed (their previous version was kept in a safety snapshot). */
  replaced: string[];
  /** The project folder on this machine (path-mapped). */
  project?: string;
  /** The agent's own command to resume the session, to run in `project`; absent when it has none. */
  command?: string;
  /** What to do instead when the agent has no resume command (an IDE's history, a panel). */
  howTo?: string;
  /** What else was updated for the agent to list it. */
  notes: string[];
}

/** A file of a snapshot that an engine reader reads as a session (the Snapshots file viewer). */
export interface SnapshotSessionInfo {
  agent: string;
  format: string;
  /** From the catalog, when the snapshot's device listed this file's session. */
  id?: string;
  title?: string;
  project?: string;
  model?: string;
  startedAt?: string;
  messages?: number;
  toolCalls?: number;
  /** Sessions in the file (a database holds many; only a file of one is shown as a conversation). */
  sessions: number;
}

/** A session counted in one pass: any page can then be fetched directly. */
export interface SessionScanView {
  /** Items in the session. */
  total: number;
  /** `cursors[i]` starts page i + 1 of `pageSize` items (page 0 needs none). */
  cursors: string[];
}

export interface SnapshotSessionScan extends SessionScanView {
  /** The `seq` of every item whose text holds the words looked for (at most MAX_FIND_HITS). */
  hits: number[];
  /** More items matched than `hits` holds. */
  hitsCapped: boolean;
}

export const MAX_FIND_HITS = 5000;

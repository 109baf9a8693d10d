// The reader contract and what every reader shares: streaming items out of a reader, attaching
// tool results to their calls, counting, computing a session's metadata in one pass, and paging.
//
// A reader yields events in file order: `item` (a draft item and the position of the record it
// came from) and `meta` (what a record says about the session: id, title, cwd, model, parent…).
// Positions are reader-defined numbers (a byte offset for line formats, a record index
// otherwise); a reader asked to start `from` a position starts at the record there. Nothing here
// holds more than the pairing window and one page, so a 50 MB transcript is read with bounded
// memory.

import type { SessionFiles } from './files.ts';
import { CANONICAL_ISO } from './json.ts';
import {
  countItem,
  emptyCounts,
  type Session,
  type SessionAgent,
  type SessionFormat,
  type SessionItem,
  type SessionMeta,
  type SessionPage,
  type SessionRef,
} from './model.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An item before it gets its place in the sequence. */
export type DraftItem = DistributiveOmit<SessionItem, 'seq'>;

export interface Position {
  /** Reader-defined: byte offset (line formats) or record index. */
  offset: number;
  /** 1-based line or record number at that offset. */
  line: number;
}

/** What a record says about the whole session. Later values win, except where noted. */
export interface MetaPatch {
  id?: string;
  /** The agent's own title (custom or generated): wins over summaries and first messages. */
  title?: string;
  /** A summary line: used when the agent recorded no title. */
  summary?: string;
  /** The first one is kept: where the session started. */
  project?: string;
  /** Only the first one is kept (the session's start). */
  startedAt?: string;
  updatedAt?: string;
  model?: string;
  parentId?: string;
  role?: SessionMeta['role'];
  /** A sub-agent session this session started. */
  child?: string;
  /** A file the session's content comes from (besides `ref.path`). */
  file?: string;
}

export type ReaderEvent = { type: 'item'; item: DraftItem; pos: Position } | { type: 'meta'; meta: MetaPatch };

/**
 * What a read checks between records: an AbortSignal, or anything whose `throwIfAborted` throws
 * once the read must stop (a session worker's stop flag, which another thread sets).
 */
export type StopCheck = Pick<AbortSignal, 'throwIfAborted'>;

export interface ReadOptions {
  /** Start at the record at this position (from an item's position or a page cursor). */
  from?: Position;
  signal?: StopCheck;
  /**
   * For readers that can resume (SessionReader.resumable): the object a reader keeps what it
   * carries from record to record in (JSON values), filled as it reads. Given back with `from`
   * at the end of an earlier read, the read goes on as if it had never stopped.
   */
  state?: Record<string, unknown>;
}

export interface SessionReader {
  readonly format: SessionFormat;
  readonly agent: SessionAgent;
  /**
   * Globs (picomatch, relative to an agent root) of the files a session is found from. Matched
   * against the root-relative path, so they start with `**` where the root's depth varies.
   */
  readonly patterns: readonly string[];
  /** The sessions a matched file holds: one for a transcript, many for a database or a log. */
  list(files: SessionFiles, path: string): Promise<SessionRef[]>;
  /**
   * The session's records, in order, as items and metadata. A record's items must depend only
   * on the record and its position, never on state built from earlier records (a page that
   * resumes mid-file doesn't have it); metadata may.
   */
  read(files: SessionFiles, ref: SessionRef, options?: ReadOptions): AsyncIterable<ReaderEvent>;
  /**
   * Whether a read of this session that reached the end of its one file can later go on from
   * there (`from` and `state`) once the file has grown: the format only ever appends, and no other
   * file adds to the session. The catalog then reads only what was appended (catalog/resume.ts).
   */
  resumable?(files: SessionFiles, ref: SessionRef): Promise<boolean>;
  /**
   * The file holds its sessions one after another, each begun after the last, and `list` reads
   * the whole file once from its start (Aider's runs). A session's items come from its own bytes
   * only, so when the file has only grown, every session but the last it held is as it was: the
   * catalog reads only the last and those after it (catalog/resume.ts).
   */
  readonly appendsSessions?: boolean;
  /**
   * For a database of many sessions: a stamp per session (by key) that changes whenever what a
   * read of it gives may change (its rows' count, latest update time and size). When the file
   * changed, the catalog reads again only the sessions whose stamp did (catalog/read.ts).
   * Undefined when the database can't say.
   */
  stamps?(files: SessionFiles, path: string): Promise<ReadonlyMap<string, string> | undefined>;
}

/** Tool calls wait this many items for their result before they are passed on without it. */
export const PAIRING_WINDOW = 256;

/** A result's place: its record's offset and its index among that record's items. */
export interface ResultPlace {
  offset: number;
  index: number;
}

interface Pending {
  item: SessionItem;
  pos: Position;
  /** Where the result merged into this call came from. */
  result?: ResultPlace;
}

export interface StreamOptions extends ReadOptions {
  /** Items to drop at `from` (already delivered from the same record). */
  skip?: number;
  /** The first item's `seq`. */
  seq?: number;
  /**
   * Results already attached to a delivered call (`placeKey`): dropped whenever met (the pairing
   * window may read past a page's end, so the same record can be met again).
   */
  merged?: ReadonlySet<string>;
}

export interface StreamedItem {
  item: SessionItem;
  pos: Position;
  result?: ResultPlace;
}

export function placeKey(place: ResultPlace): string {
  return `${place.offset}/${place.index}`;
}

/**
 * The session's items in order, each tool result attached to its call when the result comes
 * within PAIRING_WINDOW items. `onMeta` receives the metadata records.
 */
export async function* streamItems(
  reader: SessionReader,
  files: SessionFiles,
  ref: SessionRef,
  options: StreamOptions = {},
  onMeta?: (meta: MetaPatch) => void,
): AsyncGenerator<StreamedItem> {
  const queue: Pending[] = [];
  const open = new Map<string, Pending>();
  const merged = options.merged ?? new Set<string>();
  let seq = options.seq ?? 0;
  let skip = options.skip ?? 0;
  const from = options.from;
  // Items are numbered within their record, which (unlike call ids, which a resumed reader may
  // not be able to rebuild) is the same on every read.
  let recordOffset = -1;
  let index = 0;

  for await (const event of reader.read(files, ref, { from, signal: options.signal, ...(options.state ? { state: options.state } : {}) })) {
    options.signal?.throwIfAborted();
    if (event.type === 'meta') {
      onMeta?.(event.meta);
      continue;
    }
    const draft = event.item;
    if (event.pos.offset !== recordOffset) {
      recordOffset = event.pos.offset;
      index = 0;
    }
    const place = { offset: event.pos.offset, index: index++ };
    if (draft.kind === 'tool-result' && merged.has(placeKey(place))) continue;
    if (skip > 0 && from && event.pos.offset === from.offset) {
      skip -= 1;
      continue;
    }
    skip = 0;
    if (draft.kind === 'tool-result' && draft.callId !== undefined) {
      const call = open.get(draft.callId);
      if (call && call.item.kind === 'tool-call') {
        call.item.result = draft.at ? { ...draft.result, at: draft.at } : draft.result;
        call.result = place;
        open.delete(draft.callId);
        yield* drain(queue, open, false);
        continue;
      }
    }
    const item = { ...draft, seq: seq++ } as SessionItem;
    const pending: Pending = { item, pos: event.pos };
    queue.push(pending);
    if (item.kind === 'tool-call' && item.callId !== undefined && item.result === undefined) open.set(item.callId, pending);
    yield* drain(queue, open, false);
  }
  yield* drain(queue, open, true);
}

function* drain(queue: Pending[], open: Map<string, Pending>, all: boolean): Generator<StreamedItem> {
  while (queue.length > 0) {
    const head = queue[0] as Pending;
    const waiting = head.item.kind === 'tool-call' && head.item.callId !== undefined && open.get(head.item.callId) === head;
    if (waiting && !all && queue.length <= PAIRING_WINDOW) return;
    queue.shift();
    if (waiting && head.item.kind === 'tool-call' && head.item.callId !== undefined) open.delete(head.item.callId);
    yield { item: head.item, pos: head.pos, result: head.result };
  }
}

/** A MetaBuilder part way through a session (MetaBuilder.saved), as JSON. */
export interface MetaBuilderState {
  meta: Omit<SessionMeta, 'ref' | 'children' | 'files'>;
  title?: string;
  summary?: string;
  firstUser?: string;
  children: string[];
  files: string[];
}

/** Folds metadata records and items into a SessionMeta. */
export class MetaBuilder {
  private readonly meta: SessionMeta;
  private title?: string;
  private summary?: string;
  private firstUser?: string;
  private readonly children = new Set<string>();
  private readonly files = new Set<string>();

  constructor(ref: SessionRef, saved?: MetaBuilderState) {
    this.meta = { ref, id: ref.key ?? fallbackId(ref.path), agent: ref.agent, format: ref.format, counts: emptyCounts(), notShownTypes: {}, children: [], files: [] };
    this.files.add(ref.path);
    if (saved) {
      const copy = structuredClone(saved);
      Object.assign(this.meta, copy.meta, { ref, children: [], files: [] });
      if (copy.title !== undefined) this.title = copy.title;
      if (copy.summary !== undefined) this.summary = copy.summary;
      if (copy.firstUser !== undefined) this.firstUser = copy.firstUser;
      for (const c of copy.children) this.children.add(c);
      for (const f of copy.files) this.files.add(f);
    }
  }

  /** Where the fold stands, to go on from later (new MetaBuilder(ref, saved)). */
  saved(): MetaBuilderState {
    const { ref: _ref, children: _children, files: _files, ...meta } = this.meta;
    const out: MetaBuilderState = { meta: structuredClone(meta), children: [...this.children], files: [...this.files] };
    if (this.title !== undefined) out.title = this.title;
    if (this.summary !== undefined) out.summary = this.summary;
    if (this.firstUser !== undefined) out.firstUser = this.firstUser;
    return out;
  }

  patch(p: MetaPatch): void {
    const m = this.meta;
    if (p.id) m.id = p.id;
    if (p.title) this.title = p.title;
    if (p.summary) this.summary = p.summary;
    if (p.project && !m.project) m.project = p.project;
    if (p.startedAt && !m.startedAt) m.startedAt = p.startedAt;
    if (p.updatedAt) m.updatedAt = later(m.updatedAt, p.updatedAt);
    if (p.model) m.model = p.model;
    if (p.parentId) m.parentId = p.parentId;
    if (p.role) m.role = p.role;
    if (p.child) this.children.add(p.child);
    if (p.file) this.files.add(p.file);
  }

  item(item: SessionItem): void {
    countItem(this.meta.counts, this.meta.notShownTypes, item);
    if (item.time) {
      if (!this.meta.startedAt) this.meta.startedAt = item.time;
      this.meta.updatedAt = later(this.meta.updatedAt, item.time);
    }
    if (item.kind === 'message') {
      if (item.model) this.meta.model = item.model;
      if (item.role === 'user' && this.firstUser === undefined && item.text.trim()) this.firstUser = oneLine(item.text, 100);
    }
    if (item.kind === 'subagent') this.children.add(item.sessionId);
  }

  build(): SessionMeta {
    const title = this.title ?? this.summary ?? this.firstUser;
    const meta: SessionMeta = { ...this.meta, children: [...this.children], files: [...this.files] };
    if (title) meta.title = oneLine(title, 200);
    // A session whose records date only its start was last updated then, as far as they say: the
    // file's mtime (what a catalog falls back to) is another session's, or a copy's, time.
    if (!meta.updatedAt && meta.startedAt) meta.updatedAt = meta.startedAt;
    return meta;
  }
}

/** The session's metadata from one streaming pass (no item is kept). */
export async function readMeta(reader: SessionReader, files: SessionFiles, ref: SessionRef, signal?: AbortSignal): Promise<SessionMeta> {
  const builder = new MetaBuilder(ref);
  for await (const { item } of streamItems(reader, files, ref, { signal }, (m) => builder.patch(m))) builder.item(item);
  return builder.build();
}

/** The whole session: metadata and every item. For small sessions, tests and export. */
export async function readSession(reader: SessionReader, files: SessionFiles, ref: SessionRef, signal?: AbortSignal): Promise<Session> {
  const builder = new MetaBuilder(ref);
  const items: SessionItem[] = [];
  for await (const { item } of streamItems(reader, files, ref, { signal }, (m) => builder.patch(m))) {
    builder.item(item);
    items.push(item);
  }
  return { meta: builder.build(), items };
}

interface Cursor {
  /** Position of the record of the first item not delivered. */
  o: number;
  l: number;
  /** Items of that record already delivered. */
  s: number;
  /** Next seq. */
  q: number;
  /** Results (offset, index) at or after the position that were delivered with their call. */
  m: [number, number][];
}

/**
 * One page of at most `limit` items, starting at `cursor` (from a previous page) or at the
 * start. Memory is bounded by the page and the pairing window, whatever the session's size;
 * line formats resume at the byte offset, so page n doesn't re-read pages 1…n-1.
 */
export async function readPage(
  reader: SessionReader,
  files: SessionFiles,
  ref: SessionRef,
  options: { cursor?: string; limit: number; signal?: AbortSignal },
): Promise<SessionPage> {
  const limit = Math.max(1, Math.floor(options.limit));
  const cursor = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
  const merged = new Set((cursor?.m ?? []).map(([offset, index]) => placeKey({ offset, index })));
  const stream = streamItems(reader, files, ref, {
    signal: options.signal,
    from: cursor ? { offset: cursor.o, line: cursor.l } : undefined,
    skip: cursor?.s ?? 0,
    seq: cursor?.q ?? 0,
    merged,
  });
  const got: StreamedItem[] = [];
  let next: StreamedItem | undefined;
  for await (const s of stream) {
    if (got.length === limit) {
      next = s;
      break;
    }
    got.push(s);
  }
  await stream.return(undefined);
  const items = got.map((g) => g.item);
  if (!next) return { items };
  // Items delivered from the same record as the next one are skipped when resuming there.
  const at = next.pos;
  let s = 0;
  for (let i = got.length - 1; i >= 0 && (got[i] as StreamedItem).pos.offset === at.offset; i -= 1) s += 1;
  // The whole page came from the record this page started in: add what earlier pages took from it.
  if (s === got.length && cursor && cursor.o === at.offset) s += cursor.s;
  // Results attached to delivered calls that the next page may meet again: earlier pages' ones
  // and this page's, at or after where it starts.
  for (const g of got) if (g.result) merged.add(placeKey(g.result));
  const m: [number, number][] = [];
  for (const key of merged) {
    const [offset, index] = key.split('/').map(Number) as [number, number];
    if (offset >= at.offset) m.push([offset, index]);
  }
  return { items, next: encodeCursor({ o: at.offset, l: at.line, s, q: next.item.seq, m }) };
}

/**
 * The cursors of every page of `pageSize` items, from one streaming pass: `cursors[i]` starts
 * page i + 1 (page 0 starts with no cursor), each equal to the `next` that `readPage` returns
 * after page i. So a viewer can fetch any page (the last one, the one holding a search hit)
 * without reading the pages before it again. `onItem` sees every item on the way (for find);
 * nothing is kept but the cursors.
 */
export async function pageCursors(
  reader: SessionReader,
  files: SessionFiles,
  ref: SessionRef,
  options: { pageSize: number; signal?: AbortSignal; onItem?: (item: SessionItem) => void },
): Promise<{ total: number; cursors: string[] }> {
  const size = Math.max(1, Math.floor(options.pageSize));
  const cursors: string[] = [];
  // Results attached to delivered calls, with the offset of the record they came from.
  let merged: ResultPlace[] = [];
  let total = 0;
  let runOffset = -1;
  let run = 0;
  for await (const s of streamItems(reader, files, ref, { signal: options.signal })) {
    if (total > 0 && total % size === 0) {
      const at = s.pos;
      merged = merged.filter((p) => p.offset >= at.offset);
      const skip = runOffset === at.offset ? run : 0;
      cursors.push(encodeCursor({ o: at.offset, l: at.line, s: skip, q: s.item.seq, m: merged.map((p) => [p.offset, p.index]) }));
    }
    options.onItem?.(s.item);
    if (s.result) merged.push(s.result);
    if (s.pos.offset === runOffset) run += 1;
    else {
      runOffset = s.pos.offset;
      run = 1;
    }
    total += 1;
  }
  return { total, cursors };
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof c.o === 'number' && typeof c.l === 'number' && typeof c.s === 'number' && typeof c.q === 'number' && Array.isArray(c.m)) {
      const m = c.m.filter((x): x is [number, number] => Array.isArray(x) && typeof x[0] === 'number' && typeof x[1] === 'number');
      return { o: c.o, l: c.l, s: c.s, q: c.q, m };
    }
  } catch {
    // Fall through to the error below.
  }
  throw new TypeError('Not a session page cursor: pass back the `next` value of the previous page.');
}

function later(a: string | undefined, b: string): string {
  if (a === undefined) return b;
  if (CANONICAL_ISO.test(a) && CANONICAL_ISO.test(b)) return b > a ? b : a;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(tb)) return a;
  if (Number.isNaN(ta)) return b;
  return tb > ta ? b : a;
}

/** A file name without folders and extensions: the id of a session whose records don't say. */
export function fallbackId(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.replace(/\.(jsonl|json|md|db|zst)$/g, '').replace(/\.(jsonl|json)$/, '');
}

export function oneLine(s: string, max = 140): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

// This device's view of every device's sessions, in the state database: the catalog pages of each
// device's latest snapshot as rows (listing and filtering never touch the vault), and an SQLite
// FTS5 index over session text (search). Both are caches: the vault's catalogs and the sessions'
// files are the truth, and either can be rebuilt from them.
//
// The text index holds a session once (by agent and id), whichever device it came from, at the
// version (`digest`) last indexed. Its rows are chunks of at most CHUNK_CHARS characters: their
// words in session_words (FTS5), their text compressed and the item numbers they start at in
// session_text, under one rowid. A chunk's rowid is `sid << 20 | n`, so a session's rows are one rowid
// range (replaced without a scan) and a hit names its session without a join. A session's `sid` is
// its time in seconds (the file's mtime, or the catalog's updatedAt; the next free one when taken),
// so rowid order is the sessions' age order whatever order they were indexed in (search ranks the
// newest matches: SessionDb.search).
//
// Text can be written by another connection to the same file (the backup's session worker,
// catalog/meta-worker.ts) while this one reads and writes: every write transaction here is
// BEGIN IMMEDIATE (it waits for the other writer instead of failing on a stale snapshot).

import type Database from 'better-sqlite3';
import { threadId } from 'node:worker_threads';
import type { BlobId } from '../../../shared/ids.ts';
import { compressWithHeader, declaredSize, decompressWithHeader } from '../chunk/index.ts';
import { turn } from '../concurrency.ts';
import type { CatalogEntry } from './entry.ts';
import type { ResumePoint, RunsPoint, StampsPoint } from './resume.ts';

/** What the build cache holds of a file that defines sessions (see build.ts). */
export interface BuildCacheEntry {
  /** sessionDigest of the file alone, when its entries were built. */
  content: string;
  entries: CatalogEntry[];
  /** Where the read of its one growing session, or of its many sessions, stopped (catalog/resume.ts). */
  resume?: ResumePoint | RunsPoint | StampsPoint;
}

const SCHEMA_META = 'sessions_schema';
/** The migration's name for packText() (see SCHEMA). */
const PACK_FUNCTION = 'cairn_pack_text';
const SCHEMA: readonly string[] = [
  `CREATE TABLE session_devices (device TEXT PRIMARY KEY, name TEXT NOT NULL, snapshot TEXT NOT NULL, time TEXT NOT NULL, catalog TEXT NOT NULL) WITHOUT ROWID;
   CREATE TABLE session_catalog (device TEXT NOT NULL, page BLOB NOT NULL, agent TEXT NOT NULL, id TEXT NOT NULL, format TEXT NOT NULL,
     root TEXT NOT NULL, path TEXT NOT NULL, key TEXT, files TEXT NOT NULL, title TEXT, project TEXT, started_at TEXT, updated_at TEXT,
     model TEXT, messages INTEGER NOT NULL, tool_calls INTEGER NOT NULL, parent_id TEXT, role TEXT, bytes INTEGER NOT NULL, digest TEXT NOT NULL,
     PRIMARY KEY (device, agent, id, root, path)) WITHOUT ROWID;
   CREATE INDEX session_catalog_by_page ON session_catalog(device, page);
   CREATE INDEX session_catalog_by_key ON session_catalog(agent, id);
   CREATE TABLE session_docs (sid INTEGER PRIMARY KEY, agent TEXT NOT NULL, id TEXT NOT NULL, digest TEXT NOT NULL, UNIQUE (agent, id));
   CREATE VIRTUAL TABLE session_fts USING fts5(text, seq UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');`,
  `CREATE TABLE catalog_build (label TEXT NOT NULL, path TEXT NOT NULL, content TEXT NOT NULL, entries TEXT NOT NULL, PRIMARY KEY (label, path)) WITHOUT ROWID;`,
  // FTS5 merges segments once 16 of a size exist, not 4: each posting is rewritten fewer times as
  // the index grows (27 % less CPU writing 300 MB of text; searches ranked as fast: BENCHMARKS.md).
  `INSERT INTO session_fts (session_fts, rank) VALUES ('automerge', 16);`,
  // Where a read of a growing session file stopped, to go on from there (catalog/resume.ts).
  `ALTER TABLE catalog_build ADD COLUMN resume TEXT;`,
  // A level of 16 segments is then merged a little at each write (automerge), not all at once by
  // the write that makes it 16 (FTS5's crisis merge, 16 by default): a one-line append on the main
  // thread held the event loop 77-160 ms merging a level (BENCHMARKS.md, "Fifteenth session").
  `INSERT INTO session_fts (session_fts, rank) VALUES ('crisismerge', 64);`,
  // The index's text is kept zstd-compressed beside it (session_text, a row per FTS5 row, same
  // rowid), not as FTS5's plain copy: the copy was 80 of a 114 MB state database for 175 MiB of
  // sessions (BENCHMARKS.md, nineteenth session). FTS5 keeps no text (contentless, with deletes);
  // the text the index held is converted. (Not FTS5's contentless_unindexed column: SQLite 3.54
  // neither drops nor renames its _content table, and defensive mode won't let it be dropped.)
  `ALTER TABLE session_fts RENAME TO session_fts_stored;
   CREATE VIRTUAL TABLE session_fts USING fts5(text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
   INSERT INTO session_fts (session_fts, rank) VALUES ('automerge', 16);
   INSERT INTO session_fts (session_fts, rank) VALUES ('crisismerge', 64);
   CREATE TABLE session_text (rowid INTEGER PRIMARY KEY, seq NOT NULL, z BLOB NOT NULL);
   INSERT INTO session_fts (rowid, text) SELECT rowid, text FROM session_fts_stored ORDER BY rowid;
   INSERT INTO session_text (rowid, seq, z) SELECT rowid, seq, ${PACK_FUNCTION}(text) FROM session_fts_stored ORDER BY rowid;
   DROP TABLE session_fts_stored;`,
  // The words' table takes its own name, and session_fts is made again, empty, as an older Cairn
  // made it: the app and the CLI at different versions share this state folder, and the older one
  // keeps writing and searching its own table (without finding what this one indexed) instead of
  // failing ("no column named seq") on every changed session, which it then left out of its
  // snapshots' catalogs.
  `ALTER TABLE session_fts RENAME TO session_words;
   CREATE VIRTUAL TABLE session_fts USING fts5(text, seq UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');
   INSERT INTO session_fts (session_fts, rank) VALUES ('automerge', 16);
   INSERT INTO session_fts (session_fts, rank) VALUES ('crisismerge', 64);`,
];
/** The schema step that compresses the index's text (see SCHEMA). */
const PACKED_SINCE = 6;

/**
 * session_docs rows of text being written or waiting for their session's identity (agent '', id
 * `pending-<pid>-…`): a crash leaves them, the next process to open the database removes them
 * (those of this process belong to a writer still at work).
 */
const PENDING = '';
const pendingPrefix = (thread = threadId) => `pending-${process.pid}-t${thread}-`;
/**
 * A replaced version's text is retired (agent '', id `retired-<sid>`: search no longer finds it)
 * and removed later, a slice at a time (dropRetired): deleting from FTS5 reads every row again,
 * and a 20 MB session's old text held the thread 85 ms in one statement.
 */
const RETIRED = 'retired-';
/** Rows of retired text removed per transaction (up to 16 KiB of text each). */
const RETIRE_ROWS = 32;

/** Characters per indexed chunk: small enough that a snippet is cheap, large enough to keep rows few. */
export const CHUNK_CHARS = 16 * 1024;
const ROWS_PER_SESSION = 2 ** 20;
/** Highest sid: rowids stay below 2^53, exact as JS numbers (a time in seconds until the year 2242). */
const MAX_SID = 2 ** 33 - 1;
/** Text the index writes per transaction (see textWriter). */
const WRITE_BATCH_CHARS = 4 * 2 ** 20;
/** Matching chunks, newest first, that a search ranks (see SessionDb.search). */
export const RANK_CANDIDATES = 1000;
/** Matching chunks of one session a search ranks, at most. */
const SESSION_CANDIDATES = 20;
/** Tokens a snippet shows. */
const SNIPPET_TOKENS = 24;

export interface SessionFilter {
  agent?: string;
  /** A device id: sessions this device's latest catalog holds. */
  device?: string;
  /** Sessions whose project is this folder or below it. */
  project?: string;
  /** ISO 8601 bounds on the session's last update. */
  since?: string;
  until?: string;
}

export interface CatalogRow extends CatalogEntry {
  /** The device whose catalog holds the newest version, and its snapshot. */
  device: string;
  deviceName: string;
  snapshot: string;
  /** Every device whose latest catalog holds this session. */
  devices: string[];
}

/** A piece of a snippet: `hit` marks the matched words. */
export interface SnippetPart {
  text: string;
  hit: boolean;
}

export interface SearchHit {
  session: CatalogRow;
  /** The item the best chunk starts at. */
  seq: number;
  snippet: SnippetPart[];
}

interface RawRow {
  device: string;
  device_name: string;
  snapshot: string;
  devices: string;
  agent: string;
  id: string;
  format: string;
  root: string;
  path: string;
  key: string | null;
  files: string;
  title: string | null;
  project: string | null;
  started_at: string | null;
  updated_at: string | null;
  model: string | null;
  messages: number;
  tool_calls: number;
  parent_id: string | null;
  role: string | null;
  bytes: number;
  digest: string;
}

/** A session's text buffered for a shared write (SessionDb.shareWrites). */
interface SharedDoc {
  /** Reserved; final once inserted. */
  sid: number;
  at: number;
  lane?: { k: number; n: number };
  inserted: boolean;
  /** Chunks not written yet, and rows written so far. */
  rows: TextChunk[];
  n: number;
  /** The session's text is all here (parked): written by the next flush, then forgotten. */
  parked: boolean;
  /** Taken out of the buffer (dropPending, discardShared): what is added later is not kept. */
  dropped?: boolean;
}

/** Writes one session's text into the index (SessionDb.textWriter). */
export interface TextWriter {
  add(chunks: readonly TextChunk[]): void;
  /** Makes the text the index's version of this session (replacing the one it held). */
  commit(agent: string, id: string, digest: string): void;
  /** Writes what is left and keeps the text pending; returns its sid for commitPending/dropPending. */
  park(): number;
  discard(): void;
}

export interface SessionInFolder {
  path: string;
  id: string;
  title?: string;
  project?: string;
  model?: string;
  startedAt?: string;
  messages: number;
  toolCalls: number;
}

function rowOf(r: RawRow): CatalogRow {
  const out: CatalogRow = {
    agent: r.agent,
    format: r.format,
    id: r.id,
    root: r.root,
    path: r.path,
    files: JSON.parse(r.files) as string[],
    messages: r.messages,
    toolCalls: r.tool_calls,
    bytes: r.bytes,
    digest: r.digest,
    device: r.device,
    deviceName: r.device_name,
    snapshot: r.snapshot,
    devices: r.devices.split(','),
  };
  if (r.key !== null) out.key = r.key;
  if (r.title !== null) out.title = r.title;
  if (r.project !== null) out.project = r.project;
  if (r.started_at !== null) out.startedAt = r.started_at;
  if (r.updated_at !== null) out.updatedAt = r.updated_at;
  if (r.model !== null) out.model = r.model;
  if (r.parent_id !== null) out.parentId = r.parent_id;
  if (r.role !== null) out.role = r.role as CatalogRow['role'];
  return out;
}

/**
 * A term ending in `*` matches words beginning with it (`test*`: test, tests, testing; `"billing
 * tes"*`: a phrase whose last word begins so) once its last word has MIN_PREFIX letters or more:
 * FTS5 merges every word of the index that begins with the prefix, and there is no prefix index.
 */
export const MIN_PREFIX = 3;
/** Words and "quoted phrases" as typed, each with whether it ends in `*`. */
function typedTerms(text: string): { raw: string; star: boolean }[] {
  const out: { raw: string; star: boolean }[] = [];
  const re = /"([^"]*)"(\*?)|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const word = m[3];
    if (word === undefined) out.push({ raw: (m[1] ?? '').trim(), star: m[2] === '*' });
    else out.push({ raw: word.replace(/\*+$/, ''), star: word.endsWith('*') });
  }
  return out;
}

/** Whether a term typed with `*` is searched as a prefix: its last word is long enough. */
function isPrefix(term: { raw: string; star: boolean }): boolean {
  if (!term.star) return false;
  const last = [...term.raw.matchAll(TOKEN)].at(-1)?.[0];
  return last !== undefined && [...last].length >= MIN_PREFIX;
}

/** Turns what a user types into an FTS5 query: words, "quoted phrases" and prefix*, all required. */
export function ftsQuery(text: string): string | undefined {
  const terms: string[] = [];
  for (const term of typedTerms(text)) {
    // Only letters and digits count for the tokenizer: a term of punctuation alone matches nothing.
    if (!/[\p{L}\p{N}]/u.test(term.raw)) continue;
    // A prefix too short is the word itself (`c*` finds "c"), as before prefixes were understood.
    terms.push(`"${term.raw.replace(/"/g, '""')}"${isPrefix(term) ? '*' : ''}`);
  }
  return terms.length > 0 ? terms.join(' ') : undefined;
}

const GROUPED = `SELECT c.*, d.name AS device_name, d.snapshot AS snapshot, max(coalesce(c.updated_at, '')) AS newest, group_concat(DISTINCT c.device) AS devices
  FROM session_catalog c JOIN session_devices d ON d.device = c.device`;

/** The layout of the index in `db`: how many of SCHEMA's steps it has taken (0: none, or no index). */
function schemaVersion(db: Database.Database): number {
  return Number(db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(SCHEMA_META)?.value ?? 0);
}

/**
 * Whether `db` holds an index an older Cairn made, with SCHEMA's steps still to take: the first
 * SessionDb on it takes them, seconds for a 100 MB index (it compresses the text, then VACUUM).
 */
export function sessionIndexBehind(db: Database.Database): boolean {
  let version: number;
  try {
    version = schemaVersion(db);
  } catch {
    return false; // no meta table: no index yet
  }
  return version > 0 && version < SCHEMA.length;
}

/** How long a write waits for another connection's write to end before it fails. */
export const BUSY_TIMEOUT_MS = 10_000;

export class SessionDb {
  readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const version = schemaVersion(db);
    if (version < SCHEMA.length) db.function(PACK_FUNCTION, { deterministic: true }, (text) => packText(String(text)));
    for (let v = version; v < SCHEMA.length; v++) {
      db.transaction(() => {
        db.exec(SCHEMA[v] as string);
        db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(SCHEMA_META, String(v + 1));
      })();
    }
    // The plain text an older index held is free pages now: give them back to the disk. Best
    // effort (another connection reading, or no room for the copy VACUUM makes, leaves them to be
    // reused as the index grows).
    if (version > 0 && version <= PACKED_SINCE) {
      try {
        db.exec('VACUUM');
      } catch {
        // kept as free pages
      }
    }
    // Another connection (the session worker) may be writing: wait for it rather than fail.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const mine = `pending-${process.pid}-%`;
    const stale = db.prepare<[string, string, string], { sid: number }>('SELECT sid FROM session_docs WHERE agent = ? AND id NOT LIKE ? AND id NOT LIKE ?');
    for (const { sid } of stale.all(PENDING, mine, `${RETIRED}%`)) this.dropDoc(sid);
  }

  private readonly prepared = new Map<string, Database.Statement>();
  /** A statement prepared once per connection (the index writes several per session). */
  private stmt<P extends unknown[] | Record<string, unknown> = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let st = this.prepared.get(sql);
    if (!st) this.prepared.set(sql, (st = this.db.prepare(sql)));
    return st as unknown as Database.Statement<P, R>;
  }

  /** Writes one chunk of a session's text as index row `rowid`: its words (FTS5), its text compressed (packText). */
  private insertChunk(rowid: bigint, chunk: TextChunk): void {
    this.stmt('INSERT INTO session_words (rowid, text) VALUES (?, ?)').run(rowid, chunk.text);
    this.stmt('INSERT INTO session_text (rowid, seq, z) VALUES (?, ?, ?)').run(rowid, chunk.items ? `${chunk.seq} ${chunk.items}` : chunk.seq, packText(chunk.text));
  }

  /**
   * Removes index rows [from, to): their words and their text, and what an older Cairn sharing
   * this state folder wrote under them (see SCHEMA). Returns how many of this index's rows.
   */
  private deleteRows(from: bigint, to: bigint): number {
    this.stmt('DELETE FROM session_words WHERE rowid >= ? AND rowid < ?').run(from, to);
    this.stmt('DELETE FROM session_fts WHERE rowid >= ? AND rowid < ?').run(from, to);
    return this.stmt('DELETE FROM session_text WHERE rowid >= ? AND rowid < ?').run(from, to).changes;
  }

  private dropDoc(sid: number): void {
    this.db.transaction(() => {
      // Bounds bound as integers: FTS5 ignores a rowid range given as REALs (what better-sqlite3
      // makes of a JS number) and scanned the whole index for every replaced session.
      this.deleteRows(BigInt(sid) * BigInt(ROWS_PER_SESSION), BigInt(sid + 1) * BigInt(ROWS_PER_SESSION));
      this.stmt('DELETE FROM session_docs WHERE sid = ?').run(sid);
    }).immediate();
  }

  /** sids in use (loaded once; another connection's inserts are met as conflicts, see newDoc). */
  private sids: Set<number> | undefined;
  private readonly probed = new Map<number, number>();

  /**
   * A free sid for text of time `at` (seconds): `at` itself, or the next free one above it in
   * `lane` (one of n writers at once takes only sids ≡ k (mod n): the writers don't collide).
   * Taken in this connection's set only; the caller inserts its row (newDoc, flushShared).
   */
  private reserveSid(at: number, lane = { k: 0, n: 1 }): number {
    const inLane = (sid: number) => sid - (((sid - lane.k) % lane.n) + lane.n) % lane.n;
    const step = (sid: number) => (sid + lane.n > MAX_SID ? inLane(lane.n + lane.k) : sid + lane.n);
    const taken = (this.sids ??= new Set(this.db.prepare<[], { sid: number }>('SELECT sid FROM session_docs').all().map((r) => r.sid)));
    const want = inLane(Math.max(lane.n + lane.k, Math.min(MAX_SID, Math.floor(at))));
    // Many sessions of one second (files written together) probe from where the last one stopped.
    let sid = this.probed.get(want) ?? want;
    while (taken.has(sid)) sid = step(sid);
    taken.add(sid);
    this.probed.set(want, step(sid));
    return sid;
  }

  /**
   * Inserts the pending session_docs row of a reserved sid; when another connection took that sid
   * meanwhile, reserves another (the set is loaded again) and returns it.
   */
  private insertDoc(sid: number, at: number, lane?: { k: number; n: number }): number {
    const insert = this.stmt('INSERT INTO session_docs (sid, agent, id, digest) VALUES (?, ?, ?, ?)');
    for (let attempt = 0; ; attempt++) {
      try {
        insert.run(sid, PENDING, `${pendingPrefix()}${sid}-${Math.random()}`, '');
        // Rows left under this sid by an older Cairn, which removed a session this one indexed
        // without knowing its tables: FTS5 would take a second row of the same rowid.
        this.deleteRows(BigInt(sid) * BigInt(ROWS_PER_SESSION), BigInt(sid + 1) * BigInt(ROWS_PER_SESSION));
        return sid;
      } catch (error) {
        // Taken by another connection since the set was loaded: load it again.
        if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' || attempt >= 3) throw error;
        this.sids = undefined;
        this.probed.clear();
        sid = this.reserveSid(at, lane);
      }
    }
  }

  /** A pending session_docs row whose sid is `at` (seconds), or the next free one above it. */
  private newDoc(at: number, lane?: { k: number; n: number }): number {
    return this.insertDoc(this.reserveSid(at, lane), at, lane);
  }

  /** Text of many sessions written together (see shareWrites); unset: each writer writes its own. */
  private shared: { docs: SharedDoc[]; chars: number; limit: number; moved: Map<number, number> } | undefined;

  /**
   * From now on the text of every session written through this connection (textWriter) is
   * buffered across sessions and written in shared transactions of about `limit` characters, when
   * the buffer is full or flushShared is called: a session worker wrote ~3 transactions a session
   * (its pending row, its text, then the catalog step's commit), and with two workers and the
   * backup's thread taking turns on the database most of each worker's index time was waiting for
   * the lock. A parked sid is final only after the flush that writes it (sharedSid).
   */
  shareWrites(limit: number): void {
    this.shared ??= { docs: [], chars: 0, limit, moved: new Map() };
  }

  /** Whether text is buffered and not written yet (shareWrites). */
  get unwritten(): boolean {
    return (this.shared?.docs.length ?? 0) > 0;
  }

  /**
   * Writes the buffered text (shareWrites) in one transaction; a session still being read keeps its
   * place. With `wait` false, only when the database is free now (else false: the text stays
   * buffered): a worker that finds another writing reads on rather than sleep in SQLite's busy
   * handler, whose growing sleeps overshoot the other's short write.
   */
  flushShared(wait = true): boolean {
    const shared = this.shared;
    if (!shared || shared.docs.length === 0) return true;
    if (!wait) {
      this.db.pragma('busy_timeout = 0');
      try {
        this.flushShared();
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
        throw error;
      } finally {
        this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      }
    }
    // What the transaction changes here is put back if it rolls back.
    const before = shared.docs.map((doc) => ({ doc, sid: doc.sid, inserted: doc.inserted, n: doc.n }));
    try {
      this.db.transaction(() => {
        for (const doc of shared.docs) {
          if (!doc.inserted) {
            doc.sid = this.insertDoc(doc.sid, doc.at, doc.lane);
            doc.inserted = true;
          }
          for (const c of doc.rows) {
            if (doc.n >= ROWS_PER_SESSION) break;
            this.insertChunk(BigInt(doc.sid) * BigInt(ROWS_PER_SESSION) + BigInt(doc.n++), c);
          }
        }
      }).immediate();
    } catch (error) {
      for (const b of before) Object.assign(b.doc, { sid: b.sid, inserted: b.inserted, n: b.n });
      throw error;
    }
    for (const b of before) if (b.doc.sid !== b.sid) shared.moved.set(b.sid, b.doc.sid);
    for (const doc of shared.docs) doc.rows = [];
    shared.docs = shared.docs.filter((d) => !d.parked);
    shared.chars = 0;
    return true;
  }

  /**
   * Forgets the buffered text (shareWrites) after a flush failed, and removes what earlier
   * transactions wrote of those sessions. Returns their sids as parked (see sharedSid): a read
   * whose text is among them has no text in the index. Their sids stay taken, so a sid a reader
   * still holds never names another session's text.
   */
  discardShared(): Set<number> {
    const lost = new Set<number>();
    const shared = this.shared;
    if (!shared) return lost;
    for (const doc of shared.docs) {
      doc.dropped = true;
      lost.add(doc.sid);
      if (doc.inserted) this.dropDoc(doc.sid);
    }
    for (const [parked, sid] of shared.moved) if (lost.has(sid)) lost.add(parked);
    shared.docs = [];
    shared.chars = 0;
    return lost;
  }

  /** The sid a parked sid was written under (another connection may have taken it before the flush). */
  sharedSid(parked: number): number {
    return this.shared?.moved.get(parked) ?? parked;
  }

  private sharedWriter(at: number, lane?: { k: number; n: number }): TextWriter {
    const shared = this.shared as NonNullable<SessionDb['shared']>;
    const doc: SharedDoc = { sid: this.reserveSid(at, lane), at, ...(lane ? { lane } : {}), inserted: false, rows: [], n: 0, parked: false };
    shared.docs.push(doc);
    return {
      add: (chunks) => {
        // Dropped (a failed write, see discardShared): the rest of its text goes nowhere.
        if (doc.dropped) return;
        for (const c of chunks) {
          doc.rows.push(c);
          shared.chars += c.text.length;
        }
        // Full: written now if the database is free, and whatever it takes at twice the size.
        if (shared.chars >= shared.limit) this.flushShared(shared.chars >= 2 * shared.limit);
      },
      commit: (agent, id, digest) => {
        doc.parked = true;
        this.flushShared();
        this.commitPending(this.sharedSid(doc.sid), agent, id, digest);
      },
      park: () => {
        doc.parked = true;
        return doc.sid;
      },
      discard: () => this.dropPending(doc.sid),
    };
  }

  /**
   * Gives a pending session's text (see textWriter's `park`) its session: replaces the text the
   * index held for it, unless the index already holds this version (then the new text is dropped).
   */
  commitPending(sid: number, agent: string, id: string, digest: string): void {
    this.db.transaction(() => {
      const old = this.stmt<[string, string], { sid: number; digest: string }>('SELECT sid, digest FROM session_docs WHERE agent = ? AND id = ?').get(agent, id);
      if (old?.digest === digest) {
        this.retireDoc(sid);
        return;
      }
      if (old !== undefined) this.retireDoc(old.sid);
      this.stmt('UPDATE session_docs SET agent = ?, id = ?, digest = ? WHERE sid = ?').run(agent, id, digest, sid);
    }).immediate();
  }

  private retireDoc(sid: number): void {
    this.stmt('UPDATE session_docs SET agent = ?, id = ?, digest = ? WHERE sid = ?').run(PENDING, `${RETIRED}${sid}`, '', sid);
  }

  /**
   * Removes retired text (see RETIRED) a slice of rows per transaction, the event loop taking turns
   * between slices. Called after a backup's or a pull's indexing; returns the sessions' texts removed.
   */
  async dropRetired(signal?: AbortSignal): Promise<number> {
    const retired = this.db.prepare<[string, string], { sid: number }>('SELECT sid FROM session_docs WHERE agent = ? AND id LIKE ?').all(PENDING, `${RETIRED}%`);
    for (const { sid } of retired) {
      const base = BigInt(sid) * BigInt(ROWS_PER_SESSION);
      // A session's rows are numbered from 0 without gaps: slices until one finds nothing.
      for (let from = 0n; from < BigInt(ROWS_PER_SESSION); from += BigInt(RETIRE_ROWS)) {
        signal?.throwIfAborted();
        const removed = this.db.transaction(() => this.deleteRows(base + from, base + from + BigInt(RETIRE_ROWS))).immediate();
        for (let t = turn(); t; t = turn()) await t;
        if (removed === 0) break;
      }
      this.stmt('DELETE FROM session_docs WHERE sid = ?').run(sid);
      this.sids?.delete(sid);
    }
    return retired.length;
  }

  /**
   * Drops the pending text a thread of this process left (a session worker stopped in the middle
   * of a session: a cancelled backup), which nothing else would remove before the next start.
   */
  dropPendingOf(thread: number): void {
    const like = `${pendingPrefix(thread).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    for (const { sid } of this.db.prepare<[string, string], { sid: number }>("SELECT sid FROM session_docs WHERE agent = ? AND id LIKE ? ESCAPE '\\'").all(PENDING, like)) this.dropPending(sid);
  }

  /**
   * Drops a pending session's text (its session could not be cataloged). Never throws: it runs
   * on the way out of failures (a full disk fails this write too), and text it can't remove stays
   * pending, out of every search, until the next process opens the index (see the constructor).
   */
  dropPending(parked: number): void {
    const sid = this.sharedSid(parked);
    const shared = this.shared;
    const doc = shared?.docs.find((d) => d.sid === sid);
    if (shared && doc) {
      // Buffered (shareWrites): what isn't written yet is forgotten.
      doc.dropped = true;
      shared.docs = shared.docs.filter((d) => d !== doc);
      shared.chars -= doc.rows.reduce((n, c) => n + c.text.length, 0);
      if (!doc.inserted) {
        this.sids?.delete(sid);
        return;
      }
    }
    try {
      this.dropDoc(sid);
      this.sids?.delete(sid);
    } catch {
      // left pending (see above)
    }
  }

  // Build cache (see build.ts) ------------------------------------------------------------------

  /** Per file of a source: the content it had and the entries its sessions gave. */
  buildCache(label: string): Map<string, BuildCacheEntry> {
    const rows = this.db.prepare<[string], { path: string; content: string; entries: string; resume: string | null }>('SELECT path, content, entries, resume FROM catalog_build WHERE label = ?').all(label);
    return new Map(rows.map((r) => [r.path, { content: r.content, entries: JSON.parse(r.entries) as CatalogEntry[], ...(r.resume ? { resume: JSON.parse(r.resume) as ResumePoint | RunsPoint | StampsPoint } : {}) }]));
  }

  /** Stores `updates`, and forgets the cached files of `labels` that `present` no longer has. */
  updateBuildCache(labels: readonly string[], updates: readonly ({ label: string; path: string } & BuildCacheEntry)[], present: (label: string) => { has(path: string): boolean }): void {
    const put = this.db.prepare('INSERT OR REPLACE INTO catalog_build (label, path, content, entries, resume) VALUES (?, ?, ?, ?, ?)');
    const del = this.db.prepare('DELETE FROM catalog_build WHERE label = ? AND path = ?');
    this.db.transaction(() => {
      for (const label of labels) {
        const keep = present(label);
        for (const { path } of this.db.prepare<[string], { path: string }>('SELECT path FROM catalog_build WHERE label = ?').all(label)) if (!keep.has(path)) del.run(label, path);
      }
      for (const u of updates) put.run(u.label, u.path, u.content, JSON.stringify(u.entries), u.resume ? JSON.stringify(u.resume) : null);
    }).immediate();
  }

  /** The snapshot whose catalog is loaded for `device`, if any. */
  deviceCatalog(device: string): { snapshot: string; catalog: string } | undefined {
    return this.db.prepare<[string], { snapshot: string; catalog: string }>('SELECT snapshot, catalog FROM session_devices WHERE device = ?').get(device);
  }

  /** The page ids loaded for `device`: pages with these ids need no download. */
  loadedPages(device: string): Set<BlobId> {
    const rows = this.db.prepare<[string], { page: Buffer }>('SELECT DISTINCT page FROM session_catalog WHERE device = ?').all(device);
    return new Set(rows.map((r) => r.page.toString('hex') as BlobId));
  }

  /**
   * Makes `device`'s sessions those of its snapshot's catalog: `pages` are its pages by id, with
   * the entries of those not loaded yet (pages already loaded are kept as they are).
   */
  setDeviceCatalog(device: { id: string; name: string }, snapshot: { id: string; time: string; catalog: string }, pages: readonly { id: BlobId; entries?: readonly CatalogEntry[] }[]): void {
    const keep = new Set(pages.map((p) => p.id));
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO session_catalog (device, page, agent, id, format, root, path, key, files, title, project, started_at, updated_at, model, messages, tool_calls, parent_id, role, bytes, digest)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const id of this.loadedPages(device.id)) {
        if (!keep.has(id)) this.db.prepare('DELETE FROM session_catalog WHERE device = ? AND page = ?').run(device.id, Buffer.from(id, 'hex'));
      }
      const loaded = this.loadedPages(device.id);
      for (const page of pages) {
        if (loaded.has(page.id) || !page.entries) continue;
        const pageId = Buffer.from(page.id, 'hex');
        for (const e of page.entries) {
          insert.run(device.id, pageId, e.agent, e.id, e.format, e.root, e.path, e.key ?? null, JSON.stringify(e.files), e.title ?? null, e.project ?? null, e.startedAt ?? null, e.updatedAt ?? null, e.model ?? null, e.messages, e.toolCalls, e.parentId ?? null, e.role ?? null, e.bytes, e.digest);
        }
      }
      this.db.prepare('INSERT OR REPLACE INTO session_devices (device, name, snapshot, time, catalog) VALUES (?, ?, ?, ?, ?)').run(device.id, device.name, snapshot.id, snapshot.time, snapshot.catalog);
    }).immediate();
  }

  /** Forgets a device's sessions (it has no snapshot with a catalog any more). */
  dropDevice(device: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM session_catalog WHERE device = ?').run(device);
      this.db.prepare('DELETE FROM session_devices WHERE device = ?').run(device);
    })();
  }

  /** Where `device`'s latest catalog puts the sessions of its root `root`. */
  rootEntries(device: string, root: string): Pick<CatalogEntry, 'format' | 'path' | 'project'>[] {
    const rows = this.db.prepare<[string, string], { format: string; path: string; project: string | null }>('SELECT format, path, project FROM session_catalog WHERE device = ? AND root = ?').all(device, root);
    return rows.map((r) => ({ format: r.format, path: r.path, ...(r.project === null ? {} : { project: r.project }) }));
  }

  knownDevices(): string[] {
    return this.db.prepare<[], { device: string }>('SELECT device FROM session_devices').all().map((r) => r.device);
  }

  private where(filter: SessionFilter, alias = 'c'): { sql: string; params: Record<string, string> } {
    const clauses: string[] = [];
    const params: Record<string, string> = {};
    if (filter.agent) {
      clauses.push(`${alias}.agent = @agent`);
      params.agent = filter.agent;
    }
    if (filter.device) {
      clauses.push(`EXISTS (SELECT 1 FROM session_catalog o WHERE o.device = @device AND o.agent = ${alias}.agent AND o.id = ${alias}.id)`);
      params.device = filter.device;
    }
    if (filter.project) {
      const p = filter.project.replace(/[\\/]+$/, '');
      clauses.push(`(${alias}.project = @project OR substr(${alias}.project, 1, length(@project) + 1) IN (@project || '/', @project || '\\'))`);
      params.project = p;
    }
    if (filter.since) {
      clauses.push(`${alias}.updated_at >= @since`);
      params.since = filter.since;
    }
    if (filter.until) {
      clauses.push(`${alias}.updated_at <= @until`);
      params.until = filter.until;
    }
    return { sql: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
  }

  /** Every session once (its newest version among devices), newest first. */
  list(filter: SessionFilter = {}): CatalogRow[] {
    const w = this.where(filter);
    const rows = this.db.prepare<Record<string, string>, RawRow>(`${GROUPED} ${w.sql} GROUP BY c.agent, c.id ORDER BY newest DESC, c.agent, c.id`).all(w.params);
    return rows.map(rowOf);
  }

  /** Every session id in the catalog, once, sorted (for prefixes that name one session: see `find`). */
  ids(): string[] {
    return this.db
      .prepare<[], { id: string }>('SELECT DISTINCT id FROM session_catalog ORDER BY id')
      .all()
      .map((r) => r.id);
  }

  /** One session by agent and id, or by a unique prefix of its id. */
  find(idOrPrefix: string, agent?: string): CatalogRow[] {
    const like = `${idOrPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = this.db
      .prepare<{ like: string; agent: string | null }, RawRow>(`${GROUPED} WHERE c.id LIKE @like ESCAPE '\\' AND (@agent IS NULL OR c.agent = @agent) GROUP BY c.agent, c.id ORDER BY newest DESC`)
      .all({ like, agent: agent ?? null });
    const exact = rows.filter((r) => r.id === idOrPrefix);
    return (exact.length > 0 ? exact : rows).map(rowOf);
  }

  /**
   * The sessions a device's catalog lists in one folder of one root ('' for the root's top), by
   * path: what the snapshot browser shows instead of a UUID file name.
   */
  inFolder(device: string, root: string, dir: string): SessionInFolder[] {
    const prefix = dir === '' ? '' : `${dir}/`;
    // Paths starting with `prefix`: [prefix, prefix + U+10FFFF).
    const rows = this.db
      .prepare<[string, string, string, string], { path: string; id: string; title: string | null; project: string | null; model: string | null; started_at: string | null; messages: number; tool_calls: number }>(
        'SELECT path, id, title, project, model, started_at, messages, tool_calls FROM session_catalog WHERE device = ? AND root = ? AND path >= ? AND path < ? ORDER BY path',
      )
      .all(device, root, prefix, `${prefix}\u{10FFFF}`);
    const out: SessionInFolder[] = [];
    for (const r of rows) {
      if (r.path.slice(prefix.length).includes('/')) continue;
      const s: SessionInFolder = { path: r.path, id: r.id, messages: r.messages, toolCalls: r.tool_calls };
      if (r.title !== null) s.title = r.title;
      if (r.project !== null) s.project = r.project;
      if (r.model !== null) s.model = r.model;
      if (r.started_at !== null) s.startedAt = r.started_at;
      out.push(s);
    }
    return out;
  }

  // Full-text index ---------------------------------------------------------------------------

  /** The version (digest) of a session the text index holds. */
  indexedDigest(agent: string, id: string): string | undefined {
    return this.db.prepare<[string, string], { digest: string }>('SELECT digest FROM session_docs WHERE agent = ? AND id = ?').get(agent, id)?.digest;
  }

  /**
   * Sessions listed whose newest version isn't in the text index yet, newest first; with
   * `device`, only those whose newest version is that device's.
   */
  unindexed(limit = 1000, device?: string): CatalogRow[] {
    const rows = this.db
      .prepare<{ limit: number; device: string | null }, RawRow>(
        `SELECT * FROM (${GROUPED} GROUP BY c.agent, c.id) g WHERE (@device IS NULL OR g.device = @device)
           AND NOT EXISTS (SELECT 1 FROM session_docs s WHERE s.agent = g.agent AND s.id = g.id AND s.digest = g.digest) ORDER BY newest DESC LIMIT @limit`,
      )
      .all({ limit, device: device ?? null });
    return rows.map(rowOf);
  }

  /**
   * Writes a session's text into the index as it is read, before the session's identity and
   * version are known: `add` chunks as they come, then `commit` (replacing the session's older
   * text) or `discard`.
   */
  textWriter(options: { at?: number; lane?: { k: number; n: number } } = {}): TextWriter {
    if (this.shared) return this.sharedWriter(options.at ?? Date.now() / 1000, options.lane);
    const sid = this.newDoc(options.at ?? Date.now() / 1000, options.lane);
    let n = 0;
    // Chunks are written a batch per transaction: FTS5 turns each transaction's terms into a
    // segment, and many tiny segments cost more to write and to merge than a few large ones.
    let batch: TextChunk[] = [];
    let batchChars = 0;
    const flush = () => {
      if (batch.length === 0) return;
      const rows = batch;
      batch = [];
      batchChars = 0;
      this.db.transaction(() => {
        for (const c of rows) {
          if (n >= ROWS_PER_SESSION) return;
          this.insertChunk(BigInt(sid) * BigInt(ROWS_PER_SESSION) + BigInt(n++), c);
        }
      }).immediate();
    };
    return {
      add: (chunks) => {
        for (const c of chunks) {
          batch.push(c);
          batchChars += c.text.length;
        }
        if (batchChars >= WRITE_BATCH_CHARS) flush();
      },
      commit: (agent, id, digest) => {
        flush();
        this.commitPending(sid, agent, id, digest);
      },
      park: () => {
        flush();
        return sid;
      },
      discard: () => {
        batch = [];
        this.dropPending(sid);
      },
    };
  }

  /**
   * Runs `write` (this connection's statements, synchronously) in one write transaction, without
   * putting this thread to sleep while another connection writes. SQLite's busy timeout sleeps
   * the calling thread until the lock is free; on the main thread that froze the event loop for
   * as long as a session worker's write took (34 ms and more, BENCHMARKS.md). Here each try
   * fails at once when the lock is taken, and the event loop runs between tries.
   */
  async writing<T>(write: () => T, signal?: AbortSignal): Promise<T> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    let began = false;
    const transaction = this.db.transaction(() => {
      began = true;
      return write();
    });
    for (let pause = 1; ; pause = Math.min(pause * 2, 16)) {
      signal?.throwIfAborted();
      this.db.pragma('busy_timeout = 0');
      try {
        return transaction.immediate();
      } catch (error) {
        // Only a transaction that couldn't begin is tried again: `write` runs once.
        if (began || (error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      } finally {
        this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /**
   * Adds the text of what was appended to a session (read from where the last read stopped,
   * catalog/resume.ts) after the text the index holds, making it version `to`. Only when the
   * index holds version `from` (else false: the session is indexed whole later, see unindexed).
   */
  appendText(agent: string, id: string, from: string, to: string, chunks: readonly TextChunk[]): boolean {
    return this.db
      .transaction(() => {
        const doc = this.stmt<[string, string], { sid: number; digest: string }>('SELECT sid, digest FROM session_docs WHERE agent = ? AND id = ?').get(agent, id);
        if (doc?.digest !== from) return false;
        const base = BigInt(doc.sid) * BigInt(ROWS_PER_SESSION);
        const last = this.stmt<[bigint, bigint], { last: number | bigint | null }>('SELECT max(rowid) AS last FROM session_text WHERE rowid >= ? AND rowid < ?').safeIntegers(true).get(base, base + BigInt(ROWS_PER_SESSION))?.last;
        let n = last === null || last === undefined ? 0n : BigInt(last) - base + 1n;
        for (const c of chunks) {
          if (n >= BigInt(ROWS_PER_SESSION)) break;
          this.insertChunk(base + n, c);
          n += 1n;
        }
        this.stmt('UPDATE session_docs SET digest = ? WHERE sid = ?').run(to, doc.sid);
        return true;
      })
      .immediate();
  }

  /**
   * Makes the index's text of a session version `to` without reading it again: its content is
   * unchanged, but its version is new (a run of an Aider history that grew after it). False when
   * the index doesn't hold version `from` (the session is then indexed whole later, see unindexed).
   */
  reversion(agent: string, id: string, from: string, to: string): boolean {
    return this.stmt('UPDATE session_docs SET digest = ? WHERE agent = ? AND id = ? AND digest = ?').run(to, agent, id, from).changes === 1;
  }

  /** Replaces a session's text in the index with `chunks` (see TextChunker). */
  indexSession(agent: string, id: string, digest: string, chunks: Iterable<TextChunk>): void {
    const writer = this.textWriter();
    writer.add([...chunks]);
    writer.commit(agent, id, digest);
  }

  /**
   * Sessions whose text matches `text` (words and "phrases", all required), best match first,
   * each with the best chunk's snippet. Filters as for list().
   *
   * Two steps, so that a common word costs the same in 100 sessions as in 10,000: FTS5 finds the
   * newest RANK_CANDIDATES matching chunks (rowid order, which follows indexing order; see
   * indexLocalSessions) without reading their text, and bm25 ranks only those; then only the
   * winners' text is read, for the item number and the snippet. Ranking every match (`ORDER BY
   * rank`) and FTS5's snippet() (which tokenizes the whole 16 KiB chunk again) were most of a
   * search's time.
   */
  search(text: string, filter: SessionFilter = {}, limit = 100): SearchHit[] {
    const q = ftsQuery(text);
    if (!q) return [];
    const w = this.where(filter);
    // The filters narrow the sessions first; FTS5 then considers only their chunks.
    const scope = w.sql ? `AND (f.rowid >> 20) IN (SELECT s.sid FROM session_docs s JOIN session_catalog c ON c.agent = s.agent AND c.id = s.id ${w.sql})` : '';
    // Newest first, in batches; a session that has given SESSION_CANDIDATES chunks is skipped
    // (the next batch starts below its rowids), so one huge transcript can't fill the window.
    const batch = this.db.prepare<Record<string, string | number | bigint>, { rowid: number; score: number }>(
      `SELECT f.rowid AS rowid, bm25(session_words) AS score FROM session_words f WHERE session_words MATCH @q AND f.rowid < @below ${scope} ORDER BY f.rowid DESC LIMIT @n`,
    );
    const scan = Math.max(RANK_CANDIDATES, limit * 4);
    const best = new Map<number, { rowid: number; score: number; n: number }>();
    let below = 2n ** 62n;
    for (let seen = 0, more = true; more && seen < scan; ) {
      // One query unless a session reaches its cap: then again from below that session's rowids
      // (rows are read one by one, so bm25 is computed only for the rows taken).
      more = false;
      for (const c of batch.iterate({ ...w.params, q, below, n: scan - seen })) {
        seen++;
        const sid = Math.floor(c.rowid / ROWS_PER_SESSION);
        const b = best.get(sid);
        // Each session's best chunk (bm25: lower is better).
        if (!b) best.set(sid, { ...c, n: 1 });
        else {
          if (c.score < b.score) Object.assign(b, c);
          if (++b.n >= SESSION_CANDIDATES) {
            below = BigInt(sid) * BigInt(ROWS_PER_SESSION);
            more = true;
            break;
          }
        }
      }
    }
    // The winners' sessions in one query (a few spare: a session no catalog lists any more is skipped).
    const ranked = [...best].sort(([, a], [, b]) => a.score - b.score || b.rowid - a.rowid).slice(0, limit * 2);
    const rows = new Map(
      this.db
        .prepare<[string], RawRow & { sid: number }>(
          `SELECT s.sid AS sid, g.* FROM session_docs s JOIN (${GROUPED} JOIN session_docs s2 ON s2.agent = c.agent AND s2.id = c.id WHERE s2.sid IN (SELECT value FROM json_each(?)) GROUP BY c.agent, c.id) g ON g.agent = s.agent AND g.id = s.id`,
        )
        .all(JSON.stringify(ranked.map(([sid]) => sid)))
        .map((r) => [r.sid, r]),
    );
    // Rowids bound as integers: better-sqlite3 binds a JS number as a REAL, and FTS5 ignored
    // `rowid = <real>` beside MATCH (every hit got the lowest-numbered chunk's snippet).
    const stored = this.db.prepare<[bigint], { z: Uint8Array; seq: number | string }>('SELECT z, seq FROM session_text WHERE rowid = ?');
    const phrases = queryPhrases(text);
    const out: SearchHit[] = [];
    for (const [sid, h] of ranked) {
      if (out.length >= limit) break;
      const row = rows.get(sid);
      if (!row) continue; // indexed, but no catalog lists it any more
      const z = stored.get(BigInt(h.rowid));
      const c = z ? { text: textOrNothing(z.z), seq: z.seq } : undefined;
      const found = c ? snippetOf(c.text, phrases) : undefined;
      const snippet = found?.parts ?? leadingSnippet(c?.text ?? '');
      // The item holding the first match (a chunk can hold several items), else the chunk's first.
      out.push({ session: rowOf(row), seq: c ? itemAt(c.seq, found?.at ?? 0) : 0, snippet });
    }
    return out;
  }
}

/** A token as the index's tokenizer (unicode61, remove_diacritics 2) sees it. */
const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;
const folded = new Map<string, string>();
/** A token folded as the tokenizer folds it (case and diacritics); ASCII needs no normalizing. */
function fold(token: string): string {
  let f = folded.get(token);
  if (f === undefined) {
    f = /^[!-~]*$/.test(token) ? token.toLowerCase() : token.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
    if (folded.size >= 50_000) folded.clear();
    folded.set(token, f);
  }
  return f;
}

/**
 * The query's terms as the tokenizer splits them: each a phrase of one or more tokens, the last
 * ending in `*` when it is a prefix (a token never holds `*`).
 */
export function queryPhrases(text: string): string[][] {
  const out: string[][] = [];
  for (const term of typedTerms(text)) {
    const tokens = [...term.raw.matchAll(TOKEN)].map((t) => fold(t[0]));
    if (tokens.length === 0) continue;
    if (isPrefix(term)) tokens[tokens.length - 1] += '*';
    out.push(tokens);
  }
  return out;
}

/** Whether a folded word is the query's token `w` (or begins with it, a prefix ending in `*`). */
function wordIs(word: string | undefined, w: string): boolean {
  if (word === undefined) return false;
  return w.endsWith('*') ? word.startsWith(w.slice(0, -1)) : word === w;
}

/**
 * A snippet of `text` around its first match of any of `phrases`, SNIPPET_TOKENS tokens long,
 * with every match in it marked (a phrase as one part) — what FTS5's snippet() gives, without
 * FTS5 tokenizing the whole chunk again: tokens are read only up to the end of the snippet.
 * Undefined when no phrase is found (the caller asks FTS5).
 */
export function snippetOf(text: string, phrases: readonly (readonly string[])[]): { parts: SnippetPart[]; at: number } | undefined {
  const re = new RegExp(TOKEN.source, TOKEN.flags);
  const tokens: { start: number; end: number; word: string }[] = [];
  const longest = Math.max(1, ...phrases.map((p) => p.length));
  let ended = false;
  /** Reads tokens until there are `n` (or the text ends). */
  const readTo = (n: number) => {
    while (!ended && tokens.length < n) {
      const m = re.exec(text);
      if (!m) ended = true;
      else tokens.push({ start: m.index, end: m.index + m[0].length, word: fold(m[0]) });
    }
  };
  const matchAt = (i: number): number | undefined => {
    readTo(i + longest);
    for (const p of phrases) if (p.every((w, k) => wordIs(tokens[i + k]?.word, w))) return i + p.length - 1;
    return undefined;
  };
  let first: number | undefined;
  for (let i = 0; first === undefined; i++) {
    readTo(i + 1);
    if (i >= tokens.length) return undefined;
    if (matchAt(i) !== undefined) first = i;
  }
  const from = Math.max(0, first - Math.floor(SNIPPET_TOKENS / 4));
  readTo(from + SNIPPET_TOKENS + 1);
  const to = Math.min(tokens.length, from + SNIPPET_TOKENS) - 1;
  const more = tokens.length > to + 1;
  const parts: SnippetPart[] = [];
  const push = (t: string, hit: boolean) => {
    if (t.length === 0) return;
    const last = parts.at(-1);
    if (last && !last.hit && !hit) last.text += t;
    else parts.push({ text: t, hit });
  };
  const tok = (i: number) => tokens[i] as { start: number; end: number };
  let at = from === 0 ? 0 : tok(from).start;
  if (from > 0) push('…', false);
  for (let i = first; i <= to; i++) {
    const last = matchAt(i);
    if (last === undefined || last > to) continue;
    push(text.slice(at, tok(i).start), false);
    push(text.slice(tok(i).start, tok(last).end), true);
    at = tok(last).end;
    i = last;
  }
  push(text.slice(at, more ? tok(to).end : text.length), false);
  if (more) push('…', false);
  return { parts, at: tok(first).start };
}

/** zstd level of the index's text: 1 packs it as small as 3 does (45.0 vs 44.6 MB), 10 % faster. */
const TEXT_LEVEL = 1;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A chunk's text as the index keeps it (the z column): UTF-8, compressed with a codec byte. */
export function packText(text: string): Uint8Array {
  // A view of this thread's scratch buffer: SQLite copies it when it is bound.
  return compressWithHeader(Buffer.from(text, 'utf8'), TEXT_LEVEL, { view: true });
}

/** Reverses packText() (an IntegrityError for a corrupt value). */
export function unpackText(z: Uint8Array): string {
  return utf8.decode(decompressWithHeader(z, declaredSize(z)));
}

/**
 * A hit's text for its snippet; nothing (an empty snippet) when the stored value is damaged: the
 * index is a cache, and one bad row must not fail every search that ranks it.
 */
function textOrNothing(z: Uint8Array): string {
  try {
    return unpackText(z);
  } catch {
    return '';
  }
}

/** A snippet from the start of a chunk: where no phrase of the query is found in it (snippetOf). */
function leadingSnippet(text: string): SnippetPart[] {
  const re = new RegExp(TOKEN.source, TOKEN.flags);
  let end = 0;
  for (let i = 0; i < SNIPPET_TOKENS; i++) {
    const m = re.exec(text);
    if (!m) return text.length > 0 ? [{ text, hit: false }] : [];
    end = m.index + m[0].length;
  }
  return [{ text: `${text.slice(0, end)}…`, hit: false }];
}

/** One chunk of a session's indexed text. */
export interface TextChunk {
  /** The item the chunk begins with. */
  seq: number;
  text: string;
  /** Where each later item of the chunk starts in its text: `seq@offset`, space-separated. */
  items?: string;
}

/**
 * The item at character `at` of a chunk, from its stored `seq` column: the first item's number
 * (indexes before 2026-12-05 hold only that), then `seq@offset` for each later item.
 */
export function itemAt(column: number | string, at: number): number {
  if (typeof column === 'number') return column;
  const [first, ...marks] = column.split(' ');
  let seq = Number(first);
  for (const m of marks) {
    const [s, o] = m.split('@');
    if (Number(o) > at) break;
    seq = Number(s);
  }
  return Number.isFinite(seq) ? seq : 0;
}

/**
 * Cuts a session's text into index chunks of at most CHUNK_CHARS: each item's text is added with
 * its item number; a chunk starts at the item that begins it.
 */
export class TextChunker {
  private parts: string[] = [];
  private size = 0;
  private seq = -1;
  /** Where later items start in the chunk being built: `seq@offset`. */
  private marks: string[] = [];
  private item = -1;
  private readonly done: TextChunk[] = [];

  add(seq: number, text: string): void {
    let rest = text.trim();
    while (rest.length > 0) {
      const room = CHUNK_CHARS - this.size;
      // Little room left: start a new chunk rather than cut a word-sized piece off.
      if (rest.length > room && room < 512 && this.parts.length > 0) {
        this.flush();
        continue;
      }
      if (this.seq < 0) this.seq = seq;
      else if (seq !== this.item) this.marks.push(`${seq}@${this.size}`);
      this.item = seq;
      const piece = rest.length <= room ? rest : cutAt(rest, room);
      this.parts.push(piece);
      this.size += piece.length + 1;
      rest = rest.slice(piece.length).trimStart();
      if (this.size >= CHUNK_CHARS || rest.length > 0) this.flush();
    }
  }

  /** Chunks completed so far (taken: the chunker forgets them). */
  take(): TextChunk[] {
    return this.done.splice(0);
  }

  finish(): TextChunk[] {
    this.flush();
    return this.take();
  }

  private flush(): void {
    if (this.parts.length > 0) this.done.push({ seq: this.seq, text: this.parts.join('\n'), ...(this.marks.length > 0 ? { items: this.marks.join(' ') } : {}) });
    this.parts = [];
    this.marks = [];
    this.item = -1;
    this.size = 0;
    this.seq = -1;
  }
}

/** Cuts `text` at most `max` characters in, at the last space when there is one. */
function cutAt(text: string, max: number): string {
  const room = Math.max(1, max);
  const space = text.lastIndexOf(' ', room);
  return text.slice(0, space > room / 2 ? space : room);
}

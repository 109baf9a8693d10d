// Cairn's local state for one vault, in SQLite (better-sqlite3): the file cache that lets a
// backup skip unchanged files by stat, a cache of the vault's index (which blob is in which
// pack), and, for sync, bases and conflicts. Lives in Cairn's own folder, never in an agent's.

import Database from 'better-sqlite3';
import { chmodSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BlobId, PackId } from '../../../shared/ids.ts';
import { makeDirsSync } from '../make-dirs.ts';

/** A blob's kind: file content, or a directory's tree. */
export type BlobType = 'data' | 'tree';

/** Where a blob lives: `length` bytes at `offset` of pack `pack`, `rawLength` bytes once opened. */
export interface BlobLocation {
  id: BlobId;
  type: BlobType;
  pack: PackId;
  offset: number;
  length: number;
  rawLength: number;
}

export interface FileCacheEntry {
  size: number;
  mtimeNs: string;
  ctimeNs: string;
  inode: string;
  mode: number;
  content: BlobId[];
  /**
   * SHA-256 of the bytes before the file's last chunk (which starts where the other chunks' sizes
   * add up to): lets a grown file resume chunking there.
   */
  tailDigest?: Uint8Array;
}

/** How one source's file cache changes after a backup: entries written or replaced, paths gone. */
export interface FileCacheChange {
  label: string;
  put: ReadonlyMap<string, FileCacheEntry>;
  removed: readonly string[];
}

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE index_files (id TEXT PRIMARY KEY);
   CREATE TABLE blobs (id BLOB NOT NULL, index_id TEXT NOT NULL, type INTEGER NOT NULL, pack BLOB NOT NULL,
     offset INTEGER NOT NULL, length INTEGER NOT NULL, raw_length INTEGER NOT NULL, PRIMARY KEY (id, index_id)) WITHOUT ROWID;
   CREATE INDEX blobs_by_index ON blobs(index_id);
   CREATE TABLE files (label TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns TEXT NOT NULL,
     ctime_ns TEXT NOT NULL, inode TEXT NOT NULL, mode INTEGER NOT NULL, content BLOB NOT NULL, PRIMARY KEY (label, path)) WITHOUT ROWID;`,
  `CREATE TABLE sync_bases (path TEXT NOT NULL, device TEXT NOT NULL, hash TEXT NOT NULL, size INTEGER NOT NULL,
     synced_at TEXT NOT NULL, PRIMARY KEY (path, device)) WITHOUT ROWID;
   CREATE TABLE conflicts (id TEXT PRIMARY KEY, record TEXT NOT NULL, status TEXT NOT NULL, detected_at TEXT NOT NULL);
   CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, at TEXT NOT NULL, record TEXT NOT NULL);`,
  `CREATE TABLE sync_merges (path TEXT NOT NULL, hash TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (path, hash)) WITHOUT ROWID;`,
  `CREATE TABLE tree_cache (id BLOB PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;
   CREATE TABLE snapshot_cache (id TEXT PRIMARY KEY, device TEXT NOT NULL, time TEXT NOT NULL, record TEXT NOT NULL) WITHOUT ROWID;`,
  `ALTER TABLE files ADD COLUMN tail_digest BLOB;`,
];

interface FileRow {
  size: number;
  mtime_ns: string;
  ctime_ns: string;
  inode: string;
  mode: number;
  content: Buffer;
  tail_digest: Buffer | null;
}

function fileEntryOf(r: FileRow): FileCacheEntry {
  const entry: FileCacheEntry = { size: r.size, mtimeNs: r.mtime_ns, ctimeNs: r.ctime_ns, inode: r.inode, mode: r.mode, content: bufferToIds(r.content) };
  if (r.tail_digest !== null) entry.tailDigest = new Uint8Array(r.tail_digest);
  return entry;
}

const TYPE_CODE: Record<BlobType, number> = { data: 0, tree: 1 };
const TYPES: readonly BlobType[] = ['data', 'tree'];

function idsToBuffer(ids: readonly string[]): Buffer {
  const out = Buffer.alloc(ids.length * 32);
  ids.forEach((id, i) => out.write(id, i * 32, 32, 'hex'));
  return out;
}

function bufferToIds(buf: Buffer): BlobId[] {
  const out: BlobId[] = [];
  for (let at = 0; at < buf.length; at += 32) out.push(buf.toString('hex', at, at + 32) as BlobId);
  return out;
}

interface BlobRow {
  id: Buffer;
  type: number;
  pack: Buffer;
  offset: number;
  length: number;
  raw_length: number;
}

export class StateDb {
  readonly db: Database.Database;
  private readonly stmts;

  constructor(file: string) {
    makeDirsSync(dirname(file), 0o700);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // File names, the index and cached folder listings: private (docs/SECURITY.md).
    if (process.platform !== 'win32' && file !== ':memory:') for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    const db = this.db;
    this.stmts = {
      hasBlob: db.prepare<[Buffer], { one: number }>('SELECT 1 AS one FROM blobs WHERE id = ? LIMIT 1'),
      getBlob: db.prepare<[Buffer], BlobRow>('SELECT id, type, pack, offset, length, raw_length FROM blobs WHERE id = ? LIMIT 1'),
      insertBlob: db.prepare('INSERT OR IGNORE INTO blobs (id, index_id, type, pack, offset, length, raw_length) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      insertIndex: db.prepare('INSERT OR IGNORE INTO index_files (id) VALUES (?)'),
      deleteIndexBlobs: db.prepare('DELETE FROM blobs WHERE index_id = ?'),
      deleteIndex: db.prepare('DELETE FROM index_files WHERE id = ?'),
      listIndex: db.prepare<[], { id: string }>('SELECT id FROM index_files'),
      getFile: db.prepare<[string, string], FileRow>(
        'SELECT size, mtime_ns, ctime_ns, inode, mode, content, tail_digest FROM files WHERE label = ? AND path = ?',
      ),
      putFile: db.prepare('INSERT OR REPLACE INTO files (label, path, size, mtime_ns, ctime_ns, inode, mode, content, tail_digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      deleteLabelFiles: db.prepare('DELETE FROM files WHERE label = ?'),
      deleteFile: db.prepare('DELETE FROM files WHERE label = ? AND path = ?'),
      countFiles: db.prepare<[string], { files: number; bytes: number | null }>('SELECT count(*) AS files, sum(size) AS bytes FROM files WHERE label = ?'),
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      // Called per file by sync's pull and per folder by the tree reader: prepared once.
      getSyncBase: db.prepare<[string, string], { hash: string; size: number }>('SELECT hash, size FROM sync_bases WHERE path = ? AND device = ?'),
      hasAnySyncBase: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM sync_bases WHERE path = ? LIMIT 1'),
      setSyncBase: db.prepare('INSERT OR REPLACE INTO sync_bases (path, device, hash, size, synced_at) VALUES (?, ?, ?, ?, ?)'),
      getTree: db.prepare<[Buffer], { body: Buffer }>('SELECT body FROM tree_cache WHERE id = ?'),
      putTree: db.prepare('INSERT OR IGNORE INTO tree_cache (id, body) VALUES (?, ?)'),
      getSnapshot: db.prepare<[string], { record: string }>('SELECT record FROM snapshot_cache WHERE id = ?'),
      putSnapshot: db.prepare('INSERT OR REPLACE INTO snapshot_cache (id, device, time, record) VALUES (?, ?, ?, ?)'),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v] as string);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  /**
   * Runs `read` (synchronous) in one read transaction: thousands of lookups then take the
   * database's locks once, not once each (two fcntl calls, an fstat and a getpid per statement).
   */
  reading<T>(read: () => T): T {
    return this.db.transaction(read)();
  }

  /** True inside reading() or any other transaction of this connection. */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  hasBlob(id: BlobId): boolean {
    return this.stmts.hasBlob.get(Buffer.from(id, 'hex')) !== undefined;
  }

  getBlob(id: BlobId): BlobLocation | undefined {
    const row = this.stmts.getBlob.get(Buffer.from(id, 'hex'));
    if (!row) return undefined;
    return {
      id,
      type: TYPES[row.type] ?? 'data',
      pack: row.pack.toString('hex') as PackId,
      offset: row.offset,
      length: row.length,
      rawLength: row.raw_length,
    };
  }

  /** Records an index file's entries as known. Call only once the index file is stored. */
  addIndex(indexId: string, entries: readonly BlobLocation[]): void {
    this.db.transaction(() => {
      this.stmts.insertIndex.run(indexId);
      for (const e of entries) {
        this.stmts.insertBlob.run(Buffer.from(e.id, 'hex'), indexId, TYPE_CODE[e.type], Buffer.from(e.pack, 'hex'), e.offset, e.length, e.rawLength);
      }
    })();
  }

  /**
   * Forgets an index file (a prune replaced it). Blobs can only disappear this way, so the file
   * cache, which vouches that a file's blobs are stored, is dropped too: the next backup reads
   * every file again (and uploads only what is really missing).
   */
  removeIndex(indexId: string): void {
    this.db.transaction(() => {
      this.stmts.deleteIndexBlobs.run(indexId);
      this.stmts.deleteIndex.run(indexId);
      this.db.exec('DELETE FROM files');
    })();
  }

  /** The whole file cache of one source, in one query. */
  getFiles(label: string): Map<string, FileCacheEntry> {
    const rows = this.db
      .prepare<[string], FileRow & { path: string }>('SELECT path, size, mtime_ns, ctime_ns, inode, mode, content, tail_digest FROM files WHERE label = ?')
      .all(label);
    return new Map(rows.map((r) => [r.path, fileEntryOf(r)]));
  }

  /**
   * How many files, of how many bytes, the last backup of this source held: a backup's progress
   * total without a walk of its own. Undefined when it held none (or was never backed up).
   */
  cachedTotals(label: string): { files: number; bytes: number } | undefined {
    const r = this.stmts.countFiles.get(label);
    return r && r.files > 0 ? { files: r.files, bytes: r.bytes ?? 0 } : undefined;
  }

  knownIndexIds(): Set<string> {
    return new Set(this.stmts.listIndex.all().map((r) => r.id));
  }

  getFile(label: string, path: string): FileCacheEntry | undefined {
    const row = this.stmts.getFile.get(label, path);
    return row ? fileEntryOf(row) : undefined;
  }

  /**
   * Applies a backup's changes to the file cache in one transaction: only what changed is
   * written (rewriting every entry was 54 ms of a 1,000-session backup's main thread, and grows
   * with the files, not with the change).
   */
  updateFiles(changes: readonly FileCacheChange[]): void {
    this.db.transaction(() => {
      for (const { label, put, removed } of changes) {
        for (const path of removed) this.stmts.deleteFile.run(label, path);
        for (const [path, f] of put) this.putFile(label, path, f);
      }
    })();
  }

  private putFile(label: string, path: string, f: FileCacheEntry): void {
    this.stmts.putFile.run(label, path, f.size, f.mtimeNs, f.ctimeNs, f.inode, f.mode, idsToBuffer(f.content), f.tailDigest ? Buffer.from(f.tailDigest) : null);
  }

  /** Replaces the whole file cache of the given sources in one transaction. */
  replaceFiles(byLabel: ReadonlyMap<string, ReadonlyMap<string, FileCacheEntry>>): void {
    this.db.transaction(() => {
      for (const [label, files] of byLabel) {
        this.stmts.deleteLabelFiles.run(label);
        for (const [path, f] of files) this.putFile(label, path, f);
      }
    })();
  }

  /** What this device last took or saw of `path` from `device` (content hash and size). */
  getSyncBase(path: string, device: string): { hash: string; size: number } | undefined {
    return this.stmts.getSyncBase.get(path, device);
  }

  /** True when any device's version of `path` was synced here before. */
  hasAnySyncBase(path: string): boolean {
    return this.stmts.hasAnySyncBase.get(path) !== undefined;
  }

  setSyncBase(path: string, device: string, hash: string, size: number, at: string): void {
    this.stmts.setSyncBase.run(path, device, hash, size, at);
  }

  /** This device's version of `path` (`label/rel`) supersedes the version with content `hash`. */
  addMerge(path: string, hash: string, at: string): void {
    this.db.prepare('INSERT OR REPLACE INTO sync_merges (path, hash, at) VALUES (?, ?, ?)').run(path, hash, at);
  }

  /** Every path's superseded versions (newest 8 per path), for publishing in a snapshot. */
  listMerges(): { path: string; hashes: string[] }[] {
    const rows = this.db.prepare<[], { path: string; hash: string }>('SELECT path, hash FROM sync_merges ORDER BY path, at DESC').all();
    const out = new Map<string, string[]>();
    for (const r of rows) {
      const list = out.get(r.path) ?? [];
      if (list.length < 8) list.push(r.hash);
      out.set(r.path, list);
    }
    return [...out].map(([path, hashes]) => ({ path, hashes }));
  }

  putConflict(id: string, record: unknown, status: string, detectedAt: string): void {
    this.db.prepare('INSERT OR REPLACE INTO conflicts (id, record, status, detected_at) VALUES (?, ?, ?, ?)').run(id, JSON.stringify(record), status, detectedAt);
  }

  listConflicts(): unknown[] {
    return this.db.prepare<[], { record: string }>('SELECT record FROM conflicts ORDER BY detected_at DESC').all().map((r) => JSON.parse(r.record) as unknown);
  }

  getConflict(id: string): unknown {
    const row = this.db.prepare<[string], { record: string }>('SELECT record FROM conflicts WHERE id = ?').get(id);
    return row ? (JSON.parse(row.record) as unknown) : undefined;
  }

  addHistory(kind: string, at: string, record: unknown): void {
    this.db.prepare('INSERT INTO history (kind, at, record) VALUES (?, ?, ?)').run(kind, at, JSON.stringify(record));
  }

  /**
   * The newest history entries (of `kinds`, when given), newest first: what this device did,
   * kept across restarts (the app's "last sync" and recent activity after a restart).
   */
  history(limit: number, kinds?: readonly string[]): { id: number; kind: string; at: string; record: unknown }[] {
    const rows = kinds && kinds.length > 0
      ? this.db.prepare<unknown[], { id: number; kind: string; at: string; record: string }>(`SELECT id, kind, at, record FROM history WHERE kind IN (${kinds.map(() => '?').join(', ')}) ORDER BY id DESC LIMIT ?`).all(...kinds, limit)
      : this.db.prepare<[number], { id: number; kind: string; at: string; record: string }>('SELECT id, kind, at, record FROM history ORDER BY id DESC LIMIT ?').all(limit);
    return rows.map((r) => ({ id: r.id, kind: r.kind, at: r.at, record: JSON.parse(r.record) as unknown }));
  }

  /** Tree blobs are immutable and named by their content: a plain cache, never invalidated. */
  getTree(id: BlobId): Buffer | undefined {
    return this.stmts.getTree.get(Buffer.from(id, 'hex'))?.body;
  }

  putTree(id: BlobId, body: Uint8Array): void {
    this.stmts.putTree.run(Buffer.from(id, 'hex'), body);
  }

  /** Puts trees into the cache, in one transaction. */
  putTrees(trees: readonly (readonly [BlobId, Uint8Array])[]): void {
    this.db.transaction(() => {
      for (const [id, body] of trees) this.stmts.putTree.run(Buffer.from(id, 'hex'), body);
    })();
  }

  /** Snapshot records seen, by id (a record only changes when pinned, which rewrites the cache). */
  getCachedSnapshots(ids: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const id of ids) {
      const row = this.stmts.getSnapshot.get(id);
      if (row) out.set(id, row.record);
    }
    return out;
  }

  /** The snapshot records of one device seen by this state folder (its own: every one it made or listed). */
  cachedSnapshotsOf(device: string): string[] {
    return this.db.prepare<[string], { record: string }>('SELECT record FROM snapshot_cache WHERE device = ?').all(device).map((r) => r.record);
  }

  putSnapshot(id: string, device: string, time: string, record: string): void {
    this.stmts.putSnapshot.run(id, device, time, record);
  }

  dropSnapshotsExcept(ids: ReadonlySet<string>, device?: string): void {
    const rows = this.db.prepare<[], { id: string; device: string }>('SELECT id, device FROM snapshot_cache').all();
    const del = this.db.prepare('DELETE FROM snapshot_cache WHERE id = ?');
    this.db.transaction(() => {
      for (const r of rows) if (!ids.has(r.id) && (!device || r.device === device)) del.run(r.id);
    })();
  }

  getMeta(key: string): string | undefined {
    return this.stmts.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value);
  }

  deleteMeta(key: string): void {
    this.db.prepare('DELETE FROM meta WHERE key = ?').run(key);
  }

  /** Gives back the page cache and other memory SQLite holds for this connection (it refills on use). */
  releaseMemory(): void {
    this.db.pragma('shrink_memory');
  }

  close(): void {
    this.db.close();
  }
}

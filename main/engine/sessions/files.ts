// What a reader reads through: files relative to one agent root. `localFiles` reads this
// machine's disk; a vault-backed implementation (catalog) serves a snapshot's files the same way,
// so every reader works on this device's sessions and on any other device's.

import { closeSync, createReadStream, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { CairnError } from '../../../shared/errors.ts';
import { copySqliteConsistent } from '../agents/sqlite-copy.ts';

export interface SessionFileStat {
  size: number;
  mtimeMs: number;
}

export interface SessionFiles {
  /** The root's absolute path on the machine that wrote it, when known (Aider's project). */
  readonly rootPath?: string;
  /** Size and time of a file, or undefined when there is none. */
  stat(path: string): Promise<SessionFileStat | undefined>;
  /** A whole file (readers use it only for small files: JSON documents, sidecars). */
  read(path: string): Promise<Buffer>;
  /** The bytes of a file from `start` (default 0), as a stream of chunks. */
  open(path: string, start?: number): AsyncIterable<Buffer>;
  /** A path on this machine where the file can be opened as SQLite (read-only). */
  sqlitePath(path: string): Promise<string>;
  /** Every file below `dir` (recursive), relative to the root, `/`-separated; [] if none. */
  list(dir: string): Promise<string[]>;
}

/** Bytes per read of a session file: 4× the stream default halves the time to hash or scan a long transcript (20 MB: 60–83 → 27–39 ms). */
const READ_CHUNK = 256 * 1024;

/**
 * Off the main thread (in a session worker) small files are read, folders listed, files looked at
 * and transcripts streamed (chunksOf, below) with
 * synchronous calls: one system call each instead of a trip through libuv's thread pool and a
 * promise per step. OpenCode's legacy store (a file per message and per part): 502 sessions of
 * 140,000 files read in 4.1 s instead of 13.3 s, CPU 4.3 s instead of 21 s. On the main thread
 * (Electron's, which draws the app) they stay asynchronous.
 */
const SYNC_IO = !isMainThread;
const entriesOf = SYNC_IO ? async (dir: string) => readdirSync(dir, { withFileTypes: true }) : (dir: string) => readdir(dir, { withFileTypes: true });
const statOf = SYNC_IO ? async (path: string) => statSync(path) : stat;

/** Where chunksOf reads: handed out when a read fills it, else kept for the next read. */
let scratch: Buffer | undefined;

/**
 * A file's bytes from `start` in READ_CHUNK pieces, read with synchronous calls (opened at the
 * first piece, closed when the reader stops): how a session worker streams a transcript. A stream
 * made each read a trip through the thread pool, and the worker sat idle between them (0.8-0.9 s
 * of a first backup's 4-5 s). A short read is copied out to its own size, as Node's streams do, so
 * a small file doesn't keep a READ_CHUNK buffer alive until the next collection.
 */
export async function* chunksOf(path: string, start: number): AsyncGenerator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    for (let position = start; ; ) {
      const buffer = (scratch ??= Buffer.allocUnsafeSlow(READ_CHUNK));
      const n = readSync(fd, buffer, 0, READ_CHUNK, position);
      if (n === 0) return;
      position += n;
      if (n === READ_CHUNK) {
        scratch = undefined;
        yield buffer;
      } else {
        const piece = Buffer.allocUnsafeSlow(n);
        buffer.copy(piece, 0, 0, n);
        yield piece;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Files under `root` on this machine. Paths that would leave the root are refused. */
export function localFiles(root: string): SessionFiles {
  const abs = (path: string): string => {
    if (isAbsolute(path) || path.split('/').includes('..')) {
      throw new CairnError('unsafe_path', `The session file path '${path}' leaves the agent folder; it was not read.`);
    }
    return join(root, ...path.split('/'));
  };
  return {
    rootPath: root,
    async stat(path) {
      try {
        const s = await statOf(abs(path));
        return s.isFile() ? { size: s.size, mtimeMs: s.mtimeMs } : undefined;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    read: SYNC_IO ? async (path) => readFileSync(abs(path)) : (path) => readFile(abs(path)),
    open: (path, start = 0) => (SYNC_IO ? chunksOf(abs(path), start) : createReadStream(abs(path), { start, highWaterMark: READ_CHUNK })),
    sqlitePath: async (path) => readableCopy(abs(path)),
    async list(dir) {
      const base = dir === '' || dir === '.' ? root : abs(dir);
      try {
        const out: string[] = [];
        // Folder by folder: the types come with the names (no stat per entry, as a recursive readdir made).
        const walk = async (folder: string, rel: string) => {
          for (const e of await entriesOf(folder)) {
            if (e.isFile()) out.push(rel + e.name);
            else if (e.isDirectory()) await walk(join(folder, e.name), `${rel}${e.name}/`);
          }
        };
        await walk(base, dir === '' || dir === '.' ? '' : `${dir.replace(/\/+$/, '')}/`);
        return out.sort();
      } catch (error) {
        if (isMissing(error)) return [];
        throw error;
      }
    },
  };
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

// Opening an agent's live database, even read-only, makes SQLite create `-wal` and `-shm` files
// beside it (better-sqlite3 can't open it immutable), and those would be left in the agent's
// folder. So readers open a consistent copy instead, made the way backups make theirs (bytes when
// nobody has the database open, else the backup API). Copies live in one private folder per
// process, reused while the database is unchanged, and removed when the process exits.
let copiesDir: string | undefined;
const copies = new Map<string, { key: string; path: string }>();
let copiesMade = 0;

async function readableCopy(path: string): Promise<string> {
  const s = await stat(path);
  const key = `${s.size}:${s.mtimeMs}:${s.ino}`;
  const known = copies.get(path);
  if (known?.key === key) return known.path;
  if (copiesDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-sessions-')); // mode 0700: the copies may hold credentials
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    copiesDir = dir;
  }
  const copy = join(copiesDir, `${(copiesMade += 1)}.sqlite`);
  await copySqliteConsistent(path, copy, { verify: false });
  copies.set(path, { key, path: copy });
  return copy;
}

// A consistent copy of a live SQLite database, for upload. Agents keep their databases open in
// WAL mode and write to them while we back up: copying the bytes of the main file would miss the
// recent pages in `-wal` or tear a page. The online backup API copies a snapshot instead. Its
// default step (100 pages) restarts whenever another process writes and may never finish, so
// the whole database is copied in one step (one read transaction); VACUUM INTO is the fallback.

import { randomBytes } from 'node:crypto';
import { access, copyFile, open, rename, rm, stat } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { CairnError, IntegrityError, NotFoundError } from '../../../shared/errors.ts';

const HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** Restarts tolerated before giving up on the backup API for VACUUM INTO. */
const MAX_BACKUP_STEPS = 20;

export interface SqliteCopyOptions {
  /** `auto`: backup API, then VACUUM INTO if it fails. The others force one method (tests). */
  method?: 'auto' | 'backup' | 'vacuum';
  /** Run `PRAGMA quick_check` on the copy before handing it over (default true). */
  verify?: boolean;
  /** How long to wait for a writer's lock, in ms (default 5000). */
  busyTimeoutMs?: number;
}

export interface SqliteCopyResult {
  /** 'file': a database nobody had open, copied as bytes without opening it. */
  method: 'file' | 'backup' | 'vacuum';
  bytes: number;
  durationMs: number;
}

/** Whether the file starts with SQLite's header (an empty file counts: SQLite reads it as empty). */
export async function isSqliteFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEADER.length);
    const { bytesRead } = await handle.read(buffer, 0, HEADER.length, 0);
    return bytesRead === 0 || (bytesRead === HEADER.length && buffer.equals(HEADER));
  } finally {
    await handle.close();
  }
}

/** What changes when a file's content can have; undefined when it isn't there. */
async function statStamp(path: string): Promise<string | undefined> {
  const st = await stat(path, { bigint: true }).catch(() => undefined);
  return st && `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function openSource(src: string, timeout: number): Database.Database {
  try {
    return new Database(src, { readonly: true, fileMustExist: true, timeout });
  } catch (error) {
    // A WAL database whose `-shm` is missing can't be opened read-only on some systems.
    if ((error as { code?: string }).code === 'SQLITE_CANTOPEN') return new Database(src, { fileMustExist: true, timeout });
    throw error;
  }
}

async function viaBackup(db: Database.Database, tmp: string): Promise<void> {
  let steps = 0;
  await db.backup(tmp, {
    progress: () => {
      steps++;
      if (steps > MAX_BACKUP_STEPS) throw new Error('the backup kept restarting under concurrent writes');
      // Copy every remaining page in the next step.
      return 0x7fffffff;
    },
  });
  // A source locked by a writer for longer than the busy timeout: better-sqlite3's backup ends
  // with 0 pages and no file (measured), as if it had copied an empty database.
  if (!(await exists(tmp))) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
}

const isLocked = (error: unknown): boolean => /^SQLITE_(BUSY|LOCKED)/.test(String((error as { code?: unknown } | undefined)?.code ?? ''));

function viaVacuum(db: Database.Database, tmp: string): void {
  db.prepare('VACUUM INTO ?').run(tmp);
}

/**
 * What SQLite's check found, short enough for a warning: its first problem (a damaged database
 * can list every page, hundreds of lines), and how many more.
 */
function checkSummary(result: string): string {
  const lines = result.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^\*\*\* in database \w+ \*\*\*$/.test(l));
  const first = lines[0] ?? result.trim();
  return lines.length > 1 ? `${first} (and ${lines.length - 1} more problem${lines.length === 2 ? '' : 's'})` : first;
}

/** Makes the copy a standalone file (rollback journal) and checks it. */
function finish(tmp: string, verify: boolean): void {
  const copy = new Database(tmp, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    if (verify) {
      const result = copy.pragma('quick_check', { simple: true });
      if (result !== 'ok') throw new IntegrityError(`The copy of the database failed SQLite's check: ${checkSummary(String(result))}.`);
    }
  } finally {
    copy.close();
  }
}

/**
 * Copies the SQLite database `src` to `dest` as one consistent snapshot, including what only its
 * `-wal` holds. `dest` is replaced atomically. Throws IntegrityError when `src` is not a SQLite
 * database, NotFoundError when it does not exist.
 */
export async function copySqliteConsistent(src: string, dest: string, options: SqliteCopyOptions = {}): Promise<SqliteCopyResult> {
  const started = Date.now();
  const method = options.method ?? 'auto';
  let isDb: boolean;
  try {
    isDb = await isSqliteFile(src);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`The database ${src} does not exist.`, { cause: error });
    throw error;
  }
  if (!isDb) {
    throw new IntegrityError(`${src} is not a SQLite database (its header is not "SQLite format 3"). It may be encrypted or another format: back it up as a regular file or fix the adapter's sqlite rules.`);
  }
  const tmp = `${dest}.cairn-${randomBytes(6).toString('hex')}.tmp`;
  // Nobody has the database open (no -wal, no -shm): copy its bytes without opening it, so the
  // agent's folder isn't touched (opening it would create -wal/-shm and change the folder's
  // mtime, making the next backup see a change). A rollback journal beside it (a writer killed
  // mid-transaction) is copied with it and rolled back in the copy by finish(): read-only, the
  // online backup can't roll it back ("attempt to write a readonly database", every backup until
  // the agent opened the database again). If either changed while we copied, or a -wal
  // appeared, fall back to the online backup API below.
  if (method === 'auto' && !(await exists(`${src}-wal`)) && !(await exists(`${src}-shm`))) {
    const journal = `${src}-journal`;
    const stamps = () => Promise.all([statStamp(src), statStamp(journal)]);
    const before = await stamps();
    await copyFile(src, tmp);
    const copied = before[1] === undefined || (await copyFile(journal, `${tmp}-journal`).then(() => true, () => false));
    const after = await stamps();
    const quiet = copied && before[0] === after[0] && before[1] === after[1] && !(await exists(`${src}-wal`));
    if (quiet) {
      try {
        finish(tmp, options.verify ?? true);
        await rename(tmp, dest);
        return { method: 'file', bytes: (await stat(dest)).size, durationMs: Date.now() - started };
      } catch {
        // Not usable as copied (a journal that doesn't roll back, say): the online backup below decides.
      }
    }
    for (const suffix of ['', '-journal', '-wal', '-shm']) await rm(`${tmp}${suffix}`, { force: true });
  }
  const db = openSource(src, options.busyTimeoutMs ?? 5000);
  let used: SqliteCopyResult['method'] = 'backup';
  let locked = false;
  try {
    if (method === 'vacuum') {
      used = 'vacuum';
      viaVacuum(db, tmp);
    } else {
      try {
        await viaBackup(db, tmp);
      } catch (error) {
        if (method === 'backup') throw error;
        locked = isLocked(error);
        await rm(tmp, { force: true });
        used = 'vacuum';
        viaVacuum(db, tmp);
      }
    }
    finish(tmp, options.verify ?? true);
    await rename(tmp, dest);
  } catch (error) {
    await rm(tmp, { force: true });
    await rm(`${tmp}-journal`, { force: true });
    if (error instanceof CairnError) throw error;
    // The vacuum after a locked backup says "unable to open database file": the lock is the cause.
    const why = locked || isLocked(error) ? `another program (the agent, most likely) held it locked for ${Math.round((options.busyTimeoutMs ?? 5000) / 100) / 10} s while writing to it` : (error as Error).message;
    throw new CairnError('internal', `Could not copy the database ${src}: ${why}`, { cause: error, retryable: true });
  } finally {
    db.close();
  }
  return { method: used, bytes: (await stat(dest)).size, durationMs: Date.now() - started };
}

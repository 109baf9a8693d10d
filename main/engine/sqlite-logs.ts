// A SQLite database's state is its file plus, since the last checkpoint, its write-ahead log
// (`NAME-wal`), or after a crash mid-transaction its hot rollback journal (`NAME-journal`).
// SQLite applies either to whatever file has the name when it next opens it. So:
// - a database that a restore or a pull puts in place must not keep the replaced one's log: its
//   pages would be written over the new file (measured: restoring a 118-row OpenCode database
//   beside a killed run's WAL gave 418 rows, the replaced database's, not the snapshot's);
// - a database with a log beside it is not "as it was" by its file alone: a restore doesn't take
//   it as already matching the snapshot, and a pull doesn't replace it (the agent may be using it).

import { lstat, open, rm } from 'node:fs/promises';

const DATABASE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** A rollback journal's header while it holds a transaction (zeroed once committed: journal_mode=PERSIST keeps the file). */
const JOURNAL_MAGIC = Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);
/** The logs and the WAL's shared-memory index: all belong to the file they sit beside. */
const SIDECARS = ['-wal', '-journal', '-shm'] as const;

/** Whether `path` starts with `magic`. */
async function startsWith(path: string, magic: Buffer): Promise<boolean> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(magic.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.equals(magic);
  } finally {
    await handle.close();
  }
}

/**
 * Whether a log beside `path` holds part of its database's state: a non-empty WAL (a connection
 * is open, or one was killed), or a rollback journal of an unfinished transaction.
 */
export async function hasPendingLog(path: string): Promise<boolean> {
  const wal = await lstat(`${path}-wal`).catch(() => undefined);
  if (wal?.isFile() && wal.size > 0) return true;
  return startsWith(`${path}-journal`, JOURNAL_MAGIC);
}

/**
 * After a database was put in place at `path` (a restore, a pull): removes the log and
 * shared-memory files beside it, which were the replaced database's. Returns what it removed.
 */
export async function dropReplacedLogs(path: string): Promise<string[]> {
  const present: string[] = [];
  for (const suffix of SIDECARS) if (await lstat(`${path}${suffix}`).then(() => true, () => false)) present.push(`${path}${suffix}`);
  if (present.length === 0 || !(await startsWith(path, DATABASE_MAGIC))) return [];
  for (const p of present) await rm(p, { force: true });
  return present;
}

// Is what already exists where a restore would write exactly what the snapshot holds? Then the
// restore leaves it as it is: nothing to replace, nothing for a safety snapshot to keep, nothing
// to download. Content is compared by chunking the local file with the vault's keyed chunker
// and comparing the ids with the snapshot's (restic's restore verifies existing files the same
// way); a size or permission difference decides without reading. A database is compared as the
// backup stores it (its consistent copy, cleaned of credentials), not by its bytes: the copy is
// never byte-identical to the live file, which would be "replaced" on every restore otherwise.

import { lstat, readlink, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import type { BlobCodec, TreeEntry } from '../vault/index.ts';
import { hasPendingLog } from '../sqlite-logs.ts';

/**
 * How a backup would store a file when that is not its bytes: a database's consistent copy,
 * cleaned of its credentials, as a temporary file removed by `dispose`. Undefined when it can't
 * be made (locked, damaged): then the file is not known to match.
 */
export type StoredForm = () => Promise<{ path: string; dispose: () => Promise<void> } | undefined>;

/** Whether the file at `path` has exactly `entry`'s content, chunk by chunk. */
async function holdsContent(codec: BlobCodec, path: string | Buffer, entry: TreeEntry): Promise<boolean> {
  const want = entry.content ?? [];
  let at = 0;
  try {
    // Leaving the loop early cancels the worker's read.
    for await (const batch of codec.chunkFile(path)) {
      for (const chunk of batch) if (chunk.id !== want[at++]) return false;
    }
  } catch {
    // Unreadable (gone, no permission): not known to match, so it is treated as differing.
    return false;
  }
  return at === want.length;
}

/** True when `path` (its lstat `st`) is a file (or link) with exactly `entry`'s content (or target) and permissions. */
async function holdsEntry(codec: BlobCodec, path: string | Buffer, st: BigIntStats, entry: TreeEntry, form: { byBytes: boolean; stored?: StoredForm }): Promise<boolean> {
  if (entry.type === 'symlink') return st.isSymbolicLink() && (await readlink(path).catch(() => undefined)) === entry.target;
  if (entry.type !== 'file' || !st.isFile() || (Number(st.mode) & 0o7777) !== (entry.mode & 0o7777)) return false;
  // Its bytes first: a database a restore wrote is the snapshot's copy exactly.
  if (form.byBytes && st.size === BigInt(entry.size) && (await holdsContent(codec, path, entry))) return true;
  const storedForm = form.stored;
  if (!storedForm) return false;
  const stored = await storedForm();
  if (!stored) return false;
  try {
    return (await stat(stored.path)).size === entry.size && (await holdsContent(codec, stored.path, entry));
  } finally {
    await stored.dispose();
  }
}

/** What identifies a file's state: it changes when its content can have (ctime moves on every write). */
const stampOf = (st: BigIntStats) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.mode}`;
const lstatOf = (path: string | Buffer) => lstat(path, { bigint: true }).catch(() => undefined);
/** A database's stamp takes in its logs': they change what it holds without its own stamp moving. */
async function stampWithLogs(path: string | Buffer, database: boolean): Promise<string | undefined> {
  const st = await lstatOf(path);
  if (!st || !database || typeof path !== 'string') return st && stampOf(st);
  // Not a log's ctime: SQLite sets a log's owner and mode each time it opens it (copying the
  // database for the comparison does), which moves its ctime though nothing in it changed.
  const logs = await Promise.all(['-wal', '-journal'].map(async (suffix) => {
    const log = await lstatOf(`${path}${suffix}`);
    return log ? `${log.dev}:${log.ino}:${log.size}:${log.mtimeNs}` : '-';
  }));
  return [stampOf(st), ...logs].join('|');
}

/**
 * Whether a file holds a snapshot entry, remembered while the file is untouched: the app plans a
 * restore for its dialog (again on each change of its options) and once more when it runs, and
 * each plan would hash every existing file again. `key` names the entry (snapshot and path); an
 * answer is reused only while the file's stamp (device, inode, size, times, mode) is the one it
 * was computed under.
 */
export class ContentComparisons {
  private readonly known = new Map<string, { stamp: string; same: boolean }>();
  private readonly limit: number;

  constructor(limit = 200_000) {
    this.limit = limit;
  }

  /** `storedForm`: the file is a database, compared as a backup would store it (see StoredForm). */
  async holds(codec: BlobCodec, key: string, path: string | Buffer, entry: TreeEntry, storedForm?: StoredForm): Promise<boolean> {
    const st = await lstatOf(path);
    if (!st) return false;
    // A database with a log beside it holds more than its file: not as the snapshot has it by its
    // bytes (sqlite-logs.ts), though its consistent copy may be. Looked at each time: the log
    // changes without the file's stamp moving.
    const logged = st.isFile() && typeof path === 'string' && (storedForm !== undefined || st.size === BigInt(entry.size)) && (await hasPendingLog(path));
    if (logged && !storedForm) return false;
    const database = storedForm !== undefined;
    const before = await stampWithLogs(path, database);
    if (!before) return false;
    const seen = this.known.get(key);
    if (seen?.stamp === before) return seen.same;
    const same = await holdsEntry(codec, path, st, entry, { byBytes: !logged, ...(storedForm ? { stored: storedForm } : {}) });
    // Changed while it was read: the answer is about neither version, so it is not kept (and
    // "differs" is the safe answer: such a file is replaced only after a safety snapshot).
    const after = await stampWithLogs(path, database);
    if (after !== before) return false;
    if (this.known.size >= this.limit) this.known.clear();
    this.known.set(key, { stamp: before, same });
    return same;
  }
}

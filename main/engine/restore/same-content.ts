// Is what already exists where a restore would write exactly what the snapshot holds? Then the
// restore leaves it as it is: nothing to replace, nothing for a safety snapshot to keep, nothing
// to download. Content is compared by chunking the local file with the vault's keyed chunker
// and comparing the ids with the snapshot's (restic's restore verifies existing files the same
// way); a size or permission difference decides without reading.

import { lstat, readlink } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import type { BlobCodec, TreeEntry } from '../vault/index.ts';
import { hasPendingLog } from '../sqlite-logs.ts';

/** True when `path` (its lstat `st`) is a file (or link) with exactly `entry`'s content (or target) and permissions. */
async function holdsEntry(codec: BlobCodec, path: string | Buffer, st: BigIntStats, entry: TreeEntry): Promise<boolean> {
  if (entry.type === 'symlink') return st.isSymbolicLink() && (await readlink(path).catch(() => undefined)) === entry.target;
  if (entry.type !== 'file' || !st.isFile() || st.size !== BigInt(entry.size) || (Number(st.mode) & 0o7777) !== (entry.mode & 0o7777)) return false;
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

/** What identifies a file's state: it changes when its content can have (ctime moves on every write). */
const stampOf = (st: BigIntStats) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.mode}`;
const lstatOf = (path: string | Buffer) => lstat(path, { bigint: true }).catch(() => undefined);

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

  async holds(codec: BlobCodec, key: string, path: string | Buffer, entry: TreeEntry): Promise<boolean> {
    const st = await lstatOf(path);
    if (!st) return false;
    // A database with a log beside it holds more than its file: not as the snapshot has it
    // (sqlite-logs.ts). Looked at each time: the log changes without the file's stamp moving.
    if (st.isFile() && st.size === BigInt(entry.size) && typeof path === 'string' && (await hasPendingLog(path))) return false;
    const before = stampOf(st);
    const seen = this.known.get(key);
    if (seen?.stamp === before) return seen.same;
    const same = await holdsEntry(codec, path, st, entry);
    // Changed while it was read: the answer is about neither version, so it is not kept (and
    // "differs" is the safe answer: such a file is replaced only after a safety snapshot).
    const after = await lstatOf(path);
    if (!after || stampOf(after) !== before) return false;
    if (this.known.size >= this.limit) this.known.clear();
    this.known.set(key, { stamp: before, same });
    return same;
  }
}

// Is what already exists where a restore would write exactly what the snapshot holds? Then the
// restore leaves it as it is: nothing to replace, nothing for a safety snapshot to keep, nothing
// to download. Content is compared by chunking the local file with the vault's keyed chunker
// and comparing the ids with the snapshot's (restic's restore verifies existing files the same
// way); a size or permission difference decides without reading.

import { lstat, readlink } from 'node:fs/promises';
import type { BlobCodec, TreeEntry } from '../vault/index.ts';

/** True when `dest` is a file (or link) with exactly `entry`'s content (or target) and permissions. */
export async function holdsEntry(codec: BlobCodec, dest: string | Buffer, entry: TreeEntry): Promise<boolean> {
  const st = await lstat(dest).catch(() => undefined);
  if (!st) return false;
  if (entry.type === 'symlink') return st.isSymbolicLink() && (await readlink(dest).catch(() => undefined)) === entry.target;
  if (entry.type !== 'file' || !st.isFile() || st.size !== entry.size || (st.mode & 0o7777) !== (entry.mode & 0o7777)) return false;
  const want = entry.content ?? [];
  let at = 0;
  try {
    // Leaving the loop early cancels the worker's read.
    for await (const batch of codec.chunkFile(dest)) {
      for (const chunk of batch) if (chunk.id !== want[at++]) return false;
    }
  } catch {
    // Unreadable (gone, no permission): not known to match, so it is treated as differing.
    return false;
  }
  return at === want.length;
}

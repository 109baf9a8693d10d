// Keeps the state DB's copy of the vault index in step with the index files in storage: loads
// new ones (other devices' backups), drops removed ones (a prune rewrote them).

import { mapLimit } from '../concurrency.ts';
import type { OnDamaged, Vault } from './vault.ts';
import { IntegrityError } from '../../../shared/errors.ts';
import type { StateDb } from '../state/index.ts';
import { decodeIndex, keys, kinds } from './format.ts';
import type { BlobLocation } from './format.ts';

/** The entries of one index file, read fresh from storage; an IntegrityError when it fails authentication or doesn't parse. */
export async function readIndexFile(vault: Vault, id: string): Promise<BlobLocation[]> {
  return decodeIndex(await vault.getSealedBytes(keys.index(id), kinds.index, id), id);
}

/** Every entry of these index files (8 at a time). */
export async function readIndexFiles(vault: Vault, ids: readonly string[]): Promise<BlobLocation[]> {
  return (await mapLimit(ids, 8, (id) => readIndexFile(vault, id))).flat();
}

export interface IndexSyncResult {
  added: number;
  removed: number;
  remoteIds: Set<string>;
}

export async function listIndexIds(vault: Vault): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const info of vault.store.list(keys.indexPrefix)) ids.add(info.key.slice(keys.indexPrefix.length));
  return ids;
}

/**
 * An index file that fails authentication or doesn't parse is left out (told to `onDamaged`):
 * the blobs only it lists are unknown here, so a backup stores them again and a restore leaves
 * out the files that need them — where one damaged index file used to stop every backup and
 * restore on any device that hadn't read it yet. `cairn check --repair` rebuilds it from the
 * packs' own headers.
 */
export async function syncIndex(vault: Vault, db: StateDb, remoteIds?: Set<string>, onDamaged?: OnDamaged): Promise<IndexSyncResult> {
  const remote = remoteIds ?? (await listIndexIds(vault));
  const local = db.knownIndexIds();
  const toAdd = [...remote].filter((id) => !local.has(id));
  const toRemove = [...local].filter((id) => !remote.has(id));
  for (const id of toRemove) db.removeIndex(id);
  let added = 0;
  await mapLimit(toAdd, 8, async (id) => {
    let entries: BlobLocation[];
    try {
      entries = await readIndexFile(vault, id);
    } catch (error) {
      // Listed but gone: a prune replaced it, and the listing (which lags deletes) still shows it.
      if ((error as { code?: string }).code === 'not_found') {
        remote.delete(id);
        return;
      }
      if (!(error instanceof IntegrityError)) throw error;
      onDamaged?.(keys.index(id), error);
      return;
    }
    db.addIndex(id, entries);
    added++;
  });
  return { added, removed: toRemove.length, remoteIds: remote };
}

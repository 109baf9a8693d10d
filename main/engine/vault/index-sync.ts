// Keeps the state DB's copy of the vault index in step with the index files in storage: loads
// new ones (other devices' backups), drops removed ones (a prune rewrote them).

import { mapLimit } from './vault.ts';
import type { Vault } from './vault.ts';
import type { StateDb } from '../state/index.ts';
import { decodeIndex, keys, kinds } from './format.ts';

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

export async function syncIndex(vault: Vault, db: StateDb, remoteIds?: Set<string>): Promise<IndexSyncResult> {
  const remote = remoteIds ?? (await listIndexIds(vault));
  const local = db.knownIndexIds();
  const toAdd = [...remote].filter((id) => !local.has(id));
  const toRemove = [...local].filter((id) => !remote.has(id));
  for (const id of toRemove) db.removeIndex(id);
  await mapLimit(toAdd, 8, async (id) => {
    const plain = await vault.getSealedBytes(keys.index(id), kinds.index, id);
    db.addIndex(id, decodeIndex(plain, id));
  });
  return { added: toAdd.length, removed: toRemove.length, remoteIds: remote };
}

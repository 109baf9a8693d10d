// Repair: take out of the index the blobs of packs missing from storage (a pack deleted by hand,
// by a bucket's lifecycle rule, or never uploaded), so that backups stop relying on them.
//
// The index is what a backup trusts: a blob it lists is never uploaded again, and a file whose
// cached blobs it lists is not even read. With a pack gone, every later snapshot of a file whose
// data was in it points at nothing, though the file is still on the machine. Under the exclusive
// lock (as prune), one new index of every other entry replaces the index files; each device then
// forgets the old ones (syncIndex → StateDb.removeIndex drops its file cache), reads its files
// again at its next backup and stores again what is still there. Snapshots made before stay as
// they are: their files in the missing packs can't be restored (restore leaves them out).

import type { PackId } from '../../../shared/ids.ts';
import type { StateDb } from '../state/index.ts';
import { mapLimit } from '../concurrency.ts';
import { decodeIndex, keys, kinds } from './format.ts';
import type { BlobLocation } from './format.ts';
import { listIndexIds } from './index-sync.ts';
import { withLock } from './locks.ts';
import { Packer } from './packer.ts';
import type { Vault } from './vault.ts';

export interface RepairOptions {
  device: string;
  signal?: AbortSignal;
  /** Find what is missing, change nothing. */
  dryRun?: boolean;
  staleMs?: number;
}

export interface RepairResult {
  /** Packs the index lists that storage doesn't have (confirmed one by one, not only by a listing). */
  missingPacks: PackId[];
  /** Blobs taken out of the index (the missing packs' entries). */
  blobsDropped: number;
  /** Index files replaced by the new one (0 when nothing was missing, or on a dry run). */
  indexFilesReplaced: number;
}

export async function repairIndex(unboundVault: Vault, db: StateDb, options: RepairOptions): Promise<RepairResult> {
  const vault = unboundVault.withSignal(options.signal);
  return withLock(vault, { exclusive: true, operation: 'repair', device: options.device, ...(options.staleMs !== undefined ? { staleMs: options.staleMs } : {}) }, async () => {
    const indexIds = [...(await listIndexIds(vault))];
    const entries = (await mapLimit(indexIds, 8, async (id) => decodeIndex(await vault.getSealedBytes(keys.index(id), kinds.index, id), id))).flat();
    const listed = new Set<string>();
    for await (const info of vault.store.list(keys.packsPrefix)) listed.add(info.key.split('/').pop() as string);
    // A listing may lag a write: a pack it doesn't show is asked for by name before it is called missing.
    const unlisted = [...new Set(entries.map((e) => e.pack))].filter((pack) => !listed.has(pack));
    const missingPacks = (await mapLimit(unlisted, 8, async (pack) => ((await vault.store.stat(keys.pack(pack))) === undefined ? pack : undefined))).filter((p): p is PackId => p !== undefined);
    const missing = new Set<string>(missingPacks);
    const dropped = entries.filter((e) => missing.has(e.pack));
    const result: RepairResult = { missingPacks: missingPacks.sort(), blobsDropped: new Set(dropped.map((e) => e.id)).size, indexFilesReplaced: 0 };
    if (missing.size === 0 || options.dryRun) return result;

    // One entry per blob, from a pack that is there (a blob stored twice keeps its other copy).
    const kept = new Map<PackId, BlobLocation[]>();
    const placed = new Set<string>();
    for (const e of entries) {
      if (missing.has(e.pack) || placed.has(e.id)) continue;
      placed.add(e.id);
      let list = kept.get(e.pack);
      if (!list) kept.set(e.pack, (list = []));
      list.push(e);
    }
    result.blobsDropped = new Set(dropped.filter((e) => !placed.has(e.id)).map((e) => e.id)).size;
    // The new index is written before the old ones go: killed between, the vault lists every
    // kept blob twice, which is harmless, and a second repair finishes the job.
    const { id: newIndexId } = await Packer.writeIndexFile(vault, kept);
    await mapLimit(indexIds, 8, (id) => vault.store.delete(keys.index(id)));
    result.indexFilesReplaced = indexIds.length;
    // This device's own cache, from what was just written: its file cache goes with the old index.
    for (const id of db.knownIndexIds()) db.removeIndex(id);
    db.addIndex(newIndexId, [...kept.values()].flat());
    return result;
  });
}

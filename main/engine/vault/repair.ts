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

import { NotFoundError } from '../../../shared/errors.ts';
import type { BlobId, PackId } from '../../../shared/ids.ts';
import type { StateDb } from '../state/index.ts';
import { mapLimit } from '../concurrency.ts';
import type { BlobCodec } from './codec.ts';
import { keys, kinds } from './format.ts';
import type { BlobLocation } from './format.ts';
import { listIndexIds, readIndexFiles } from './index-sync.ts';
import { withLock } from './locks.ts';
import { Packer } from './packer.ts';
import { decodeTree } from './records.ts';
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
  /** Folder listings snapshots reach that are gone (with a missing pack, or from the index), newly recorded in repair/lost. */
  lostTrees: number;
}

export async function repairIndex(unboundVault: Vault, db: StateDb, codec: BlobCodec, options: RepairOptions): Promise<RepairResult> {
  const vault = unboundVault.withSignal(options.signal);
  return withLock(vault, { exclusive: true, operation: 'repair', device: options.device, ...(options.staleMs !== undefined ? { staleMs: options.staleMs } : {}) }, async () => {
    const indexIds = [...(await listIndexIds(vault))];
    const entries = await readIndexFiles(vault, indexIds);
    const missing = await confirmMissing(vault, entries);
    const { kept, where } = keptEntries(entries, missing);
    const dropped = new Set(entries.filter((e) => missing.has(e.pack) && !where.has(e.id)).map((e) => e.id));
    // Folder listings the snapshots reach that are gone: with a missing pack, or from the index
    // altogether (a pack and its index file deleted). Recorded for prune, which would otherwise
    // refuse the vault forever: a snapshot can't be walked below one.
    const recorded = await loadLostTrees(vault);
    const lost = [...(await unreachableTrees(vault, codec, where))].filter((id) => !recorded.has(id));
    const result: RepairResult = { missingPacks: [...missing].sort(), blobsDropped: dropped.size, indexFilesReplaced: 0, lostTrees: lost.length };
    if (options.dryRun || (missing.size === 0 && lost.length === 0)) return result;
    if (lost.length > 0) await vault.putSealedJson(keys.repairLost, kinds.repairLost, 'lost', { version: 1, trees: [...recorded, ...lost].sort() } satisfies LostTrees);
    if (missing.size === 0) return result;
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

/** The packs the index lists that storage doesn't have. A listing may lag a write: a pack it doesn't show is asked for by name. */
async function confirmMissing(vault: Vault, entries: readonly BlobLocation[]): Promise<Set<PackId>> {
  const listed = new Set<string>();
  for await (const info of vault.store.list(keys.packsPrefix)) listed.add(info.key.split('/').pop() as string);
  const unlisted = [...new Set(entries.map((e) => e.pack))].filter((pack) => !listed.has(pack));
  const gone = await mapLimit(unlisted, 8, async (pack) => ((await vault.store.stat(keys.pack(pack))) === undefined ? pack : undefined));
  return new Set(gone.filter((p): p is PackId => p !== undefined));
}

/** One entry per blob, from a pack that is there (a blob stored twice keeps its other copy). */
function keptEntries(entries: readonly BlobLocation[], missing: ReadonlySet<PackId>): { kept: Map<PackId, BlobLocation[]>; where: Map<BlobId, BlobLocation> } {
  const kept = new Map<PackId, BlobLocation[]>();
  const where = new Map<BlobId, BlobLocation>();
  for (const e of entries) {
    if (missing.has(e.pack) || where.has(e.id)) continue;
    where.set(e.id, e);
    let list = kept.get(e.pack);
    if (!list) kept.set(e.pack, (list = []));
    list.push(e);
  }
  return { kept, where };
}

/** Every tree the snapshots reach that `where` doesn't place (a snapshot whose record can't be read is passed by: check names it). */
async function unreachableTrees(vault: Vault, codec: BlobCodec, where: ReadonlyMap<BlobId, BlobLocation>): Promise<Set<BlobId>> {
  const seen = new Set<BlobId>();
  const lost = new Set<BlobId>();
  const visit = async (treeId: BlobId): Promise<void> => {
    if (seen.has(treeId)) return;
    seen.add(treeId);
    const loc = where.get(treeId);
    if (!loc) {
      lost.add(treeId);
      return;
    }
    const [plain] = await codec.openAndVerify([{ id: treeId, sealed: await vault.readSealedBlob(loc), rawLength: loc.rawLength }]);
    for (const e of decodeTree(plain as Uint8Array, treeId).entries) if (e.subtree) await visit(e.subtree);
  };
  for (const ref of await vault.listSnapshotRefs()) {
    const snapshot = await vault.loadSnapshot(ref.device, ref.id).catch(() => undefined);
    if (!snapshot) continue;
    await visit(snapshot.tree);
    if (snapshot.catalog) await visit(snapshot.catalog);
  }
  return lost;
}

/** `repair/lost` (FORMAT.md): the folder listings repairs found lost with their packs. */
interface LostTrees {
  version: 1;
  trees: string[];
}

/** The trees repairs recorded as lost (none when no repair ever dropped one). */
export async function loadLostTrees(vault: Vault): Promise<Set<BlobId>> {
  try {
    const record = (await vault.getSealedJson(keys.repairLost, kinds.repairLost, 'lost')) as LostTrees;
    return new Set(record.trees as BlobId[]);
  } catch (error) {
    if (error instanceof NotFoundError || (error as { code?: string }).code === 'not_found') return new Set();
    throw error;
  }
}

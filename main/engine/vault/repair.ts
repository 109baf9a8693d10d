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
// Damaged index files are rebuilt from the packs' own headers; folder listings the snapshots
// reach that are gone are recorded in repair/lost, so that prune works again. Blobs a check that
// read the data found damaged in their packs (RepairOptions.damagedBlobs) are taken out like a
// missing pack's: stored again by the next backup under the same id, they heal the snapshots
// made before the damage as well.

import type { BlobId, PackId } from '../../../shared/ids.ts';
import type { StateDb } from '../state/index.ts';
import { mapLimit } from '../concurrency.ts';
import type { BlobCodec } from './codec.ts';
import { IntegrityError } from '../../../shared/errors.ts';
import { decodePackHeader, keys, kinds, PACK_TRAILER_SIZE, packHeaderRange } from './format.ts';
import type { BlobLocation } from './format.ts';
import { listIndexIds, readIndexFile } from './index-sync.ts';
import { withLock } from './locks.ts';
import { loadLostTrees, type LostTrees } from './lost-trees.ts';
import { markedBlobs } from './prune.ts';
import { Packer } from './packer.ts';
import { decodeTree } from './records.ts';
import type { Vault } from './vault.ts';

export interface RepairOptions {
  device: string;
  signal?: AbortSignal;
  /** Find what is missing, change nothing. */
  dryRun?: boolean;
  /**
   * Blobs whose bytes in their pack fail authentication (CheckReport.damagedBlobs, from a check
   * that read the data): taken out of the index like a missing pack's, so that the next backup
   * stores again the data it still has (a bit flipped on the vault's disk, an object a provider
   * garbled). The snapshots that need them restore whole again once it has: the ids are the same.
   */
  damagedBlobs?: readonly { pack: string; id: string }[];
  staleMs?: number;
}

export interface RepairResult {
  /** Packs the index lists that storage doesn't have (confirmed one by one, not only by a listing). */
  missingPacks: PackId[];
  /** Blobs taken out of the index (the missing packs' entries). */
  blobsDropped: number;
  /** Damaged blobs (RepairOptions.damagedBlobs) taken out of the index, or passed by for an intact copy in another pack. */
  damagedBlobsDropped: number;
  /** Index files replaced by the new one (0 when nothing was missing, or on a dry run). */
  indexFilesReplaced: number;
  /** Folder listings snapshots reach that are gone (with a missing pack, or from the index), newly recorded in repair/lost. */
  lostTrees: number;
  /** Index files that fail authentication or don't parse: replaced by what the packs' own headers say. */
  damagedIndexFiles: number;
  /** Packs no intact index file listed, indexed again from their headers (only when an index file was damaged). */
  packsReindexed: number;
}

/** Whether a repair changed anything (the CLI and the app each say what in their own words). */
export const repairChangedAnything = (r: RepairResult): boolean => r.missingPacks.length > 0 || r.lostTrees > 0 || r.damagedIndexFiles > 0 || r.damagedBlobsDropped > 0;

export async function repairIndex(unboundVault: Vault, db: StateDb, codec: BlobCodec, options: RepairOptions): Promise<RepairResult> {
  const vault = unboundVault.withSignal(options.signal);
  return withLock(vault, { exclusive: true, operation: 'repair', device: options.device, ...(options.staleMs !== undefined ? { staleMs: options.staleMs } : {}) }, async () => {
    const indexIds = [...(await listIndexIds(vault))];
    const { entries: indexed, damaged } = await readIntactIndexFiles(vault, indexIds);
    const listed = await listPacks(vault);
    // A damaged index file's packs are still there, each with its own sealed header.
    const reindexed = damaged.length > 0 ? await entriesFromHeaders(vault, listed, indexed) : [];
    const entries = [...indexed, ...reindexed];
    const missing = await confirmMissing(vault, entries, listed);
    const damagedAt = await confirmDamaged(vault, codec, entries, options.damagedBlobs ?? []);
    const isDamaged = (e: BlobLocation) => damagedAt.has(`${e.pack}/${e.id}`);
    const { kept, where } = keptEntries(entries, (e) => missing.has(e.pack) || isDamaged(e));
    const dropped = new Set(entries.filter((e) => missing.has(e.pack) && !where.has(e.id)).map((e) => e.id));
    const damagedDropped = entries.filter(isDamaged).length;
    // Folder listings the snapshots reach that are gone: with a missing pack, or from the index
    // altogether (a pack and its index file deleted). Recorded for prune, which would otherwise
    // refuse the vault forever: a snapshot can't be walked below one.
    const recorded = await loadLostTrees(vault);
    const lost = [...(await unreachableTrees(vault, codec, where))].filter((id) => !recorded.has(id));
    const packsReindexed = new Set(reindexed.map((e) => e.pack)).size;
    const result: RepairResult = { missingPacks: [...missing].sort(), blobsDropped: dropped.size, damagedBlobsDropped: damagedDropped, indexFilesReplaced: 0, lostTrees: lost.length, damagedIndexFiles: damaged.length, packsReindexed };
    const newIndex = missing.size > 0 || damaged.length > 0 || damagedDropped > 0;
    if (options.dryRun || (!newIndex && lost.length === 0)) return result;
    if (lost.length > 0) await vault.putSealedJson(keys.repairLost, kinds.repairLost, 'lost', { version: 1, trees: [...recorded, ...lost].sort() } satisfies LostTrees);
    if (!newIndex) return result;
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

/** Every index file that reads and parses; the others' ids (damaged: replaced by the repair). */
async function readIntactIndexFiles(vault: Vault, ids: readonly string[]): Promise<{ entries: BlobLocation[]; damaged: string[] }> {
  const damaged: string[] = [];
  const read = await mapLimit(ids, 8, async (id) => {
    try {
      return await readIndexFile(vault, id);
    } catch (error) {
      if (!(error instanceof IntegrityError)) throw error;
      damaged.push(id);
      return [];
    }
  });
  return { entries: read.flat(), damaged };
}

/** The packs in storage, by id, with their sizes. */
async function listPacks(vault: Vault): Promise<Map<string, number>> {
  const listed = new Map<string, number>();
  for await (const info of vault.store.list(keys.packsPrefix)) {
    const name = info.key.split('/').pop() as string;
    if (/^[0-9a-f]{64}$/.test(name)) listed.set(name, info.size);
  }
  return listed;
}

/**
 * The entries of the packs no intact index file lists (nor a prune's marks), read from each
 * pack's own sealed header (FORMAT.md: the trailer's last 8 bytes give the header's length). A
 * pack whose header can't be read is passed by: check --read-data names it.
 */
async function entriesFromHeaders(vault: Vault, listed: ReadonlyMap<string, number>, indexed: readonly BlobLocation[]): Promise<BlobLocation[]> {
  const known = new Set<string>(indexed.map((e) => e.pack));
  for (const e of (await markedBlobs(vault)).values()) known.add(e.pack);
  const unindexed = [...listed].filter(([pack]) => !known.has(pack));
  const read = await mapLimit(unindexed, 8, async ([pack, size]) => {
    try {
      const range = size < PACK_TRAILER_SIZE ? undefined : packHeaderRange(size, await vault.store.get(keys.pack(pack as PackId), { offset: size - PACK_TRAILER_SIZE, length: PACK_TRAILER_SIZE }));
      if (!range) return [];
      const sealed = await vault.store.get(keys.pack(pack as PackId), range);
      return decodePackHeader(vault.open(kinds.packHeader, '', sealed), pack as PackId);
    } catch (error) {
      if (error instanceof IntegrityError || (error as { code?: string }).code === 'not_found') return [];
      throw error;
    }
  });
  return read.flat();
}

/** The packs the index lists that storage doesn't have. A listing may lag a write: a pack it doesn't show is asked for by name. */
async function confirmMissing(vault: Vault, entries: readonly BlobLocation[], listed: ReadonlyMap<string, number>): Promise<Set<PackId>> {
  const unlisted = [...new Set(entries.map((e) => e.pack))].filter((pack) => !listed.has(pack));
  const gone = await mapLimit(unlisted, 8, async (pack) => ((await vault.store.stat(keys.pack(pack))) === undefined ? pack : undefined));
  return new Set(gone.filter((p): p is PackId => p !== undefined));
}

/**
 * Of the blobs a check found damaged, those whose bytes fail authentication again when read anew
 * (one ranged read each), as `pack/id`: a download garbled on its way, or a copy that was fixed
 * since, must not take a sound blob out of the index — the snapshots that need it would lose it.
 */
async function confirmDamaged(vault: Vault, codec: BlobCodec, entries: readonly BlobLocation[], reported: readonly { pack: string; id: string }[]): Promise<Set<string>> {
  const wanted = new Set(reported.map((b) => `${b.pack}/${b.id}`));
  const located = entries.filter((e) => wanted.has(`${e.pack}/${e.id}`));
  const confirmed = await mapLimit(located, 8, async (loc) => {
    try {
      await codec.openAndVerify([{ id: loc.id, sealed: await vault.readSealedBlob(loc), rawLength: loc.rawLength }]);
      return undefined;
    } catch (error) {
      if (error instanceof IntegrityError) return `${loc.pack}/${loc.id}`;
      // Its pack gone: a missing pack's blobs are taken out as such.
      if (await vault.lostObject(error)) return undefined;
      throw error;
    }
  });
  return new Set(confirmed.filter((k): k is string => k !== undefined));
}

/** One entry per blob, of a copy that is there and intact (a blob stored twice keeps its other copy). */
function keptEntries(entries: readonly BlobLocation[], gone: (e: BlobLocation) => boolean): { kept: Map<PackId, BlobLocation[]>; where: Map<BlobId, BlobLocation> } {
  const kept = new Map<PackId, BlobLocation[]>();
  const where = new Map<BlobId, BlobLocation>();
  for (const e of entries) {
    if (gone(e) || where.has(e.id)) continue;
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
    let plain: Uint8Array | undefined;
    try {
      [plain] = await codec.openAndVerify([{ id: treeId, sealed: await vault.readSealedBlob(loc), rawLength: loc.rawLength }]);
    } catch (error) {
      // Damaged (check --read-data names it), not lost: nothing below it is walked here.
      if (error instanceof IntegrityError || (await vault.lostObject(error))) return;
      throw error;
    }
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

// Prune: remove data that no snapshot reaches. Under an exclusive lock (so no backup is in
// flight anywhere): find every blob the snapshots use, repack packs that are mostly garbage
// (copying sealed blobs as they are: their sealing doesn't depend on position), write one new
// index for everything kept, then delete the old index files, then the unused packs. Killed at
// any point, the vault still passes `check`: new data is complete before old data goes.

import type { BlobId, PackId } from '../../../shared/ids.ts';
import type { StateDb } from '../state/index.ts';
import type { BlobCodec } from './codec.ts';
import { decodeIndex, keys, kinds } from './format.ts';
import type { BlobLocation } from './format.ts';
import { withLock } from './locks.ts';
import { Packer } from './packer.ts';
import { decodeTree } from './records.ts';
import { listIndexIds } from './index-sync.ts';
import type { Vault } from './vault.ts';
import { mapLimit } from './vault.ts';

export interface PruneOptions {
  device: string;
  /** Repack a pack when at least this fraction of its bytes is unused (default 0.2). */
  repackThreshold?: number;
  dryRun?: boolean;
  staleMs?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
  /** Test hook: called between steps so a test can kill the prune part-way. */
  afterStep?: (step: 'repacked' | 'indexed' | 'old-index-deleted' | 'packs-deleted') => Promise<void> | void;
}

export interface PruneResult {
  snapshots: number;
  usedBlobs: number;
  unusedBlobs: number;
  packsDeleted: number;
  packsRepacked: number;
  bytesFreed: number;
  indexFilesReplaced: number;
}

export async function prune(vault: Vault, db: StateDb, codec: BlobCodec, options: PruneOptions): Promise<PruneResult> {
  return withLock(vault, { exclusive: true, operation: 'prune', device: options.device, staleMs: options.staleMs }, async () => {
    const result: PruneResult = { snapshots: 0, usedBlobs: 0, unusedBlobs: 0, packsDeleted: 0, packsRepacked: 0, bytesFreed: 0, indexFilesReplaced: 0 };

    // The index as stored now, and the packs as stored now.
    const indexIds = [...(await listIndexIds(vault))];
    const index = new Map<BlobId, BlobLocation>();
    for (const entries of await mapLimit(indexIds, 8, async (id) => decodeIndex(await vault.getSealedBytes(keys.index(id), kinds.index, id), id))) {
      for (const e of entries) if (!index.has(e.id)) index.set(e.id, e);
    }
    const packSizes = new Map<PackId, number>();
    for await (const info of vault.store.list(keys.packsPrefix)) packSizes.set(info.key.split('/').pop() as PackId, info.size);

    // Everything the snapshots reach.
    const used = new Set<BlobId>();
    const snapshots = await vault.listSnapshots();
    result.snapshots = snapshots.length;
    const visit = async (treeId: BlobId): Promise<void> => {
      if (used.has(treeId)) return;
      used.add(treeId);
      const loc = index.get(treeId);
      if (!loc) throw new Error(`Tree ${treeId.slice(0, 12)}… is missing: refusing to prune a damaged vault. Run 'cairn check'.`);
      const [plain] = await codec.openAndVerify([{ id: treeId, sealed: await vault.readSealedBlob(loc), rawLength: loc.rawLength }]);
      for (const e of decodeTree(plain as Uint8Array, treeId).entries) {
        if (e.subtree) await visit(e.subtree);
        for (const b of e.content ?? []) used.add(b);
      }
    };
    for (const s of snapshots) {
      await visit(s.tree);
      // The session catalog is a tree of pages: reached the same way.
      if (s.catalog) await visit(s.catalog);
    }
    result.usedBlobs = used.size;

    // Per pack: used and unused bytes.
    const byPack = new Map<PackId, { used: BlobLocation[]; unusedBytes: number; usedBytes: number }>();
    for (const loc of index.values()) {
      let p = byPack.get(loc.pack);
      if (!p) byPack.set(loc.pack, (p = { used: [], unusedBytes: 0, usedBytes: 0 }));
      if (used.has(loc.id)) {
        p.used.push(loc);
        p.usedBytes += loc.length;
      } else {
        p.unusedBytes += loc.length;
        result.unusedBlobs++;
      }
    }
    const threshold = options.repackThreshold ?? 0.2;
    const deletePacks = new Set<PackId>();
    const repack: BlobLocation[][] = [];
    for (const [pack, size] of packSizes) {
      const p = byPack.get(pack);
      if (!p || p.used.length === 0) deletePacks.add(pack); // garbage, or orphaned by an interrupted run
      else if (p.unusedBytes / (p.usedBytes + p.unusedBytes) >= threshold) {
        deletePacks.add(pack);
        repack.push(p.used);
      }
      if (deletePacks.has(pack)) result.bytesFreed += size;
    }
    result.packsDeleted = deletePacks.size;
    result.packsRepacked = repack.length;
    if (options.dryRun || (deletePacks.size === 0 && result.unusedBlobs === 0)) return result;

    // 1. Repack: copy used sealed blobs into new packs (recorded in a new index by the packer).
    const moved = new Map<BlobId, BlobLocation>();
    if (repack.length > 0) {
      const packer = new Packer(vault, db, { packSize: vault.config.packSize, concurrency: 2, indexEvery: Number.MAX_SAFE_INTEGER, onPackStored: (entries) => entries.forEach((e) => moved.set(e.id, e)) });
      let done = 0;
      for (const locs of repack) {
        locs.sort((a, b) => a.offset - b.offset);
        for (const loc of locs) await packer.add({ id: loc.id, type: loc.type, rawLength: loc.rawLength, sealed: await vault.readSealedBlob(loc) });
        options.onProgress?.('repacking', ++done, repack.length);
      }
      await packer.flush({ writeIndex: false });
    }
    await options.afterStep?.('repacked');

    // 2. One new index with every kept blob at its current place.
    const kept = new Map<PackId, BlobLocation[]>();
    for (const id of used) {
      const loc = moved.get(id) ?? index.get(id);
      if (!loc || deletePacks.has(loc.pack)) continue;
      let list = kept.get(loc.pack);
      if (!list) kept.set(loc.pack, (list = []));
      list.push(loc);
    }
    const { id: newIndexId } = await Packer.writeIndexFile(vault, kept);
    await options.afterStep?.('indexed');

    // 3. Old index files, then 4. the packs nothing points at any more.
    await mapLimit(indexIds, 8, (id) => vault.store.delete(keys.index(id)));
    result.indexFilesReplaced = indexIds.length;
    await options.afterStep?.('old-index-deleted');
    let deleted = 0;
    await mapLimit([...deletePacks], 8, async (pack) => {
      await vault.store.delete(keys.pack(pack));
      options.onProgress?.('deleting', ++deleted, deletePacks.size);
    });
    await options.afterStep?.('packs-deleted');
    // The local index cache becomes the new index file, from what was just written (not read back).
    for (const id of db.knownIndexIds()) db.removeIndex(id);
    db.addIndex(newIndexId, [...kept.values()].flat());
    return result;
  });
}

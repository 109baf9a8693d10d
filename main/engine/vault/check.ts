// `check`: does every snapshot's data exist where the index says (structure), and, with
// readData, does every pack hash to its id and every blob decrypt and hash to its id.

import type { BlobId, PackId } from '../../../shared/ids.ts';
import type { CheckReport } from '../../../shared/models.ts';
import type { BlobCodec } from './codec.ts';
import { decodeIndex, decodePackHeader, keys, kinds, PACK_TRAILER_MAGIC, PACK_TRAILER_SIZE, packIdOf } from './format.ts';
import type { BlobLocation } from './format.ts';
import { listIndexIds } from './index-sync.ts';
import { decodeTree } from './records.ts';
import type { SnapshotRecord } from './records.ts';
import type { Vault } from './vault.ts';
import { mapLimit } from './vault.ts';

export interface CheckOptions {
  readData?: boolean;
  onProgress?: (done: number, total: number, phase: string) => void;
  concurrency?: number;
}

export async function checkVault(vault: Vault, codec: BlobCodec, options: CheckOptions = {}): Promise<CheckReport> {
  const problems: string[] = [];
  const report: CheckReport = { ok: true, snapshots: 0, packs: 0, blobs: 0, bytesRead: 0, problems };
  const concurrency = options.concurrency ?? 4;

  // Packs as stored.
  const packSizes = new Map<PackId, number>();
  for await (const info of vault.store.list(keys.packsPrefix)) {
    const id = info.key.split('/').pop() as PackId;
    if (info.key !== keys.pack(id)) problems.push(`Unexpected object ${info.key} in data/.`);
    packSizes.set(id, info.size);
  }
  report.packs = packSizes.size;

  // The index, read fresh from storage (not the local cache).
  const index = new Map<BlobId, BlobLocation>();
  await mapLimit([...(await listIndexIds(vault))], 8, async (id) => {
    try {
      for (const loc of decodeIndex(await vault.getSealedBytes(keys.index(id), kinds.index, id), id)) {
        if (!index.has(loc.id)) index.set(loc.id, loc);
        const size = packSizes.get(loc.pack);
        if (size === undefined) problems.push(`Index ${id} lists pack ${loc.pack.slice(0, 12)}…, which is missing from storage.`);
        else if (loc.offset + loc.length > size - PACK_TRAILER_SIZE) problems.push(`Index ${id} places blob ${loc.id.slice(0, 12)}… past the end of pack ${loc.pack.slice(0, 12)}….`);
      }
    } catch (error) {
      problems.push(`Index ${id} can't be read: ${(error as Error).message}`);
    }
  });
  report.blobs = index.size;

  // Every snapshot's trees and contents.
  let snapshots: SnapshotRecord[] = [];
  try {
    snapshots = await vault.listSnapshots();
  } catch (error) {
    problems.push(`Snapshots can't be read: ${(error as Error).message}`);
  }
  report.snapshots = snapshots.length;
  const seenTrees = new Set<BlobId>();
  const readTree = async (id: BlobId) => {
    const loc = index.get(id);
    if (!loc) throw new Error(`tree blob ${id.slice(0, 12)}… is not in the index`);
    const sealed = await vault.readSealedBlob(loc);
    const [plain] = await codec.openAndVerify([{ id, sealed, rawLength: loc.rawLength }]);
    return decodeTree(plain as Uint8Array, id);
  };
  for (const snap of snapshots) {
    const where = `snapshot ${snap.id.slice(0, 8)} (${snap.deviceName}, ${snap.time})`;
    const visit = async (treeId: BlobId, path: string): Promise<void> => {
      if (seenTrees.has(treeId)) return;
      seenTrees.add(treeId);
      let tree;
      try {
        tree = await readTree(treeId);
      } catch (error) {
        problems.push(`${where}: folder '${path || '/'}': ${(error as Error).message}`);
        return;
      }
      for (const e of tree.entries) {
        const p = path ? `${path}/${e.name}` : e.name;
        if (e.type === 'dir' && e.subtree) await visit(e.subtree, p);
        for (const blob of e.content ?? []) if (!index.has(blob)) problems.push(`${where}: file '${p}': blob ${blob.slice(0, 12)}… is missing.`);
      }
    };
    await visit(snap.tree, '');
    if (snap.catalog) await visit(snap.catalog, '(session catalog)');
    options.onProgress?.(report.snapshots, snapshots.length, 'snapshots');
  }

  if (options.readData) {
    const byPack = new Map<PackId, BlobLocation[]>();
    for (const loc of index.values()) {
      let list = byPack.get(loc.pack);
      if (!list) byPack.set(loc.pack, (list = []));
      list.push(loc);
    }
    let done = 0;
    let unreferenced = 0;
    await mapLimit([...packSizes.keys()], concurrency, async (pack) => {
      const name = pack.slice(0, 12) + '…';
      try {
        const bytes = await vault.store.get(keys.pack(pack));
        report.bytesRead += bytes.length;
        if (packIdOf(bytes) !== pack) {
          problems.push(`Pack ${name} does not hash to its id: it is corrupt or was modified.`);
          return;
        }
        const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        if (buf.length < PACK_TRAILER_SIZE || !buf.subarray(buf.length - 4).equals(PACK_TRAILER_MAGIC)) {
          problems.push(`Pack ${name} has no valid trailer.`);
          return;
        }
        const headerLength = buf.readUInt32LE(buf.length - PACK_TRAILER_SIZE);
        const headerStart = buf.length - PACK_TRAILER_SIZE - headerLength;
        const header = decodePackHeader(vault.open(kinds.packHeader, '', buf.subarray(headerStart, buf.length - PACK_TRAILER_SIZE)), pack);
        const listed = byPack.get(pack) ?? [];
        if (listed.length === 0) unreferenced++;
        const items = header.map((h) => ({ id: h.id, rawLength: h.rawLength, sealed: buf.subarray(h.offset, h.offset + h.length) }));
        for (let i = 0; i < items.length; i += 64) {
          try {
            await codec.openAndVerify(items.slice(i, i + 64));
          } catch (error) {
            problems.push(`Pack ${name}: ${(error as Error).message}`);
          }
        }
      } catch (error) {
        problems.push(`Pack ${name} can't be read: ${(error as Error).message}`);
      } finally {
        options.onProgress?.(++done, packSizes.size, 'packs');
      }
    });
    // Packs no index lists are left by interrupted runs: harmless, and removed by prune.
    report.unreferencedPacks = unreferenced;
  }
  report.ok = problems.length === 0;
  return report;
}

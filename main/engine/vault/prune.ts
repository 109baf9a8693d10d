// Prune: remove data that no snapshot reaches, in two phases, so that it can't delete live data
// even when listings lag, clocks differ or a backup's lock wasn't seen (after kopia's
// blob-deletion safety, in restic's order):
// 1. Under the exclusive lock, find every blob the snapshots use; repack packs that are mostly
//    garbage (one ranged read per contiguous run of kept blobs); packs that hold nothing used any
//    more are MARKED (prune/marks, with their entries and the store's time) and left out of the
//    new index, so new backups stop relying on them; packs in no index at all are considered only
//    once older than the margin (a backup may still be uploading them).
// 2. A later prune, once a mark is older than the safety margin (vault.json, hours), deletes the
//    pack if still no snapshot uses it; a snapshot that uses it revives it (back into the index).
// Just before anything is deleted, the snapshots are listed again: one that appeared meanwhile
// is walked too. Killed at any point, the vault still passes `check`: new data is complete
// before old data goes.

import type { BlobId, PackId } from '../../../shared/ids.ts';
import type { StateDb } from '../state/index.ts';
import type { BlobCodec } from './codec.ts';
import { keys, kinds } from './format.ts';
import type { BlobLocation } from './format.ts';
import { withLock, type HeldLock } from './locks.ts';
import { Packer } from './packer.ts';
import { decodeTree } from './records.ts';
import { listIndexIds, readIndexFiles } from './index-sync.ts';
import type { Vault } from './vault.ts';
import { DEFAULT_PRUNE_MARGIN_HOURS } from './vault.ts';
import { mapLimit } from '../concurrency.ts';
import { IntegrityError, NotFoundError } from '../../../shared/errors.ts';
import { keptVersions, systemClock } from '../storage/index.ts';
import type { Clock, ObjectInfo } from '../storage/index.ts';
import { listingLagOf } from './capabilities.ts';
import { loadLostTrees } from './lost-trees.ts';

export interface PruneOptions {
  device: string;
  /** Repack a pack when at least this fraction of its bytes is unused (default 0.2). */
  repackThreshold?: number;
  dryRun?: boolean;
  /**
   * Dry runs only: snapshots (`device/id`) to count as forgotten already, so that a preview of
   * "forget, then prune" (the app's Prune) says what that prune would delete and mark.
   */
  assumeForgotten?: readonly string[];
  staleMs?: number;
  /** The clock the lock protocol waits by (tests run store time fast). Default: real time. */
  clock?: Clock;
  /** The safety margin; default: the vault's (pruneMarginHours in vault.json). 0 deletes at once (tests, single-device vaults). */
  marginMs?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
  /**
   * Cancels the prune: the storage requests in flight are aborted and it stops with 'cancelled'.
   * Stopped at any step, the vault still passes check; the next prune finishes the job.
   */
  signal?: AbortSignal;
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
  /** Packs found unreferenced by this run and marked: deleted by a prune after `deleteAfter`. */
  packsMarked: number;
  bytesMarked: number;
  /** Marked packs a snapshot turned out to use: back in the index. */
  packsRevived: number;
  /** When (ISO, store clock) the earliest pending mark may be deleted. */
  deleteAfter?: string;
  /** Said when the bucket keeps deleted objects as old versions: deleting frees no space there. */
  versioning?: 'enabled' | 'suspended';
  /** Unfinished writes of killed runs (a local vault's temp files) older than the margin: removed (or, dry run, would be). */
  leftoversRemoved?: number;
  /** Folder listings the snapshots reach that a repair recorded as lost (repair/lost): not walked. */
  lostTrees?: number;
  leftoverBytes?: number;
}

interface Mark {
  markedAt: number;
  size: number;
  entries: BlobLocation[];
}

interface Marks {
  version: 1;
  packs: Record<string, Mark>;
}

/** Reads `n` sealed blobs of one pack with one ranged GET per contiguous run (gaps under 64 KiB are read through). */
export async function readPackRuns(vault: Vault, locs: readonly BlobLocation[], each: (loc: BlobLocation, sealed: Uint8Array) => Promise<void>): Promise<number> {
  const sorted = [...locs].sort((a, b) => a.offset - b.offset);
  let reads = 0;
  for (let i = 0; i < sorted.length; ) {
    const first = sorted[i] as BlobLocation;
    let end = first.offset + first.length;
    let j = i + 1;
    while (j < sorted.length && (sorted[j] as BlobLocation).offset - end < 64 * 1024) {
      end = Math.max(end, (sorted[j] as BlobLocation).offset + (sorted[j] as BlobLocation).length);
      j++;
    }
    const bytes = await vault.readSealedRange(first.pack, first.offset, end - first.offset);
    reads++;
    for (const loc of sorted.slice(i, j)) await each(loc, bytes.subarray(loc.offset - first.offset, loc.offset - first.offset + loc.length));
    i = j;
  }
  return reads;
}

/** A snapshot's folder listing prune can't read: it stops before deleting anything, and says how to get past it. */
function unwalkable(treeId: BlobId, why: string): IntegrityError {
  return new IntegrityError(`A folder listing (tree ${treeId.slice(0, 12)}…) a snapshot uses ${why}: nothing was pruned, for prune can't tell what that snapshot still needs. Run 'cairn check'; if it names packs missing from storage, 'cairn check --repair' takes them out of the index, and prune works again.`);
}

async function loadMarks(vault: Vault): Promise<Marks> {
  try {
    return (await vault.getSealedJson(keys.pruneMarks, kinds.pruneMarks, 'marks')) as Marks;
  } catch (error) {
    if (error instanceof NotFoundError || (error as { code?: string }).code === 'not_found') return { version: 1, packs: {} };
    throw error;
  }
}

export async function prune(unboundVault: Vault, db: StateDb, codec: BlobCodec, options: PruneOptions): Promise<PruneResult> {
  const vault = unboundVault.withSignal(options.signal);
  return withLock(vault, { exclusive: true, operation: 'prune', device: options.device, staleMs: options.staleMs, ...(options.clock ? { clock: options.clock } : {}) }, async (lock: HeldLock) => {
    const run = new PruneRun(vault, db, codec, options);
    await run.load(lock);
    if (options.assumeForgotten && options.assumeForgotten.length > 0 && !options.dryRun) throw new Error('prune: assumeForgotten is for dry runs only');
    const result = run.result;
    await run.walkNewSnapshots();
    result.snapshots = run.seen.size - run.assumed.size;
    run.plan();
    result.usedBlobs = run.used.size;
    run.decide();
    result.packsDeleted = run.deletePacks.size;
    result.packsRepacked = run.repack.length;
    const nothingChanges = run.deletePacks.size === 0 && run.repack.length === 0 && result.packsMarked === 0 && result.packsRevived === 0 && Object.keys(run.newMarks.packs).length === Object.keys(run.marks.packs).length;
    await sweepLeftovers(vault, result, run.storeNow - run.marginMs, options.dryRun === true);
    if (options.dryRun || nothingChanges) return result;

    // Just before anything is deleted: a snapshot that appeared since the listing is walked too,
    // and whatever it uses is kept.
    if ((await run.walkNewSnapshots()) > 0) {
      run.plan();
      run.decide();
      result.snapshots = run.seen.size;
      result.usedBlobs = run.used.size;
      result.packsDeleted = run.deletePacks.size;
      result.packsRepacked = run.repack.length;
    }
    const moved = await run.repackPacks();
    await options.afterStep?.('repacked');
    const { newIndexId, kept } = await run.writeNewIndex(moved);
    await options.afterStep?.('indexed');
    await run.deleteOld();
    // The local index cache becomes the new index file, from what was just written (not read back).
    for (const id of db.knownIndexIds()) db.removeIndex(id);
    db.addIndex(newIndexId, [...kept.values()].flat());
    return result;
  });
}

interface PackUse {
  used: BlobLocation[];
  all: BlobLocation[];
  unusedBytes: number;
  usedBytes: number;
}

/** One prune under the exclusive lock: what its steps (walk, plan, mark, repack, index, delete) share. */
class PruneRun {
  readonly result: PruneResult = { snapshots: 0, usedBlobs: 0, unusedBlobs: 0, packsDeleted: 0, packsRepacked: 0, bytesFreed: 0, indexFilesReplaced: 0, packsMarked: 0, bytesMarked: 0, packsRevived: 0 };
  readonly marginMs: number;
  /** The index files read (replaced by the new one at the end). */
  readonly indexIds: string[] = [];
  /** Where a blob is, counting marked packs (a snapshot may still use one: then it is revived). */
  readonly where = new Map<BlobId, BlobLocation>();
  marks: Marks = { version: 1, packs: {} };
  /** Trees a repair found lost with their packs (repair/lost): a snapshot's walk stops there. */
  lostTrees = new Set<BlobId>();
  readonly packs = new Map<PackId, { size: number; modifiedAt: number | undefined }>();
  /** Everything the snapshots reach. */
  readonly used = new Set<BlobId>();
  readonly assumed: Set<string>;
  /** Snapshots walked (`device/id`), the assumed-forgotten ones included. */
  readonly seen: Set<string>;
  private waitedOutLag = false;
  /** Per pack: used and unused bytes, over the index and the marks. */
  private readonly byPack = new Map<PackId, PackUse>();
  /** Packs with nothing used (mark, or delete when marked long enough) and those to repack. */
  garbage = new Set<PackId>();
  repack: BlobLocation[][] = [];
  readonly newMarks: Marks = { version: 1, packs: {} };
  readonly deletePacks = new Set<PackId>();
  private readonly vault: Vault;
  private readonly db: StateDb;
  private readonly codec: BlobCodec;
  private readonly options: PruneOptions;
  /** The store's time once the packs are listed (by our lock's clock). */
  storeNow = 0;

  constructor(vault: Vault, db: StateDb, codec: BlobCodec, options: PruneOptions) {
    this.vault = vault;
    this.db = db;
    this.codec = codec;
    this.options = options;
    this.marginMs = options.marginMs ?? (vault.config.pruneMarginHours ?? DEFAULT_PRUNE_MARGIN_HOURS) * 3_600_000;
    this.assumed = new Set(options.assumeForgotten ?? []);
    this.seen = new Set<string>(this.assumed);
  }

  /** The index as stored now, the marks of earlier prunes, and the packs as stored now. */
  async load(lock: HeldLock): Promise<void> {
    const vault = this.vault;
    const versioning = await keptVersions(vault.store);
    if (versioning) this.result.versioning = versioning;
    this.indexIds.push(...(await listIndexIds(vault)));
    for (const e of await readIndexFiles(this.vault, this.indexIds)) if (!this.where.has(e.id)) this.where.set(e.id, e);
    this.marks = await loadMarks(vault);
    this.lostTrees = await loadLostTrees(vault);
    for (const mark of Object.values(this.marks.packs)) for (const e of mark.entries) if (!this.where.has(e.id)) this.where.set(e.id, e);
    for await (const info of vault.store.list(keys.packsPrefix)) this.packs.set(info.key.split('/').pop() as PackId, { size: info.size, modifiedAt: info.modifiedAt });
    this.storeNow = lock.storeNow();
  }

  /**
   * A snapshot listed now may have index files the listing doesn't show yet (a backup that
   * finished just before our lock wrote its index, then its snapshot; listings lag writes).
   * Before calling a tree missing, list the index again, then once more after waiting out the
   * store's listing lag; what is found is read like the rest (and replaced by the new index).
   */
  private async findTree(treeId: BlobId): Promise<BlobLocation | undefined> {
    for (const waitMs of this.waitedOutLag ? [] : [0, listingLagOf(this.vault.store)]) {
      if (waitMs > 0) await (this.options.clock ?? systemClock).sleep(waitMs);
      const known = new Set(this.indexIds);
      const fresh = [...(await listIndexIds(this.vault))].filter((id) => !known.has(id));
      this.indexIds.push(...fresh);
      for (const e of await readIndexFiles(this.vault, fresh)) if (!this.where.has(e.id)) this.where.set(e.id, e);
      const loc = this.where.get(treeId);
      if (loc) return loc;
    }
    // Missing after the wait: the vault is damaged; further misses need no more waiting.
    this.waitedOutLag = true;
    return undefined;
  }

  private async visit(treeId: BlobId): Promise<void> {
    if (this.used.has(treeId)) return;
    this.used.add(treeId);
    const loc = this.where.get(treeId) ?? (await this.findTree(treeId));
    if (!loc && this.lostTrees.has(treeId)) {
      // Lost with its pack (a repair recorded it, and no index lists it even after the listing
      // lag): nothing below it can be restored, so nothing below it needs keeping (what else
      // uses its blobs is walked itself).
      this.result.lostTrees = (this.result.lostTrees ?? 0) + 1;
      return;
    }
    if (!loc) throw unwalkable(treeId, "is missing from the vault's index");
    let sealed: Uint8Array;
    try {
      sealed = await this.vault.readSealedBlob(loc);
    } catch (error) {
      if (await this.vault.lostObject(error)) throw unwalkable(treeId, `is in pack ${loc.pack.slice(0, 12)}…, which is missing from storage or can't be read`);
      throw error;
    }
    const [plain] = await this.codec.openAndVerify([{ id: treeId, sealed, rawLength: loc.rawLength }]);
    for (const e of decodeTree(plain as Uint8Array, treeId).entries) {
      if (e.subtree) await this.visit(e.subtree);
      for (const b of e.content ?? []) this.used.add(b);
    }
  }

  /** The walk: the snapshots not walked yet; returns how many there were. */
  async walkNewSnapshots(): Promise<number> {
    const refs = (await this.vault.listSnapshotRefs()).filter((r) => !this.seen.has(`${r.device}/${r.id}`));
    for (const r of refs) {
      this.seen.add(`${r.device}/${r.id}`);
      let s;
      try {
        s = await this.vault.loadSnapshot(r.device, r.id);
      } catch (error) {
        if ((error as { code?: string }).code === 'not_found') continue; // forgotten meanwhile
        throw error;
      }
      await this.visit(s.tree);
      // The session catalog is a tree of pages: reached the same way.
      if (s.catalog) await this.visit(s.catalog);
    }
    return refs.length;
  }

  /** Per pack, used and unused bytes; which packs are garbage and which to repack. */
  plan(): void {
    const { byPack, result } = this;
    byPack.clear();
    result.unusedBlobs = 0;
    for (const loc of this.where.values()) {
      let p = byPack.get(loc.pack);
      if (!p) byPack.set(loc.pack, (p = { used: [], all: [], unusedBytes: 0, usedBytes: 0 }));
      p.all.push(loc);
      if (this.used.has(loc.id)) {
        p.used.push(loc);
        p.usedBytes += loc.length;
      } else {
        p.unusedBytes += loc.length;
        result.unusedBlobs++;
      }
    }
    const threshold = this.options.repackThreshold ?? 0.2;
    this.garbage = new Set<PackId>();
    this.repack = [];
    for (const [pack, info] of this.packs) {
      const p = byPack.get(pack);
      if (!p) {
        // In no index and no mark: an interrupted run's, or one a backup is uploading right now.
        if (info.modifiedAt !== undefined && this.storeNow - info.modifiedAt >= this.marginMs) this.garbage.add(pack);
        else if (info.modifiedAt === undefined && this.marginMs === 0) this.garbage.add(pack);
      } else if (p.used.length === 0) this.garbage.add(pack);
      else if (!this.marks.packs[pack] && p.unusedBytes / (p.usedBytes + p.unusedBytes) >= threshold) {
        this.garbage.add(pack);
        this.repack.push(p.used);
      }
    }
  }

  /** The marks: garbage marked long enough ago is deleted, the rest (newly) marked; used marked packs are revived. */
  decide(): void {
    const { result, storeNow, marginMs, newMarks, deletePacks } = this;
    newMarks.packs = {};
    deletePacks.clear();
    result.packsMarked = result.bytesMarked = result.packsRevived = result.bytesFreed = 0;
    for (const pack of Object.keys(this.marks.packs) as PackId[]) if (!this.garbage.has(pack) && this.packs.has(pack)) result.packsRevived++;
    for (const pack of this.garbage) {
      const size = this.packs.get(pack)?.size ?? 0;
      const old = this.marks.packs[pack];
      const markedAt = old?.markedAt ?? storeNow;
      if (storeNow - markedAt >= marginMs) {
        deletePacks.add(pack);
        result.bytesFreed += size;
      } else {
        newMarks.packs[pack] = { markedAt, size, entries: this.byPack.get(pack)?.all ?? [] };
        if (!old) {
          result.packsMarked++;
          result.bytesMarked += size;
        }
      }
    }
    const pending = Object.values(newMarks.packs).map((m) => m.markedAt + marginMs);
    if (pending.length > 0) result.deleteAfter = new Date(Math.min(...pending)).toISOString();
    else delete result.deleteAfter;
  }

  /** 1. Repack: copy used sealed blobs into new packs (recorded in a new index by the packer); returns where they went. */
  async repackPacks(): Promise<Map<BlobId, BlobLocation>> {
    const { vault, repack, options } = this;
    const moved = new Map<BlobId, BlobLocation>();
    if (repack.length === 0) return moved;
    const packer = new Packer(vault, this.db, { packSize: vault.config.packSize, concurrency: 2, indexEvery: Number.MAX_SAFE_INTEGER, onPackStored: (entries) => entries.forEach((e) => moved.set(e.id, e)) });
    let done = 0;
    for (const locs of repack) {
      await readPackRuns(vault, locs, (loc, sealed) => packer.add({ id: loc.id, type: loc.type, rawLength: loc.rawLength, sealed: new Uint8Array(sealed) }));
      options.onProgress?.('repacking', ++done, repack.length);
    }
    await packer.flush({ writeIndex: false });
    return moved;
  }

  /**
   * 2. One new index with every kept blob at its current place; the marks next to it.
   * Every pack that stays is indexed whole, its unused blobs too: a pack below the repack
   * threshold keeps its unused blobs' bytes, and a snapshot that turns up later (a backup that
   * raced this prune and reused them from its cached index) must find them. Dropping them from
   * the index, as before, left such a snapshot pointing at data no index or mark named.
   */
  async writeNewIndex(moved: Map<BlobId, BlobLocation>): Promise<{ newIndexId: string; kept: Map<PackId, BlobLocation[]> }> {
    const { where, used, garbage } = this;
    const kept = new Map<PackId, BlobLocation[]>();
    const keep = (loc: BlobLocation): void => {
      let list = kept.get(loc.pack);
      if (!list) kept.set(loc.pack, (list = []));
      list.push(loc);
    };
    for (const id of used) {
      const loc = moved.get(id) ?? where.get(id);
      if (loc && !garbage.has(loc.pack)) keep(loc);
    }
    for (const loc of where.values()) if (!used.has(loc.id) && !garbage.has(loc.pack) && this.packs.has(loc.pack)) keep(loc);
    const { id: newIndexId } = await Packer.writeIndexFile(this.vault, kept);
    await this.vault.putSealedJson(keys.pruneMarks, kinds.pruneMarks, 'marks', this.newMarks);
    return { newIndexId, kept };
  }

  /** 3. Old index files, then 4. the packs marked long enough ago that nothing uses. */
  async deleteOld(): Promise<void> {
    const { vault, options, deletePacks } = this;
    await mapLimit(this.indexIds, 8, (id) => vault.store.delete(keys.index(id)));
    this.result.indexFilesReplaced = this.indexIds.length;
    await options.afterStep?.('old-index-deleted');
    let deleted = 0;
    await mapLimit([...deletePacks], 8, async (pack) => {
      await vault.store.delete(keys.pack(pack));
      options.onProgress?.('deleting', ++deleted, deletePacks.size);
    });
    await options.afterStep?.('packs-deleted');
  }
}

/**
 * Removes the pieces of writes that killed runs left in the store (a local vault's temp files),
 * once older than the margin: a running backup's own temp file is never that old, and under the
 * exclusive lock no backup of this vault runs anyway.
 */
async function sweepLeftovers(vault: Vault, result: PruneResult, olderThan: number, dryRun: boolean): Promise<void> {
  if (!vault.store.leftovers || !vault.store.deleteLeftover) return;
  const old: ObjectInfo[] = [];
  for await (const info of vault.store.leftovers()) if (info.modifiedAt !== undefined && info.modifiedAt <= olderThan) old.push(info);
  if (old.length === 0) return;
  result.leftoversRemoved = old.length;
  result.leftoverBytes = old.reduce((sum, o) => sum + o.size, 0);
  const store = vault.store;
  if (!dryRun) await mapLimit(old, 8, async (o) => store.deleteLeftover?.(o.key));
}

/**
 * Where the blobs of packs an earlier prune marked (left out of the index, not yet deleted) are.
 * A marked pack may be deleted at any moment by a later prune; read it under a shared lock.
 */
export async function markedBlobs(vault: Vault): Promise<Map<BlobId, BlobLocation>> {
  const out = new Map<BlobId, BlobLocation>();
  for (const mark of Object.values((await loadMarks(vault)).packs)) for (const e of mark.entries) out.set(e.id, e);
  return out;
}

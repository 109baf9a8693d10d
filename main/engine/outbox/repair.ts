// Before a waiting snapshot goes up after a prune on another device replaced the index files it
// relied on, makes sure every blob it references is in the vault's index as it is NOW, and
// stores again whatever is missing, from wherever this device can still get it:
//   1. a pack an earlier prune marked (left out of the index, not yet deleted): its sealed blobs
//      are copied into a new pack, as prune's repack does;
//   2. trees: the state DB's tree cache (every backup keeps the trees it built);
//   3. file contents: the source file, chunked again. Chunk ids are keyed hashes of the bytes,
//      so a chunk whose id matches is the very content the snapshot recorded.
// What none of these has is reported: the snapshot keeps waiting, never uploaded half-whole.
// The caller holds a shared lock, so no prune removes what this stores before the snapshot lands.

import { join } from 'node:path';
import type { BlobId, PackId } from '../../../shared/ids.ts';
import type { StateDb } from '../state/index.ts';
import { decodeTree, DEFAULT_PACK_SIZE, markedBlobs, Packer, readPackRuns } from '../vault/index.ts';
import type { BlobCodec, BlobLocation, SnapshotRecord, Tree, Vault } from '../vault/index.ts';
import { CairnError, IntegrityError, NotFoundError } from '../../../shared/errors.ts';

export interface RepairContext {
  vault: Vault;
  db: StateDb;
  codec: BlobCodec;
  signal?: AbortSignal;
  /** Trees found complete earlier in this flush (shared by its snapshots). */
  complete: Set<BlobId>;
  /** Loaded on first need. */
  marked?: Map<BlobId, BlobLocation>;
  packSize?: number;
}

export interface RepairOutcome {
  /** Blobs the snapshot references that the index did not list. */
  missing: number;
  /** Of those, stored again, by where they came from. */
  fromMarkedPacks: number;
  fromTreeCache: number;
  fromSourceFiles: number;
  /** Still missing: the snapshot must keep waiting. */
  stillMissing: number;
  /** Snapshot paths (`label/rel`) whose content could not be found again (the first 10). */
  lostPaths: string[];
}

interface MissingFile {
  path: string;
  source: string | undefined;
  ids: Set<BlobId>;
}

const LOST_PATHS_SHOWN = 10;

/** One snapshot's repair: what its steps share. */
interface Repair {
  ctx: RepairContext;
  outcome: RepairOutcome;
  /** Where what is stored again goes (one new pack, indexed at the end). */
  packer: Packer;
  /** Each root's label and its source folder on this device. */
  sourceOf: Map<string, string>;
  /** Data blobs not in the index, with the files that use them. */
  missingData: Map<BlobId, MissingFile[]>;
  /** Trees not in the index that nothing here has. */
  missingTrees: { id: BlobId; path: string }[];
  counted: Set<BlobId>;
}

export async function repairSnapshot(ctx: RepairContext, snapshot: SnapshotRecord): Promise<RepairOutcome> {
  const r: Repair = {
    ctx,
    outcome: { missing: 0, fromMarkedPacks: 0, fromTreeCache: 0, fromSourceFiles: 0, stillMissing: 0, lostPaths: [] },
    packer: new Packer(ctx.vault, ctx.db, { packSize: ctx.packSize ?? DEFAULT_PACK_SIZE, concurrency: 2, indexEvery: Number.MAX_SAFE_INTEGER }),
    sourceOf: new Map(snapshot.roots.map((root) => [root.label, root.path])),
    missingData: new Map(),
    missingTrees: [],
    counted: new Set(),
  };
  await findMissing(r, snapshot.tree, '', undefined);
  if (r.outcome.missing === 0) return r.outcome;
  if (r.missingData.size > 0) await copyFromMarkedPacks(r);
  await rereadSourceFiles(r);
  await r.packer.flush();
  return finish(r);
}

function countMissing(r: Repair, id: BlobId): void {
  if (r.counted.has(id)) return;
  r.counted.add(id);
  r.outcome.missing++;
}

/**
 * Finding the missing blobs: walks one tree, storing again on the way a missing tree that the
 * tree cache or a marked pack has; true when it and everything below it was in the index already.
 */
async function findMissing(r: Repair, id: BlobId, path: string, source: string | undefined): Promise<boolean> {
  const { ctx, outcome } = r;
  const { db, codec } = ctx;
  checkAbort(ctx.signal);
  if (ctx.complete.has(id)) return true;
  let complete = db.hasBlob(id);
  let body: Uint8Array | undefined = db.getTree(id);
  if (!complete) {
    countMissing(r, id);
    if (body) outcome.fromTreeCache++;
    else if ((body = await fromMarkedPack(ctx, id))) outcome.fromMarkedPacks++;
    if (body) {
      const [sealed] = await codec.compressAndSeal([{ id, data: Buffer.from(body) }]);
      if (sealed) await r.packer.add({ id, type: 'tree', rawLength: sealed.rawLength, sealed: sealed.sealed });
    } else {
      r.missingTrees.push({ id, path });
      return false;
    }
  }
  body ??= await readTree(ctx, id);
  const tree: Tree = decodeTree(body, id);
  for (const entry of tree.entries) {
    const childPath = path ? `${path}/${entry.name}` : entry.name;
    // A name stored as raw bytes (not UTF-8) can't be joined as a string: its source stays unknown.
    const childSource = entry.rawName ? undefined : source ? join(source, entry.name) : r.sourceOf.get(childPath);
    if (entry.type === 'dir' && entry.subtree) {
      if (!(await findMissing(r, entry.subtree, childPath, childSource))) complete = false;
    } else if (entry.type === 'file' && entry.content) {
      const lost = entry.content.filter((blob) => !db.hasBlob(blob));
      if (lost.length === 0) continue;
      complete = false;
      const file: MissingFile = { path: childPath, source: childSource, ids: new Set(lost) };
      for (const blob of lost) {
        countMissing(r, blob);
        let files = r.missingData.get(blob);
        if (!files) r.missingData.set(blob, (files = []));
        files.push(file);
      }
    }
  }
  if (complete) ctx.complete.add(id);
  return complete;
}

/** 1. Packs an earlier prune marked but has not deleted yet: their sealed blobs are copied. */
async function copyFromMarkedPacks(r: Repair): Promise<void> {
  const { ctx, missingData } = r;
  const marked = await loadMarked(ctx);
  const byPack = new Map<PackId, BlobLocation[]>();
  for (const id of missingData.keys()) {
    const loc = marked.get(id);
    if (!loc) continue;
    let list = byPack.get(loc.pack);
    if (!list) byPack.set(loc.pack, (list = []));
    list.push(loc);
  }
  for (const [, locs] of byPack) {
    checkAbort(ctx.signal);
    try {
      await readPackRuns(ctx.vault, locs, async (loc, sealed) => {
        const copy = Buffer.from(sealed);
        await ctx.codec.openAndVerify([{ id: loc.id, sealed: Buffer.from(copy), rawLength: loc.rawLength }]);
        await r.packer.add({ id: loc.id, type: loc.type, rawLength: loc.rawLength, sealed: copy });
        missingData.delete(loc.id);
        r.outcome.fromMarkedPacks++;
      });
    } catch (error) {
      // Deleted since it was marked, or damaged: try the source files. Anything else (the
      // vault out of reach) stops the flush; the snapshot waits for the next one.
      if (!isGone(error)) throw error;
    }
  }
}

/** 2. The source files, chunked again: a chunk with a wanted id is the recorded content. */
async function rereadSourceFiles(r: Repair): Promise<void> {
  const { ctx, missingData, packer } = r;
  const files = new Set<MissingFile>();
  for (const list of missingData.values()) for (const f of list) files.add(f);
  for (const file of files) {
    checkAbort(ctx.signal);
    const wanted = [...file.ids].filter((id) => missingData.has(id));
    if (wanted.length === 0 || !file.source) continue;
    try {
      for await (const batch of ctx.codec.chunkFile(file.source)) {
        const found = batch.filter((c) => missingData.has(c.id) && !packer.has(c.id));
        if (found.length === 0) continue;
        for (const sealed of await ctx.codec.compressAndSeal(found)) {
          await packer.add({ id: sealed.id, type: 'data', rawLength: sealed.rawLength, sealed: sealed.sealed });
          missingData.delete(sealed.id);
          r.outcome.fromSourceFiles++;
        }
      }
    } catch (error) {
      // The file is gone or unreadable now: its content stays missing.
      if (error instanceof CairnError && error.code === 'cancelled') throw error;
    }
  }
}

/** What is still missing, and the paths that lose content (the first few). */
function finish({ outcome, missingTrees, missingData }: Repair): RepairOutcome {
  outcome.stillMissing = missingTrees.length + missingData.size;
  const lost = new Set<string>();
  for (const t of missingTrees) lost.add(t.path === '' ? '/' : `${t.path}/`);
  for (const list of missingData.values()) for (const f of list) lost.add(f.path);
  outcome.lostPaths = [...lost].sort().slice(0, LOST_PATHS_SHOWN);
  return outcome;
}

async function loadMarked(ctx: RepairContext): Promise<Map<BlobId, BlobLocation>> {
  ctx.marked ??= await markedBlobs(ctx.vault);
  return ctx.marked;
}

async function fromMarkedPack(ctx: RepairContext, id: BlobId): Promise<Uint8Array | undefined> {
  const loc = (await loadMarked(ctx)).get(id);
  if (!loc) return undefined;
  try {
    const sealed = await ctx.vault.readSealedBlob(loc);
    const [plain] = await ctx.codec.openAndVerify([{ id, sealed, rawLength: loc.rawLength }]);
    return plain;
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/** The blob is not there (any more) or not intact: look elsewhere. */
function isGone(error: unknown): boolean {
  return error instanceof NotFoundError || error instanceof IntegrityError || (error as { code?: string }).code === 'not_found';
}

async function readTree(ctx: RepairContext, id: BlobId): Promise<Uint8Array> {
  const loc = ctx.db.getBlob(id);
  if (!loc) throw new CairnError('internal', `Tree ${id.slice(0, 12)}… vanished from the index while it was read. This is a bug in Cairn.`);
  const [plain] = await ctx.codec.openAndVerify([{ id, sealed: await ctx.vault.readSealedBlob(loc), rawLength: loc.rawLength }]);
  if (!plain) throw new CairnError('internal', `Tree ${id.slice(0, 12)}… could not be read.`);
  ctx.db.putTree(id, plain);
  return plain;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CairnError('cancelled', 'Uploading the outbox was cancelled. What is left stays in the outbox for the next sync.');
}

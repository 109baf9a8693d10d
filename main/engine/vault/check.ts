// `check`: every object the vault holds is verified on its own and a damaged one is named, never
// stopping the rest: vault.json (form and MAC), each key slot (checksum and MAC), device
// records, locks, index files, snapshot records; then every snapshot's trees and data exist
// where the index says (structure), and, with readData, every pack hashes to its id and every
// blob decrypts and hashes to its id.

import { CairnError } from '../../../shared/errors.ts';
import type { BlobId, DeviceId, PackId, SnapshotId } from '../../../shared/ids.ts';
import type { CheckReport, DamagedObject } from '../../../shared/models.ts';
import { formatBytes } from '../../../shared/format.ts';
import { parseKeySlot } from '../crypto/index.ts';
import type { BlobCodec } from './codec.ts';
import { decodePackHeader, keys, kinds, PACK_TRAILER_SIZE, packHeaderRange, packIdOf } from './format.ts';
import type { BlobLocation } from './format.ts';
import { listIndexIds, readIndexFile } from './index-sync.ts';
import { loadLostTrees } from './lost-trees.ts';
import { decodeTree, parseDeviceRecord, parseLockRecord } from './records.ts';
import type { SnapshotRecord } from './records.ts';
import type { Vault } from './vault.ts';
import { mapLimit } from '../concurrency.ts';
import { acquireLock, type HeldLock } from './locks.ts';

export interface CheckOptions {
  readData?: boolean;
  /**
   * With readData, only part `part` (1 to `of`) of the packs, chosen by their ids: reading a
   * different part on each of `of` days reads the whole vault in turn, a day's share at a time.
   */
  readDataSubset?: { part: number; of: number };
  onProgress?: (done: number, total: number, phase: string) => void;
  concurrency?: number;
}

const HEX16 = /^[0-9a-f]{16}$/;
const HEX64 = /^[0-9a-f]{64}$/;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A vanished object (deleted between list and get: a released lock, a pruned index) is no damage. */
const isNotFound = (error: unknown): boolean => error instanceof CairnError && error.code === 'not_found';

export interface LockedCheckOptions extends CheckOptions {
  device: string;
  deviceName?: string;
}

/** Said with the problems of a check that could not take a lock. */
export const UNLOCKED_CHECK_NOTE =
  "This check ran without a lock: the vault is read-only to this device. A prune on another device running meanwhile deletes packs and writes an index this check may have read halfway, which shows as missing data: run the check again to confirm these problems.";

/**
 * A check under a shared lock, as a backup takes one: a prune elsewhere (exclusive) neither runs
 * under it — deleting packs it listed, or writing an index naming packs it didn't list, all of
 * which it would report as missing — nor starts until it is done; a running prune makes it fail
 * with the vault's "in use" error. A vault this device may only read (read-only credentials or
 * mount) is checked without a lock, and problems found then carry UNLOCKED_CHECK_NOTE.
 */
export async function checkVaultLocked(vault: Vault, codec: BlobCodec, options: LockedCheckOptions): Promise<CheckReport> {
  let lock: HeldLock | undefined;
  try {
    lock = await acquireLock(vault, { exclusive: false, operation: 'check', device: options.device, ...(options.deviceName ? { deviceName: options.deviceName } : {}) });
  } catch (error) {
    if (!(error instanceof CairnError && error.code === 'access_denied')) throw error;
  }
  try {
    const report = await checkVault(vault, codec, options);
    if (!lock && !report.ok) report.warnings?.push(UNLOCKED_CHECK_NOTE);
    return report;
  } finally {
    await lock?.release().catch(() => undefined);
  }
}

/** What every pass shares: the vault, the report being filled, and how damage is recorded. */
interface CheckContext {
  vault: Vault;
  codec: BlobCodec;
  report: CheckReport;
  problems: string[];
  warnings: string[];
  damage: (key: string, kind: DamagedObject['kind'], problem: string) => void;
  listKeys: (prefix: string) => Promise<string[]>;
}

export async function checkVault(vault: Vault, codec: BlobCodec, options: CheckOptions = {}): Promise<CheckReport> {
  const problems: string[] = [];
  const damaged: DamagedObject[] = [];
  const warnings: string[] = [];
  const report: CheckReport = { ok: true, snapshots: 0, packs: 0, blobs: 0, bytesRead: 0, problems, damaged, warnings };
  const ctx: CheckContext = {
    vault,
    codec,
    report,
    problems,
    warnings,
    damage: (key, kind, problem) => {
      damaged.push({ key, kind, problem });
      problems.push(`${key} is damaged: ${problem.replace(/\.$/, '')}.`);
    },
    listKeys: async (prefix) => {
      const out: string[] = [];
      for await (const info of vault.store.list(prefix)) out.push(info.key);
      return out;
    },
  };
  await checkConfig(ctx);
  await checkKeySlots(ctx);
  await checkDevices(ctx);
  await checkLocks(ctx);
  const packSizes = await listPacks(ctx);
  const index = await readIndex(ctx, packSizes);
  await checkStructure(ctx, index, options.onProgress);
  if (options.readData) await readData(ctx, index, packSizes, options);
  report.ok = problems.length === 0;
  return report;
}

/** vault.json, as stored now (the vault may have been opened from a cached copy). */
async function checkConfig({ vault, damage }: CheckContext): Promise<void> {
  try {
    const problem = vault.configProblem(await vault.store.get(keys.config));
    if (problem) damage(keys.config, 'config', problem);
  } catch (error) {
    damage(keys.config, 'config', `it can't be read: ${messageOf(error)}`);
  }
}

/** Key slots: each checked on its own; the MAC proves it wraps this vault's key. */
async function checkKeySlots({ vault, damage, warnings, listKeys }: CheckContext): Promise<void> {
  await mapLimit(await listKeys(keys.keysPrefix), 8, async (key) => {
    try {
      const text = Buffer.from(await vault.store.get(key)).toString('utf8');
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        damage(key, 'keyslot', 'it is not valid JSON');
        return;
      }
      const slot = parseKeySlot(raw);
      const verdict = vault.verifySlot(slot);
      if (verdict === 'mismatch') damage(key, 'keyslot', `its MAC does not match: this ${slot.type} slot was not made with this vault's key, or was altered`);
      else if (JSON.stringify(raw, null, 2) !== text) damage(key, 'keyslot', 'its bytes differ from the form Cairn writes (damaged spacing)');
      else if (verdict === 'absent') warnings.push(`Key slot ${key} (${slot.type}) was written before slots had a MAC, so it can't be verified without its secret; the next backup adds one.`);
    } catch (error) {
      if (isNotFound(error)) return;
      damage(key, 'keyslot', messageOf(error).replace(/^The key slot is /, 'it is '));
    }
  });
}

async function checkDevices({ vault, damage, listKeys }: CheckContext): Promise<void> {
  await mapLimit(await listKeys(keys.devicesPrefix), 8, async (key) => {
    const id = key.slice(keys.devicesPrefix.length);
    if (!HEX16.test(id)) return void damage(key, 'device', 'its name is not a device id');
    try {
      const record = parseDeviceRecord(await vault.getSealedJson(key, kinds.device, id), id);
      if (record.id !== id) damage(key, 'device', `it holds the record of device ${record.id}`);
    } catch (error) {
      if (!isNotFound(error)) damage(key, 'device', messageOf(error));
    }
  });
}

/** Locks (taken and released all the time: one that vanished meanwhile was released). */
async function checkLocks({ vault, damage, listKeys }: CheckContext): Promise<void> {
  await mapLimit(await listKeys(keys.locksPrefix), 8, async (key) => {
    const id = key.slice(keys.locksPrefix.length);
    try {
      parseLockRecord(await vault.getSealedJson(key, kinds.lock, id), id);
    } catch (error) {
      if (!isNotFound(error)) damage(key, 'lock', messageOf(error));
    }
  });
}

/** Packs as stored, with their sizes. A name that isn't a pack id is a partial upload of a killed run. */
async function listPacks({ vault, report, problems, warnings }: CheckContext): Promise<Map<PackId, number>> {
  const packSizes = new Map<PackId, number>();
  let partial = 0;
  let partialBytes = 0;
  for await (const info of vault.store.list(keys.packsPrefix)) {
    const id = info.key.split('/').pop() as PackId;
    if (!HEX64.test(id)) {
      partial++;
      partialBytes += info.size;
      continue;
    }
    if (info.key !== keys.pack(id)) problems.push(`Unexpected object ${info.key} in data/.`);
    packSizes.set(id, info.size);
  }
  // Unfinished writes of killed runs that the store's listing hides (a local folder's temp files).
  for await (const info of vault.store.leftovers?.() ?? []) {
    partial++;
    partialBytes += info.size;
  }
  if (partial > 0) warnings.push(`${partial} partial upload(s) (${formatBytes(partialBytes)}), left by interrupted runs: no snapshot uses them; prune removes them once they are older than the vault's safety margin.`);
  report.packs = packSizes.size;
  return packSizes;
}

/** The index pass: every index file read fresh from storage (not the local cache), each entry placed inside a stored pack. */
async function readIndex({ vault, report, problems, damage }: CheckContext, packSizes: Map<PackId, number>): Promise<Map<BlobId, BlobLocation>> {
  const index = new Map<BlobId, BlobLocation>();
  await mapLimit([...(await listIndexIds(vault))], 8, async (id) => {
    try {
      // A missing pack is one problem, however many of its blobs the index lists (it was one line per blob).
      const missing = new Map<PackId, number>();
      for (const loc of await readIndexFile(vault, id)) {
        if (!index.has(loc.id)) index.set(loc.id, loc);
        const size = packSizes.get(loc.pack);
        if (size === undefined) missing.set(loc.pack, (missing.get(loc.pack) ?? 0) + 1);
        else if (loc.offset + loc.length > size - PACK_TRAILER_SIZE) problems.push(`Index ${id} places blob ${loc.id.slice(0, 12)}… past the end of pack ${loc.pack.slice(0, 12)}….`);
      }
      for (const [pack, blobs] of missing) {
        problems.push(`Index ${id} lists pack ${pack.slice(0, 12)}…, which is missing from storage (${blobs} blob${blobs === 1 ? '' : 's'} in it).`);
        if (!report.missingPacks?.includes(pack)) (report.missingPacks ??= []).push(pack);
      }
    } catch (error) {
      if (!isNotFound(error)) damage(keys.index(id), 'index', messageOf(error));
    }
  });
  report.blobs = index.size;
  return index;
}

/** Snapshot records, each on its own, sorted oldest first. */
async function loadSnapshots({ vault, damage, listKeys }: CheckContext): Promise<SnapshotRecord[]> {
  const snapshots: SnapshotRecord[] = [];
  const refs: { device: DeviceId; id: SnapshotId }[] = [];
  for (const key of await listKeys(keys.snapshotsPrefix())) {
    const [, device = '', id = '', ...rest] = key.split('/');
    if (rest.length > 0 || !HEX16.test(device) || !HEX64.test(id)) damage(key, 'snapshot', 'its name is not snapshots/<device id>/<snapshot id>');
    else refs.push({ device: device as DeviceId, id: id as SnapshotId });
  }
  await mapLimit(refs, 8, async (r) => {
    try {
      snapshots.push(await vault.loadSnapshot(r.device, r.id));
    } catch (error) {
      if (!isNotFound(error)) damage(keys.snapshot(r.device, r.id), 'snapshot', messageOf(error));
    }
  });
  return snapshots.sort((a, b) => a.time.localeCompare(b.time));
}

/** The structure pass: every snapshot's trees can be read and every blob they name is in the index. */
async function checkStructure(ctx: CheckContext, index: Map<BlobId, BlobLocation>, onProgress: CheckOptions['onProgress']): Promise<void> {
  const { vault, codec, report, problems } = ctx;
  const snapshots = await loadSnapshots(ctx);
  report.snapshots = snapshots.length;
  const seenTrees = new Set<BlobId>();
  const lost = await loadLostTrees(vault);
  const readTree = async (id: BlobId) => {
    const loc = index.get(id);
    // One a repair recorded is still damage to its snapshots, but nothing more to repair.
    if (!loc && lost.has(id)) throw new Error(`its listing (tree ${id.slice(0, 12)}…) was lost (its pack missing, or its bytes damaged); a repair recorded it`);
    if (!loc) {
      report.missingTrees = (report.missingTrees ?? 0) + 1;
      throw new Error(`tree blob ${id.slice(0, 12)}… is not in the index`);
    }
    const sealed = await vault.readSealedBlob(loc);
    const [plain] = await codec.openAndVerify([{ id, sealed, rawLength: loc.rawLength }]);
    return decodeTree(plain as Uint8Array, id);
  };
  let visited = 0;
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
        // One problem per file, however many of its blobs are gone (it was one line per blob).
        const gone = (e.content ?? []).filter((blob) => !index.has(blob));
        const first = gone[0];
        if (first) problems.push(`${where}: file '${p}': ${gone.length === 1 ? `blob ${first.slice(0, 12)}… is missing` : `${gone.length} of its ${e.content?.length ?? 0} blobs are missing (${first.slice(0, 12)}…, …)`}: it can't be restored from this snapshot.`);
      }
    };
    await visit(snap.tree, '');
    if (snap.catalog) await visit(snap.catalog, '(session catalog)');
    onProgress?.(++visited, snapshots.length, 'snapshots');
  }
}

/** The --read-data pass: every pack hashes to its id, and every blob in it decrypts and hashes to its id. */
async function readData(ctx: CheckContext, index: Map<BlobId, BlobLocation>, packSizes: Map<PackId, number>, options: CheckOptions): Promise<void> {
  const { report } = ctx;
  const byPack = new Map<PackId, BlobLocation[]>();
  for (const loc of index.values()) {
    let list = byPack.get(loc.pack);
    if (!list) byPack.set(loc.pack, (list = []));
    list.push(loc);
  }
  let done = 0;
  let unreferenced = 0;
  const subset = options.readDataSubset;
  const packs = [...packSizes.keys()].filter((pack) => !subset || Number.parseInt(pack.slice(0, 8), 16) % subset.of === subset.part - 1);
  report.packsRead = packs.length;
  await mapLimit(packs, options.concurrency ?? 4, async (pack) => {
    try {
      const indexed = byPack.get(pack) ?? [];
      if ((await readPack(ctx, pack, indexed)) && indexed.length === 0) unreferenced++;
    } finally {
      options.onProgress?.(++done, packs.length, 'packs');
    }
  });
  // Packs no index lists are left by interrupted runs: harmless, and removed by prune.
  report.unreferencedPacks = unreferenced;
}

/**
 * Reads and verifies one pack: every blob in it, one by one where a group of them fails, so that
 * the damaged ones are named (report.damagedBlobs: `check --read-data --repair` takes them out of
 * the index). A damaged blob no index lists (a repair took it out) is dead data, not a problem.
 * False when it couldn't be opened as a pack at all.
 */
async function readPack({ vault, codec, report, warnings, damage }: CheckContext, pack: PackId, indexed: readonly BlobLocation[]): Promise<boolean> {
  const key = keys.pack(pack);
  try {
    const bytes = await vault.store.get(key);
    report.bytesRead += bytes.length;
    const hashes = packIdOf(bytes) === pack;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const range = packHeaderRange(buf.length, buf.subarray(Math.max(0, buf.length - PACK_TRAILER_SIZE)));
    if (!range) {
      damage(key, 'pack', hashes ? 'it has no valid trailer' : 'it does not hash to its id, and has no valid trailer: it is corrupt or was modified');
      return false;
    }
    const header = decodePackHeader(vault.open(kinds.packHeader, '', buf.subarray(range.offset, range.offset + range.length)), pack);
    const items = header.map((h) => ({ id: h.id, rawLength: h.rawLength, sealed: buf.subarray(h.offset, h.offset + h.length) }));
    const bad: BlobId[] = [];
    for (let i = 0; i < items.length; i += 64) {
      const group = items.slice(i, i + 64);
      const ok = await codec.openAndVerify(group).then(() => true, () => false);
      if (ok) continue;
      for (const item of group) if (!(await codec.openAndVerify([item]).then(() => true, () => false))) bad.push(item.id);
    }
    const used = new Set(indexed.map((l) => l.id));
    const live = bad.filter((id) => used.has(id));
    for (const id of live) (report.damagedBlobs ??= []).push({ pack, id });
    if (live.length > 0) {
      damage(key, 'pack', `${hashes ? '' : 'it does not hash to its id, and '}${live.length} of its ${items.length} blobs ${live.length === 1 ? 'fails' : 'fail'} authentication: it is corrupt or was modified`);
    } else if (!hashes && bad.length === 0) {
      damage(key, 'pack', 'it does not hash to its id: it is corrupt or was modified (every blob in it still verifies)');
    } else if (bad.length > 0) {
      warnings.push(`${key} holds ${bad.length === 1 ? 'a damaged blob' : `${bad.length} damaged blobs`} no index lists (taken out by a repair): nothing uses ${bad.length === 1 ? 'it' : 'them'}, and ${bad.length === 1 ? 'it goes' : 'they go'} when prune rewrites that pack.`);
    }
    return true;
  } catch (error) {
    if (!isNotFound(error)) damage(key, 'pack', `it can't be read: ${messageOf(error)}`);
    return false;
  }
}

// Uploads what the outbox holds once the vault can be reached again. Under a shared lock (so no
// prune runs meanwhile), it first checks what each waiting snapshot relied on: the index files it
// counted as stored when its backup started (a prune on another device may have replaced them),
// its own index files, and its packs uploaded by an earlier flush that was interrupted (a prune
// removes packs no index lists; an index file naming such a pack is not uploaded). A snapshot
// whose batch passes goes up as it is. One that doesn't is never dropped: when its turn comes,
// every blob it references is checked against the index as it is then, and what is missing is
// stored again (repair.ts: from packs a prune marked, the tree cache, or the source files). Only
// a snapshot whose every blob is in the vault goes up; one whose data is gone here too keeps
// waiting, and the result says which files and why. Objects go up in journal order: packs of a
// run concurrently, every other object alone after everything before it, so an index file
// follows its packs and a snapshot follows its index. Each object leaves the spool once stored;
// a flush killed anywhere resumes with the rest (objects are content-addressed or uniquely
// named, so uploading one twice is harmless).

import { CairnError } from '../../../shared/errors.ts';
import type { DeviceId, SnapshotId } from '../../../shared/ids.ts';
import type { StateDb } from '../state/index.ts';
import { keys, kinds, parseSnapshotRecord, syncIndex, withLock } from '../vault/index.ts';
import { mapLimit } from '../concurrency.ts';
import type { BlobCodec, Vault } from '../vault/index.ts';
import type { BlobId } from '../../../shared/ids.ts';
import type { OutboxBlobStore, OutboxEntry } from './outbox-blob-store.ts';
import { repairSnapshot } from './repair.ts';
import type { RepairContext, RepairOutcome } from './repair.ts';

export interface FlushProgress {
  objectsDone: number;
  objectsTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

/** Only a snapshot sealed for another vault (the vault at this location was recreated) is dropped. */
export type DropReason = 'other-vault';

export interface DroppedSnapshot {
  device: DeviceId;
  id: SnapshotId;
  reason: DropReason;
}

/** A snapshot that stays in the outbox: some of its data is neither in the vault nor here. */
export interface WaitingSnapshot {
  device: DeviceId;
  id: SnapshotId;
  /** Blobs still missing. */
  missingBlobs: number;
  /** Snapshot paths (`label/rel`, a folder with a trailing `/`) whose content is gone (the first 10). */
  lostPaths: string[];
  message: string;
}

/** A snapshot whose data a prune removed meanwhile, stored again before it went up. */
export interface RepairedSnapshot {
  device: DeviceId;
  id: SnapshotId;
  /** Blobs stored again, by where they came from. */
  fromMarkedPacks: number;
  fromTreeCache: number;
  fromSourceFiles: number;
}

export interface FlushResult {
  uploadedObjects: number;
  uploadedBytes: number;
  /** Snapshots now stored in the vault, in upload order. */
  snapshots: { device: DeviceId; id: SnapshotId }[];
  /** Snapshots removed without upload: sealed for another vault (the one at this location was recreated). */
  dropped: DroppedSnapshot[];
  /** Snapshots whose batch failed the quick index-file check and were checked blob by blob. */
  rechecked: number;
  /** Uploaded after their missing data was stored again. */
  repaired: RepairedSnapshot[];
  /** Still in the outbox: data they reference is gone from the vault and from this device. */
  waiting: WaitingSnapshot[];
  /** A snapshot keeps waiting: back up again now to capture the current state. */
  needsBackup: boolean;
}

export interface FlushOptions {
  outbox: OutboxBlobStore;
  /** The vault, through the outbox (locks and the index sync use it; it must not be spooling). */
  vault: Vault;
  db: StateDb;
  /** Seals what a waiting snapshot needs stored again (see repair.ts). */
  codec: BlobCodec;
  /** This device, for the lock record. */
  device: string;
  /** Packs uploaded at once. Default 4. */
  concurrency?: number;
  lockStaleMs?: number;
  now?: () => number;
  onProgress?: (progress: FlushProgress) => void;
  signal?: AbortSignal;
}

const INDEX = keys.indexPrefix;
const PACKS = keys.packsPrefix;

export async function flushOutbox(flushOptions: FlushOptions): Promise<FlushResult> {
  // Every storage call of the flush obeys its cancel signal (an upload in flight is aborted).
  const options = { ...flushOptions, vault: flushOptions.vault.withSignal(flushOptions.signal) };
  const { outbox, vault } = options;
  const call = options.signal ? { signal: options.signal } : {};
  const result: FlushResult = { uploadedObjects: 0, uploadedBytes: 0, snapshots: [], dropped: [], rechecked: 0, repaired: [], waiting: [], needsBackup: false };
  if (outbox.mode !== 'online') throw new CairnError('internal', 'The outbox is still spooling; stop spooling before flushing it. This is a bug in Cairn.');
  if (!outbox.hasPending()) {
    await outbox.compact();
    return result;
  }
  const remote = outbox.remote;
  try {
    await withLock(vault, { exclusive: false, operation: 'outbox', device: options.device, staleMs: options.lockStaleMs, now: options.now }, async () => {
      const { suspect, indexIds } = await checkWhatEachReliedOn(options, result);
      const todo = outbox.entries().filter((e) => e.spooled);
      const repair = repairer(options, indexIds);
      const progress: FlushProgress = { objectsDone: 0, objectsTotal: todo.length, bytesDone: 0, bytesTotal: todo.reduce((n, e) => n + e.size, 0) };
      options.onProgress?.({ ...progress });
      const upload = async (entry: OutboxEntry) => {
        checkAbort(options.signal);
        const bytes = await outbox.readSpooled(entry.key);
        const ref = snapshotRef(entry.key);
        if (ref && suspect.has(entry.batch)) {
          const outcome = await repair(ref, bytes);
          result.rechecked++;
          if (outcome.stillMissing > 0) {
            result.waiting.push(waitingOf(ref, outcome));
            result.needsBackup = true;
            progress.objectsDone++;
            progress.bytesDone += bytes.length;
            options.onProgress?.({ ...progress });
            return;
          }
          if (outcome.missing > 0) result.repaired.push({ ...ref, fromMarkedPacks: outcome.fromMarkedPacks, fromTreeCache: outcome.fromTreeCache, fromSourceFiles: outcome.fromSourceFiles });
        }
        await remote.put(entry.key, bytes, call);
        await outbox.removeSpooled(entry.key);
        result.uploadedObjects++;
        result.uploadedBytes += bytes.length;
        if (ref) result.snapshots.push(ref);
        progress.objectsDone++;
        progress.bytesDone += bytes.length;
        options.onProgress?.({ ...progress });
      };
      const concurrency = Math.max(1, options.concurrency ?? 4);
      for (let i = 0; i < todo.length; ) {
        const entry = todo[i] as OutboxEntry;
        if (!entry.key.startsWith(PACKS)) {
          await upload(entry);
          i++;
          continue;
        }
        let end = i;
        while (end < todo.length && (todo[end] as OutboxEntry).key.startsWith(PACKS)) end++;
        await runLimited(todo.slice(i, end), concurrency, upload);
        i = end;
      }
    });
  } finally {
    await outbox.compact();
  }
  // The uploaded index files are known already; index files a prune removed are forgotten here.
  await syncIndex(vault, options.db);
  return result;
}

/**
 * Checks a suspect snapshot when its turn comes (everything before it in the journal is stored):
 * the first time, brings the index cache to the vault's index as it is now (plus what this flush
 * will still upload), then stores again what the snapshot lacks (repair.ts).
 */
function repairer(options: FlushOptions, indexIds: ReadonlySet<string>): (ref: { device: DeviceId; id: SnapshotId }, sealed: Uint8Array) => Promise<RepairOutcome> {
  const { vault, db, codec, signal } = options;
  const ctx: RepairContext = { vault, db, codec, complete: new Set<BlobId>(), ...(signal ? { signal } : {}) };
  let synced = false;
  return async (ref, sealed) => {
    if (!synced) {
      await syncIndex(vault, db, await confirmIndexIds(options, indexIds));
      synced = true;
    }
    const name = `${ref.device}/${ref.id}`;
    const snapshot = parseSnapshotRecord(JSON.parse(Buffer.from(vault.open(kinds.snapshot, name, sealed)).toString('utf8')), name);
    return repairSnapshot(ctx, snapshot);
  };
}

/**
 * Checks, per batch, whether what its snapshot relied on is still in the vault. Returns the
 * batches whose snapshots must be checked blob by blob before they go up (`suspect`) and the
 * index files the vault will hold once this flush is done (`indexIds`). Index files that name
 * packs a prune removed, and the index files and snapshots of a damaged batch, are not uploaded
 * as they are: they could point at data that isn't there. A batch sealed for another vault is
 * removed whole.
 */
async function checkWhatEachReliedOn(options: FlushOptions, result: FlushResult): Promise<{ suspect: Set<string>; indexIds: Set<string> }> {
  const { outbox, vault } = options;
  const remote = outbox.remote;
  const entries = outbox.entries();
  const byBatch = new Map<string, OutboxEntry[]>();
  for (const e of entries) {
    let list = byBatch.get(e.batch);
    if (!list) byBatch.set(e.batch, (list = []));
    list.push(e);
  }
  const batches = outbox.batches();
  const suspect = new Set<string>();
  // Batches whose own index files must not go up: their packs are gone, or their journal is damaged.
  const untrusted = new Set<string>();
  for (const batch of batches) {
    const own = byBatch.get(batch.id) ?? [];
    if (batch.vaultId !== vault.id) {
      // Sealed with another vault's keys: nothing of it may go up.
      for (const e of own) if (e.spooled) await drop(e);
      continue;
    }
    if (batch.damaged) untrusted.add(batch.id);
    else if (own.some((e) => e.spooled && !e.key.startsWith(PACKS))) {
      // Packs an interrupted flush uploaded must still be there for the index files that list them.
      for (const e of own) {
        if (e.spooled || !e.key.startsWith(PACKS)) continue;
        checkAbort(options.signal);
        if ((await remote.stat(e.key, { signal: options.signal })) === undefined) {
          untrusted.add(batch.id);
          break;
        }
      }
    }
  }
  for (const id of untrusted) {
    suspect.add(id);
    for (const e of byBatch.get(id) ?? []) if (e.spooled && e.key.startsWith(INDEX)) await outbox.removeSpooled(e.key);
  }

  const remoteIndex = new Set<string>();
  for await (const info of remote.list(INDEX, { signal: options.signal })) remoteIndex.add(info.key.slice(INDEX.length));
  // Index files that will be in the vault once this flush is done.
  const available = new Set(remoteIndex);
  for (const e of outbox.entries()) if (e.spooled && e.key.startsWith(INDEX)) available.add(e.key.slice(INDEX.length));

  for (const batch of batches) {
    if (batch.vaultId !== vault.id || suspect.has(batch.id)) continue;
    const own = byBatch.get(batch.id) ?? [];
    const needed = [...batch.indexIds, ...own.filter((e) => e.key.startsWith(INDEX)).map((e) => e.key.slice(INDEX.length))];
    if (!needed.every((id) => available.has(id))) suspect.add(batch.id);
  }
  return { suspect, indexIds: available };

  async function drop(entry: OutboxEntry): Promise<void> {
    await outbox.removeSpooled(entry.key);
    const ref = snapshotRef(entry.key);
    if (ref) result.dropped.push({ ...ref, reason: 'other-vault' });
  }
}

/**
 * The index files the vault holds now, by a stat of each one listed (a listing lags the deletes
 * of a prune that just finished; a read doesn't), plus those this flush has still to upload.
 */
async function confirmIndexIds(options: FlushOptions, expected: ReadonlySet<string>): Promise<Set<string>> {
  const spooled = new Set(options.outbox.entries().filter((e) => e.spooled && e.key.startsWith(INDEX)).map((e) => e.key.slice(INDEX.length)));
  const out = new Set<string>(spooled);
  const listed = new Set<string>();
  for await (const info of options.outbox.remote.list(INDEX, { signal: options.signal })) listed.add(info.key.slice(INDEX.length));
  for (const id of expected) if (!spooled.has(id)) listed.add(id);
  await mapLimit([...listed], 8, async (id) => {
    if ((await options.outbox.remote.stat(keys.index(id), { signal: options.signal })) !== undefined) out.add(id);
  });
  return out;
}

function waitingOf(ref: { device: DeviceId; id: SnapshotId }, outcome: RepairOutcome): WaitingSnapshot {
  const shown = outcome.lostPaths.join(', ');
  const message =
    `Snapshot ${ref.id.slice(0, 8)} stays in the outbox: another device pruned data it refers to, and ${outcome.stillMissing} ` +
    `piece(s) of it are no longer on this device either (the files changed or were deleted since): ${shown}. ` +
    'Everything else was uploaded; a fresh backup captures the current files. The next sync checks again.';
  return { ...ref, missingBlobs: outcome.stillMissing, lostPaths: outcome.lostPaths, message };
}

function snapshotRef(key: string): { device: DeviceId; id: SnapshotId } | undefined {
  const parts = key.split('/');
  if (parts.length !== 3 || parts[0] !== 'snapshots') return undefined;
  return { device: parts[1] as DeviceId, id: parts[2] as SnapshotId };
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CairnError('cancelled', 'Uploading the outbox was cancelled. What is left stays in the outbox for the next sync.');
}

async function runLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

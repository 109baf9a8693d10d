// Uploads what the outbox holds once the vault can be reached again. Under a shared lock (so no
// prune runs meanwhile), it first checks that what each waiting snapshot relied on is still in
// the vault: the index files it counted as stored when its backup started (a prune on another
// device may have rewritten them and removed data), its own index files, and its packs uploaded
// by an earlier flush that was interrupted (a prune removes packs no index lists). A snapshot
// whose data can't be vouched for is dropped, never uploaded; its packs and index files still
// go up, and the caller is told a fresh backup is needed. Then the objects are uploaded in
// journal order: packs of a run concurrently, every other object alone after everything before
// it, so an index file follows its packs and a snapshot follows its index. Each object leaves
// the spool once stored; a flush killed anywhere resumes with the rest (objects are
// content-addressed or uniquely named, so uploading one twice is harmless).

import { CairnError } from '../../../shared/errors.ts';
import type { DeviceId, SnapshotId } from '../../../shared/ids.ts';
import type { StateDb } from '../state/index.ts';
import { keys, syncIndex, withLock } from '../vault/index.ts';
import type { Vault } from '../vault/index.ts';
import type { OutboxBlobStore, OutboxEntry } from './outbox-blob-store.ts';

export interface FlushProgress {
  objectsDone: number;
  objectsTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export type DropReason = 'pruned' | 'other-vault' | 'damaged';

export interface DroppedSnapshot {
  device: DeviceId;
  id: SnapshotId;
  reason: DropReason;
}

export interface FlushResult {
  uploadedObjects: number;
  uploadedBytes: number;
  /** Snapshots now stored in the vault, in upload order. */
  snapshots: { device: DeviceId; id: SnapshotId }[];
  /** Snapshots not uploaded: the data they point at is gone (or they belong to another vault). */
  dropped: DroppedSnapshot[];
  /** A waiting snapshot was dropped: back up again now to capture the current state. */
  needsBackup: boolean;
}

export interface FlushOptions {
  outbox: OutboxBlobStore;
  /** The vault, through the outbox (locks and the index sync use it; it must not be spooling). */
  vault: Vault;
  db: StateDb;
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
const SNAPSHOTS = keys.snapshotsPrefix();
const PACKS = keys.packsPrefix;

export async function flushOutbox(options: FlushOptions): Promise<FlushResult> {
  const { outbox, vault } = options;
  const result: FlushResult = { uploadedObjects: 0, uploadedBytes: 0, snapshots: [], dropped: [], needsBackup: false };
  if (outbox.mode !== 'online') throw new CairnError('internal', 'The outbox is still spooling; stop spooling before flushing it. This is a bug in Cairn.');
  if (!outbox.hasPending()) {
    await outbox.compact();
    return result;
  }
  const remote = outbox.remote;
  try {
    await withLock(vault, { exclusive: false, operation: 'outbox', device: options.device, staleMs: options.lockStaleMs, now: options.now }, async () => {
      await dropWhatCantBeVouchedFor(options, result);
      const todo = outbox.entries().filter((e) => e.spooled);
      const progress: FlushProgress = { objectsDone: 0, objectsTotal: todo.length, bytesDone: 0, bytesTotal: todo.reduce((n, e) => n + e.size, 0) };
      options.onProgress?.({ ...progress });
      const upload = async (entry: OutboxEntry) => {
        checkAbort(options.signal);
        const bytes = await outbox.readSpooled(entry.key);
        await remote.put(entry.key, bytes);
        await outbox.removeSpooled(entry.key);
        result.uploadedObjects++;
        result.uploadedBytes += bytes.length;
        const ref = snapshotRef(entry.key);
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

/** Removes from the spool the snapshots (and, for damaged batches, index files) that must not go up. */
async function dropWhatCantBeVouchedFor(options: FlushOptions, result: FlushResult): Promise<void> {
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
  const reasons = new Map<string, DropReason>(); // batch id -> why its index files and snapshots go
  for (const batch of batches) {
    const own = byBatch.get(batch.id) ?? [];
    if (batch.vaultId !== vault.id) reasons.set(batch.id, 'other-vault');
    else if (batch.damaged) reasons.set(batch.id, 'damaged');
    else if (own.some((e) => e.spooled && !e.key.startsWith(PACKS))) {
      // Packs an interrupted flush uploaded must still be there for the index files that list them.
      for (const e of own) {
        if (e.spooled || !e.key.startsWith(PACKS)) continue;
        checkAbort(options.signal);
        if ((await remote.stat(e.key)) === undefined) {
          reasons.set(batch.id, 'pruned');
          break;
        }
      }
    }
  }

  const remoteIndex = new Set<string>();
  for await (const info of remote.list(INDEX)) remoteIndex.add(info.key.slice(INDEX.length));
  // Index files that will be in the vault once this flush is done.
  const available = new Set(remoteIndex);
  for (const e of entries) if (e.spooled && e.key.startsWith(INDEX) && !reasons.has(e.batch)) available.add(e.key.slice(INDEX.length));

  for (const batch of batches) {
    const own = byBatch.get(batch.id) ?? [];
    if (reasons.get(batch.id) === 'other-vault') {
      // Sealed with another vault's keys: nothing of it may go up.
      for (const e of own) if (e.spooled) await drop(e, 'other-vault');
      continue;
    }
    const reason = reasons.get(batch.id);
    if (reason) {
      for (const e of own) if (e.spooled && !e.key.startsWith(PACKS)) await drop(e, reason);
      continue;
    }
    const needed = [...batch.indexIds, ...own.filter((e) => e.key.startsWith(INDEX)).map((e) => e.key.slice(INDEX.length))];
    if (needed.every((id) => available.has(id))) continue;
    for (const e of own) if (e.spooled && e.key.startsWith(SNAPSHOTS)) await drop(e, 'pruned');
  }

  async function drop(entry: OutboxEntry, reason: DropReason): Promise<void> {
    await outbox.removeSpooled(entry.key);
    const ref = snapshotRef(entry.key);
    if (ref) {
      result.dropped.push({ ...ref, reason });
      if (reason !== 'other-vault') result.needsBackup = true;
    }
  }
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

// Vault locks without conditional writes (B2 and MinIO don't all honour them): a process writes
// its own lock object, then lists the others. Two processes that race both see each other, so
// at least one backs off. Backups take shared locks; prune takes an exclusive one. A lock not
// refreshed for `staleMs` is considered abandoned (a crashed or killed process).

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { LockedError } from '../../../shared/errors.ts';
import { keys, kinds } from './format.ts';
import { parseLockRecord } from './records.ts';
import type { LockRecord } from './records.ts';
import { mapLimit, settleAll } from './vault.ts';
import type { Vault } from './vault.ts';

export const DEFAULT_LOCK_STALE_MS = 30 * 60 * 1000;

export interface LockOptions {
  exclusive: boolean;
  operation: string;
  device: string;
  deviceName?: string;
  staleMs?: number;
  now?: () => number;
  /**
   * Runs once this lock is written, alongside the check for other holders (saves a round trip).
   * If it throws, the lock is removed and the error is thrown.
   */
  whileChecking?: () => Promise<void>;
}

export interface HeldLock {
  readonly record: LockRecord;
  refresh(): Promise<void>;
  release(): Promise<void>;
}

/** Every lock in the vault, except `skip` (a lock of our own: no need to read it back). */
export async function listLocks(vault: Vault, skip?: string): Promise<LockRecord[]> {
  const ids: string[] = [];
  for await (const info of vault.store.list(keys.locksPrefix)) {
    const id = info.key.slice(keys.locksPrefix.length);
    if (id !== skip) ids.push(id);
  }
  const records = await mapLimit(ids, 8, async (id) => {
    try {
      return parseLockRecord(await vault.getSealedJson(keys.lock(id), kinds.lock, id), id);
    } catch (error) {
      // A lock deleted between list and get was released: not a holder.
      if ((error as { code?: string }).code === 'not_found') return undefined;
      throw error;
    }
  });
  return records.filter((r) => r !== undefined);
}

function isStale(lock: LockRecord, now: number, staleMs: number): boolean {
  return now - Date.parse(lock.refreshedAt) > staleMs;
}

/**
 * Locks this process could not delete when it released them (the vault was unreachable by then),
 * per vault location: deleted at its next acquire there, so they don't block other devices'
 * prunes until they go stale.
 */
const unreleased = new Map<string, Set<string>>();

async function deleteUnreleased(vault: Vault): Promise<void> {
  const ids = unreleased.get(vault.store.location);
  if (!ids || ids.size === 0) return;
  await mapLimit([...ids], 8, async (id) => {
    try {
      await vault.store.delete(keys.lock(id));
      ids.delete(id);
    } catch {
      // Still unreachable or refused: try again next time; staleness covers the rest.
    }
  });
}

/** A lock this device's host holds for a process that no longer runs: it was killed mid-operation. */
function orphanOf(lock: LockRecord, device: string): boolean {
  if (lock.device !== device || lock.hostname !== hostname() || lock.pid === process.pid) return false;
  try {
    process.kill(lock.pid, 0);
    return false; // alive (or a reused pid: then the lock waits until it is stale)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export async function acquireLock(vault: Vault, options: LockOptions): Promise<HeldLock> {
  const now = options.now ?? Date.now;
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
  const id = randomBytes(16).toString('hex');
  const at = new Date(now()).toISOString();
  let record: LockRecord = {
    version: 1,
    id,
    device: options.device,
    hostname: hostname(),
    pid: process.pid,
    exclusive: options.exclusive,
    operation: options.operation,
    createdAt: at,
    refreshedAt: at,
  };
  const write = () => vault.putSealedJson(keys.lock(id), kinds.lock, id, record);
  await settleAll([write(), deleteUnreleased(vault)]);
  let locks: LockRecord[];
  try {
    [locks] = await settleAll([listLocks(vault, id), options.whileChecking?.() ?? Promise.resolve()]);
  } catch (error) {
    await vault.store.delete(keys.lock(id)).catch(() => undefined);
    throw error;
  }
  // Locks of this device's processes that died (killed, crashed) are removed, not waited for.
  const orphans = locks.filter((l) => orphanOf(l, options.device));
  await mapLimit(orphans, 8, (l) => vault.store.delete(keys.lock(l.id)).catch(() => undefined));
  const others = locks.filter((l) => !isStale(l, now(), staleMs) && !orphans.includes(l));
  const blocking = options.exclusive ? others : others.filter((l) => l.exclusive);
  if (blocking.length > 0) {
    await vault.store.delete(keys.lock(id));
    const b = blocking[0] as LockRecord;
    const what = b.exclusive ? `an exclusive lock (${b.operation})` : `a ${b.operation} lock`;
    throw new LockedError(
      `The vault is in use: ${what} is held by device ${b.device} on ${b.hostname} since ${b.createdAt}. ` +
        `Try again when it finishes; a lock older than ${Math.round(staleMs / 60000)} minutes without refresh is ignored.`,
    );
  }
  let released = false;
  return {
    get record() {
      return record;
    },
    async refresh() {
      if (released) return;
      record = { ...record, refreshedAt: new Date(now()).toISOString() };
      await write();
    },
    async release() {
      if (released) return;
      released = true;
      try {
        await vault.store.delete(keys.lock(id));
      } catch (error) {
        let ids = unreleased.get(vault.store.location);
        if (!ids) unreleased.set(vault.store.location, (ids = new Set()));
        ids.add(id);
        throw error;
      }
    },
  };
}

/** Holds a lock for the duration of `fn`, refreshing it so long operations don't go stale. */
export async function withLock<T>(vault: Vault, options: LockOptions, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
  const lock = await acquireLock(vault, options);
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
  const timer = setInterval(() => void lock.refresh().catch(() => undefined), Math.max(1000, staleMs / 3));
  timer.unref();
  try {
    return await fn(lock);
  } finally {
    clearInterval(timer);
    await lock.release().catch(() => undefined);
  }
}

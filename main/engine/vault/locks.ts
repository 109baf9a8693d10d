// Vault locks that hold on real object stores, whose listings lag writes and deletes, whose
// clocks differ from ours, and only some of which honour conditional writes. Backups (and
// outbox flushes, restores) take shared locks; prune takes the exclusive one.
//
// The protocol, with L the bound on the store's listing lag (BlobStore.listingLagMs):
// - shared: write `locks/<id>`, then look for an exclusive holder — with conditional writes by
//   reading `locks/exclusive` (reads are consistent), otherwise by listing. No waiting.
// - exclusive, where the store honours If-None-Match: create `locks/exclusive` only if absent
//   (so two prunes can't both hold it), wait L, then list: every shared lock written before ours
//   is listed by then, and every one written after it sees ours when it reads `locks/exclusive`.
// - exclusive otherwise: write `locks/<id>`, wait 2L, then list: a shared lock written up to L
//   after ours is listed by then; one written later lists ours and backs off.
// Whoever sees a conflict removes its own lock and backs off (both may: a tie), retrying with
// jitter while the caller's `waitMs` lasts. A held lock rewrites itself every staleMs / 5, and a
// lock counts as stale only when the STORE's clock says it wasn't rewritten for staleMs: its
// modifiedAt is compared with our own lock's, never with the local clock.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { LockedError } from '../../../shared/errors.ts';
import { boundSignal, raceAbort, systemClock, unbound, type BlobStore, type Clock } from '../storage/index.ts';
import { keys, kinds } from './format.ts';
import { parseLockRecord } from './records.ts';
import type { LockRecord } from './records.ts';
import { mapLimit, settleAll } from '../concurrency.ts';
import type { Vault } from './vault.ts';
import { conditionalWrites, listingLagOf } from './capabilities.ts';

/** A lock not rewritten for this long (by the store's clock) belongs to a process that died. */
export const DEFAULT_LOCK_STALE_MS = 15 * 60 * 1000;
/** The key of the exclusive lock on stores with conditional writes. */
export const EXCLUSIVE_LOCK_ID = 'exclusive';

export interface LockOptions {
  exclusive: boolean;
  operation: string;
  device: string;
  deviceName?: string;
  staleMs?: number;
  /** The local clock, for the times written into the record (shown to people, never compared). */
  now?: () => number;
  /** Waits (the listing-lag wait, backoff, refresh) and their clock. Default: real time. */
  clock?: Clock;
  /** How long to keep trying while another holder blocks. Default 0: fail at once. */
  waitMs?: number;
  /** The listing-lag bound to wait out. Default: the store's (BlobStore.listingLagMs). */
  lagMs?: number;
  /** Rewrite the lock while held (default true). */
  refresh?: boolean;
  /**
   * Runs once this lock is written, alongside the check for other holders (saves a round trip).
   * If it throws, the lock is removed and the error is thrown.
   */
  whileChecking?: () => Promise<void>;
}

export interface HeldLock {
  readonly record: LockRecord;
  /** The store's time now, estimated from our lock's modifiedAt plus the time since (local elapsed). */
  storeNow(): number;
  refresh(): Promise<void>;
  release(): Promise<void>;
}

/** A lock as found in the vault, with the store's time of its last rewrite. */
export interface FoundLock extends LockRecord {
  key: string;
  modifiedAt: number | undefined;
}

/** Every lock in the vault, except `skip` (a lock of our own: no need to read it back). */
export async function listLocks(vault: Vault, skip?: string): Promise<FoundLock[]> {
  const found: { id: string; key: string; modifiedAt: number | undefined }[] = [];
  for await (const info of vault.store.list(keys.locksPrefix)) {
    const id = info.key.slice(keys.locksPrefix.length);
    if (id !== skip && !id.startsWith(PROBE_PREFIX)) found.push({ id, key: info.key, modifiedAt: info.modifiedAt });
  }
  const records = await mapLimit(found, 8, async (f) => {
    try {
      const record = parseLockRecord(await vault.getSealedJson(f.key, kinds.lock, f.id), f.id);
      return { ...record, key: f.key, modifiedAt: f.modifiedAt };
    } catch (error) {
      // A lock deleted between list and get was released: not a holder.
      if ((error as { code?: string }).code === 'not_found') return undefined;
      throw error;
    }
  });
  return records.filter((r) => r !== undefined);
}

/** Keys under locks/ that are not locks: the conditional-write probe (capabilities.ts). */
export const PROBE_PREFIX = 'probe-';

/**
 * Whether `lock` was not rewritten for `staleMs`, by the store's clock (`storeNow` from our own
 * lock). A store that reports no times falls back to the record's time and the local clock.
 */
function isStale(lock: FoundLock, storeNow: number | undefined, localNow: number, staleMs: number): boolean {
  if (lock.modifiedAt !== undefined && storeNow !== undefined) return storeNow - lock.modifiedAt > staleMs;
  return localNow - Date.parse(lock.refreshedAt) > staleMs;
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
export function orphanOf(lock: LockRecord, device: string): boolean {
  if (lock.device !== device || lock.hostname !== hostname() || lock.pid === process.pid) return false;
  try {
    process.kill(lock.pid, 0);
    return false; // alive (or a reused pid: then the lock waits until it is stale)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Takes a lock, waiting up to `waitMs` (with jittered backoff) while others block it. */
export async function acquireLock(vault: Vault, options: LockOptions): Promise<HeldLock> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + (options.waitMs ?? 0);
  const signal = boundSignal(vault.store);
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryAcquire(vault, options, clock);
    } catch (error) {
      if (!(error instanceof BlockedError)) throw error;
      const left = deadline - clock.now();
      if (left <= 0) throw error;
      // Ties (both sides backed off) are broken by jitter. A cancel ends the wait at once.
      await raceAbort(clock.sleep(Math.min(left, Math.random() * Math.min(30_000, 1000 * 2 ** attempt))), signal, vault.store.location);
    }
  }
}

/** Another holder is in the way: worth waiting for (unlike a refusal from whileChecking). */
class BlockedError extends LockedError {}

/**
 * One attempt at a lock: the record being written and what the steps share — the store (bound to
 * the caller's cancel signal), its unbound twin for keeping and removing the lock, and our lock's
 * time by the store's clock.
 */
class LockAttempt {
  readonly store: BlobStore;
  /**
   * Taking the lock obeys the caller's cancel signal (a vault.withSignal view); keeping it
   * (rewrites) and removing it never do, so a cancelled run still releases its lock.
   */
  readonly keeper: BlobStore;
  readonly localNow: () => number;
  readonly staleMs: number;
  readonly lagMs: number;
  /** The exclusive lock at its fixed key, created only if absent (the If-None-Match protocol). */
  readonly fixed: boolean;
  readonly id: string;
  readonly key: string;
  record: LockRecord;
  /** Our lock's modifiedAt by the store's clock, and the local monotonic time we learned it. */
  private anchor: { store: number; local: number } | undefined;

  readonly vault: Vault;
  readonly options: LockOptions;
  readonly clock: Clock;
  readonly conditional: boolean;

  constructor(vault: Vault, options: LockOptions, clock: Clock, conditional: boolean) {
    this.vault = vault;
    this.options = options;
    this.clock = clock;
    this.conditional = conditional;
    this.store = vault.store;
    this.keeper = unbound(vault.store);
    this.localNow = options.now ?? Date.now;
    this.staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
    this.lagMs = options.lagMs ?? listingLagOf(vault.store);
    this.fixed = options.exclusive && conditional;
    this.id = this.fixed ? EXCLUSIVE_LOCK_ID : randomBytes(16).toString('hex');
    this.key = keys.lock(this.id);
    const at = new Date(this.localNow()).toISOString();
    this.record = {
      version: 1,
      id: this.id,
      device: options.device,
      hostname: hostname(),
      pid: process.pid,
      exclusive: options.exclusive,
      operation: options.operation,
      createdAt: at,
      refreshedAt: at,
    };
  }

  sealed(): Uint8Array {
    return this.vault.seal(kinds.lock, this.id, Buffer.from(JSON.stringify(this.record)));
  }

  write(via: BlobStore = this.store): Promise<void> {
    return via.put(this.key, this.sealed());
  }

  async learnTime(via: BlobStore = this.store): Promise<void> {
    const info = await via.stat(this.key);
    if (info?.modifiedAt !== undefined) this.anchor = { store: info.modifiedAt, local: performance.now() };
  }

  storeNow(): number | undefined {
    return this.anchor ? this.anchor.store + (performance.now() - this.anchor.local) : undefined;
  }

  remove(): Promise<unknown> {
    return this.keeper.delete(this.key).catch(() => undefined);
  }
}

async function tryAcquire(vault: Vault, options: LockOptions, clock: Clock): Promise<HeldLock> {
  const a = new LockAttempt(vault, options, clock, await conditionalWrites(vault));
  if (a.fixed) await createExclusive(a);
  else await writeListedLock(a);
  let others: FoundLock[];
  try {
    [others] = await settleAll([lookForHolders(a), options.whileChecking?.() ?? Promise.resolve()]);
  } catch (error) {
    await a.remove();
    throw error;
  }
  const blocking = await blockingLocks(a, others);
  if (blocking.length > 0) {
    await a.remove();
    throw blocked(blocking[0] as LockRecord, a.staleMs);
  }
  return holdLock(a);
}

/** The If-None-Match protocol's write: create `locks/exclusive` only if absent, replacing a dead holder. */
async function createExclusive(a: LockAttempt): Promise<void> {
  const { vault, store, key } = a;
  const putIfAbsent = (k: string, body: Uint8Array) => (store.putIfAbsent as NonNullable<typeof store.putIfAbsent>).call(store, k, body);
  await deleteUnreleased(vault);
  if (await putIfAbsent(key, a.sealed())) return;
  // Held, or left by a prune that died: judge it by the store's clock, not ours.
  const holder = await readLock(vault, key, EXCLUSIVE_LOCK_ID);
  if (holder && !(await removableHolder(vault, holder, a.options.device, a.staleMs, a.localNow()))) throw blocked(holder, a.staleMs);
  if (holder) await store.delete(key);
  if (!(await putIfAbsent(key, a.sealed()))) {
    const next = await readLock(vault, key, EXCLUSIVE_LOCK_ID);
    throw blocked(next ?? a.record, a.staleMs);
  }
}

/** The list-after-write protocol's write (and every shared lock's): our own `locks/<id>`. */
async function writeListedLock(a: LockAttempt): Promise<void> {
  try {
    await settleAll([a.write(), deleteUnreleased(a.vault)]);
  } catch (error) {
    // A write cut short (cancelled, or the connection dropped) may still have landed.
    await a.remove();
    throw error;
  }
}

/**
 * The other locks that may be in our way, once ours is written: an exclusive lock waits out the
 * listing lag (L after an If-None-Match create, 2L after a plain write) and lists every lock; a
 * shared one reads `locks/exclusive` where the store has conditional writes, else lists. Our
 * lock's time by the store's clock is learned alongside: the reads are independent of each other,
 * each needs only our write done, so they take one round trip, not three (a backup's lock over a
 * store 50 ms away: 200 → 100 ms).
 */
async function lookForHolders(a: LockAttempt): Promise<FoundLock[]> {
  const { vault, id } = a;
  const look = async (): Promise<FoundLock[]> => {
    if (a.options.exclusive) {
      const wait = a.fixed ? a.lagMs : 2 * a.lagMs;
      if (wait > 0) await a.clock.sleep(wait);
      return listLocks(vault, id);
    }
    if (a.conditional) {
      // Exclusive locks written by stores' other protocol (before conditional writes were known) are listed too.
      const [holder, listed] = await settleAll([readLock(vault, keys.lock(EXCLUSIVE_LOCK_ID), EXCLUSIVE_LOCK_ID), listLocks(vault, id)]);
      const other = listed.filter((l) => l.exclusive && l.id !== EXCLUSIVE_LOCK_ID);
      return holder ? [holder, ...other] : other;
    }
    return listLocks(vault, id);
  };
  const [, others] = await settleAll([a.learnTime(), look()]);
  return others;
}

/** Of the locks found, those that block ours; this device's orphans are removed on the way. */
async function blockingLocks(a: LockAttempt, others: FoundLock[]): Promise<FoundLock[]> {
  const { store, staleMs } = a;
  // Locks of this device's processes that died (killed, crashed) are removed, not waited for.
  const orphans = others.filter((l) => orphanOf(l, a.options.device));
  await mapLimit(orphans, 8, (l) => store.delete(l.key).catch(() => undefined));
  let live = others.filter((l) => !orphans.includes(l) && !isStale(l, a.storeNow(), a.localNow(), staleMs));
  // A lock that looks stale in a listing may have been rewritten since (listings lag overwrites):
  // only a fresh stat of it counts.
  const maybeStale = others.filter((l) => !orphans.includes(l) && !live.includes(l));
  for (const l of maybeStale) {
    const info = await store.stat(l.key).catch(() => undefined);
    if (info && !isStale({ ...l, modifiedAt: info.modifiedAt }, a.storeNow(), a.localNow(), staleMs)) live = [...live, l];
  }
  return a.options.exclusive ? live : live.filter((l) => l.exclusive);
}

/** The taken lock: it rewrites itself until released. */
function holdLock(a: LockAttempt): HeldLock {
  let released = false;
  let refreshing: Promise<void> | undefined;
  const refresh = async () => {
    if (released) return;
    a.record = { ...a.record, refreshedAt: new Date(a.localNow()).toISOString() };
    await a.write(a.keeper);
    await a.learnTime(a.keeper).catch(() => undefined);
  };
  // The lock rewrites itself while held, so that a long backup (hours on a slow uplink) or prune
  // never looks abandoned. Timers are unref'd: a held lock never keeps a process alive.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    if (released || a.options.refresh === false) return;
    timer = setTimeout(() => {
      refreshing = refresh()
        .catch(() => undefined)
        .finally(schedule);
    }, Math.max(1000, a.staleMs / 5));
    timer.unref?.();
  };
  schedule();
  const lock: HeldLock = {
    get record() {
      return a.record;
    },
    storeNow: () => a.storeNow() ?? Date.now(),
    refresh,
    async release() {
      if (released) return;
      released = true;
      held.delete(lock);
      if (timer) clearTimeout(timer);
      await refreshing;
      try {
        await a.keeper.delete(a.key);
      } catch (error) {
        let ids = unreleased.get(a.store.location);
        if (!ids) unreleased.set(a.store.location, (ids = new Set()));
        ids.add(a.id);
        throw error;
      }
    },
  };
  held.add(lock);
  return lock;
}

/** The locks this process holds now (releaseHeldLocks). */
const held = new Set<HeldLock>();

/**
 * Releases every lock this process holds, for a process about to end mid-operation (the CLI on
 * Ctrl-C): left behind, a lock held another device's prune off until it went stale, 15 minutes
 * by the store's clock. Gives up after `timeoutMs` (an unreachable vault must not hold the exit).
 */
export async function releaseHeldLocks(timeoutMs = 3000): Promise<number> {
  const locks = [...held];
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([Promise.allSettled(locks.map((l) => l.release())), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  return locks.length;
}

async function readLock(vault: Vault, key: string, id: string): Promise<FoundLock | undefined> {
  try {
    const [info, raw] = await Promise.all([vault.store.stat(key), vault.getSealedJson(key, kinds.lock, id)]);
    return { ...parseLockRecord(raw, id), key, modifiedAt: info?.modifiedAt };
  } catch (error) {
    if ((error as { code?: string }).code === 'not_found') return undefined;
    throw error;
  }
}

/** Whether a holder found in our way died: this host's process is gone, or the store's clock says it went stale. */
async function removableHolder(vault: Vault, holder: FoundLock, device: string, staleMs: number, localNow: number): Promise<boolean> {
  if (orphanOf(holder, device)) return true;
  if (holder.modifiedAt === undefined) return isStale(holder, undefined, localNow, staleMs);
  // The store's time now: write and stat a probe object (one of ours, removed at once).
  const probe = keys.lock(`${PROBE_PREFIX}${randomBytes(8).toString('hex')}`);
  await vault.store.put(probe, new Uint8Array(0));
  const info = await vault.store.stat(probe);
  await vault.store.delete(probe).catch(() => undefined);
  return isStale(holder, info?.modifiedAt, localNow, staleMs);
}

function blocked(b: LockRecord, staleMs: number): LockedError {
  const what = b.exclusive ? `an exclusive lock (${b.operation})` : `a ${b.operation} lock`;
  return new BlockedError(
    `The vault is in use: ${what} is held by device ${b.device} on ${b.hostname} since ${b.createdAt}. ` +
      `Try again when it finishes; a lock not refreshed for ${Math.round(staleMs / 60000)} minutes is ignored, and 'cairn unlock' removes locks whose process is gone.`,
  );
}

/** Holds a lock for the duration of `fn` (the lock refreshes itself while held). */
export async function withLock<T>(vault: Vault, options: LockOptions, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
  const lock = await acquireLock(vault, options);
  try {
    return await fn(lock);
  } finally {
    await lock.release().catch(() => undefined);
  }
}

export interface UnlockResult {
  removed: FoundLock[];
  /** Locks that are alive (refreshed lately by a process that may still run): left alone. */
  live: FoundLock[];
}

/**
 * Removes dead locks: those not refreshed for `staleMs` by the store's clock, and this host's
 * locks whose process is gone. Live locks are never removed: they protect a running operation.
 */
export async function unlock(vault: Vault, options: { device: string; staleMs?: number; now?: () => number }): Promise<UnlockResult> {
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
  const locks = await listLocks(vault);
  const result: UnlockResult = { removed: [], live: [] };
  for (const lock of locks) {
    if (await removableHolder(vault, lock, options.device, staleMs, (options.now ?? Date.now)())) {
      await vault.store.delete(lock.key);
      result.removed.push(lock);
    } else result.live.push(lock);
  }
  return result;
}

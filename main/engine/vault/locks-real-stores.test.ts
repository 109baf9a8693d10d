// Locks through stores that behave like real providers: listings 10 s behind (on a sped-up
// clock), a device whose clock is hours off, a store whose clock is, and a lock held for 45
// minutes of simulated time.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { TEST_PASSPHRASE, TEST_SCRYPT } from '../../../testing/repo.ts';
import { FastClock, LaggingBlobStore, MemoryBlobStore, SkewedClockBlobStore } from '../storage/index.ts';
import type { BlobStore, Clock } from '../storage/index.ts';
import { acquireLock, listLocks, unlock } from './locks.ts';
import type { HeldLock } from './locks.ts';
import { Vault } from './vault.ts';

const LAG_MS = 10_000;

async function vaultOn(store: BlobStore): Promise<Vault> {
  return (await Vault.init(store, { passphrase: TEST_PASSPHRASE, scrypt: TEST_SCRYPT })).vault;
}

/** Runs `rounds` of an exclusive and a shared lock taken at the same moment; counts rounds where both were held. */
async function race(vault: Vault, clock: Clock, rounds: number): Promise<{ bothHeld: number; exclusiveWon: number; sharedWon: number }> {
  let bothHeld = 0;
  let exclusiveWon = 0;
  let sharedWon = 0;
  for (let round = 0; round < rounds; round++) {
    const [prune, backup] = await Promise.allSettled([
      acquireLock(vault, { exclusive: true, operation: 'prune', device: 'B', clock }),
      // The backup starts a little later in some rounds: a write that lands inside the other's wait.
      clock.sleep((round % 4) * 2_500).then(() => acquireLock(vault, { exclusive: false, operation: 'backup', device: 'A', clock })),
    ]);
    const held = [prune, backup].filter((r): r is PromiseFulfilledResult<HeldLock> => r.status === 'fulfilled');
    if (held.length === 2) bothHeld++;
    if (prune.status === 'fulfilled') exclusiveWon++;
    if (backup.status === 'fulfilled') sharedWon++;
    for (const r of held) await r.value.release();
    await clock.sleep(LAG_MS + 1); // let the releases reach the listings
  }
  return { bothHeld, exclusiveWon, sharedWon };
}

describe('locks under a 10 s listing lag', () => {
  for (const conditional of [true, false]) {
    it(`never lets an exclusive and a shared lock be held at once (${conditional ? 'If-None-Match' : 'no conditional writes: list after a wait'})`, async () => {
      const clock = new FastClock(250);
      const store = new LaggingBlobStore(new MemoryBlobStore('lag', { now: () => clock.now(), conditionalWrites: conditional }), { lagMs: LAG_MS, clock });
      const vault = await vaultOn(store);
      expect(vault.config.conditionalWrites).toBe(conditional);
      const result = await race(vault, clock, 12);
      expect(result.bothHeld).toBe(0);
      expect(result.exclusiveWon + result.sharedWon).toBeGreaterThan(0);
    });
  }

  it('does break when the lag outlasts the bound it waits out (so the test above can fail)', async () => {
    const clock = new FastClock(250);
    const store = new LaggingBlobStore(new MemoryBlobStore('lag', { now: () => clock.now(), conditionalWrites: false }), { lagMs: LAG_MS, reportedLagMs: 0, clock });
    const vault = await vaultOn(store);
    const result = await race(vault, clock, 4);
    expect(result.bothHeld).toBeGreaterThan(0);
  });

  it('a backup that meets a prune waits for it, bounded', async () => {
    const clock = new FastClock(250);
    const store = new LaggingBlobStore(new MemoryBlobStore('lag', { now: () => clock.now() }), { lagMs: LAG_MS, clock });
    const vault = await vaultOn(store);
    const prune = await acquireLock(vault, { exclusive: true, operation: 'prune', device: 'B', clock });
    const started = clock.now();
    const waiting = acquireLock(vault, { exclusive: false, operation: 'backup', device: 'A', clock, waitMs: 10 * 60_000 });
    await clock.sleep(60_000);
    await prune.release();
    const backup = await waiting;
    expect(clock.now() - started).toBeGreaterThanOrEqual(60_000);
    await backup.release();
    // Bounded: a prune that outlasts the wait makes the backup give up (then it goes to the outbox).
    const long = await acquireLock(vault, { exclusive: true, operation: 'prune', device: 'B', clock });
    await expect(acquireLock(vault, { exclusive: false, operation: 'backup', device: 'A', clock, waitMs: 30_000 })).rejects.toMatchObject({ code: 'locked' });
    await long.release();
  });
});

describe('lock staleness by the store clock', () => {
  const HOUR = 3_600_000;

  it("a device whose clock is 2 h fast doesn't take another device's live lock for stale", async () => {
    const vault = await vaultOn(new MemoryBlobStore());
    const backup = await acquireLock(vault, { exclusive: false, operation: 'backup', device: 'A' });
    const fast = () => Date.now() + 2 * HOUR;
    await expect(acquireLock(vault, { exclusive: true, operation: 'prune', device: 'B', now: fast })).rejects.toMatchObject({ code: 'locked' });
    expect((await unlock(vault, { device: 'B', now: fast })).removed).toEqual([]);
    expect((await listLocks(vault)).map((l) => l.device)).toEqual(['A']);
    await backup.release();
  });

  it('a store whose clock is 3 h behind ours still keeps live locks live and finds dead ones', async () => {
    let storeTime = Date.now();
    const store = new SkewedClockBlobStore(new MemoryBlobStore('m', { now: () => storeTime }), -3 * HOUR);
    const vault = await vaultOn(store);
    const backup = await acquireLock(vault, { exclusive: false, operation: 'backup', device: 'A', refresh: false });
    await expect(acquireLock(vault, { exclusive: true, operation: 'prune', device: 'B' })).rejects.toMatchObject({ code: 'locked' });
    storeTime += HOUR; // an hour passes on the store without a refresh: the holder died
    const result = await unlock(vault, { device: 'B' });
    expect(result.removed.map((l) => l.id)).toEqual([backup.record.id]);
    const prune = await acquireLock(vault, { exclusive: true, operation: 'prune', device: 'B' });
    await prune.release();
  });
});

describe('a long operation', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps its lock through a 45-minute backup (simulated clock): it refreshes itself', { timeout: 20_000 }, async () => {
    const vault = await vaultOn(new MemoryBlobStore('m', { now: () => Date.now() }));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const backup = await acquireLock(vault, { exclusive: false, operation: 'backup', device: 'A' });
    await vi.advanceTimersByTimeAsync(45 * 60_000);
    await expect(acquireLock(vault, { exclusive: true, operation: 'prune', device: 'B' })).rejects.toMatchObject({ code: 'locked' });
    await backup.release();
    // Without refreshes the same lock would have been stale by then.
    const silent = await acquireLock(vault, { exclusive: false, operation: 'backup', device: 'A', refresh: false });
    await vi.advanceTimersByTimeAsync(45 * 60_000);
    const prune = await acquireLock(vault, { exclusive: true, operation: 'prune', device: 'B' });
    await prune.release();
    await silent.release();
  });
});

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRepo, removeTempDirs } from '../../../testing/repo.ts';
import type { Repository } from '../repository.ts';
import { FaultyBlobStore, MemoryBlobStore } from '../storage/index.ts';
import { keys, kinds } from './format.ts';
import { acquireLock, listLocks, releaseHeldLocks } from './locks.ts';

describe('acquireLock', () => {
  let store: FaultyBlobStore;
  let repo: Repository;
  beforeAll(async () => {
    store = new FaultyBlobStore(new MemoryBlobStore());
    ({ repo } = await initRepo(store));
  });
  afterAll(async () => {
    await repo.close();
    removeTempDirs();
  });

  it('runs whileChecking after its lock is written, and reads back no lock of its own', async () => {
    store.clear();
    let seenAtCheck: string[] = [];
    const lock = await acquireLock(repo.vault, {
      exclusive: false,
      operation: 'backup',
      device: 'd1',
      whileChecking: async () => {
        seenAtCheck = [...store.log];
      },
    });
    expect(seenAtCheck[0]).toBe(`put locks/${lock.record.id}`);
    // The one read: whether a prune holds the exclusive lock (this vault's store honours
    // If-None-Match, so the exclusive lock has a fixed key and a read is consistent).
    expect(store.log.filter((c) => c.startsWith('get locks/'))).toEqual(['get locks/exclusive']);
    await lock.release();
  });

  it('removes its lock and throws when whileChecking fails', async () => {
    await expect(
      acquireLock(repo.vault, {
        exclusive: false,
        operation: 'backup',
        device: 'd1',
        whileChecking: () => Promise.reject(new Error('index changed')),
      }),
    ).rejects.toThrow('index changed');
    expect(await listLocks(repo.vault)).toEqual([]);
  });

  it('reads every other holder (in parallel) and refuses under an exclusive one', async () => {
    const shared = await Promise.all([1, 2, 3].map((n) => acquireLock(repo.vault, { exclusive: false, operation: 'backup', device: `d${n}` })));
    expect((await listLocks(repo.vault)).map((l) => l.device).sort()).toEqual(['d1', 'd2', 'd3']);
    await expect(acquireLock(repo.vault, { exclusive: true, operation: 'prune', device: 'd9' })).rejects.toThrow(/in use: a backup lock is held by device d/);
    for (const l of shared) await l.release();
    const prune = await acquireLock(repo.vault, { exclusive: true, operation: 'prune', device: 'd9' });
    await expect(acquireLock(repo.vault, { exclusive: false, operation: 'backup', device: 'd1' })).rejects.toThrow(/exclusive lock \(prune\)/);
    expect((await listLocks(repo.vault)).map((l) => l.device)).toEqual(['d9']);
    await prune.release();
  });

  it('deletes a lock it could not release (vault unreachable) at its next acquire', async () => {
    const lock = await acquireLock(repo.vault, { exclusive: false, operation: 'backup', device: 'd1' });
    store.failNth('delete', 1, { keyPrefix: 'locks/' });
    await expect(lock.release()).rejects.toThrow();
    expect((await listLocks(repo.vault)).map((l) => l.id)).toEqual([lock.record.id]);
    store.clear();
    const next = await acquireLock(repo.vault, { exclusive: true, operation: 'prune', device: 'd1' });
    expect((await listLocks(repo.vault)).map((l) => l.id)).toEqual([next.record.id]);
    await next.release();
  });

  it("removes this device's locks whose process is gone, and waits for live or other devices' ones", async () => {
    const plant = async (device: string, pid: number) => {
      const id = randomBytes(16).toString('hex');
      const at = new Date().toISOString();
      await repo.vault.putSealedJson(keys.lock(id), kinds.lock, id, { version: 1, id, device, hostname: hostname(), pid, exclusive: false, operation: 'backup', createdAt: at, refreshedAt: at });
      return id;
    };
    const dead = spawnSync('true').pid as number;
    const orphan = await plant('d1', dead);
    const prune = await acquireLock(repo.vault, { exclusive: true, operation: 'prune', device: 'd1' });
    expect((await listLocks(repo.vault)).map((l) => l.id)).toEqual([prune.record.id]);
    expect(orphan).not.toBe(prune.record.id);
    await prune.release();

    const otherDevice = await plant('d2', dead);
    const alive = await plant('d1', process.ppid);
    await expect(acquireLock(repo.vault, { exclusive: true, operation: 'prune', device: 'd1' })).rejects.toThrow(/in use/);
    expect((await listLocks(repo.vault)).map((l) => l.id).sort()).toEqual([otherDevice, alive].sort());
    for (const id of [otherDevice, alive]) await store.delete(keys.lock(id));
  });
});

describe("a shared lock's look for other holders", () => {
  /** Logs when each read ends, beside FaultyBlobStore's log of when it starts. */
  class EndLoggingStore extends FaultyBlobStore {
    override async stat(key: string, options?: Parameters<FaultyBlobStore['stat']>[1]) {
      const out = await super.stat(key, options);
      this.log.push(`done stat ${key}`);
      return out;
    }
    override async get(key: string, range?: Parameters<FaultyBlobStore['get']>[1], options?: Parameters<FaultyBlobStore['get']>[2]) {
      try {
        return await super.get(key, range, options);
      } finally {
        this.log.push(`done get ${key}`);
      }
    }
    override async *list(prefix: string, options?: Parameters<FaultyBlobStore['list']>[1]) {
      yield* super.list(prefix, options);
      this.log.push(`done list ${prefix}`);
    }
  }

  it("asks for the store's time, the exclusive lock and the list of locks at once: one round trip after its write, not three", async () => {
    const store = new EndLoggingStore(new MemoryBlobStore());
    const { repo } = await initRepo(store);
    try {
      store.clear().delay('stat', 20).delay('get', 20).delay('list', 20);
      const lock = await acquireLock(repo.vault, { exclusive: false, operation: 'backup', device: 'd1' });
      const after = store.log.slice(store.log.indexOf(`put locks/${lock.record.id}`) + 1);
      const firstDone = after.findIndex((entry) => entry.startsWith('done '));
      const started = after.slice(0, firstDone);
      expect(started).toEqual(expect.arrayContaining([`stat locks/${lock.record.id}`, 'stat locks/exclusive', 'get locks/exclusive', 'list locks/']));
      await lock.release();
    } finally {
      await repo.close();
    }
  });
});

describe('releaseHeldLocks (the CLI on Ctrl-C)', () => {
  it('removes every lock this process holds, and gives up on a store that does not answer', async () => {
    const store = new FaultyBlobStore(new MemoryBlobStore());
    const { repo } = await initRepo(store);
    try {
      const a = await acquireLock(repo.vault, { exclusive: false, operation: 'backup', device: 'd1' });
      const b = await acquireLock(repo.vault, { exclusive: false, operation: 'check', device: 'd1' });
      const released = await acquireLock(repo.vault, { exclusive: false, operation: 'check', device: 'd1' });
      await released.release();
      expect((await listLocks(repo.vault)).map((l) => l.id).sort()).toEqual([a.record.id, b.record.id].sort());
      expect(await releaseHeldLocks()).toBe(2);
      // Before: left behind until stale, 15 minutes, holding other devices' prunes off.
      expect(await listLocks(repo.vault)).toEqual([]);
      expect(await releaseHeldLocks()).toBe(0);

      const stuck = await acquireLock(repo.vault, { exclusive: false, operation: 'backup', device: 'd1' });
      store.delay('delete', 60_000);
      const started = Date.now();
      expect(await releaseHeldLocks(200)).toBe(1);
      expect(Date.now() - started).toBeLessThan(2000);
      void stuck;
    } finally {
      await repo.close();
    }
  });
});

// Two machines with one state folder (copied by a migration, a restored backup of the home
// folder, a cloned disk) backed up as one device: one history, written by both, that neither
// pulled from and retention counted as one device's. The one that finds the other's newer backup
// becomes a device of its own; two runs of one machine at once never do.

import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir, TEST_PASSPHRASE } from '../../testing/repo.ts';
import { Repository } from './repository.ts';
import { createWorkerCodec } from './workers/index.ts';
import { forget, runBackup } from './operations.ts';
import { pull } from './sync/index.ts';
import { MemoryBlobStore } from './storage/index.ts';
import type { AgentBackupSource } from './agents/index.ts';

afterAll(removeTempDirs);

/** Runs `beforeDeviceRead` once, when a device record is next read (armed by the test). */
class HookedStore extends MemoryBlobStore {
  beforeDeviceRead: (() => Promise<void>) | undefined;
  override async get(...args: Parameters<MemoryBlobStore['get']>): ReturnType<MemoryBlobStore['get']> {
    const hook = this.beforeDeviceRead;
    if (hook && args[0].startsWith('devices/')) {
      this.beforeDeviceRead = undefined;
      await hook();
    }
    return super.get(...args);
  }
}

function home(): string {
  const dir = tempDir('cairn-shared-home-');
  mkdirSync(join(dir, 'projects', '-repo'), { recursive: true });
  writeFileSync(join(dir, 'projects', '-repo', 'first.jsonl'), '{"turn":1}\n');
  return dir;
}

/**
 * Opens repositories on `store` whose clock moves two minutes a call: backups minutes apart, as
 * the app's are (a device record is rewritten at most once a minute).
 */
function clockedOpener(store: MemoryBlobStore): (stateDir: string) => Promise<Repository> {
  let clock = Date.now();
  return (stateDir) => Repository.open({ store, stateDir, secret: { passphrase: TEST_PASSPHRASE }, now: () => (clock += 120_000), makeCodec: (v) => createWorkerCodec(v, { threads: 1 }) });
}

/** A device that has backed up `home()` once as 'laptop' (the vault, its state folder, the sources). */
async function backedUpDevice(bucket: string) {
  const store = new MemoryBlobStore(bucket);
  const state = tempDir('cairn-state-');
  const { repo } = await initRepo(store, state, 'laptop');
  const dir = home();
  const sources = [{ label: 'home', path: dir }];
  const first = await runBackup(repo, { sources, reason: 'manual' });
  return { store, state, repo, dir, sources, first };
}

describe('two machines backing up as one device', () => {
  it('the one behind becomes a device of its own, and the two then sync', async () => {
    const store = new MemoryBlobStore('shared');
    const stateA = tempDir('cairn-state-a-');
    const { repo: first } = await initRepo(store, stateA, 'laptop');
    const homeA = home();
    const source = (path: string): AgentBackupSource => ({ label: 'claude-code', path, agent: 'claude-code', kind: 'dir', syncable: ['projects/**/*.jsonl'] });
    await runBackup(first, { sources: [source(homeA)], reason: 'manual' });
    await first.close();

    // The new machine: a copy of the home folder, Cairn's state folder included.
    const stateC = tempDir('cairn-state-c-');
    cpSync(stateA, stateC, { recursive: true });
    const homeC = tempDir('cairn-shared-home-c-');
    cpSync(homeA, homeC, { recursive: true });
    const open = clockedOpener(store);
    const a = await open(stateA);
    const c = await open(stateC);
    try {
      expect(c.device.id).toBe(a.device.id);
      writeFileSync(join(homeC, 'projects', '-repo', 'new-mac.jsonl'), '{"turn":"new"}\n');
      const onC = await runBackup(c, { sources: [source(homeC)], reason: 'manual' });
      expect(onC.leftSharedDevice).toBeUndefined();

      // The old machine backs up next: it finds the new machine's newer backup of the device.
      writeFileSync(join(homeA, 'projects', '-repo', 'old-mac.jsonl'), '{"turn":"old"}\n');
      const shared = a.device;
      const onA = await runBackup(a, { sources: [source(homeA)], reason: 'manual' });
      expect(onA.leftSharedDevice).toMatchObject({ previous: { id: shared.id, name: 'laptop' }, other: { hostname: expect.any(String) } });
      expect(a.device.id).not.toBe(shared.id);
      expect(onA.snapshot).toMatchObject({ device: a.device.id, seq: 1 });
      expect(onA.snapshot?.parent).toBeUndefined();
      expect((await a.vault.listDevices()).map((d) => d.id).sort()).toEqual([a.device.id, shared.id].sort());

      // The new machine keeps the identity, and the two now pull each other's sessions.
      writeFileSync(join(homeC, 'projects', '-repo', 'new-mac.jsonl'), '{"turn":"new"}\n{"turn":"again"}\n');
      expect((await runBackup(c, { sources: [source(homeC)], reason: 'manual' })).leftSharedDevice).toBeUndefined();
      expect(c.device.id).toBe(shared.id);
      await pull({ repo: c, sources: [source(homeC)] });
      expect(readFileSync(join(homeC, 'projects', '-repo', 'old-mac.jsonl'), 'utf8')).toBe('{"turn":"old"}\n');
      await pull({ repo: a, sources: [source(homeA)] });
      expect(readFileSync(join(homeA, 'projects', '-repo', 'new-mac.jsonl'), 'utf8')).toContain('again');
      // And it stays a device of its own.
      writeFileSync(join(homeA, 'projects', '-repo', 'old-mac.jsonl'), '{"turn":"old"}\n{"turn":2}\n');
      expect((await runBackup(a, { sources: [source(homeA)], reason: 'manual' })).leftSharedDevice).toBeUndefined();
    } finally {
      await a.close();
      await c.close();
    }
  });

  it('a run that started before another run of this machine finished is not another machine', async () => {
    const store = new HookedStore('hooked');
    const state = tempDir('cairn-state-');
    const { repo: first } = await initRepo(store, state, 'laptop');
    await first.close();
    const open = clockedOpener(store);
    const one = await open(state);
    const dir = home();
    const sources = [{ label: 'home', path: dir }];
    try {
      await runBackup(one, { sources, reason: 'manual' });
      const two = await open(state);
      try {
        writeFileSync(join(dir, 'projects', '-repo', 'first.jsonl'), '{"turn":1}\n{"turn":2}\n');
        // `two` reads its parent, then, before it looks at the device's record, `one` finishes a backup.
        store.beforeDeviceRead = async () => {
          writeFileSync(join(dir, 'projects', '-repo', 'other.jsonl'), '{"turn":3}\n');
          await runBackup(one, { sources, reason: 'manual' });
        };
        const result = await runBackup(two, { sources, reason: 'manual' });
        expect(store.beforeDeviceRead).toBeUndefined();
        // Before: `two` took `one`'s snapshot for another machine's and left the device.
        expect(result.leftSharedDevice).toBeUndefined();
        expect(two.device.id).toBe(one.device.id);
        expect(await one.vault.listDevices()).toHaveLength(1);
      } finally {
        await two.close();
      }
    } finally {
      await one.close();
    }
  });
});

describe("a device whose identity file is lost", () => {
  it('stays the same device: its history goes on, no new device appears', async () => {
    const { store, state, repo, dir, sources, first } = await backedUpDevice('identity');
    const id = repo.device.id;
    await repo.close();
    // Emptied, as a crash on some file systems leaves a file that was being written.
    writeFileSync(join(state, 'vaults', repo.vault.id, 'device.json'), '');
    const again = await openRepo(store, state);
    try {
      // Before: a new device, in silence, with the old one's history cut off.
      expect(again.device).toEqual({ id, name: 'laptop' });
      writeFileSync(join(dir, 'projects', '-repo', 'first.jsonl'), '{"turn":1}\n{"turn":2}\n');
      const next = await runBackup(again, { sources, reason: 'manual' });
      expect(next.snapshot).toMatchObject({ device: id, parent: first.snapshotId, seq: 2 });
      expect((await again.vault.listDevices()).map((d) => d.id)).toEqual([id]);
    } finally {
      await again.close();
    }
  });
});

describe('a device whose state database was made anew', () => {
  it('continues its history: the next backup follows the newest one, and retention keeps it', async () => {
    const { store, state, repo, dir, sources } = await backedUpDevice('fresh-db');
    const edit = (n: number) => writeFileSync(join(dir, 'projects', '-repo', 'first.jsonl'), `${'{"turn":1}\n'.repeat(n)}`);
    edit(2);
    const second = await runBackup(repo, { sources, reason: 'manual' });
    await repo.close();
    // What RECOVERY.md says to do with a damaged state.db: move it away; Cairn makes a new one.
    for (const name of ['state.db', 'state.db-wal', 'state.db-shm']) rmSync(join(state, 'vaults', repo.vault.id, name), { force: true });
    const again = await openRepo(store, state);
    try {
      edit(3);
      const third = await runBackup(again, { sources, reason: 'manual' });
      // Before: seq 1 and no parent, so every snapshot after it sorted before the older ones.
      expect(third.snapshot).toMatchObject({ parent: second.snapshotId, seq: 3 });
      const kept = await forget(again, { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 }, false);
      expect(kept.keep.map((k) => k.snapshot.id)).toEqual([third.snapshotId]);
    } finally {
      await again.close();
    }
  });
});

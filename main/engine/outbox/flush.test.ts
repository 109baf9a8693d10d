// Backups into the outbox while the vault is unreachable, and their upload when it is back:
// order, restarts, a flush killed part-way, and a prune on another device meanwhile (the
// snapshot still lands: what the prune removed is stored again, or it keeps waiting).

import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../../shared/errors.ts';
import { generateAgentHome, mutateAgentHome } from '../../../testing/agent-home.ts';
import type { AgentHomeSummary } from '../../../testing/agent-home.ts';
import { backupOf, diffTrees, initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import type { BackupSource } from '../backup/index.ts';
import type { Repository } from '../repository.ts';
import { restore } from '../restore/index.ts';
import { FaultyBlobStore, MemoryBlobStore } from '../storage/index.ts';
import type { BlobStore, ByteRange, ObjectInfo } from '../storage/index.ts';
import { checkVault, keys, prune } from '../vault/index.ts';
import { flushOutbox, OutboxBlobStore } from './index.ts';

afterAll(() => removeTempDirs());

const skip = (rel: string) => /(-wal|-shm)$/.test(rel) || /\.credentials\.json$|auth\.json$|secrets\.yaml$|oauth_creds\.json$|(^|\/)\.env$/.test(rel) || rel.endsWith('.sqlite');

/** The network between this device and the vault: `down` makes every call fail as unreachable. */
class Link implements BlobStore {
  readonly location: string;
  readonly inner: BlobStore;
  down = false;
  /** Keys put through the link, in the order they were stored. */
  puts: string[] = [];

  constructor(inner: BlobStore) {
    this.inner = inner;
    this.location = inner.location;
  }
  #check(): void {
    if (this.down) throw new StorageError('unreachable', `Could not reach ${this.location} (ECONNREFUSED).`, { retryable: true });
  }
  async put(key: string, data: Uint8Array): Promise<void> {
    this.#check();
    await this.inner.put(key, data);
    this.puts.push(key);
  }
  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    this.#check();
    return this.inner.get(key, range);
  }
  async stat(key: string): Promise<ObjectInfo | undefined> {
    this.#check();
    return this.inner.stat(key);
  }
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.#check();
    yield* this.inner.list(prefix);
  }
  async delete(key: string): Promise<void> {
    this.#check();
    await this.inner.delete(key);
  }
  async close(): Promise<void> {}
}

/** One device's view of a vault in memory, through a link that can go down, with an outbox. */
class Device {
  readonly stateDir = tempDir('cairn-outbox-state-');
  readonly outboxDir = tempDir('cairn-outbox-');
  readonly link: Link;
  readonly faults: FaultyBlobStore;
  repo!: Repository;

  constructor(vault: BlobStore) {
    this.faults = new FaultyBlobStore(vault);
    this.link = new Link(this.faults);
  }

  get outbox(): OutboxBlobStore {
    return this.repo.vault.store as OutboxBlobStore;
  }

  async init(): Promise<void> {
    ({ repo: this.repo } = await initRepo(new OutboxBlobStore(this.link, { dir: this.outboxDir }), this.stateDir));
    await this.restart(); // opening caches the vault header, so later opens work offline
  }

  /** Closes everything and opens again on the same folders: the app quit and started. */
  async restart(): Promise<void> {
    await this.repo.close();
    this.repo = await openRepo(new OutboxBlobStore(this.link, { dir: this.outboxDir }), this.stateDir);
  }

  async offlineBackup(sources: readonly BackupSource[]): Promise<string> {
    await this.outbox.startSpooling({ vaultId: this.repo.vault.id, indexIds: this.repo.db.knownIndexIds() });
    try {
      const result = await backupOf(this.repo, sources, { offline: true, packSize: 128 * 1024 });
      expect(result.unchanged).toBe(false);
      return result.snapshotId as string;
    } finally {
      this.outbox.stopSpooling();
    }
  }

  flush() {
    return flushOutbox({ outbox: this.outbox, vault: this.repo.vault, db: this.repo.db, codec: this.repo.codec, device: this.repo.device.id });
  }

  async expectRestoresExactly(snapshotId: string, home: string): Promise<void> {
    await this.repo.refreshIndex();
    const target = tempDir('cairn-outbox-restore-');
    await restore({ vault: this.repo.vault, db: this.repo.db, codec: this.repo.codec, snapshot: await this.repo.findSnapshot(snapshotId), target });
    expect(diffTrees(home, join(target, 'home'), { skip })).toEqual([]);
  }
}

function freshHome(seed: number): { home: string; summary: AgentHomeSummary; sources: BackupSource[] } {
  const home = join(tempDir('cairn-outbox-home-'), 'home');
  const summary = generateAgentHome(home, { seed, sizeMiB: 2, smallFiles: 60 });
  return { home, summary, sources: [{ label: 'home', path: home }] };
}

/** Every journaled key was uploaded once, and none before a non-pack key that preceded it. */
function expectJournalOrder(journal: readonly string[], uploads: readonly string[]): void {
  const uploaded = uploads.filter((k) => !k.startsWith('locks/'));
  expect([...uploaded].sort()).toEqual([...journal].sort());
  const at = new Map(uploaded.map((k, i) => [k, i]));
  journal.forEach((key, i) => {
    if (key.startsWith('data/')) return; // packs of one run go up concurrently
    for (const before of journal.slice(0, i)) expect(at.get(before) as number, `${before} before ${key}`).toBeLessThan(at.get(key) as number);
  });
}

describe('the outbox', () => {
  it('keeps offline backups in order across a restart, uploads them in order, and they restore byte-exact', async () => {
    const vault = new MemoryBlobStore();
    const device = new Device(vault);
    await device.init();
    const { home, summary, sources } = freshHome(5);
    const s0 = (await backupOf(device.repo, sources)).snapshotId as string;

    device.link.down = true;
    mutateAgentHome(home, summary, 3);
    const s1 = await device.offlineBackup(sources);
    mutateAgentHome(home, summary, 4);
    const s2 = await device.offlineBackup(sources);
    expect(device.outbox.pendingSnapshots()).toBe(2);
    expect(device.outbox.pendingBytes()).toBeGreaterThan(0);
    expect(await vault.stat(keys.snapshot(device.repo.device.id, s1 as never))).toBeUndefined();
    const journal = device.outbox.entries().map((e) => e.key);
    expect(journal.filter((k) => k.startsWith('snapshots/'))).toEqual([`snapshots/${device.repo.device.id}/${s1}`, `snapshots/${device.repo.device.id}/${s2}`]);

    await device.restart();
    expect(device.repo.openedOffline).toBe(true);
    expect(device.outbox.pendingSnapshots()).toBe(2);
    expect(device.outbox.entries().map((e) => e.key)).toEqual(journal);

    device.link.down = false;
    device.link.puts = [];
    const result = await device.flush();
    expect(result.snapshots.map((s) => s.id)).toEqual([s1, s2]);
    expect(result.dropped).toEqual([]);
    expect(result.rechecked).toBe(0); // nothing was pruned: the quick check vouches for both
    expect(result.needsBackup).toBe(false);
    expect(device.outbox.hasPending()).toBe(false);
    expectJournalOrder(journal, device.link.puts);
    expect((await device.repo.vault.listSnapshots()).map((s) => s.id)).toEqual([s0, s1, s2]);
    for await (const lock of vault.list(keys.locksPrefix)) expect.unreachable(`lock ${lock.key} left behind`);
    expect((await checkVault(device.repo.vault, device.repo.codec, { readData: true })).problems).toEqual([]);
    await device.expectRestoresExactly(s2, home);
    // The next online backup finds the uploaded snapshot as its parent: nothing to do.
    expect((await backupOf(device.repo, sources)).unchanged).toBe(true);
    await device.repo.close();
  });

  it('resumes a flush killed part-way, again and again, without losing or duplicating anything', async () => {
    const vault = new MemoryBlobStore();
    const device = new Device(vault);
    await device.init();
    const { home, summary, sources } = freshHome(6);
    await backupOf(device.repo, sources);
    device.link.down = true;
    mutateAgentHome(home, summary, 3);
    const s1 = await device.offlineBackup(sources);
    mutateAgentHome(home, summary, 4);
    const s2 = await device.offlineBackup(sources);
    const journal = device.outbox.entries().map((e) => e.key);
    expect(journal.filter((k) => k.startsWith('data/')).length).toBeGreaterThan(4);
    device.link.down = false;
    device.link.puts = [];

    // Killed after two packs, then at the first index file, then at the second snapshot.
    const kills: [string, number][] = [
      ['data/', 2],
      ['index/', 0],
      ['snapshots/', 1],
    ];
    for (const [keyPrefix, n] of kills) {
      device.faults.clear().failAfter('put', n, { keyPrefix });
      await expect(device.flush()).rejects.toThrow(/Injected fault/);
      device.faults.clear();
      for await (const lock of vault.list(keys.locksPrefix)) expect.unreachable(`lock ${lock.key} left behind`);
      await device.restart();
      expect(device.outbox.hasPending()).toBe(true);
    }
    expect(device.outbox.pendingSnapshots()).toBe(1);

    const result = await device.flush();
    expect(result.snapshots.map((s) => s.id)).toEqual([s2]);
    expect(result.dropped).toEqual([]);
    expectJournalOrder(journal, device.link.puts);
    expect((await device.repo.vault.listSnapshots()).map((s) => s.id).slice(1)).toEqual([s1, s2]);
    expect((await checkVault(device.repo.vault, device.repo.codec, { readData: true })).problems).toEqual([]);
    await device.expectRestoresExactly(s2, home);
    await device.repo.close();
  });

  /** The laptop backs up S0 online, then S1 offline (relying on S0's data); the desktop forgets S0 and prunes. */
  async function prunedWhileWaiting(seed: number, marginMs: number) {
    const vault = new MemoryBlobStore();
    const laptop = new Device(vault);
    await laptop.init();
    const { home, summary, sources } = freshHome(seed);
    const s0 = (await backupOf(laptop.repo, sources)).snapshotId as string;
    laptop.link.down = true;
    mutateAgentHome(home, summary, 3);
    const s1 = await laptop.offlineBackup(sources); // relies on S0's data for the unchanged files
    const taken = join(tempDir('cairn-outbox-copy-'), 'home');
    cpSync(home, taken, { recursive: true, preserveTimestamps: true });

    // Meanwhile the desktop forgets S0 and prunes: the index files S1 relied on are replaced,
    // and what only S0 used leaves the index (deleted at once with no margin, else marked).
    const desktop = await openRepo(vault, tempDir('cairn-outbox-state-'), undefined, 'desktop');
    await desktop.vault.deleteSnapshot(laptop.repo.device.id, s0 as never);
    const pruned = await prune(desktop.vault, desktop.db, desktop.codec, { device: desktop.device.id, marginMs });
    await desktop.close();
    laptop.link.down = false;
    return { vault, laptop, home, taken, sources, s1, pruned };
  }

  it('uploads a waiting snapshot whose data another device pruned meanwhile, storing again what the prune deleted', async () => {
    const { laptop, home, s1, pruned } = await prunedWhileWaiting(7, 0);
    expect(pruned.packsDeleted).toBeGreaterThan(0);
    expect(pruned.indexFilesReplaced).toBeGreaterThan(0);

    const result = await laptop.flush();
    expect(result.dropped).toEqual([]);
    expect(result.waiting).toEqual([]);
    expect(result.needsBackup).toBe(false);
    expect(result.snapshots.map((s) => s.id)).toEqual([s1]);
    expect(result.rechecked).toBe(1);
    const repaired = result.repaired[0];
    expect(repaired?.id).toBe(s1);
    // The unchanged files' chunks came back from the home; S0's trees from the tree cache.
    expect(repaired?.fromSourceFiles).toBeGreaterThan(0);
    expect(repaired?.fromTreeCache).toBeGreaterThan(0);
    expect(laptop.outbox.hasPending()).toBe(false);
    expect((await laptop.repo.vault.listSnapshots()).map((s) => s.id)).toEqual([s1]);
    expect((await checkVault(laptop.repo.vault, laptop.repo.codec, { readData: true })).problems).toEqual([]);
    await laptop.expectRestoresExactly(s1, home);
    await laptop.repo.close();
  });

  it('takes what a prune only marked from the marked packs when the files have changed since', async () => {
    const { vault, laptop, home, taken, s1, pruned } = await prunedWhileWaiting(9, 3_600_000);
    expect(pruned.packsMarked).toBeGreaterThan(0);
    expect(pruned.packsDeleted).toBe(0);
    rmSync(home, { recursive: true, force: true }); // the source can't help: only the marked packs can

    const result = await laptop.flush();
    expect(result.waiting).toEqual([]);
    expect(result.snapshots.map((s) => s.id)).toEqual([s1]);
    expect(result.repaired[0]?.fromMarkedPacks).toBeGreaterThan(0);
    expect(result.repaired[0]?.fromSourceFiles).toBe(0);
    expect((await checkVault(laptop.repo.vault, laptop.repo.codec, { readData: true })).problems).toEqual([]);
    // The next prune deletes the marked packs once the margin has passed: S1 no longer needs them.
    const desktop = await openRepo(vault, tempDir('cairn-outbox-state-'), undefined, 'desktop');
    await prune(desktop.vault, desktop.db, desktop.codec, { device: desktop.device.id, marginMs: 0 });
    await desktop.close();
    expect((await checkVault(laptop.repo.vault, laptop.repo.codec, { readData: true })).problems).toEqual([]);
    await laptop.expectRestoresExactly(s1, taken);
    await laptop.repo.close();
  });

  it('keeps a waiting snapshot whose pruned data is gone here too, says which files, and never drops it', async () => {
    const { vault, laptop, home, sources, s1, pruned } = await prunedWhileWaiting(10, 0);
    expect(pruned.packsDeleted).toBeGreaterThan(0);
    rmSync(home, { recursive: true, force: true }); // the files S1 shared with S0 exist nowhere now

    const result = await laptop.flush();
    expect(result.snapshots).toEqual([]);
    expect(result.dropped).toEqual([]);
    expect(result.waiting).toHaveLength(1);
    const waiting = result.waiting[0];
    expect(waiting?.id).toBe(s1);
    expect(waiting?.missingBlobs).toBeGreaterThan(0);
    expect(waiting?.lostPaths.length).toBeGreaterThan(0);
    expect(waiting?.lostPaths.every((p) => p.startsWith('home/'))).toBe(true);
    expect(waiting?.message).toMatch(/stays in the outbox/);
    expect(result.needsBackup).toBe(true);
    expect(result.uploadedObjects).toBeGreaterThan(0); // its packs and index files still went up
    expect(await vault.stat(keys.snapshot(laptop.repo.device.id, s1 as never))).toBeUndefined();
    expect((await checkVault(laptop.repo.vault, laptop.repo.codec, { readData: true })).problems).toEqual([]);

    // Still there after a restart, and the next flush checks again instead of dropping it.
    await laptop.restart();
    expect(laptop.outbox.pendingSnapshots()).toBe(1);
    const again = await laptop.flush();
    expect(again.waiting.map((w) => w.id)).toEqual([s1]);
    expect(laptop.outbox.pendingSnapshots()).toBe(1);
    void sources;
    await laptop.repo.close();
  });

  it('stores again the packs an interrupted flush uploaded and a prune then removed, and the snapshot lands', async () => {
    const vault = new MemoryBlobStore();
    const laptop = new Device(vault);
    await laptop.init();
    const { home, summary, sources } = freshHome(8);
    await backupOf(laptop.repo, sources);
    laptop.link.down = true;
    mutateAgentHome(home, summary, 3);
    const s1 = await laptop.offlineBackup(sources);
    laptop.link.down = false;

    laptop.faults.failAfter('put', 2, { keyPrefix: 'data/' });
    await expect(laptop.flush()).rejects.toThrow(/Injected fault/);
    laptop.faults.clear();
    // Two packs are in the vault, listed by no index yet: a prune removes them.
    const desktop = await openRepo(vault, tempDir('cairn-outbox-state-'), undefined, 'desktop');
    const pruned = await prune(desktop.vault, desktop.db, desktop.codec, { device: desktop.device.id, marginMs: 0 });
    expect(pruned.packsDeleted).toBe(2);
    await desktop.close();

    await laptop.restart();
    const result = await laptop.flush();
    expect(result.dropped).toEqual([]);
    expect(result.waiting).toEqual([]);
    expect(result.snapshots.map((s) => s.id)).toEqual([s1]);
    expect(result.repaired[0]?.fromSourceFiles).toBeGreaterThan(0);
    expect((await checkVault(laptop.repo.vault, laptop.repo.codec, { readData: true })).problems).toEqual([]);
    await laptop.expectRestoresExactly(s1, home);
    expect((await backupOf(laptop.repo, sources)).unchanged).toBe(true);
    await laptop.repo.close();
  });

  it('does nothing, and touches no remote, when the outbox is empty', async () => {
    const device = new Device(new MemoryBlobStore());
    await device.init();
    device.link.down = true;
    const result = await device.flush();
    expect(result).toEqual({ uploadedObjects: 0, uploadedBytes: 0, snapshots: [], dropped: [], rechecked: 0, repaired: [], waiting: [], needsBackup: false });
    await device.repo.close();
  });
});

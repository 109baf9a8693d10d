// An open repository: the unlocked vault, this device's identity in it, the local state DB for
// it, and the codec that does the CPU-heavy work off the calling thread. The CLI and the app
// service both work through this; it is the engine's facade.

import { randomBytes } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { CairnError, IntegrityError, NotFoundError } from '../../shared/errors.ts';
import type { DeviceId } from '../../shared/ids.ts';
import type { Platform } from '../../shared/models.ts';
import { makeStateDirPrivate, StateDb, sweepTemporaryFiles } from './state/index.ts';
import { keptVersions } from './storage/index.ts';
import type { BlobStore } from './storage/index.ts';
import { keys, newestBackup, newestInHistory, parseSnapshotRecord, pathsInSnapshot, syncIndex, TreeReader, Vault } from './vault/index.ts';
import { mapLimit } from './concurrency.ts';
import { continueFrom, hasParent, lastBackupOf, startNewHistory } from './backup/index.ts';
import { upgradeSessionIndex } from './catalog/index.ts';
import type { BlobCodec, DeviceRecord, InitOptions, OnDamaged, SnapshotRecord, UnlockSecret, VaultHeader } from './vault/index.ts';
import { DeviceIdentityFile, HeaderCache, KeyCache, vaultStateDir } from './local-vault-files.ts';
import type { DeviceIdentity } from './local-vault-files.ts';
import { makeDirsSync } from './make-dirs.ts';

export type { DeviceIdentity } from './local-vault-files.ts';

export interface RepositoryOptions {
  store: BlobStore;
  /** Cairn's own folder (state DBs, device identity, temporary files). */
  stateDir: string;
  /** Builds the codec once the vault's keys are known. */
  makeCodec: (vault: Vault) => BlobCodec | Promise<BlobCodec>;
  deviceName?: string;
  now?: () => number;
  platform?: Platform;
  /** Keep a local key cache (default true; CAIRN_KEY_CACHE=0 turns it off in the CLI). */
  keyCache?: boolean;
  /**
   * The caller only reads the vault (list, browse, restore, check): nothing is written to it, so
   * a read-only vault opens and a look from a new device registers no device. Local state is
   * still written. A later open that may write registers the device.
   */
  readOnly?: boolean;
}

/** State DB meta key: the device record this device last wrote to the vault. */
const DEVICE_RECORD_META = 'device-record';
/** The shortest time between two writes of this device's record (R2: one write per second per key). */
export const DEVICE_RECORD_MIN_INTERVAL_MS = 1100;
/** How stale `lastSeen` may get before a touch rewrites a record that is otherwise the same. */
export const DEVICE_LAST_SEEN_RESOLUTION_MS = 60_000;

/** The device record this state DB last wrote, if it has a readable one. */
function recordedDevice(db: StateDb): DeviceRecord | undefined {
  try {
    const raw = db.getMeta(DEVICE_RECORD_META);
    return raw ? (JSON.parse(raw) as DeviceRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Records that differ in no more than `lastSeen` and `last` (written at the pace of lastSeen: backups may come every second). */
function sameDeviceRecord(a: DeviceRecord, b: DeviceRecord): boolean {
  return JSON.stringify({ ...a, lastSeen: '', last: undefined }) === JSON.stringify({ ...b, lastSeen: '', last: undefined });
}

export class Repository {
  readonly vault: Vault;
  readonly db: StateDb;
  readonly codec: BlobCodec;
  readonly device: DeviceIdentity;
  readonly stateDir: string;
  readonly vaultDir: string;
  readonly now: () => number;
  /** True when the vault was unreachable at open: it was unlocked from the cached header. */
  openedOffline = false;
  /**
   * This device has a history in the vault that this state DB doesn't know (it was moved away
   * when damaged, or deleted): the next backup continues it (continueHistory) instead of
   * starting again at seq 1, which would sort every later backup before the earlier ones.
   */
  historyUnknown = false;
  /** Why the vault was unreachable at open (with openedOffline). */
  offlineCause: CairnError | undefined;
  /** When open read vault.json from the store (performance.now()): a backup right after needn't ask again that it is there. */
  configReadAt: number | undefined;
  /** Whether this repository keeps a local key cache (RepositoryOptions.keyCache). */
  keyCache = true;
  private readonly platform: Platform;

  private constructor(vault: Vault, db: StateDb, codec: BlobCodec, device: DeviceIdentity, stateDir: string, vaultDir: string, now: () => number, platform: Platform) {
    this.vault = vault;
    this.db = db;
    this.codec = codec;
    this.device = device;
    this.stateDir = stateDir;
    this.vaultDir = vaultDir;
    this.now = now;
    this.platform = platform;
  }

  /**
   * Creates a vault at the store and opens it; the recovery key is returned once. `versioning`
   * is set when the bucket keeps old versions of deleted objects: tell the user (see
   * versionedBucketAdvice), or prune will free no space there.
   */
  static async init(options: RepositoryOptions & Omit<InitOptions, 'now'>): Promise<{ repo: Repository; recoveryKey: string; versioning?: 'enabled' | 'suspended' }> {
    makeStateDirPrivate(options.stateDir);
    const { vault, recoveryKey } = await Vault.init(options.store, { passphrase: options.passphrase, scrypt: options.scrypt, now: options.now, chunker: options.chunker, compressionLevel: options.compressionLevel });
    // Cache the header now, so this device can open the vault later even while it is unreachable.
    new HeaderCache(options.stateDir, options.store.location).write(await Vault.readHeader(options.store));
    const repo = await Repository.fromVault(vault, options);
    // The key cache now, while the passphrase is at hand: otherwise the first backup after
    // `cairn init` pays the full KDF again (measured: 0.85 s and 128 MiB of scrypt memory).
    if (repo.keyCache) new KeyCache(repo.vaultDir).write(await vault.localCacheSlot(options.passphrase));
    const versioning = await keptVersions(options.store);
    return { repo, recoveryKey, ...(versioning ? { versioning } : {}) };
  }

  /**
   * Opens an existing vault; on a device new to it, registers the device (unless readOnly). The vault's header
   * (configuration and key slots: nothing secret) is cached in the state folder, so opening
   * costs one request while the configuration is unchanged, and works while the vault is
   * unreachable (backups then go to the outbox).
   */
  static async open(options: RepositoryOptions & { secret: UnlockSecret }): Promise<Repository> {
    makeStateDirPrivate(options.stateDir);
    const headerCache = new HeaderCache(options.stateDir, options.store.location);
    const cached = headerCache.read();
    // The local key cache: the same master key under a cheap KDF of the passphrase, so a CLI run
    // doesn't spend ~0.4 s in scrypt. A wrong passphrase still fails (after the full KDF below).
    const useKeyCache = 'passphrase' in options.secret && options.keyCache !== false;
    const keyCacheOf = (vaultId: string) => new KeyCache(vaultStateDir(options.stateDir, vaultId));
    const unlockFromCache = async (config: VaultHeader['config']): Promise<Vault | undefined> => {
      const slot = useKeyCache ? keyCacheOf(config.id).read() : undefined;
      if (!slot) return undefined;
      return Vault.unlock(options.store, { config, slots: [{ key: 'local', slot }] }, options.secret).catch(() => undefined);
    };
    // With a cached header, the key cache's KDF (~20 ms in the thread pool) runs while the
    // vault's config is fetched; its result counts only if the config turns out unchanged.
    const early = cached ? unlockFromCache(cached.config) : undefined;
    let offline = false;
    let offlineCause: CairnError | undefined;
    let config: VaultHeader['config'];
    try {
      config = await Vault.readConfig(options.store);
    } catch (error) {
      if (!(cached && error instanceof CairnError && error.code === 'unreachable')) {
        await early;
        throw error;
      }
      config = cached.config;
      offline = true;
      offlineCause = error;
    }
    const unchanged = cached !== undefined && JSON.stringify(cached.config) === JSON.stringify(config);
    let header: VaultHeader = unchanged && cached ? cached : { config, slots: [] };
    const earlyVault = await early;
    let vault: Vault | undefined = unchanged ? earlyVault : await unlockFromCache(config);
    if (!vault) {
      // Unlocking a vault slot costs the full KDF anyway: read the current slots, so a passphrase
      // or recovery key replaced on another device stops working here too. Offline, the cached
      // slots are all there is.
      if (!offline) header = { config, ...(await Vault.readSlots(options.store)) };
      vault = await Vault.unlock(options.store, header, options.secret);
      if (useKeyCache && 'passphrase' in options.secret) keyCacheOf(config.id).write(await vault.localCacheSlot(options.secret.passphrase));
    }
    // Slots from before slot MACs get theirs (once: the re-read header is cached).
    if (!offline && !options.readOnly && header.slots.some((s) => s.slot.mac === undefined)) {
      await vault.addSlotIntegrity();
      header = { config, ...(await Vault.readSlots(options.store)) };
    }
    if (header !== cached) headerCache.write(header);
    const repo = await Repository.fromVault(vault, { ...options, offline });
    repo.offlineCause = offlineCause;
    if (!offline) repo.configReadAt = performance.now();
    return repo;
  }

  private static async fromVault(vault: Vault, options: RepositoryOptions & { offline?: boolean }): Promise<Repository> {
    const now = options.now ?? Date.now;
    const vaultDir = vaultStateDir(options.stateDir, vault.id);
    makeDirsSync(join(vaultDir, 'tmp'), 0o700);
    // A killed backup's database copies (credentials not yet scrubbed) go now, not someday.
    sweepTemporaryFiles(join(vaultDir, 'tmp'));
    const db = new StateDb(join(vaultDir, 'state.db'));
    const { device, isNew, renamed } = new DeviceIdentityFile(vaultDir).load(options.deviceName, recordedDevice(db));
    // An older Cairn's search index is converted now, off this thread (the app's main process).
    await upgradeSessionIndex(db.db);
    const codec = await options.makeCodec(vault);
    const repo = new Repository(vault, db, codec, device, options.stateDir, vaultDir, now, options.platform ?? (process.platform as Platform));
    repo.openedOffline = options.offline ?? false;
    repo.historyUnknown = !isNew && !hasParent(db);
    repo.keyCache = options.keyCache !== false;
    // Registered once it wrote its record (a read-only first look leaves the identity unregistered).
    const registered = db.getMeta(DEVICE_RECORD_META) !== undefined;
    if (!repo.openedOffline && !options.readOnly && (isNew || renamed || !registered)) await repo.touchDevice([]);
    return repo;
  }

  get tmpDir(): string {
    return join(this.vaultDir, 'tmp');
  }

  /**
   * Writes or refreshes this device's record in the vault. One key is written at most once a
   * second (R2 answers 429 above that): a rewrite that would only move `lastSeen` is skipped
   * while the record is younger than DEVICE_LAST_SEEN_RESOLUTION_MS, and any other rewrite
   * within DEVICE_RECORD_MIN_INTERVAL_MS of the last one waits out the rest of that second (a
   * new device's first backup writes its record at open, then again with its agents).
   */
  async touchDevice(agents?: string[]): Promise<DeviceRecord> {
    // Only this device writes its record: the copy it wrote last saves reading it back.
    const written = this.db.getMeta(DEVICE_RECORD_META);
    const existing = written ? (JSON.parse(written) as DeviceRecord) : await this.vault.loadDevice(this.device.id);
    // This machine's newest backup: a machine that finds a newer one here shares this identity (backup.ts).
    const last = lastBackupOf(this.db);
    const recordAt = (at: string): DeviceRecord => ({
      version: 1,
      id: this.device.id,
      name: this.device.name,
      hostname: osHostname(),
      platform: this.platform,
      agents: agents && agents.length > 0 ? agents : (existing?.agents ?? []),
      lastSeen: at,
      createdAt: existing?.createdAt ?? at,
      ...(last ? { last } : {}),
    });
    let record = recordAt(new Date(this.now()).toISOString());
    if (written && existing) {
      const age = this.now() - Date.parse(existing.lastSeen);
      if (age >= 0 && age < DEVICE_LAST_SEEN_RESOLUTION_MS && sameDeviceRecord(existing, record)) return existing;
      if (age >= 0 && age < DEVICE_RECORD_MIN_INTERVAL_MS) {
        await new Promise((resolve) => setTimeout(resolve, DEVICE_RECORD_MIN_INTERVAL_MS - age));
        record = recordAt(new Date(Math.max(this.now(), Date.parse(existing.lastSeen) + DEVICE_RECORD_MIN_INTERVAL_MS)).toISOString());
      }
    }
    await this.vault.saveDevice(record);
    this.db.setMeta(DEVICE_RECORD_META, JSON.stringify(record));
    return record;
  }

  /**
   * Changes the vault's passphrase, and replaces this device's key cache: the old passphrase
   * must stop working here too, not only in the vault.
   */
  async changePassphrase(current: string, next: string): Promise<void> {
    await this.vault.changePassphrase(current, next);
    await this.afterPassphraseChange(next);
  }

  /**
   * Sets a new passphrase without the current one, for a repository opened with the recovery key
   * (the passphrase forgotten, or its slot damaged).
   */
  async replacePassphrase(next: string): Promise<void> {
    await this.vault.replacePassphrase(next);
    await this.afterPassphraseChange(next);
  }

  private async afterPassphraseChange(next: string): Promise<void> {
    const keyCache = new KeyCache(this.vaultDir);
    keyCache.forget();
    if (this.keyCache) keyCache.write(await this.vault.localCacheSlot(next));
    // The cached header still lists the old slot: read it again at the next open.
    this.forgetCachedHeader();
  }

  /** Replaces the recovery key (shown once); the old one stops working, here included. */
  async rotateRecoveryKey(): Promise<string> {
    const key = await this.vault.rotateRecoveryKey();
    this.forgetCachedHeader();
    return key;
  }

  /** Rotation step 1 (see Vault.addRecoveryKey): the new key works, and so does the old one. */
  async addRecoveryKey(): Promise<{ recoveryKey: string; slot: string }> {
    const added = await this.vault.addRecoveryKey();
    this.forgetCachedHeader();
    return added;
  }

  /** Rotation step 2, after the user confirmed the new key: the old one stops working, here included. */
  async retireRecoveryKeysExcept(keep: string): Promise<string[]> {
    const removed = await this.vault.retireRecoveryKeysExcept(keep);
    this.forgetCachedHeader();
    return removed;
  }

  /** Cancels a rotation: the unconfirmed new slot goes; the old key keeps working. */
  async removeRecoveryKeySlot(slot: string): Promise<boolean> {
    const removed = await this.vault.removeRecoveryKeySlot(slot);
    this.forgetCachedHeader();
    return removed;
  }

  /** The cached header lists the slots as they were: read it again at the next open. */
  private forgetCachedHeader(): void {
    new HeaderCache(this.stateDir, this.vault.store.location).forget();
  }

  async rename(name: string): Promise<DeviceRecord> {
    (this as { device: DeviceIdentity }).device = { ...this.device, name };
    new DeviceIdentityFile(this.vaultDir).write(this.device);
    return this.touchDevice();
  }

  /** The index cache brought up to date; a damaged index file is left out and told to `onDamaged` (syncIndex). */
  async refreshIndex(onDamaged?: OnDamaged): Promise<void> {
    await syncIndex(this.vault, this.db, undefined, onDamaged);
  }

  reader(): TreeReader {
    return new TreeReader(this.vault, this.db, this.codec);
  }

  /**
   * Every snapshot (of one device, or all), oldest first. Records already seen come from the
   * state DB; only new ones are downloaded (one LIST plus a GET per new snapshot).
   */
  async listSnapshots(device?: DeviceId, onDamaged?: OnDamaged): Promise<SnapshotRecord[]> {
    const refs = await this.vault.listSnapshotRefs(device);
    const cached = this.db.getCachedSnapshots(refs.map((r) => r.id));
    const out: SnapshotRecord[] = [];
    const missing = refs.filter((r) => !cached.has(r.id));
    for (const [id, raw] of cached) out.push(parseSnapshotRecord(JSON.parse(raw), id));
    // A damaged record is told to onDamaged and left out (listing, browsing, restoring others);
    // without onDamaged (forget, prune, sync) it throws: deciding with one missing is unsafe.
    const loaded = await mapLimit(missing, 8, async (r) => {
      try {
        return await this.vault.loadSnapshot(r.device, r.id);
      } catch (error) {
        if (!onDamaged || !(error instanceof IntegrityError)) throw error;
        onDamaged(keys.snapshot(r.device, r.id), error);
        return undefined;
      }
    });
    for (const s of loaded) {
      if (!s) continue;
      this.db.putSnapshot(s.id, s.device, s.time, JSON.stringify(s));
      out.push(s);
    }
    this.db.dropSnapshotsExcept(new Set(refs.map((r) => r.id as string)), device);
    return out.sort((a, b) => a.time.localeCompare(b.time));
  }

  /** Stores a changed snapshot record (pin/unpin) and keeps the local cache in step. */
  async saveSnapshot(record: SnapshotRecord): Promise<void> {
    await this.vault.saveSnapshot(record);
    this.db.putSnapshot(record.id, record.device, record.time, JSON.stringify(record));
  }

  /**
   * Finds a snapshot by id, unique id prefix, or `latest`: `device`'s newest (an id or a name),
   * else this device's. A device new to the vault (a new machine, a fresh state folder) has no
   * snapshots: its `latest` is then the newest snapshot of the one other device with this
   * machine's host name — the machine it replaces — and with none or several, the error lists
   * the devices and their last snapshots and says which `--device` to use. With `paths`, `latest`
   * is the device's newest backup holding them (`cairn ls ~/notes` after `cairn backup ~/notes`:
   * that backup, not the newest of the agents).
   */
  async findSnapshot(ref: string, device?: string, onDamaged?: OnDamaged, paths: readonly string[] = []): Promise<SnapshotRecord> {
    if (ref === 'latest') {
      const deviceId = device ? await this.resolveDevice(device, onDamaged) : this.device.id;
      const own = await this.listSnapshots(deviceId, onDamaged);
      const newest = (paths.length > 0 ? newestInHistory(own.filter((s) => paths.every((p) => rootHolds(s, p)))) : undefined) ?? newestBackup(own);
      if (newest) return newest;
      if (device) throw new NotFoundError(`Device ${device} has no snapshots yet. See 'cairn snapshots' for the devices that have.`);
      return this.predecessorLatest(onDamaged);
    }
    const only = snapshotByPrefix(await this.vault.listSnapshotRefs(), ref);
    const cached = this.db.getCachedSnapshots([only.id]).get(only.id);
    return cached ? parseSnapshotRecord(JSON.parse(cached), only.id) : this.vault.loadSnapshot(only.device, only.id);
  }

  /** The other devices that have snapshots, each with its newest, most recent first. */
  async otherDevices(onDamaged?: OnDamaged): Promise<{ id: DeviceId; name: string; hostname: string; count: number; latest: SnapshotRecord }[]> {
    const [records, snapshots] = await Promise.all([this.vault.listDevices(onDamaged), this.listSnapshots(undefined, onDamaged)]);
    const byDevice = new Map<DeviceId, SnapshotRecord[]>();
    for (const s of snapshots) if (s.device !== this.device.id) byDevice.set(s.device, [...(byDevice.get(s.device) ?? []), s]);
    return [...byDevice]
      .flatMap(([id, list]) => {
        // A device with only safety snapshots has no backup to restore or continue from.
        const latest = newestBackup(list);
        if (!latest) return [];
        const record = records.find((r) => r.id === id);
        return [{ id, name: record?.name ?? latest.deviceName, hostname: record?.hostname ?? latest.hostname, count: list.length, latest }];
      })
      .sort((a, b) => b.latest.time.localeCompare(a.latest.time));
  }

  private async predecessorLatest(onDamaged?: OnDamaged): Promise<SnapshotRecord> {
    const others = await this.otherDevices(onDamaged);
    const sameHost = others.filter((d) => d.hostname === osHostname());
    if (sameHost.length === 1) return (sameHost[0] as (typeof sameHost)[number]).latest;
    if (others.length === 0) throw new NotFoundError(`Device ${this.device.name} has no snapshots yet, and no other device of this vault has any. Run 'cairn backup' first.`);
    const lines = others.map((d) => `  ${d.name} (host ${d.hostname}, id ${d.id}): ${d.count} snapshot(s), the last ${d.latest.time.replace('T', ' ').slice(0, 16)} UTC — --device ${d.id}`);
    const why = sameHost.length === 0 ? `none of them has this machine's host name (${osHostname()})` : `${sameHost.length} of them have this machine's host name (${osHostname()})`;
    throw new NotFoundError(
      [
        `This device (${this.device.name}) has no snapshots yet, and ${why}, so 'latest' is ambiguous. The devices with snapshots:`,
        ...lines,
        "Add the --device of the one you mean; to make this machine continue its history, 'cairn devices adopt ID' (docs/RECOVERY.md).",
      ].join('\n'),
    );
  }

  /**
   * This machine takes over another device's identity and history (it replaces a machine that
   * died or was reinstalled): its next backups are that device's, continuing from its newest
   * snapshot. Refused when this device has snapshots of its own, which no machine would continue.
   * The record this machine registered as a new device is removed.
   */
  async adopt(nameOrId: string): Promise<{ previous: DeviceIdentity; adopted: DeviceRecord; latest: SnapshotRecord | undefined }> {
    const target = await this.resolveOtherDevice(nameOrId);
    const own = await this.listSnapshots(this.device.id);
    if (own.length > 0) {
      throw new CairnError('conflict', `This device (${this.device.name}, id ${this.device.id}) has ${own.length} snapshot(s) of its own already; taking over ${target.name} would leave them with no machine to continue them. Adopt a device only on a machine that has not backed up yet.`);
    }
    const previous = this.device;
    const latest = newestInHistory(await this.listSnapshots(target.id));
    const identity: DeviceIdentity = { id: target.id, name: target.name };
    new DeviceIdentityFile(this.vaultDir).write(identity);
    (this as { device: DeviceIdentity }).device = identity;
    this.db.setMeta(DEVICE_RECORD_META, JSON.stringify(target));
    if (latest) continueFrom(this.db, latest);
    const adopted = this.openedOffline ? target : await this.touchDevice();
    if (previous.id !== target.id) await this.vault.store.delete(keys.device(previous.id)).catch(() => undefined);
    return { previous, adopted, latest };
  }

  /** Continues this device's newest backup in the vault when the state DB has none (historyUnknown). */
  async continueHistory(): Promise<void> {
    if (!this.historyUnknown || this.openedOffline) return;
    const latest = newestInHistory(await this.listSnapshots(this.device.id));
    if (latest && !hasParent(this.db)) continueFrom(this.db, latest);
    this.historyUnknown = false;
  }

  /**
   * This machine stops sharing its device identity with another machine (the state folder was
   * copied to or from it: a migration, a restored backup of the home folder, a cloned disk). It
   * becomes a new device whose history starts with its next backup; the other machine keeps the
   * identity and its history, and the two sync like any two devices. Nothing in the vault changes.
   */
  async leaveSharedDevice(): Promise<{ previous: DeviceIdentity; device: DeviceIdentity }> {
    const previous = this.device;
    const host = osHostname();
    const identity: DeviceIdentity = { id: randomBytes(8).toString('hex') as DeviceId, name: host !== previous.name ? host : `${previous.name} (2)` };
    new DeviceIdentityFile(this.vaultDir).write(identity);
    (this as { device: DeviceIdentity }).device = identity;
    this.db.deleteMeta(DEVICE_RECORD_META);
    startNewHistory(this.db);
    this.historyUnknown = false;
    if (!this.openedOffline) await this.touchDevice([]);
    return { previous, device: identity };
  }

  /** Another device of the vault by id, id prefix, name or host name; refuses an ambiguous name. */
  private async resolveOtherDevice(nameOrId: string): Promise<DeviceRecord> {
    const devices = (await this.vault.listDevices()).filter((d) => d.id !== this.device.id);
    const byId = devices.filter((d) => d.id === nameOrId || (nameOrId.length >= 4 && d.id.startsWith(nameOrId)));
    const matches = byId.length > 0 ? byId : devices.filter((d) => d.name === nameOrId || d.hostname === nameOrId);
    if (matches.length === 1) return matches[0] as DeviceRecord;
    if (nameOrId === this.device.id || nameOrId === this.device.name) {
      if (matches.length === 0) throw new CairnError('config', `'${nameOrId}' is this device. Name the device this machine replaces ('cairn devices').`);
    }
    if (matches.length === 0) throw new NotFoundError(`No other device called '${nameOrId}' in this vault. See 'cairn devices'.`);
    throw new CairnError('config', `${matches.length} devices are called '${nameOrId}': ${matches.map((d) => `${d.name} (id ${d.id}, last seen ${d.lastSeen.slice(0, 16)})`).join(', ')}. Give the id.`);
  }

  async resolveDevice(nameOrId: string, onDamaged?: OnDamaged): Promise<DeviceId> {
    const devices = await this.vault.listDevices(onDamaged);
    const match = devices.find((d) => d.id === nameOrId) ?? devices.filter((d) => d.name === nameOrId || d.hostname === nameOrId)[0];
    if (match) return match.id;
    const fromSnapshots = (await this.vault.listSnapshotRefs()).find((r) => r.device === nameOrId);
    if (fromSnapshots) return fromSnapshots.device;
    throw new NotFoundError(`No device called '${nameOrId}' in this vault. See 'cairn devices'.`);
  }

  async close(): Promise<void> {
    this.db.close();
    await this.codec.close?.();
    await this.vault.store.close();
  }
}

/** The one snapshot (or snapshot ref) of `snapshots` whose id starts with `ref`; a clear error for none, several or a malformed ref. */
export function snapshotByPrefix<T extends { id: string }>(snapshots: readonly T[], ref: string): T {
  if (!/^[0-9a-f]{4,64}$/.test(ref)) throw new CairnError('config', `'${ref}' is not a snapshot id. Use an id (or its first characters) from 'cairn snapshots', or 'latest'.`);
  const found = snapshots.filter((s) => s.id.startsWith(ref));
  if (found.length === 0) throw new NotFoundError(`No snapshot has an id starting with '${ref}'. See 'cairn snapshots'.`);
  if (found.length > 1) throw new CairnError('config', `More than one snapshot starts with '${ref}'. Give more characters.`);
  return found[0] as T;
}

/** Whether one of the snapshot's roots is, or holds, `path` (a path in the snapshot from its root label, or the absolute path it was backed up from; TreeReader.resolve's reading). */
function rootHolds(snapshot: SnapshotRecord, path: string): boolean {
  return pathsInSnapshot(snapshot, path, false).some((p) => snapshot.roots.some((r) => p === r.label || p.startsWith(`${r.label}/`)));
}

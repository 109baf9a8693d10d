// A Vault is an unlocked view of one vault in a BlobStore: it knows the keys and reads and
// writes the sealed objects (snapshots, devices, index files, locks, packs' blobs).

import { randomBytes } from 'node:crypto';
import { CairnError, ConfigError, IntegrityError, NotFoundError, StorageError, WrongKeyError } from '../../../shared/errors.ts';
import type { DeviceId, PackId, SnapshotId, VaultId } from '../../../shared/ids.ts';
import {
  generateMasterKey,
  createPassphraseSlot,
  createRecoveryKeySlot,
  deriveSubkeys,
  fingerprint as fingerprintOf,
  generateRecoveryKey,
  mac,
  open,
  parseRecoveryKey,
  seal,
  parseKeySlot,
  unlockSlot,
  verifySlotMac,
  withIntegrity,
} from '../crypto/index.ts';
import type { KeySlot, ScryptParams, Subkeys } from '../crypto/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { SignalBoundBlobStore } from '../storage/index.ts';
import { FORMAT_VERSION, keys, kinds } from './format.ts';
import { listingLagOf, probeConditionalWrites } from './capabilities.ts';
import type { BlobLocation } from './format.ts';
import { DEFAULT_CHUNKER, DEFAULT_COMPRESSION_LEVEL, DEFAULT_PACK_SIZE } from './defaults.ts';
import type { DeviceRecord, SnapshotRecord } from './records.ts';
import { parseDeviceRecord, parseSnapshotRecord } from './records.ts';
import { newPassphraseProblem } from '../../../shared/limits.ts';
import { mapLimit } from '../concurrency.ts';

export interface VaultConfig {
  format: 'cairn-vault';
  version: number;
  id: VaultId;
  createdAt: string;
  chunker: { min: number; avg: number; max: number };
  compression: { codec: 'zstd'; level: number };
  packSize: number;
  /** The store honours If-None-Match (probed at init): locks use it. Absent on older vaults. */
  conditionalWrites?: boolean;
  /** Prune deletes nothing younger than this, and only what a prune this long ago marked. Default 4 h. */
  pruneMarginHours?: number;
}

export type UnlockSecret = { passphrase: string } | { recoveryKey: string };

/** Told about a vault object that can't be used (by its key), while the others are. */
export type OnDamaged = (key: string, error: IntegrityError) => void;

export interface SlotEntry {
  key: string;
  slot: KeySlot;
}

/** A key slot that can't be used: unreadable, malformed or failing its checksum. */
export interface DamagedSlot {
  key: string;
  /** What it was, when that can still be told from its bytes. */
  type?: KeySlot['type'];
  problem: string;
}

export interface VaultHeader {
  config: VaultConfig & { mac: string };
  slots: SlotEntry[];
  /** Slots that can't be used; the others still unlock (each slot is independent). */
  damaged?: DamagedSlot[];
}

export interface InitOptions {
  passphrase: string;
  scrypt?: ScryptParams;
  now?: () => number;
  /** Chunker sizes and zstd level for the new vault (defaults: defaults.ts). */
  chunker?: { min: number; avg: number; max: number };
  compressionLevel?: number;
  /** Prune's safety margin for this vault (default DEFAULT_PRUNE_MARGIN_HOURS). */
  pruneMarginHours?: number;
}

const canonicalConfig = (c: VaultConfig) => JSON.stringify({ ...c });

/** Prune's default safety margin: longer than any listing lag and any backup that holds no live lock. */
export const DEFAULT_PRUNE_MARGIN_HOURS = 4;
/** How long a non-conditional init waits before reading vault.json back: longer than one request. */
const INIT_SETTLE_MS = 1500;

function vaultExists(store: BlobStore): CairnError {
  return new CairnError('vault_exists', `A vault already exists at ${store.location}. Use it (join) or choose another prefix.`);
}

/** About 5 ms here: the local key cache trades KDF cost for file permissions (docs/SECURITY.md). */
export const LOCAL_CACHE_SCRYPT: ScryptParams = { N: 2 ** 12, r: 8, p: 1 };

async function readJson(store: BlobStore, key: string, what: string): Promise<unknown> {
  const bytes = await store.get(key);
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new IntegrityError(`${what} at ${store.location} is not valid JSON: it is corrupt.`, { cause });
  }
}

export class Vault {
  readonly store: BlobStore;
  readonly config: VaultConfig;
  readonly subkeys: Subkeys;
  readonly fingerprint: string;
  private readonly master: Uint8Array;
  /** Slots found damaged while unlocking (none when the header came from the local cache). */
  damagedSlots: DamagedSlot[] = [];

  private constructor(store: BlobStore, config: VaultConfig, master: Uint8Array) {
    this.store = store;
    this.config = config;
    this.master = master;
    this.subkeys = deriveSubkeys(master);
    this.fingerprint = fingerprintOf(master);
  }

  get id(): VaultId {
    return this.config.id;
  }

  /**
   * This vault with every storage call also obeying `signal`: what a backup, restore or prune
   * works through, so that cancelling it aborts the requests in flight. Locks taken through the
   * view are still released after a cancel (locks.ts uses the unbound store for that).
   */
  withSignal(signal: AbortSignal | undefined): Vault {
    if (!signal) return this;
    const view = new Vault(new SignalBoundBlobStore(this.store, signal), this.config, this.master);
    view.damagedSlots = this.damagedSlots;
    return view;
  }

  static async exists(store: BlobStore): Promise<boolean> {
    return (await store.stat(keys.config)) !== undefined;
  }

  /** Creates a new vault; returns it unlocked with the recovery key, which is shown once. */
  static async init(store: BlobStore, options: InitOptions): Promise<{ vault: Vault; recoveryKey: string }> {
    const [exists, conditional] = await Promise.all([Vault.exists(store), probeConditionalWrites(store)]);
    if (exists) throw vaultExists(store);
    const now = options.now ?? Date.now;
    const master = generateMasterKey();
    const config: VaultConfig = {
      format: 'cairn-vault',
      version: FORMAT_VERSION,
      id: randomBytes(16).toString('hex') as VaultId,
      createdAt: new Date(now()).toISOString(),
      chunker: { ...(options.chunker ?? DEFAULT_CHUNKER) },
      compression: { codec: 'zstd', level: options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL },
      packSize: DEFAULT_PACK_SIZE,
      conditionalWrites: conditional,
      pruneMarginHours: options.pruneMarginHours ?? DEFAULT_PRUNE_MARGIN_HOURS,
    };
    const vault = new Vault(store, config, master);
    const recoveryKey = generateRecoveryKey();
    assertNewPassphrase(options.passphrase);
    // Key slots first, vault.json last: a vault.json that exists always has slots to unlock it.
    const slots = [
      await vault.writeSlot(await createPassphraseSlot(master, options.passphrase, options.scrypt)),
      await vault.writeSlot(await createRecoveryKeySlot(master, recoveryKey)),
    ];
    const body = Buffer.from(JSON.stringify({ ...config, mac: Buffer.from(mac(vault.subkeys.macKey, Buffer.from(canonicalConfig(config)))).toString('base64') }, null, 2));
    // Two inits racing on one prefix: exactly one vault.json may win, and the loser takes its key
    // slots back (they would unlock a master key that no vault.json belongs to).
    const won = await Vault.writeConfigOnce(store, body, conditional, config.id);
    if (!won) {
      await Promise.all(slots.map((key) => store.delete(key).catch(() => undefined)));
      throw vaultExists(store);
    }
    return { vault, recoveryKey };
  }

  /**
   * Writes vault.json unless one exists: with If-None-Match where the store honours it;
   * otherwise look again right before the write, write, wait a moment (longer than a request
   * takes) and read it back: of two racing writes, both read back the last, so one loses.
   */
  private static async writeConfigOnce(store: BlobStore, body: Uint8Array, conditional: boolean, id: VaultId): Promise<boolean> {
    if (conditional && store.putIfAbsent) return store.putIfAbsent(keys.config, body);
    if (await Vault.exists(store)) return false;
    await store.put(keys.config, body);
    await new Promise((resolve) => setTimeout(resolve, INIT_SETTLE_MS));
    const stored = (await readJson(store, keys.config, 'vault.json')) as { id?: unknown };
    return stored.id === id;
  }

  static async readConfig(store: BlobStore): Promise<VaultConfig & { mac: string }> {
    let raw: unknown;
    try {
      raw = await readJson(store, keys.config, 'vault.json');
    } catch (error) {
      if (error instanceof CairnError && error.code === 'not_found') {
        throw new CairnError('no_vault', `There is no Cairn vault at ${store.location}. Run 'cairn init' to create one, or check the location.`);
      }
      throw error;
    }
    const c = raw as Partial<VaultConfig & { mac: string }>;
    if (c.format !== 'cairn-vault' || typeof c.version !== 'number' || typeof c.mac !== 'string') {
      throw new IntegrityError(`vault.json at ${store.location} is not a Cairn vault configuration.`);
    }
    if (c.version > FORMAT_VERSION) {
      throw new CairnError('unsupported_version', `This vault uses format ${c.version}; this Cairn reads up to ${FORMAT_VERSION}. Update Cairn.`);
    }
    return c as VaultConfig & { mac: string };
  }

  /** What opening a vault needs from storage: its configuration and key slots. Not secret. */
  static async readHeader(store: BlobStore): Promise<VaultHeader> {
    const config = await Vault.readConfig(store);
    return { config, ...(await Vault.readSlots(store)) };
  }

  /** Opens an existing vault with a passphrase or the recovery key. */
  static async open(store: BlobStore, secret: UnlockSecret): Promise<Vault> {
    return Vault.unlock(store, await Vault.readHeader(store), secret);
  }

  /**
   * Unlocks a vault from its header (read now, or cached); checks the configuration's MAC. Every
   * slot of the secret's kind is tried: a damaged one never hides the others, and is reported by
   * name (not as a wrong secret) when no slot unlocks.
   */
  static async unlock(store: BlobStore, header: VaultHeader, secret: UnlockSecret): Promise<Vault> {
    const { mac: storedMac, ...config } = header.config;
    const wanted = 'passphrase' in secret ? 'passphrase' : 'recovery';
    const candidates = header.slots.filter((s) => s.slot.type === wanted);
    const damaged = [...(header.damaged ?? [])];
    // A mistyped recovery key gets its own precise message before any slot is tried.
    if ('recoveryKey' in secret) parseRecoveryKey(secret.recoveryKey);
    const secretText = 'passphrase' in secret ? secret.passphrase : secret.recoveryKey;
    let master: Uint8Array | undefined;
    for (const { key, slot } of candidates) {
      try {
        master = await unlockSlot(slot, secretText);
        break;
      } catch (error) {
        if (error instanceof IntegrityError) damaged.push({ key, type: slot.type, problem: error.message });
        else if (!(error instanceof WrongKeyError)) throw error;
      }
    }
    if (!master) {
      const other = wanted === 'passphrase' ? 'the recovery key (CAIRN_RECOVERY_KEY)' : 'the passphrase';
      const ours = damaged.filter((d) => d.type === wanted || d.type === undefined);
      if (ours.length > 0) {
        const names = ours.map((d) => `${d.key} (${d.problem.replace(/\.$/, '')})`).join('; ');
        const repair = wanted === 'passphrase' ? "then set the passphrase again with 'cairn key passwd'" : "then make a new recovery key with 'cairn key recovery'";
        throw new IntegrityError(
          `The vault's ${wanted} key slot is damaged: ${names}. ${candidates.length > ours.length ? `The other ${wanted} slot(s) did not open with this ${wanted === 'passphrase' ? 'passphrase' : 'key'}. ` : ''}` +
            `Unlock with ${other}, ${repair}.`,
        );
      }
      if (candidates.length === 0) throw new IntegrityError(`The vault at ${store.location} has no ${wanted} key slot. Unlock with ${other}.`);
      throw new WrongKeyError(
        'passphrase' in secret
          ? 'The passphrase does not unlock this vault. Check it (it is case-sensitive) or use the recovery key.'
          : 'The recovery key does not unlock this vault. Check it, or use the passphrase.',
      );
    }
    const vault = new Vault(store, config, master);
    const expected = Buffer.from(mac(vault.subkeys.macKey, Buffer.from(canonicalConfig(config)))).toString('base64');
    if (expected !== storedMac) {
      throw new IntegrityError(`vault.json at ${store.location} failed authentication: it was modified. Do not use this vault until you know why.`);
    }
    vault.damagedSlots = damaged;
    return vault;
  }

  /** Every key slot; one that can't be read or fails its checks is listed as damaged, by name. */
  static async readSlots(store: BlobStore): Promise<{ slots: SlotEntry[]; damaged: DamagedSlot[] }> {
    const slots: SlotEntry[] = [];
    const damaged: DamagedSlot[] = [];
    const keysFound: string[] = [];
    // Right after init, a lagging listing may not show the slots yet (vault.json, read directly,
    // is there): wait for them as long as the store's listings may lag.
    const deadline = Date.now() + listingLagOf(store);
    for (;;) {
      for await (const info of store.list(keys.keysPrefix)) keysFound.push(info.key);
      if (keysFound.length > 0 || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, Math.max(50, deadline - Date.now()))));
    }
    await mapLimit(keysFound, 8, async (key) => {
      let bytes: Uint8Array;
      try {
        bytes = await store.get(key);
      } catch (error) {
        // Deleted between list and get: replaced by a passphrase change on another device.
        if (error instanceof CairnError && error.code === 'not_found') return;
        throw error;
      }
      const text = Buffer.from(bytes).toString('utf8');
      const type = /"type"\s*:\s*"(passphrase|recovery)"/.exec(text)?.[1] as KeySlot['type'] | undefined;
      try {
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch {
          throw new IntegrityError('it is not valid JSON');
        }
        slots.push({ key, slot: parseKeySlot(raw) });
      } catch (error) {
        if (!(error instanceof IntegrityError)) throw error;
        damaged.push({ key, ...(type ? { type } : {}), problem: error.message.replace(/^The key slot is damaged: /, '').replace(/^The key slot is /, 'it is ') });
      }
    });
    const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
    return { slots: slots.sort(byKey), damaged: damaged.sort(byKey) };
  }

  /**
   * What is wrong with vault.json as stored (`bytes`), or undefined: it must be the JSON Cairn
   * writes, byte for byte, describe this vault, and carry a MAC this vault's key made.
   */
  configProblem(bytes: Uint8Array): string | undefined {
    const text = Buffer.from(bytes).toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return 'it is not valid JSON';
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'it is not a JSON object';
    const { mac: storedMac, ...config } = raw as Record<string, unknown>;
    if (typeof storedMac !== 'string') return 'it has no MAC';
    const expected = Buffer.from(mac(this.subkeys.macKey, Buffer.from(JSON.stringify(config)))).toString('base64');
    if (expected !== storedMac) return 'its MAC does not match: it was modified';
    if ((config as { id?: unknown }).id !== this.id) return `it describes vault ${String((config as { id?: unknown }).id)}, not ${this.id}`;
    if (JSON.stringify(raw, null, 2) !== text) return 'its bytes differ from the form Cairn writes (damaged spacing)';
    return undefined;
  }

  /** Checks a slot's MAC with this vault's key (see key-slots.ts): `check` uses it. */
  verifySlot(slot: KeySlot): 'ok' | 'mismatch' | 'absent' {
    return verifySlotMac(this.master, slot);
  }

  /**
   * Gives slots from before slot MACs their `mac` and `sum` (same key, same secret: only the two
   * fields are added), in place. Run by commands that write; returns the keys rewritten. A slot
   * deleted meanwhile by a passphrase change elsewhere must not come back: if a slot appeared
   * while this ran, the rewritten ones of its type are removed again.
   */
  async addSlotIntegrity(): Promise<string[]> {
    const before = await Vault.readSlots(this.store);
    const legacy = before.slots.filter((s) => s.slot.mac === undefined);
    for (const { key, slot } of legacy) await this.store.put(key, Buffer.from(JSON.stringify(withIntegrity(this.master, slot), null, 2)));
    if (legacy.length === 0) return [];
    const known = new Set([...before.slots, ...before.damaged].map((s) => s.key));
    const after = await Vault.readSlots(this.store);
    const appeared = new Set(after.slots.filter((s) => !known.has(s.key)).map((s) => s.slot.type));
    const undo = legacy.filter((s) => appeared.has(s.slot.type));
    for (const s of undo) await this.store.delete(s.key);
    return legacy.filter((s) => !undo.includes(s)).map((s) => s.key);
  }

  private async writeSlot(slot: KeySlot): Promise<string> {
    const key = keys.keySlot(randomBytes(8).toString('hex'));
    await this.store.put(key, Buffer.from(JSON.stringify(slot, null, 2)));
    return key;
  }

  /** Adds a slot for the new passphrase, then removes the old passphrase slots. */
  async changePassphrase(current: string, next: string, scrypt?: ScryptParams): Promise<void> {
    // The current passphrase must unlock the vault's slots as they are now; those are replaced.
    await Vault.unlock(this.store, await Vault.readHeader(this.store), { passphrase: current });
    await this.replacePassphrase(next, scrypt);
  }

  /**
   * Sets the passphrase without the current one: for a vault unlocked with the recovery key (a
   * forgotten passphrase, or a damaged passphrase slot). Old and damaged passphrase slots go.
   */
  async replacePassphrase(next: string, scrypt?: ScryptParams): Promise<void> {
    assertNewPassphrase(next);
    const { slots, damaged } = await Vault.readSlots(this.store);
    const old = [...slots.filter((s) => s.slot.type === 'passphrase'), ...damaged.filter((d) => d.type === 'passphrase')];
    await this.writeSlot(await createPassphraseSlot(this.master, next, scrypt));
    for (const s of old) await this.store.delete(s.key);
  }

  /**
   * A passphrase slot with cheap scrypt parameters, for the local key cache (see repository.ts
   * and docs/SECURITY.md). Never stored in the vault.
   */
  async localCacheSlot(passphrase: string): Promise<KeySlot> {
    return createPassphraseSlot(this.master, passphrase, LOCAL_CACHE_SCRYPT);
  }

  /**
   * Replaces the recovery key at once; the old one stops working. Returns the new one (shown
   * once). For a damaged recovery slot, or a caller that confirms by other means: the app and
   * `cairn key recovery` use the two steps below, so the old key works until the new one is saved.
   */
  async rotateRecoveryKey(): Promise<string> {
    const { recoveryKey, slot } = await this.addRecoveryKey();
    await this.retireRecoveryKeysExcept(slot);
    return recoveryKey;
  }

  /**
   * Rotation, step 1: a new recovery key in a new slot, next to the current one, which keeps
   * working. Returns the key (shown once) and its slot's storage key, which step 2
   * (`retireRecoveryKeysExcept`) or a cancel (`removeRecoveryKeySlot`) names.
   */
  async addRecoveryKey(): Promise<{ recoveryKey: string; slot: string }> {
    const recoveryKey = generateRecoveryKey();
    const slot = await this.writeSlot(await createRecoveryKeySlot(this.master, recoveryKey));
    return { recoveryKey, slot };
  }

  /**
   * Rotation, step 2, once the user confirmed they saved the new key: every other recovery slot
   * (damaged ones too) is removed, so only the key of `keep` unlocks as a recovery key. Refuses,
   * removing nothing, unless `keep` is a sound recovery slot of this vault.
   */
  async retireRecoveryKeysExcept(keep: string): Promise<string[]> {
    const { slots, damaged } = await Vault.readSlots(this.store);
    const kept = slots.find((s) => s.key === keep);
    if (!kept || kept.slot.type !== 'recovery' || this.verifySlot(kept.slot) === 'mismatch') {
      throw new NotFoundError(`The new recovery key's slot (${keep}) is no longer in the vault, so nothing was changed: the previous recovery key still works. Make a new recovery key again.`);
    }
    const old = [...slots.filter((s) => s.slot.type === 'recovery' && s.key !== keep), ...damaged.filter((d) => d.type === 'recovery')];
    for (const s of old) await this.store.delete(s.key);
    return old.map((s) => s.key);
  }

  /**
   * Cancels a rotation: removes the (unconfirmed) recovery slot `slot`. Never the last sound
   * recovery slot: if the others are gone (confirmed meanwhile elsewhere), `slot` stays.
   * Returns whether it was removed.
   */
  async removeRecoveryKeySlot(slot: string): Promise<boolean> {
    const { slots } = await Vault.readSlots(this.store);
    const target = slots.find((s) => s.key === slot);
    if (!target || target.slot.type !== 'recovery') return false;
    const others = slots.filter((s) => s.slot.type === 'recovery' && s.key !== slot);
    if (others.length === 0) return false;
    await this.store.delete(slot);
    return true;
  }

  /** The storage key of the recovery slot that `recoveryKey` opens (the CLI confirms with the key itself). */
  async recoverySlotOf(recoveryKey: string): Promise<string> {
    parseRecoveryKey(recoveryKey);
    const { slots } = await Vault.readSlots(this.store);
    for (const { key, slot } of slots) {
      if (slot.type !== 'recovery') continue;
      try {
        const master = await unlockSlot(slot, recoveryKey);
        const ours = Buffer.from(master).equals(Buffer.from(this.master));
        master.fill(0);
        if (ours) return key;
      } catch (error) {
        if (!(error instanceof WrongKeyError) && !(error instanceof IntegrityError)) throw error;
      }
    }
    throw new WrongKeyError('This recovery key does not unlock this vault: no recovery slot opens with it. Check it against your copy.');
  }

  // Sealed objects ----------------------------------------------------------------------------

  seal(kind: string, name: string, plaintext: Uint8Array): Uint8Array {
    return seal(this.subkeys.encKey, { kind, name }, plaintext);
  }

  open(kind: string, name: string, sealed: Uint8Array): Uint8Array {
    return open(this.subkeys.encKey, { kind, name }, sealed);
  }

  async putSealedJson(key: string, kind: string, name: string, value: unknown): Promise<number> {
    return this.putSealedBytes(key, kind, name, Buffer.from(JSON.stringify(value)));
  }

  /** Stores already-encoded bytes sealed (index files). Returns the stored size. */
  async putSealedBytes(key: string, kind: string, name: string, plaintext: Uint8Array): Promise<number> {
    const bytes = this.seal(kind, name, plaintext);
    await this.store.put(key, bytes);
    return bytes.length;
  }

  async getSealedBytes(key: string, kind: string, name: string): Promise<Uint8Array> {
    return this.open(kind, name, await this.store.get(key));
  }

  async getSealedJson(key: string, kind: string, name: string): Promise<unknown> {
    const plain = await this.getSealedBytes(key, kind, name);
    try {
      return JSON.parse(Buffer.from(plain).toString('utf8'));
    } catch (cause) {
      throw new IntegrityError(`${kind} ${name} decrypted but is not valid JSON.`, { cause });
    }
  }

  // Snapshots and devices ---------------------------------------------------------------------

  async saveSnapshot(record: SnapshotRecord): Promise<number> {
    const name = `${record.device}/${record.id}`;
    return this.putSealedJson(keys.snapshot(record.device, record.id), kinds.snapshot, name, record);
  }

  async loadSnapshot(device: DeviceId, id: SnapshotId): Promise<SnapshotRecord> {
    const raw = await this.getSealedJson(keys.snapshot(device, id), kinds.snapshot, `${device}/${id}`);
    return parseSnapshotRecord(raw, `${device}/${id}`);
  }

  /** Lists snapshot references without downloading them. */
  async listSnapshotRefs(device?: DeviceId): Promise<{ device: DeviceId; id: SnapshotId }[]> {
    const out: { device: DeviceId; id: SnapshotId }[] = [];
    for await (const info of this.store.list(keys.snapshotsPrefix(device))) {
      const parts = info.key.split('/');
      if (parts.length !== 3) continue;
      out.push({ device: parts[1] as DeviceId, id: parts[2] as SnapshotId });
    }
    return out;
  }

  async listSnapshots(device?: DeviceId, concurrency = 8): Promise<SnapshotRecord[]> {
    const refs = await this.listSnapshotRefs(device);
    const out = await mapLimit(refs, concurrency, (r) => this.loadSnapshot(r.device, r.id));
    return out.sort((a, b) => a.time.localeCompare(b.time));
  }

  async deleteSnapshot(device: DeviceId, id: SnapshotId): Promise<void> {
    await this.store.delete(keys.snapshot(device, id));
  }

  async saveDevice(record: DeviceRecord): Promise<void> {
    await this.putSealedJson(keys.device(record.id), kinds.device, record.id, record);
  }

  async loadDevice(id: DeviceId): Promise<DeviceRecord | undefined> {
    try {
      return parseDeviceRecord(await this.getSealedJson(keys.device(id), kinds.device, id), id);
    } catch (error) {
      if (error instanceof NotFoundError || (error instanceof CairnError && error.code === 'not_found')) return undefined;
      throw error;
    }
  }

  /**
   * Every readable device record. A damaged one is passed to `onDamaged` (by key) and left out,
   * so one bad record never hides the others; without `onDamaged` it throws.
   */
  async listDevices(onDamaged?: OnDamaged): Promise<DeviceRecord[]> {
    const ids: DeviceId[] = [];
    for await (const info of this.store.list(keys.devicesPrefix)) ids.push(info.key.slice(keys.devicesPrefix.length) as DeviceId);
    const out = await mapLimit(ids, 8, async (id) => {
      try {
        return await this.loadDevice(id);
      } catch (error) {
        if (!onDamaged || !(error instanceof IntegrityError)) throw error;
        onDamaged(keys.device(id), error);
        return undefined;
      }
    });
    return out.filter((d): d is DeviceRecord => d !== undefined);
  }

  // Blobs -------------------------------------------------------------------------------------

  /** Reads the sealed bytes of blobs that sit in one pack, with one ranged GET per run; `into`: a buffer to read into (ByteRange.into). */
  async readSealedRange(pack: PackId, offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const bytes = await this.store.get(keys.pack(pack), { offset, length, ...(into ? { into } : {}) });
    if (bytes.length !== length) {
      throw new IntegrityError(`Pack ${pack.slice(0, 12)}… is shorter than the index says (wanted ${length} bytes at ${offset}, got ${bytes.length}): it is truncated.`);
    }
    return bytes;
  }

  async readSealedBlob(loc: BlobLocation): Promise<Uint8Array> {
    return this.readSealedRange(loc.pack, loc.offset, loc.length);
  }

  /**
   * Whether a read failed for its object alone — missing from the vault (a pack deleted or never
   * uploaded), or on a disk that can't read it (StorageError.objectOnly) — and not for the vault
   * as a whole: a folder vault whose disk went away makes every object missing. A restore or a
   * pull leaves out that object's files and goes on; otherwise it stops.
   */
  async lostObject(error: unknown): Promise<boolean> {
    if (error instanceof StorageError) return error.objectOnly;
    if (!(error instanceof NotFoundError)) return false;
    return (await this.store.stat(keys.config).catch(() => undefined)) !== undefined;
  }
}

/** The one rule for a new passphrase (shared/limits.ts), applied by the engine for the CLI and the app alike. */
function assertNewPassphrase(passphrase: string): void {
  const problem = newPassphraseProblem(passphrase);
  if (problem) throw new ConfigError(problem);
}

// What this device keeps about a vault in Cairn's state folder, apart from the state DB: the
// vault's header (configuration and key slots, nothing secret) cached per store location, the
// local key cache (the master key under a cheap KDF of the passphrase, docs/SECURITY.md), and
// this device's identity in the vault. The repository facade (repository.ts) decides when each is
// read, written or forgotten; the file names and formats live here.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { DeviceId } from '../../shared/ids.ts';
import { writeJsonAtomic } from './atomic-file.ts';
import type { KeySlot } from './crypto/index.ts';
import { locationKey } from './paths.ts';
import type { VaultHeader } from './vault/index.ts';

export interface DeviceIdentity {
  id: DeviceId;
  name: string;
}

/** The folder of a vault's local state (state DB, identity, key cache, temporary files). */
export function vaultStateDir(stateDir: string, vaultId: string): string {
  return join(stateDir, 'vaults', vaultId);
}

/** Reads a JSON file this device wrote; a missing or unreadable one is undefined (it is rebuilt). */
function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeJsonAtomic(file, value);
}

/** The vault header cached for a store location: opening costs one request, and works offline. */
export class HeaderCache {
  readonly file: string;

  constructor(stateDir: string, location: string) {
    this.file = join(stateDir, 'headers', `${locationKey(location)}.json`);
  }

  read(): VaultHeader | undefined {
    return readJson<VaultHeader>(this.file);
  }

  write(header: VaultHeader): void {
    writeJson(this.file, header);
  }

  /** The cached slots are out of date (a key was added, replaced or removed): read them again at the next open. */
  forget(): void {
    rmSync(this.file, { force: true });
  }
}

/** The local key cache of one vault: the master key sealed under a cheap KDF of the passphrase. */
export class KeyCache {
  readonly file: string;

  constructor(vaultDir: string) {
    this.file = join(vaultDir, 'key-cache.json');
  }

  read(): KeySlot | undefined {
    return readJson<KeySlot>(this.file);
  }

  write(slot: KeySlot): void {
    writeJson(this.file, slot);
  }

  forget(): void {
    rmSync(this.file, { force: true });
  }
}

/** This device's identity in a vault: the id its snapshots are filed under, and its name. */
export class DeviceIdentityFile {
  readonly file: string;

  constructor(vaultDir: string) {
    this.file = join(vaultDir, 'device.json');
  }

  /**
   * The identity kept for this vault, renamed to `deviceName` if one is given; a device new to the
   * vault gets a fresh random id (named `deviceName` or the host name). Written when it changed.
   */
  load(deviceName?: string): { device: DeviceIdentity; isNew: boolean; renamed: boolean } {
    const kept = readJson<DeviceIdentity>(this.file);
    if (!kept) {
      const device = { id: randomBytes(8).toString('hex') as DeviceId, name: deviceName ?? osHostname() };
      this.write(device);
      return { device, isNew: true, renamed: false };
    }
    if (deviceName && deviceName !== kept.name) {
      const device = { ...kept, name: deviceName };
      this.write(device);
      return { device, isNew: false, renamed: true };
    }
    return { device: kept, isNew: false, renamed: false };
  }

  write(device: DeviceIdentity): void {
    writeJson(this.file, device);
  }
}

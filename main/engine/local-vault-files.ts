// What this device keeps about a vault in Cairn's state folder, apart from the state DB: the
// vault's header (configuration and key slots, nothing secret) cached per store location, the
// local key cache (the master key under a cheap KDF of the passphrase, docs/SECURITY.md), and
// this device's identity in the vault. The repository facade (repository.ts) decides when each is
// read, written or forgotten; the file names and formats live here.

import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { DeviceId } from '../../shared/ids.ts';
import { writeJsonAtomic } from './atomic-file.ts';
import type { KeySlot } from './crypto/index.ts';
import { locationKey } from './paths.ts';
import type { VaultHeader } from './vault/index.ts';
import { makeDirsSync } from './make-dirs.ts';

export interface DeviceIdentity {
  id: DeviceId;
  name: string;
}

function isIdentity(value: unknown): value is DeviceIdentity {
  const v = value as Partial<DeviceIdentity> | undefined;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && /^[0-9a-f]{16}$/.test(v.id) && typeof v.name === 'string';
}

/** The folder of a vault's local state (state DB, identity, key cache, temporary files). */
export function vaultStateDir(stateDir: string, vaultId: string): string {
  return join(stateDir, 'vaults', vaultId);
}

/** One JSON file this device keeps; a missing or unreadable one reads as undefined (it is rebuilt). */
export class LocalJsonFile<T> {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  read(): T | undefined {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  write(value: T): void {
    makeDirsSync(dirname(this.file));
    writeJsonAtomic(this.file, value);
  }

  /** Out of date (for the header: a key slot was added, replaced or removed): rebuilt at the next open. */
  forget(): void {
    rmSync(this.file, { force: true });
  }
}

/** The vault header cached for a store location: opening costs one request, and works offline. */
export class HeaderCache extends LocalJsonFile<VaultHeader> {
  constructor(stateDir: string, location: string) {
    super(join(stateDir, 'headers', `${locationKey(location)}.json`));
  }
}

/** The local key cache of one vault: the master key sealed under a cheap KDF of the passphrase. */
export class KeyCache extends LocalJsonFile<KeySlot> {
  constructor(vaultDir: string) {
    super(join(vaultDir, 'key-cache.json'));
  }
}

/** This device's identity in a vault: the id its snapshots are filed under, and its name. */
export class DeviceIdentityFile extends LocalJsonFile<DeviceIdentity> {
  constructor(vaultDir: string) {
    super(join(vaultDir, 'device.json'));
  }

  /**
   * The identity kept for this vault, renamed to `deviceName` if one is given; a device new to the
   * vault gets a fresh random id (named `deviceName` or the host name). Written when it changed.
   */
  load(deviceName?: string, recorded?: DeviceIdentity): { device: DeviceIdentity; isNew: boolean; renamed: boolean } {
    const read = this.read();
    // A file lost or damaged (emptied by a crash, say) is this device still, when the state DB
    // has the record it last wrote: before, a new device was made in silence, its history cut off.
    const kept = isIdentity(read) ? read : recorded && isIdentity(recorded) ? { id: recorded.id, name: recorded.name } : undefined;
    if (kept && kept !== read && !(deviceName && deviceName !== kept.name)) this.write(kept);
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
}

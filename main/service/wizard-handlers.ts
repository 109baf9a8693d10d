// The set-up wizard's state kept in main, so a reload or a closed window comes back to the step it
// was on and the recovery key is never lost unconfirmed (issue 11): the step in config.json, the
// unconfirmed recovery key in the keychain until the user confirms saving it. Also "Create
// bucket" from the connection test, and the current location for Settings → Storage.

import type { Handlers, SetupResult } from '../../shared/ipc/contract.ts';
import type { DeviceInfo, VaultLocation } from '../../shared/models.ts';
import type { BlobStore } from '../engine/storage/index.ts';
import type { SecretStore } from '../keychain/secret-store.ts';
import { secretAccounts } from '../keychain/index.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { ConfigStore } from './config-store.ts';
import { vaultKey } from './config-store.ts';

type WizardChannels = 'setup.createBucket' | 'setup.progress' | 'setup.saveProgress' | 'setup.confirmRecoveryKey' | 'setup.finish' | 'setup.location';

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface WizardDeps {
  config: ConfigStore;
  secrets: SecretStore;
  /** A store for a location, without retries (a wizard's test answers at once). */
  storeFor(location: VaultLocation, credentials: Credentials | undefined): BlobStore;
  /** The vault's device with this id, when the vault is open. */
  describeDevice(id: string): Promise<DeviceInfo | undefined>;
  storedCredentials(location: VaultLocation): Promise<Credentials | undefined>;
}

/** The keychain account of a created vault's recovery key until the user confirms saving it. */
export const pendingRecoveryAccount = (location: VaultLocation): string => `${secretAccounts.unlock(vaultKey(location)).replace(/:unlock$/, '')}:pending-recovery-key`;

export interface Wizard {
  handlers: Pick<Handlers, WizardChannels>;
  /** A vault was created (its recovery key kept until confirmed) or joined: the set-up continues at the vault step. */
  started(mode: 'create' | 'join', location: VaultLocation, result: SetupResult, recoveryKey?: string): Promise<void>;
}

export function wizard(deps: WizardDeps): Wizard {
  const { config, secrets } = deps;
  const dropPendingKey = async (): Promise<void> => {
    const location = config.get().location;
    if (location) await secrets.delete(pendingRecoveryAccount(location));
  };
  return {
    async started(mode, location, result, recoveryKey) {
      // A set-up abandoned on another vault leaves no key behind.
      const before = config.get();
      if (before.setup && before.location && vaultKey(before.location) !== vaultKey(location)) await secrets.delete(pendingRecoveryAccount(before.location));
      if (recoveryKey) await secrets.set(pendingRecoveryAccount(location), recoveryKey);
      config.update({ setup: { mode, result, step: 'vault', ...(mode === 'join' ? { joinStage: 'fingerprint' as const } : {}) } });
    },
    handlers: {
      'setup.createBucket': async ({ location, credentials }) => {
        const store = deps.storeFor(location as VaultLocation, credentials);
        try {
          if (!store.ensureContainer) throw new ConfigError('This storage has no buckets to create: choose a folder that exists, or create it first.');
          return { bucket: await store.ensureContainer() };
        } finally {
          await store.close();
        }
      },
      'setup.progress': async () => {
        const { setup, location } = config.get();
        if (!setup || !location) return {};
        const recoveryKey = setup.mode === 'create' ? await secrets.get(pendingRecoveryAccount(location)) : undefined;
        const replaced = setup.replacedDeviceId ? await deps.describeDevice(setup.replacedDeviceId).catch(() => undefined) : undefined;
        // A replaced device that can't be described (vault locked) goes back to the choice.
        const joinStage = setup.joinStage === 'restore' && !replaced ? 'device' : setup.joinStage;
        return { progress: { ...setup, ...(joinStage ? { joinStage } : {}), ...(recoveryKey ? { recoveryKey } : {}), ...(replaced ? { replaced } : {}) } };
      },
      'setup.saveProgress': async (progress) => {
        const current = config.get().setup;
        if (!current) throw new ConfigError('There is no set-up under way to save.');
        config.update({ setup: { mode: current.mode, result: current.result, ...progress } });
        return { saved: true };
      },
      'setup.confirmRecoveryKey': async () => {
        await dropPendingKey();
        return { confirmed: true };
      },
      'setup.finish': async () => {
        await dropPendingKey();
        const { setup: _done, ...rest } = config.get();
        config.replace(rest);
        return { finished: true };
      },
      'setup.location': async () => {
        const location = config.get().location;
        return { ...(location ? { location } : {}), hasCredentials: location ? (await deps.storedCredentials(location)) !== undefined : false };
      },
    },
  };
}

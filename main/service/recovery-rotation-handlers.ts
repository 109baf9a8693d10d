// A new recovery key in two steps (Settings → Key → New recovery key): `key.rotateRecovery` adds
// the new key beside the old one (the passphrase proves the user); `key.confirmRecovery` retires
// the old one once the user typed the new key's last group back; `key.cancelRecovery` drops the
// new one. Until confirmed, the new key and its slot wait in the keychain (like the set-up
// wizard's key), so a reload, a closed window or a restarted app comes back to the same key,
// and the old key works all along.

import { NotFoundError } from '../../shared/errors.ts';
import type { Handlers } from '../../shared/ipc/contract.ts';
import type { VaultLocation } from '../../shared/models.ts';
import type { Repository } from '../engine/repository.ts';
import { Vault } from '../engine/vault/index.ts';
import { secretAccounts, type SecretStore } from '../keychain/index.ts';
import { vaultKey } from './config-store.ts';

type RotationChannels = 'key.rotateRecovery' | 'key.recoveryRotation' | 'key.confirmRecovery' | 'key.cancelRecovery';

/** The keychain account of a recovery key waiting for confirmation, with its slot. */
export const pendingRotationAccount = (location: VaultLocation): string => `${secretAccounts.unlock(vaultKey(location)).replace(/:unlock$/, '')}:pending-rotation-key`;

interface Pending {
  recoveryKey: string;
  slot: string;
}

export interface RotationDeps {
  requireRepo: () => Repository;
  secrets: SecretStore;
  location: () => VaultLocation | undefined;
}

export function recoveryRotationHandlers({ requireRepo, secrets, location }: RotationDeps): Pick<Handlers, RotationChannels> {
  const account = (): string => {
    const where = location();
    if (!where) throw new NotFoundError('Cairn is not set up with a vault yet.');
    return pendingRotationAccount(where);
  };
  const pending = async (): Promise<Pending | undefined> => {
    const raw = await secrets.get(account());
    if (!raw) return undefined;
    try {
      const value = JSON.parse(raw) as Partial<Pending>;
      return typeof value.recoveryKey === 'string' && typeof value.slot === 'string' ? { recoveryKey: value.recoveryKey, slot: value.slot } : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    'key.rotateRecovery': async ({ passphrase }) => {
      const r = requireRepo();
      await Vault.open(r.vault.store, { passphrase }); // proves the user knows it
      // One rotation at a time: an earlier unconfirmed key is dropped (its slot with it).
      const earlier = await pending();
      if (earlier) await r.removeRecoveryKeySlot(earlier.slot);
      const added = await r.addRecoveryKey();
      await secrets.set(account(), JSON.stringify(added satisfies Pending));
      return { recoveryKey: added.recoveryKey };
    },
    'key.recoveryRotation': async () => {
      if (!location()) return {};
      const waiting = await pending();
      return waiting ? { recoveryKey: waiting.recoveryKey } : {};
    },
    'key.confirmRecovery': async () => {
      const r = requireRepo();
      const waiting = await pending();
      if (!waiting) throw new NotFoundError('No new recovery key is waiting for confirmation. Make a new recovery key again.');
      await r.retireRecoveryKeysExcept(waiting.slot);
      await secrets.delete(account());
      return { fingerprint: r.vault.fingerprint };
    },
    'key.cancelRecovery': async () => {
      const r = requireRepo();
      const waiting = await pending();
      if (!waiting) return { cancelled: false };
      await r.removeRecoveryKeySlot(waiting.slot);
      await secrets.delete(account());
      return { cancelled: true };
    },
  };
}

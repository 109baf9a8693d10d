// The default local vault: what `cairn backup` (or `cairn init`) sets up when no vault is named
// and none is configured, so that a first run on a fresh machine backs up at once, headless,
// without a passphrase prompt. See vault-choice.ts for where its key is kept.

import { Repository } from '../engine/repository.ts';
import { formatLocation } from '../engine/storage/index.ts';
import { Vault } from '../engine/vault/index.ts';
import { createWorkerCodec } from '../engine/workers/index.ts';
import { keyCacheWanted, openStore } from './context.ts';
import type { CommonOptions } from './context.ts';
import { generateSecret, keepSecret, rememberVault } from './vault-choice.ts';
import type { ChosenVault, KeychainAccess } from './vault-choice.ts';

export interface CreatedVault {
  location: string;
  vaultId: string;
  fingerprint: string;
  deviceId: string;
  deviceName: string;
  /** Where the unlock secret is kept, in plain words. */
  key: { where: 'keychain' | 'file' | 'environment'; description: string };
  recoveryKey: string;
}

/** Creates the default vault unless it exists; undefined when it was there already. */
export async function ensureDefaultVault(opts: CommonOptions, chosen: ChosenVault, keychain: KeychainAccess = {}): Promise<CreatedVault | undefined> {
  if (chosen.source !== 'default') return undefined;
  const store = await openStore(opts, {}, chosen);
  if (await Vault.exists(store)) {
    await store.close();
    return undefined;
  }
  const fromEnv = process.env.CAIRN_PASSPHRASE;
  const passphrase = fromEnv || generateSecret();
  // Kept before the vault exists: a vault whose key was never kept could only be opened with the recovery key.
  const key = fromEnv
    ? { where: 'environment' as const, description: 'nowhere by Cairn: it is your CAIRN_PASSPHRASE, which every later run needs too' }
    : await keepSecret(chosen, { passphrase }, keychain);
  const { repo, recoveryKey } = await Repository.init({
    store,
    stateDir: chosen.stateDir,
    passphrase,
    deviceName: opts.deviceName,
    keyCache: keyCacheWanted(),
    makeCodec: (vault) => createWorkerCodec(vault, { threads: 1 }),
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  try {
    rememberVault(chosen, repo.vault.id);
    return {
      location: formatLocation(chosen.location),
      vaultId: repo.vault.id,
      fingerprint: repo.vault.fingerprint,
      deviceId: repo.device.id,
      deviceName: repo.device.name,
      key,
      recoveryKey,
    };
  } finally {
    await repo.close();
  }
}

/** What a person reads once, when the default vault is created. */
export function describeCreatedVault(v: CreatedVault): string {
  return [
    'No vault was named (--repo, CAIRN_REPO) or set up, so Cairn created its default local vault:',
    `  location:        ${v.location}`,
    `  key fingerprint: ${v.fingerprint}  (the same on every device that opens this vault)`,
    `  key:             a random secret, kept ${v.key.description}.`,
    `  device:          ${v.deviceName}`,
    'It is on this machine\'s own disk: it guards against agents deleting their files, not against losing',
    'this machine. To keep backups elsewhere: ./cairn init --repo s3://BUCKET/cairn (docs/PROVIDERS.md).',
    '',
    'Recovery key — write it down and keep it away from this machine. It is shown only now, and it opens',
    'the vault if the key above is lost (CAIRN_RECOVERY_KEY=… ./cairn …; docs/RECOVERY.md):',
    '',
    `    ${v.recoveryKey}`,
    '',
  ].join('\n');
}

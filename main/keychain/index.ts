// Where Cairn keeps bucket credentials and the vault's unlock secret: the OS keychain via keytar
// in the app, environment variables for the headless CLI, memory in tests. `openSecretStore`
// picks the keychain and says plainly when there is none; it never falls back to a file.

import { isCairnError, type CairnError } from '../../shared/errors.ts';
import { EnvSecretStore } from './env-secret-store.ts';
import { KeytarSecretStore, keychainUnavailable, type KeytarSecretStoreOptions } from './keytar-secret-store.ts';
import type { SecretStore } from './secret-store.ts';

export type { SecretStore } from './secret-store.ts';
export { secretAccounts, vaultKey } from './secret-store.ts';
export { KEYCHAIN_SERVICE, KeytarSecretStore, describeKeychain, importKeytar, keychainUnavailable } from './keytar-secret-store.ts';
export type { KeytarApi, KeytarSecretStoreOptions } from './keytar-secret-store.ts';
export { EnvSecretStore, SECRET_ENV_VARS } from './env-secret-store.ts';
export { MemorySecretStore } from './memory-secret-store.ts';
export { decodeCredentials, decodeUnlock, encodeCredentials, encodeUnlock } from './secret-values.ts';
export type { StoredCredentials, StoredUnlock } from './secret-values.ts';

/**
 * A store whose every call fails with the reason the keychain could not be opened. The app keeps
 * running (status, settings, the error shown in the UI) while anything needing a secret fails
 * loudly with a message that says what to install or unlock.
 */
export class UnavailableSecretStore implements SecretStore {
  readonly description: string;
  readonly problem: CairnError;

  constructor(description: string, problem: CairnError) {
    this.description = `${description} (unavailable)`;
    this.problem = problem;
  }

  async get(_account: string): Promise<string | undefined> {
    throw this.problem;
  }

  async set(_account: string, _secret: string): Promise<void> {
    throw this.problem;
  }

  async delete(_account: string): Promise<void> {
    throw this.problem;
  }
}

export type OpenedSecretStore =
  | { available: true; store: SecretStore }
  | { available: false; store: UnavailableSecretStore; problem: CairnError };

export interface OpenSecretStoreOptions extends KeytarSecretStoreOptions {
  /**
   * Use environment variables instead of the keychain when they hold a secret (the CLI on a
   * headless machine). The app leaves this off: its secrets belong in the keychain.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** How long the keychain may take to answer the first lookup before it counts as missing. */
  probeTimeoutMs?: number;
}

/** Opens the OS keychain, checking that it answers; reports (never hides) when it doesn't. */
export async function openSecretStore(options: OpenSecretStoreOptions = {}): Promise<OpenedSecretStore> {
  if (options.env !== undefined) {
    const envStore = new EnvSecretStore(options.env);
    if (envStore.hasAny()) return { available: true, store: envStore };
  }
  const keytarStore = new KeytarSecretStore(options);
  const timeoutMs = options.probeTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`it did not answer within ${Math.round(timeoutMs / 1000)} s (is it waiting for a password prompt?)`)), timeoutMs);
  });
  try {
    await Promise.race([keytarStore.probe(), timeout]);
    return { available: true, store: keytarStore };
  } catch (error) {
    const problem = isCairnError(error) ? error : keychainUnavailable(options.platform ?? process.platform, error);
    return { available: false, store: new UnavailableSecretStore(keytarStore.description, problem), problem };
  } finally {
    clearTimeout(timer);
  }
}

// The OS keychain through keytar: macOS Keychain, Windows Credential Manager, and on Linux the
// Secret Service (GNOME Keyring, KWallet). Every keytar failure becomes a `keychain_unavailable`
// CairnError that says what to do; there is deliberately no plaintext fallback.

import { CairnError } from '../../shared/errors.ts';
import type { SecretStore } from './secret-store.ts';

/** The part of keytar Cairn uses; injected in tests that need a failing or fake keychain. */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

export const KEYCHAIN_SERVICE = 'Cairn';

export interface KeytarSecretStoreOptions {
  /** The keychain "service" every secret is filed under. */
  service?: string;
  /** Loads keytar; defaults to importing the native module on first use. */
  loadKeytar?: () => Promise<KeytarApi>;
  platform?: NodeJS.Platform;
}

export async function importKeytar(): Promise<KeytarApi> {
  // keytar is CommonJS: its functions are on the default export.
  const module = await import('keytar');
  return module.default;
}

export function describeKeychain(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'macOS Keychain';
    case 'win32':
      return 'Windows Credential Manager';
    default:
      return 'Secret Service (GNOME Keyring or KWallet)';
  }
}

function howToFix(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'Unlock the login keychain in Keychain Access, then try again.';
    case 'win32':
      return 'Check that the Credential Manager service is running, then try again.';
    default:
      return 'Install and unlock GNOME Keyring or KWallet (a Secret Service provider) in your desktop session, then restart Cairn.';
  }
}

export function keychainUnavailable(platform: NodeJS.Platform, cause: unknown): CairnError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new CairnError('keychain_unavailable', `The system keychain (${describeKeychain(platform)}) is not available: ${reason}. ${howToFix(platform)}`, { cause });
}

export class KeytarSecretStore implements SecretStore {
  readonly description: string;
  readonly service: string;
  private readonly platform: NodeJS.Platform;
  private readonly loadKeytar: () => Promise<KeytarApi>;
  private keytar: Promise<KeytarApi> | undefined;

  constructor(options: KeytarSecretStoreOptions = {}) {
    this.service = options.service ?? KEYCHAIN_SERVICE;
    this.platform = options.platform ?? process.platform;
    this.loadKeytar = options.loadKeytar ?? importKeytar;
    this.description = describeKeychain(this.platform);
  }

  async get(account: string): Promise<string | undefined> {
    const value = await this.call((keytar) => keytar.getPassword(this.service, account));
    return value ?? undefined;
  }

  async set(account: string, secret: string): Promise<void> {
    await this.call((keytar) => keytar.setPassword(this.service, account, secret));
  }

  async delete(account: string): Promise<void> {
    await this.call((keytar) => keytar.deletePassword(this.service, account));
  }

  /** Fails with `keychain_unavailable` unless the keychain answers a harmless lookup. */
  async probe(): Promise<void> {
    await this.call((keytar) => keytar.findCredentials(this.service));
  }

  private async call<T>(operation: (keytar: KeytarApi) => Promise<T>): Promise<T> {
    let keytar: KeytarApi;
    try {
      this.keytar ??= this.loadKeytar();
      keytar = await this.keytar;
    } catch (error) {
      this.keytar = undefined;
      throw keychainUnavailable(this.platform, error);
    }
    try {
      return await operation(keytar);
    } catch (error) {
      throw keychainUnavailable(this.platform, error);
    }
  }
}

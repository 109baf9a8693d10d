// Where bucket credentials and the vault unlock secret live. The OS keychain (keytar) in the
// app; environment variables for the headless CLI; memory in tests. Never a plaintext file.

export interface SecretStore {
  /** What backs this store, for messages ("GNOME Keyring via Secret Service", "environment"). */
  readonly description: string;
  get(account: string): Promise<string | undefined>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<void>;
}

/** The keychain account prefix for a vault location (the app and the CLI use the same one). */
export function vaultKey(location: { provider: string; prefix: string; path?: string; endpoint?: string; bucket?: string }): string {
  return location.provider === 'local' ? `local:${location.path ?? ''}` : `s3:${location.endpoint ?? 'aws'}/${location.bucket ?? ''}/${location.prefix}`;
}

/** Account names under Cairn's keychain service, per vault. */
export const secretAccounts = {
  credentials: (vaultKey: string) => `${vaultKey}:credentials`,
  unlock: (vaultKey: string) => `${vaultKey}:unlock`,
} as const;

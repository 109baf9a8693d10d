// How secrets are written into a SecretStore entry, so the keychain, the environment store, the
// service and the CLI agree: bucket credentials as a small JSON object, the unlock secret as the
// passphrase itself (a recovery key as {"recoveryKey": …}).

import { CairnError } from '../../shared/errors.ts';

export interface StoredCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export function encodeCredentials(credentials: StoredCredentials): string {
  return JSON.stringify({ accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey });
}

export function decodeCredentials(secret: string): StoredCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch (error) {
    throw new CairnError('config', 'The bucket credentials stored in the keychain are unreadable. Enter them again in Settings.', { cause: error });
  }
  if (typeof parsed === 'object' && parsed !== null && 'accessKeyId' in parsed && 'secretAccessKey' in parsed) {
    const { accessKeyId, secretAccessKey } = parsed;
    if (typeof accessKeyId === 'string' && typeof secretAccessKey === 'string') return { accessKeyId, secretAccessKey };
  }
  throw new CairnError('config', 'The bucket credentials stored in the keychain are incomplete. Enter them again in Settings.');
}

/** The vault's unlock secret as the app and the CLI hold it. */
export type StoredUnlock = { passphrase: string } | { recoveryKey: string };

/** The keychain holds the passphrase itself; a recovery key is held as {"recoveryKey": …}. */
export function encodeUnlock(secret: StoredUnlock): string {
  return 'passphrase' in secret ? secret.passphrase : JSON.stringify({ recoveryKey: secret.recoveryKey });
}

export function decodeUnlock(stored: string): StoredUnlock {
  if (stored.startsWith('{')) {
    try {
      const v = JSON.parse(stored) as { recoveryKey?: unknown };
      if (typeof v.recoveryKey === 'string') return { recoveryKey: v.recoveryKey };
    } catch {
      // a passphrase that merely starts with '{'
    }
  }
  return { passphrase: stored };
}

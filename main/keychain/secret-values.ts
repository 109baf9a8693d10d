// How secrets are written into a SecretStore entry, so the keychain, the environment store and
// the service agree: bucket credentials as a small JSON object, the unlock secret as the
// passphrase itself.

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

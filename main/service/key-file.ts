// The unlock secret Cairn keeps in a file where there is no keychain (`<state>/keys/<hash>.key`,
// 0600; engine/paths.ts unlockKeyFile): the CLI writes it for its default vault; the CLI and the
// app read it, and both keep it current when the vault's passphrase changes.

import { readFileSync } from 'node:fs';
import type { VaultLocation } from '../../shared/models.ts';
import { writeFileAtomicSync } from '../engine/atomic-file.ts';
import { unlockKeyFile } from '../engine/paths.ts';
import { formatLocation } from '../engine/storage/index.ts';
import { decodeUnlock, encodeUnlock } from '../keychain/index.ts';

/** The key file of the vault at `location`, in `stateDir`. */
export function keyFileOf(stateDir: string, location: VaultLocation): string {
  return unlockKeyFile(stateDir, formatLocation(location));
}

/** What the key file holds (trimmed, still encoded: keychain decodeUnlock); undefined when there is none. */
export function readKeyFile(stateDir: string, location: VaultLocation): string | undefined {
  try {
    return readFileSync(keyFileOf(stateDir, location), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * After a passphrase change: a key file that holds a passphrase gets the new one (one that holds
 * a recovery key still opens the vault, and stays). Returns the file when it was written. Left as
 * it was, the CLI — which reads the file first — could no longer open the vault on this machine.
 */
export function renewKeyFile(stateDir: string, location: VaultLocation, passphrase: string): string | undefined {
  const kept = readKeyFile(stateDir, location);
  if (kept === undefined || !('passphrase' in decodeUnlock(kept))) return undefined;
  const file = keyFileOf(stateDir, location);
  writeFileAtomicSync(file, `${encodeUnlock({ passphrase })}\n`, { mode: 0o600 });
  return file;
}

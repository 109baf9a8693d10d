// The recovery key: 32 random bytes that people write down or print, so it has to survive being
// read aloud and retyped. Format: Crockford base32 (no I, L, O, U; case-insensitive; I and L read
// as 1, O as 0), 55 characters in 11 groups of 5: `XXXXX-XXXXX-…-XXXXX`. The 275 bits are the
// 256 key bits followed by the first 19 bits of SHA-256(key bits) as a checksum, which catches
// any mistyped, swapped or missing character before the key is even tried.

import { createHash, randomBytes } from 'node:crypto';
import { CairnError, WrongKeyError } from '../../../shared/errors.ts';

export const RECOVERY_KEY_BYTES = 32;
const CHECKSUM_BITS = 19;
const GROUP = 5;
const CHARS = ((RECOVERY_KEY_BYTES * 8 + CHECKSUM_BITS) / 5) | 0; // 55
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DECODE: ReadonlyMap<string, number> = new Map([
  ...[...ALPHABET].map((c, i) => [c, i] as const),
  ['I', 1],
  ['L', 1],
  ['O', 0],
]);

/** A fresh recovery key, formatted for display. */
export function generateRecoveryKey(): string {
  return formatRecoveryKey(new Uint8Array(randomBytes(RECOVERY_KEY_BYTES)));
}

/** Formats 32 key bytes as `XXXXX-XXXXX-…` (11 groups) with the checksum. */
export function formatRecoveryKey(key: Uint8Array): string {
  if (key.length !== RECOVERY_KEY_BYTES) throw new CairnError('internal', `A recovery key is ${RECOVERY_KEY_BYTES} bytes, got ${key.length}.`);
  const bits = [...toBits(key), ...checksumBits(key)];
  let text = '';
  for (let c = 0; c < CHARS; c++) {
    if (c > 0 && c % GROUP === 0) text += '-';
    let value = 0;
    for (let b = 0; b < 5; b++) value = (value << 1) | (bits[c * 5 + b] ?? 0);
    text += ALPHABET[value];
  }
  return text;
}

/**
 * Reads a recovery key as typed: any case, with or without dashes and spaces, I/L for 1 and O
 * for 0. Throws WrongKeyError with a message that says what is wrong with it.
 */
export function parseRecoveryKey(text: string): Uint8Array {
  const compact = text.toUpperCase().replace(/[\s-]+/g, '');
  const bits: number[] = [];
  for (const char of compact) {
    const value = DECODE.get(char);
    if (value === undefined) {
      throw new WrongKeyError(`The recovery key contains ${JSON.stringify(char)}, which never appears in recovery keys. Check it against your copy.`);
    }
    for (let b = 4; b >= 0; b--) bits.push((value >> b) & 1);
  }
  if (compact.length !== CHARS) {
    throw new WrongKeyError(`A recovery key has ${CHARS} characters (${CHARS / GROUP} groups of ${GROUP}); this one has ${compact.length}. Check it against your copy.`);
  }
  const key = fromBits(bits.slice(0, RECOVERY_KEY_BYTES * 8));
  const expected = checksumBits(key);
  if (expected.some((bit, i) => bit !== bits[RECOVERY_KEY_BYTES * 8 + i])) {
    throw new WrongKeyError('The recovery key has a typo: its checksum does not match. Check each group against your copy.');
  }
  return key;
}

function checksumBits(key: Uint8Array): number[] {
  return toBits(createHash('sha256').update(key).digest()).slice(0, CHECKSUM_BITS);
}

function toBits(bytes: Uint8Array): number[] {
  const bits: number[] = [];
  for (const byte of bytes) for (let b = 7; b >= 0; b--) bits.push((byte >> b) & 1);
  return bits;
}

function fromBits(bits: readonly number[]): Uint8Array {
  const out = new Uint8Array(bits.length / 8);
  for (let i = 0; i < bits.length; i++) out[i >> 3]! |= (bits[i] ?? 0) << (7 - (i & 7));
  return out;
}

// The vault's master key and everything derived from it. The master key is 64 random bytes that
// never leave a key slot unwrapped except in memory; each purpose gets its own HKDF-SHA256
// subkey (empty salt: the master key is already uniformly random), so no key is used twice.

import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { CairnError } from '../../../shared/errors.ts';
import type { BlobId } from '../../../shared/ids.ts';

export const MASTER_KEY_LENGTH = 64;
export const SUBKEY_LENGTH = 32;
export const MAC_LENGTH = 32;

/** HKDF `info` strings. Changing any of them changes every vault's keys: they are part of format v1. */
export const HKDF_INFO = {
  enc: 'cairn/v1/enc',
  id: 'cairn/v1/id',
  mac: 'cairn/v1/mac',
  chunkerSeed: 'cairn/v1/chunker',
  fingerprint: 'cairn/v1/fingerprint',
} as const;

export interface Subkeys {
  /** AES-256-GCM key for every sealed object. */
  encKey: Uint8Array;
  /** HMAC-SHA256 key for blob ids, so the bucket can't test whether it holds known content. */
  idKey: Uint8Array;
  /** HMAC-SHA256 key for the vault header (vault.json). */
  macKey: Uint8Array;
  /** Seed of the chunker's gear table, so chunk boundaries can't be fingerprinted across vaults. */
  chunkerSeed: Uint8Array;
}

export function generateMasterKey(): Uint8Array {
  return new Uint8Array(randomBytes(MASTER_KEY_LENGTH));
}

export function deriveSubkeys(master: Uint8Array): Subkeys {
  checkLength(master, MASTER_KEY_LENGTH, 'master key');
  return {
    encKey: hkdf(master, HKDF_INFO.enc, SUBKEY_LENGTH),
    idKey: hkdf(master, HKDF_INFO.id, SUBKEY_LENGTH),
    macKey: hkdf(master, HKDF_INFO.mac, SUBKEY_LENGTH),
    chunkerSeed: hkdf(master, HKDF_INFO.chunkerSeed, SUBKEY_LENGTH),
  };
}

/** Content id of a blob: lowercase hex HMAC-SHA256(idKey, plaintext). */
export function blobId(idKey: Uint8Array, plaintext: Uint8Array): BlobId {
  checkLength(idKey, SUBKEY_LENGTH, 'id key');
  return createHmac('sha256', idKey).update(plaintext).digest('hex') as BlobId;
}

/**
 * Key fingerprint shown on every device so people can check they joined the same vault:
 * the first 4 bytes of HKDF-SHA256(master, salt = empty, info = "cairn/v1/fingerprint") as
 * 8 lowercase hex characters. Stable for the life of the master key (rewrapping doesn't change it).
 */
export function fingerprint(master: Uint8Array): string {
  checkLength(master, MASTER_KEY_LENGTH, 'master key');
  return Buffer.from(hkdf(master, HKDF_INFO.fingerprint, 4)).toString('hex');
}

/** HMAC-SHA256(macKey, bytes), 32 bytes. */
export function mac(macKey: Uint8Array, bytes: Uint8Array): Uint8Array {
  checkLength(macKey, SUBKEY_LENGTH, 'MAC key');
  return new Uint8Array(createHmac('sha256', macKey).update(bytes).digest());
}

/** Constant-time check of a tag made by mac(). */
export function verifyMac(macKey: Uint8Array, bytes: Uint8Array, tag: Uint8Array): boolean {
  const expected = mac(macKey, bytes);
  return tag.length === expected.length && timingSafeEqual(tag, expected);
}

function hkdf(ikm: Uint8Array, info: string, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, new Uint8Array(0), info, length));
}

function checkLength(key: Uint8Array, length: number, what: string): void {
  if (key.length !== length) throw new CairnError('internal', `A ${what} must be ${length} bytes, got ${key.length}.`);
}

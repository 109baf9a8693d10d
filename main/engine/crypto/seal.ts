// Authenticated encryption of one vault object. Layout of a sealed object:
//
//   'C' 'R' | version 0x01 | nonce (12 random bytes) | AES-256-GCM ciphertext | tag (16 bytes)
//
// The associated data is the 3 header bytes followed by UTF-8(kind + "\0" + name), so an object
// can neither be altered nor moved to another name or kind (a pack header can't pass for a blob,
// blob A can't be served as blob B) without failing authentication.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CairnError, IntegrityError } from '../../../shared/errors.ts';

/** What a sealed object is and what it is called; authenticated but not encrypted. */
export interface SealContext {
  /** Object kind, e.g. `blob`, `pack-header`, `index`, `snapshot`, `keyslot`. Must not contain NUL. */
  kind: string;
  /** Object name within its kind, e.g. a blob id or a snapshot id. */
  name: string;
}

export const SEAL_MAGIC_0 = 0x43; // 'C'
export const SEAL_MAGIC_1 = 0x52; // 'R'
export const SEAL_VERSION = 0x01;
export const SEAL_HEADER_LENGTH = 3;
export const SEAL_NONCE_LENGTH = 12;
export const SEAL_TAG_LENGTH = 16;
/** Bytes a sealed object has on top of its plaintext: header, nonce and tag. */
export const SEAL_OVERHEAD = SEAL_HEADER_LENGTH + SEAL_NONCE_LENGTH + SEAL_TAG_LENGTH;

const KEY_LENGTH = 32;
const HEADER = Uint8Array.of(SEAL_MAGIC_0, SEAL_MAGIC_1, SEAL_VERSION);
const encoder = new TextEncoder();

/** Encrypts and authenticates `plaintext` under `key`, bound to `ad`. Output: plaintext length + SEAL_OVERHEAD. */
export function seal(key: Uint8Array, ad: SealContext, plaintext: Uint8Array): Uint8Array {
  return sealWithNonce(key, ad, plaintext, randomBytes(SEAL_NONCE_LENGTH));
}

/**
 * seal() with a caller-chosen nonce. Internal: for known-answer tests only. Reusing a nonce
 * under one key destroys GCM's confidentiality and authenticity; production code calls seal().
 */
export function sealWithNonce(key: Uint8Array, ad: SealContext, plaintext: Uint8Array, nonce: Uint8Array): Uint8Array {
  checkKey(key);
  if (nonce.length !== SEAL_NONCE_LENGTH) throw new CairnError('internal', `A seal nonce must be ${SEAL_NONCE_LENGTH} bytes, got ${nonce.length}.`);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: SEAL_TAG_LENGTH });
  cipher.setAAD(associatedData(ad));
  const body = cipher.update(plaintext);
  const final = cipher.final(); // empty for GCM, kept for correctness
  const tag = cipher.getAuthTag();

  // A fresh ArrayBuffer of exactly the output's size, so it can be transferred between threads.
  const out = new Uint8Array(SEAL_OVERHEAD + plaintext.length);
  out.set(HEADER, 0);
  out.set(nonce, SEAL_HEADER_LENGTH);
  let at = SEAL_HEADER_LENGTH + SEAL_NONCE_LENGTH;
  out.set(body, at);
  at += body.length;
  out.set(final, at);
  at += final.length;
  out.set(tag, at);
  return out;
}

/** Checks and decrypts an object made by seal(). Throws IntegrityError when it fails authentication. */
/**
 * Opens a sealed object. With `into` (at least the plaintext's length), the plaintext is written
 * there and the result is a view of it: a caller that opens blob after blob reuses one buffer
 * instead of leaving one to the garbage collector per blob.
 */
export function open(key: Uint8Array, ad: SealContext, sealed: Uint8Array, into?: Uint8Array): Uint8Array {
  checkKey(key);
  const fail = (reason: string, cause?: unknown): IntegrityError =>
    new IntegrityError(`The object ${ad.kind}/${ad.name} failed authentication: it is corrupt or was tampered with (${reason}).`, { cause });

  if (sealed.length < SEAL_OVERHEAD) throw fail(`${sealed.length} bytes is shorter than the ${SEAL_OVERHEAD}-byte minimum`);
  if (sealed[0] !== SEAL_MAGIC_0 || sealed[1] !== SEAL_MAGIC_1) throw fail('it does not start with the sealed-object marker');
  if (sealed[2] !== SEAL_VERSION) throw fail(`unknown format version ${sealed[2]}`);

  const nonce = sealed.subarray(SEAL_HEADER_LENGTH, SEAL_HEADER_LENGTH + SEAL_NONCE_LENGTH);
  const body = sealed.subarray(SEAL_HEADER_LENGTH + SEAL_NONCE_LENGTH, sealed.length - SEAL_TAG_LENGTH);
  const tag = sealed.subarray(sealed.length - SEAL_TAG_LENGTH);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: SEAL_TAG_LENGTH });
  decipher.setAAD(associatedData(ad));
  decipher.setAuthTag(tag);
  const out = into && into.length >= body.length ? into.subarray(0, body.length) : new Uint8Array(body.length);
  const head = decipher.update(body);
  out.set(head, 0);
  try {
    // GCM only reports a bad tag here, after the whole ciphertext went through.
    const final = decipher.final();
    out.set(final, head.length);
  } catch (error) {
    out.fill(0);
    throw fail('wrong key, or altered bytes', error);
  }
  return out;
}

function associatedData(ad: SealContext): Uint8Array {
  // A NUL in the kind would make (kind, name) pairs ambiguous; names may contain anything.
  if (ad.kind.length === 0 || ad.kind.includes('\0')) throw new CairnError('internal', `Invalid sealed-object kind ${JSON.stringify(ad.kind)}.`);
  const text = encoder.encode(`${ad.kind}\0${ad.name}`);
  const out = new Uint8Array(SEAL_HEADER_LENGTH + text.length);
  out.set(HEADER, 0);
  out.set(text, SEAL_HEADER_LENGTH);
  return out;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_LENGTH) throw new CairnError('internal', `An encryption key must be ${KEY_LENGTH} bytes, got ${key.length}.`);
}

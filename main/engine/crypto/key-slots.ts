// Key slots: the master key sealed under a key-encryption key (KEK) derived from something a
// person holds. A vault has one slot per passphrase or recovery key; changing a passphrase
// rewraps the master key and never re-encrypts data. Slots are plain JSON stored as `keys/<slot>`.
//
// - passphrase: KEK = scrypt(NFC(passphrase), salt, N, r, p). Slow on purpose: the slot is in the
//   bucket, so a passphrase must resist offline guessing. Parameters are stored in the slot.
// - recovery: KEK = HKDF-SHA256(recovery key bytes, salt, "cairn/v1/recovery-slot"). The recovery
//   key is 256 random bits, so a slow KDF would add nothing.
// The wrapped master key is seal(KEK, { kind: 'keyslot', name: <slot type> }, master).
//
// Each slot also carries two integrity fields (added after the first v1 vaults; slots without
// them are still read, and gain them the next time a device that can write opens the vault):
// - `mac`: HMAC-SHA256(mac subkey, "keyslot\0" + the slot's fields), made with the vault's key:
//   `check` proves with it that the slot wraps this vault's key, with no passphrase or recovery
//   key at hand.
// - `sum`: SHA-256 of the fields and the mac, keyless: any reader tells a damaged slot (a flipped
//   byte anywhere) from a wrong secret before it spends the KDF, and `check` finds damage to the
//   recovery slot long before the day it is needed.

import { createHash, hkdfSync, randomBytes, scrypt } from 'node:crypto';
import * as z from 'zod/mini';
import { ConfigError, IntegrityError, WrongKeyError } from '../../../shared/errors.ts';
import { deriveSubkeys, mac, MASTER_KEY_LENGTH, verifyMac } from './keys.ts';
import { open, seal, SEAL_OVERHEAD } from './seal.ts';
import { parseRecoveryKey } from './recovery-key.ts';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. Memory used is about 128 × N × r bytes. */
  N: number;
  r: number;
  p: number;
}

/**
 * N = 2^17, r = 8, p = 1: 128 MiB and 0.40–0.55 s per unlock measured on this project's build
 * machine (AMD EPYC, Node 22); 2^16 took 0.22 s and 2^18 1.0–1.3 s. A laptop is about as fast,
 * and an unlock happens once per device, not per backup.
 */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

/** Refused when reading a slot, so a hostile slot can't make an unlock allocate unbounded memory. */
const MAX_SCRYPT_MEMORY = 2 ** 30;
const SALT_LENGTH = 16;
const KEK_LENGTH = 32;
const RECOVERY_INFO = 'cairn/v1/recovery-slot';

const base64 = z.string().check(z.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64'));
const integrity = {
  mac: z.optional(base64),
  sum: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/, 'not a SHA-256 in hex'))),
};

const passphraseSlotSchema = z.object({
  type: z.literal('passphrase'),
  kdf: z.literal('scrypt'),
  N: z.int().check(z.minimum(2), z.maximum(2 ** 24), z.refine((n) => (n & (n - 1)) === 0, 'N must be a power of two')),
  r: z.int().check(z.minimum(1), z.maximum(64)),
  p: z.int().check(z.minimum(1), z.maximum(16)),
  salt: base64,
  wrapped: base64,
  ...integrity,
});

const recoverySlotSchema = z.object({
  type: z.literal('recovery'),
  kdf: z.literal('hkdf-sha256'),
  salt: base64,
  wrapped: base64,
  ...integrity,
});

const keySlotSchema = z.discriminatedUnion('type', [passphraseSlotSchema, recoverySlotSchema]);

export type PassphraseKeySlot = z.infer<typeof passphraseSlotSchema>;
export type RecoveryKeySlot = z.infer<typeof recoverySlotSchema>;
export type KeySlot = PassphraseKeySlot | RecoveryKeySlot;

export async function createPassphraseSlot(master: Uint8Array, passphrase: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<PassphraseKeySlot> {
  checkMaster(master);
  if (passphrase.length === 0) throw new ConfigError('The passphrase is empty. Choose a passphrase.');
  const salt = randomBytes(SALT_LENGTH);
  const kek = await scryptKek(passphrase, salt, params);
  const wrapped = seal(kek, { kind: 'keyslot', name: 'passphrase' }, master);
  kek.fill(0);
  return withIntegrity(master, { type: 'passphrase', kdf: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('base64'), wrapped: toBase64(wrapped) });
}

/** `recoveryKey` as shown to the user (see recovery-key.ts); a typo throws WrongKeyError. */
export async function createRecoveryKeySlot(master: Uint8Array, recoveryKey: string): Promise<RecoveryKeySlot> {
  checkMaster(master);
  const salt = randomBytes(SALT_LENGTH);
  const kek = recoveryKek(parseRecoveryKey(recoveryKey), salt);
  const wrapped = seal(kek, { kind: 'keyslot', name: 'recovery' }, master);
  kek.fill(0);
  return withIntegrity(master, { type: 'recovery', kdf: 'hkdf-sha256', salt: salt.toString('base64'), wrapped: toBase64(wrapped) });
}

/** The slot's fields in a fixed order, without the integrity fields: what `mac` covers. */
function slotFields(slot: KeySlot): string {
  const { type, kdf, salt, wrapped } = slot;
  return slot.type === 'passphrase' ? JSON.stringify({ type, kdf, N: slot.N, r: slot.r, p: slot.p, salt, wrapped }) : JSON.stringify({ type, kdf, salt, wrapped });
}

function slotMac(master: Uint8Array, slot: KeySlot): string {
  const macKey = deriveSubkeys(master).macKey;
  const tag = mac(macKey, Buffer.from(`keyslot\0${slotFields(slot)}`, 'utf8'));
  macKey.fill(0);
  return toBase64(tag);
}

function slotSum(slot: KeySlot, macText: string): string {
  return createHash('sha256').update(`keyslot\0${slotFields(slot)}\0${macText}`, 'utf8').digest('hex');
}

/** The slot with its `mac` and `sum` (re)computed under `master`, the vault key it wraps. */
export function withIntegrity<T extends KeySlot>(master: Uint8Array, slot: T): T {
  checkMaster(master);
  const macText = slotMac(master, slot);
  return { ...slot, mac: macText, sum: slotSum(slot, macText) };
}

/**
 * Checks a slot's `mac` with the vault key: `ok`, `mismatch` (the slot was not made with this
 * key, or was altered with its checksum redone), or `absent` (a slot from before slots had one).
 */
export function verifySlotMac(master: Uint8Array, slot: KeySlot): 'ok' | 'mismatch' | 'absent' {
  if (slot.mac === undefined) return 'absent';
  const macKey = deriveSubkeys(master).macKey;
  try {
    return verifyMac(macKey, Buffer.from(`keyslot\0${slotFields(slot)}`, 'utf8'), Buffer.from(slot.mac, 'base64')) ? 'ok' : 'mismatch';
  } finally {
    macKey.fill(0);
  }
}

/** Validates a slot read from storage. Throws IntegrityError when it isn't a well-formed slot. */
export function parseKeySlot(value: unknown): KeySlot {
  const result = keySlotSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : '';
    throw new IntegrityError(`The key slot is malformed${where}: ${issue?.message ?? 'invalid'}. It is corrupt or was written by another program.`);
  }
  const slot = result.data;
  if (Buffer.from(slot.salt, 'base64').length !== SALT_LENGTH) throw new IntegrityError(`The key slot is malformed: its salt is not ${SALT_LENGTH} bytes.`);
  if (Buffer.from(slot.wrapped, 'base64').length !== MASTER_KEY_LENGTH + SEAL_OVERHEAD) {
    throw new IntegrityError(`The key slot is malformed: its wrapped key is not ${MASTER_KEY_LENGTH + SEAL_OVERHEAD} bytes.`);
  }
  if (slot.type === 'passphrase' && 128 * slot.N * slot.r > MAX_SCRYPT_MEMORY) {
    throw new IntegrityError('The key slot is malformed: its scrypt parameters would need more than 1 GiB of memory.');
  }
  // Written together; one without the other is a damaged name (`"sum"` → `"sun"`) or a cut slot.
  if ((slot.mac === undefined) !== (slot.sum === undefined)) {
    throw new IntegrityError(`The key slot is damaged: it has a ${slot.mac === undefined ? 'checksum but no MAC' : 'MAC but no checksum'}.`);
  }
  if (slot.sum !== undefined && slot.mac !== undefined && slotSum(slot, slot.mac) !== slot.sum) {
    throw new IntegrityError('The key slot is damaged: its checksum does not match its contents.');
  }
  return slot;
}

/**
 * Unwraps the master key with a passphrase (passphrase slot) or a recovery key (recovery slot).
 * Throws WrongKeyError when the secret is wrong and IntegrityError when the slot is malformed.
 */
export async function unlockSlot(slot: unknown, secret: string): Promise<Uint8Array> {
  const checked = parseKeySlot(slot);
  const salt = Buffer.from(checked.salt, 'base64');
  const wrapped = Buffer.from(checked.wrapped, 'base64');
  const kek = checked.type === 'passphrase' ? await scryptKek(secret, salt, checked) : recoveryKek(parseRecoveryKey(secret), salt);
  let master: Uint8Array;
  try {
    master = open(kek, { kind: 'keyslot', name: checked.type }, wrapped);
  } catch (error) {
    // A wrong secret and a tampered slot look the same to GCM; the wrong secret is far likelier.
    throw new WrongKeyError(
      checked.type === 'passphrase'
        ? 'The passphrase does not unlock this vault. Check it and try again.'
        : 'The recovery key does not unlock this vault. Check that it belongs to this vault.',
      { cause: error },
    );
  } finally {
    kek.fill(0);
  }
  if (verifySlotMac(master, checked) === 'mismatch') {
    master.fill(0);
    throw new IntegrityError('The key slot was modified: its MAC does not match although its checksum does. Do not use this vault until you know why.');
  }
  return master;
}

async function scryptKek(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  const { N, r, p } = params;
  // Node refuses unless maxmem covers OpenSSL's 128·r·(N + p + 2) bytes; leave it a margin.
  const maxmem = 128 * r * (N + p + 2) + 2 ** 20;
  // NFC: the same passphrase typed on macOS and Linux can arrive in different Unicode forms.
  const password = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEK_LENGTH, { N, r, p, maxmem }, (error, key) => {
      password.fill(0);
      if (error) reject(new ConfigError(`Key derivation failed: ${error.message}`, { cause: error }));
      else resolve(new Uint8Array(key));
    });
  });
}

function recoveryKek(recoveryKey: Uint8Array, salt: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', recoveryKey, salt, RECOVERY_INFO, KEK_LENGTH));
}

function checkMaster(master: Uint8Array): void {
  if (master.length !== MASTER_KEY_LENGTH) throw new ConfigError(`A master key must be ${MASTER_KEY_LENGTH} bytes, got ${master.length}.`);
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

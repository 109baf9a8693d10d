// Cryptography of the vault format (node:crypto only): sealing of every stored object
// (AES-256-GCM bound to the object's kind and name), the master key and its HKDF subkeys,
// keyed blob ids, the key fingerprint, and the key slots that wrap the master key under a
// passphrase (scrypt) or a recovery key.

export { open, seal, SEAL_OVERHEAD } from './seal.ts';
export type { SealContext } from './seal.ts';
export { blobId, deriveSubkeys, fingerprint, generateMasterKey, HKDF_INFO, mac, MAC_LENGTH, MASTER_KEY_LENGTH, SUBKEY_LENGTH, verifyMac } from './keys.ts';
export type { Subkeys } from './keys.ts';
export { createPassphraseSlot, createRecoveryKeySlot, DEFAULT_SCRYPT_PARAMS, parseKeySlot, unlockSlot, verifySlotMac, withIntegrity } from './key-slots.ts';
export type { KeySlot, PassphraseKeySlot, RecoveryKeySlot, ScryptParams } from './key-slots.ts';
export { formatRecoveryKey, generateRecoveryKey, parseRecoveryKey, RECOVERY_KEY_BYTES } from './recovery-key.ts';

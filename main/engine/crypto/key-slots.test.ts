import { describe, expect, it } from 'vitest';
import { IntegrityError, WrongKeyError } from '../../../shared/errors.ts';
import { createPassphraseSlot, createRecoveryKeySlot, parseKeySlot, unlockSlot, verifySlotMac, withIntegrity } from './key-slots.ts';
import type { ScryptParams } from './key-slots.ts';
import { fingerprint, generateMasterKey } from './keys.ts';
import { generateRecoveryKey } from './recovery-key.ts';

// Cheap parameters for tests; the slot stores them, so unlocking uses the same.
const FAST: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };

describe('passphrase slot', () => {
  it('is JSON that round-trips and unlocks with the passphrase', async () => {
    const master = generateMasterKey();
    const slot = await createPassphraseSlot(master, 'correct horse battery staple', FAST);
    expect(slot).toMatchObject({ type: 'passphrase', kdf: 'scrypt', N: 1024, r: 8, p: 1 });
    expect(Buffer.from(slot.salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(slot.wrapped, 'base64')).toHaveLength(64 + 31);
    const stored: unknown = JSON.parse(JSON.stringify(slot));
    const unlocked = await unlockSlot(stored, 'correct horse battery staple');
    expect(unlocked).toEqual(master);
    expect(fingerprint(unlocked)).toBe(fingerprint(master));
  });

  it('throws WrongKeyError for a wrong passphrase', async () => {
    const slot = await createPassphraseSlot(generateMasterKey(), 'right', FAST);
    await expect(unlockSlot(slot, 'wrong')).rejects.toThrow(WrongKeyError);
    await expect(unlockSlot(slot, 'Right')).rejects.toThrow('The passphrase does not unlock this vault. Check it and try again.');
  });

  it('treats Unicode normalization forms of a passphrase as the same passphrase', async () => {
    const master = generateMasterKey();
    const slot = await createPassphraseSlot(master, 'caf\u00e9', FAST); // é precomposed (NFC)
    expect(await unlockSlot(slot, 'cafe\u0301')).toEqual(master); // e + combining accent (NFD)
  });

  it('salts: the same passphrase and master give different slots', async () => {
    const master = generateMasterKey();
    const a = await createPassphraseSlot(master, 'same', FAST);
    const b = await createPassphraseSlot(master, 'same', FAST);
    expect(a.salt).not.toBe(b.salt);
    expect(a.wrapped).not.toBe(b.wrapped);
  });

  it('refuses an empty passphrase', async () => {
    await expect(createPassphraseSlot(generateMasterKey(), '', FAST)).rejects.toThrow(/passphrase is empty/);
  });

  it('uses the parameters stored in the slot (changing them makes the key wrong)', async () => {
    const { mac: _mac, sum: _sum, ...legacy } = await createPassphraseSlot(generateMasterKey(), 'pw', FAST);
    await expect(unlockSlot({ ...legacy, N: 2 ** 11 }, 'pw')).rejects.toThrow(WrongKeyError);
  });
});

describe('recovery key slot', () => {
  it('unlocks with the recovery key, however it is typed', async () => {
    const master = generateMasterKey();
    const recoveryKey = generateRecoveryKey();
    const slot = await createRecoveryKeySlot(master, recoveryKey);
    expect(slot).toMatchObject({ type: 'recovery', kdf: 'hkdf-sha256' });
    expect(await unlockSlot(JSON.parse(JSON.stringify(slot)), recoveryKey)).toEqual(master);
    expect(await unlockSlot(slot, recoveryKey.toLowerCase().replaceAll('-', ' '))).toEqual(master);
  });

  it('throws WrongKeyError for another recovery key, and a clear typo message for a typo', async () => {
    const recoveryKey = generateRecoveryKey();
    const slot = await createRecoveryKeySlot(generateMasterKey(), recoveryKey);
    await expect(unlockSlot(slot, generateRecoveryKey())).rejects.toThrow('The recovery key does not unlock this vault. Check that it belongs to this vault.');
    const typo = recoveryKey.slice(0, 7) + (recoveryKey[7] === 'A' ? 'B' : 'A') + recoveryKey.slice(8);
    await expect(unlockSlot(slot, typo)).rejects.toThrow(WrongKeyError);
    await expect(unlockSlot(slot, typo)).rejects.toThrow(/typo/);
  });

  it('does not unlock a passphrase slot with a recovery key or the reverse', async () => {
    const master = generateMasterKey();
    const recoveryKey = generateRecoveryKey();
    const passphraseSlot = await createPassphraseSlot(master, recoveryKey, FAST);
    const recoverySlot = await createRecoveryKeySlot(master, recoveryKey);
    // A passphrase slot wrapped with kind keyslot/passphrase can't be relabelled a recovery slot.
    const relabelled = { type: 'recovery', kdf: 'hkdf-sha256', salt: passphraseSlot.salt, wrapped: passphraseSlot.wrapped };
    await expect(unlockSlot(relabelled, recoveryKey)).rejects.toThrow(WrongKeyError);
    const { mac: _mac, sum: _sum, ...legacy } = passphraseSlot;
    await expect(unlockSlot({ ...legacy, wrapped: recoverySlot.wrapped }, recoveryKey)).rejects.toThrow(WrongKeyError);
  });
});

describe('malformed slots', () => {
  it.each([
    ['not an object', 'slot'],
    ['unknown type', { type: 'fido', salt: '', wrapped: '' }],
    ['missing salt', { type: 'recovery', kdf: 'hkdf-sha256', wrapped: 'AAAA' }],
    ['N not a power of two', { type: 'passphrase', kdf: 'scrypt', N: 1000, r: 8, p: 1, salt: 'AAAAAAAAAAAAAAAAAAAAAA==', wrapped: 'AA==' }],
    ['N too large', { type: 'passphrase', kdf: 'scrypt', N: 2 ** 30, r: 8, p: 1, salt: 'AAAAAAAAAAAAAAAAAAAAAA==', wrapped: 'AA==' }],
    ['not base64', { type: 'recovery', kdf: 'hkdf-sha256', salt: '!!', wrapped: 'AA==' }],
  ])('rejects %s with IntegrityError', async (_, slot) => {
    await expect(unlockSlot(slot, 'pw')).rejects.toThrow(IntegrityError);
  });

  it('rejects a wrapped key or salt of the wrong length', async () => {
    const slot = await createPassphraseSlot(generateMasterKey(), 'pw', FAST);
    const short = Buffer.from(slot.wrapped, 'base64').subarray(0, 80).toString('base64');
    expect(() => parseKeySlot({ ...slot, wrapped: short })).toThrow(/wrapped key is not 95 bytes/);
    expect(() => parseKeySlot({ ...slot, salt: 'AAAA' })).toThrow(/salt is not 16 bytes/);
  });

  it('refuses scrypt parameters that would use unbounded memory', () => {
    const slot = { type: 'passphrase', kdf: 'scrypt', N: 2 ** 20, r: 16, p: 1, salt: Buffer.alloc(16).toString('base64'), wrapped: Buffer.alloc(95).toString('base64') };
    expect(() => parseKeySlot(slot)).toThrow(/more than 1 GiB/);
  });

  it('a tampered wrapped key in a slot without a checksum reads as a wrong secret (indistinguishable under GCM)', async () => {
    const { mac: _mac, sum: _sum, ...legacy } = await createPassphraseSlot(generateMasterKey(), 'pw', FAST);
    const bytes = Buffer.from(legacy.wrapped, 'base64');
    bytes[40]! ^= 1;
    await expect(unlockSlot({ ...legacy, wrapped: bytes.toString('base64') }, 'pw')).rejects.toThrow(WrongKeyError);
  });
});

describe('slot integrity (mac and sum)', () => {
  it('carries a MAC made with the vault key and a keyless checksum', async () => {
    const master = generateMasterKey();
    const slot = await createRecoveryKeySlot(master, generateRecoveryKey());
    expect(slot.mac).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(slot.sum).toMatch(/^[0-9a-f]{64}$/);
    expect(verifySlotMac(master, slot)).toBe('ok');
    expect(verifySlotMac(generateMasterKey(), slot)).toBe('mismatch');
    const { mac: _mac, sum: _sum, ...legacy } = slot;
    expect(verifySlotMac(master, legacy)).toBe('absent');
    expect(verifySlotMac(master, withIntegrity(master, legacy))).toBe('ok');
  });

  it('tells any altered field from a wrong secret, before the KDF, for both kinds of slot', async () => {
    const master = generateMasterKey();
    const recoveryKey = generateRecoveryKey();
    const slots = [await createPassphraseSlot(master, 'pw', FAST), await createRecoveryKeySlot(master, recoveryKey)];
    for (const slot of slots) {
      const secret = slot.type === 'passphrase' ? 'pw' : recoveryKey;
      const flip = (text: string) => (text[5] === 'A' ? `${text.slice(0, 5)}B${text.slice(6)}` : `${text.slice(0, 5)}A${text.slice(6)}`);
      const altered: unknown[] = [
        { ...slot, salt: flip(slot.salt) },
        { ...slot, wrapped: flip(slot.wrapped) },
        { ...slot, mac: flip(slot.mac as string) },
        { ...slot, sum: `${slot.sum?.slice(0, 63)}${slot.sum?.endsWith('0') ? '1' : '0'}` },
        { ...slot, mac: undefined },
        { ...slot, sum: undefined },
        ...(slot.type === 'passphrase' ? [{ ...slot, N: slot.N * 2 }, { ...slot, r: 7 }] : []),
      ];
      for (const bad of altered) await expect(unlockSlot(bad, secret)).rejects.toThrow(IntegrityError);
    }
  });

  it('refuses a slot whose checksum was redone after changing its MAC (altered on purpose)', async () => {
    const master = generateMasterKey();
    const slot = await createPassphraseSlot(master, 'pw', FAST);
    const forged = withIntegrity(generateMasterKey(), slot); // mac from another key, checksum consistent
    await expect(unlockSlot(forged, 'pw')).rejects.toThrow(/MAC does not match/);
  });
});

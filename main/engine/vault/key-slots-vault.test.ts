// Each key slot is independent evidence: a damaged slot never blocks the other slots, is named
// when it is the one that was needed, and is told apart from a wrong passphrase.

import { describe, expect, it } from 'vitest';
import { IntegrityError, WrongKeyError } from '../../../shared/errors.ts';
import { TEST_PASSPHRASE, TEST_SCRYPT } from '../../../testing/repo.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { keys } from './format.ts';
import { Vault } from './vault.ts';

async function newVault() {
  const store = new MemoryBlobStore();
  const { vault, recoveryKey } = await Vault.init(store, { passphrase: TEST_PASSPHRASE, scrypt: TEST_SCRYPT });
  const slotKey = async (type: 'passphrase' | 'recovery') => {
    for await (const info of store.list(keys.keysPrefix)) {
      const slot = JSON.parse(Buffer.from(await store.get(info.key)).toString('utf8')) as { type: string };
      if (slot.type === type) return info.key;
    }
    throw new Error(`no ${type} slot`);
  };
  return { store, vault, recoveryKey, passphraseSlot: await slotKey('passphrase'), recoverySlot: await slotKey('recovery') };
}

async function edit(store: BlobStore, key: string, change: (text: string) => string): Promise<void> {
  await store.put(key, Buffer.from(change(Buffer.from(await store.get(key)).toString('utf8'))));
}

/** Flips one character inside the value of `field`, keeping the JSON valid. */
const flipField = (field: string) => (text: string) =>
  text.replace(new RegExp(`("${field}": "[^"]{4})(.)`), (_, head: string, c: string) => `${head}${c === 'A' ? 'B' : 'A'}`);
/** Breaks the JSON: the first `{` becomes `[`. */
const breakJson = (text: string) => text.replace('{', '[');

describe('key slots are independent', () => {
  it.each([
    ['invalid JSON', breakJson],
    ['a flipped byte in the salt', flipField('salt')],
    ['a flipped byte in the wrapped key', flipField('wrapped')],
  ])('a recovery slot with %s: the passphrase still unlocks; the recovery key is told the slot is damaged, by name', async (_, damage) => {
    const { store, vault, recoveryKey, recoverySlot } = await newVault();
    await edit(store, recoverySlot, damage);
    const opened = await Vault.open(store, { passphrase: TEST_PASSPHRASE });
    expect(opened.fingerprint).toBe(vault.fingerprint);
    expect(opened.damagedSlots.map((d) => d.key)).toEqual([recoverySlot]);
    const error = await Vault.open(store, { recoveryKey }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toContain(recoverySlot);
    expect((error as Error).message).toMatch(/recovery key slot is damaged.*Unlock with the passphrase/);
  });

  it.each([
    ['invalid JSON', breakJson],
    ['a flipped byte in the salt', flipField('salt')],
    ['a flipped byte in the MAC', flipField('mac')],
  ])('a passphrase slot with %s: the recovery key still unlocks; the passphrase gets "damaged", not "wrong passphrase"', async (_, damage) => {
    const { store, vault, recoveryKey, passphraseSlot } = await newVault();
    await edit(store, passphraseSlot, damage);
    expect((await Vault.open(store, { recoveryKey })).fingerprint).toBe(vault.fingerprint);
    const error = await Vault.open(store, { passphrase: TEST_PASSPHRASE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error).not.toBeInstanceOf(WrongKeyError);
    expect((error as Error).message).toContain(passphraseSlot);
    expect((error as Error).message).toMatch(/CAIRN_RECOVERY_KEY.*cairn key passwd/);
  });

  it('still says "wrong passphrase" for a wrong passphrase when the slots are intact', async () => {
    const { store } = await newVault();
    await expect(Vault.open(store, { passphrase: 'not it' })).rejects.toThrow(WrongKeyError);
  });

  it('repairs: unlocked with the recovery key, a new passphrase replaces the damaged slot', async () => {
    const { store, passphraseSlot, recoveryKey } = await newVault();
    await edit(store, passphraseSlot, breakJson);
    const vault = await Vault.open(store, { recoveryKey });
    await vault.replacePassphrase('a brand new passphrase', TEST_SCRYPT);
    expect(await store.stat(passphraseSlot)).toBeUndefined();
    const { slots, damaged } = await Vault.readSlots(store);
    expect(damaged).toEqual([]);
    expect(slots.map((s) => s.slot.type).sort()).toEqual(['passphrase', 'recovery']);
    expect((await Vault.open(store, { passphrase: 'a brand new passphrase' })).fingerprint).toBe(vault.fingerprint);
  });

  it('repairs: a new recovery key replaces a damaged recovery slot', async () => {
    const { store, recoverySlot } = await newVault();
    await edit(store, recoverySlot, breakJson);
    const vault = await Vault.open(store, { passphrase: TEST_PASSPHRASE });
    const fresh = await vault.rotateRecoveryKey();
    expect(await store.stat(recoverySlot)).toBeUndefined();
    expect((await Vault.readSlots(store)).damaged).toEqual([]);
    expect((await Vault.open(store, { recoveryKey: fresh })).fingerprint).toBe(vault.fingerprint);
  });

  it('gives slots written before slot MACs theirs, without changing what unlocks them', async () => {
    const { store, recoveryKey, vault } = await newVault();
    for await (const info of store.list(keys.keysPrefix)) {
      await edit(store, info.key, (t) => {
        const { mac: _m, sum: _s, ...legacy } = JSON.parse(t) as Record<string, unknown>;
        return JSON.stringify(legacy, null, 2);
      });
    }
    expect((await Vault.readSlots(store)).slots.every((s) => s.slot.mac === undefined)).toBe(true);
    expect(await vault.addSlotIntegrity()).toHaveLength(2);
    const { slots } = await Vault.readSlots(store);
    expect(slots.map((s) => vault.verifySlot(s.slot))).toEqual(['ok', 'ok']);
    expect((await Vault.open(store, { recoveryKey })).fingerprint).toBe(vault.fingerprint);
    expect((await Vault.open(store, { passphrase: TEST_PASSPHRASE })).fingerprint).toBe(vault.fingerprint);
  });
});

describe('recovery key rotation in two steps', () => {
  it('the old key keeps working until the new one is confirmed; after, only the new one does', async () => {
    const { store, vault, recoveryKey: old, recoverySlot } = await newVault();
    const { recoveryKey: fresh, slot } = await vault.addRecoveryKey();
    expect(slot).not.toBe(recoverySlot);
    // Before confirmation: both open the vault (a crash or a closed window here loses nothing).
    expect((await Vault.open(store, { recoveryKey: old })).fingerprint).toBe(vault.fingerprint);
    expect((await Vault.open(store, { recoveryKey: fresh })).fingerprint).toBe(vault.fingerprint);
    expect(await vault.recoverySlotOf(fresh)).toBe(slot);

    expect(await vault.retireRecoveryKeysExcept(slot)).toEqual([recoverySlot]);
    await expect(Vault.open(store, { recoveryKey: old })).rejects.toBeInstanceOf(WrongKeyError);
    expect((await Vault.open(store, { recoveryKey: fresh })).fingerprint).toBe(vault.fingerprint);
    expect((await Vault.open(store, { passphrase: TEST_PASSPHRASE })).fingerprint).toBe(vault.fingerprint);
  });

  it('a cancelled rotation removes only the new slot; the old key still works, the new one never will', async () => {
    const { store, vault, recoveryKey: old, recoverySlot } = await newVault();
    const { recoveryKey: fresh, slot } = await vault.addRecoveryKey();
    expect(await vault.removeRecoveryKeySlot(slot)).toBe(true);
    await expect(Vault.open(store, { recoveryKey: fresh })).rejects.toBeInstanceOf(WrongKeyError);
    expect((await Vault.open(store, { recoveryKey: old })).fingerprint).toBe(vault.fingerprint);
    // The last recovery slot is never removed by a cancel, and a confirm of a gone slot changes nothing.
    expect(await vault.removeRecoveryKeySlot(recoverySlot)).toBe(false);
    await expect(vault.retireRecoveryKeysExcept(slot)).rejects.toMatchObject({ code: 'not_found' });
    expect((await Vault.open(store, { recoveryKey: old })).fingerprint).toBe(vault.fingerprint);
  });

  it('confirming also removes a damaged old recovery slot', async () => {
    const { store, vault, recoverySlot } = await newVault();
    await edit(store, recoverySlot, breakJson);
    const { recoveryKey: fresh, slot } = await vault.addRecoveryKey();
    expect(await vault.retireRecoveryKeysExcept(slot)).toEqual([recoverySlot]);
    expect((await Vault.readSlots(store)).damaged).toEqual([]);
    expect((await Vault.open(store, { recoveryKey: fresh })).fingerprint).toBe(vault.fingerprint);
  });
});

// The rule for a new passphrase lives in the engine, so the CLI and the app can't disagree on it.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { MIN_PASSPHRASE_LENGTH } from '../../../shared/limits.ts';
import { TEST_PASSPHRASE, TEST_SCRYPT } from '../../../testing/repo.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import { Vault } from './vault.ts';

const short = 'x'.repeat(MIN_PASSPHRASE_LENGTH - 1);

describe('a new passphrase', () => {
  it('is refused at init when too short, and nothing is written', async () => {
    const store = new MemoryBlobStore();
    await expect(Vault.init(store, { passphrase: short, scrypt: TEST_SCRYPT })).rejects.toThrow(ConfigError);
    await expect(Vault.init(store, { passphrase: short, scrypt: TEST_SCRYPT })).rejects.toThrow(`at least ${MIN_PASSPHRASE_LENGTH} characters`);
    const left: string[] = [];
    for await (const o of store.list('')) left.push(o.key);
    expect(left).toEqual([]);
  });

  it('is refused when changed or replaced to something too short; the old one still unlocks', async () => {
    const store = new MemoryBlobStore();
    const { vault } = await Vault.init(store, { passphrase: TEST_PASSPHRASE, scrypt: TEST_SCRYPT });
    await expect(vault.changePassphrase(TEST_PASSPHRASE, short, TEST_SCRYPT)).rejects.toThrow(ConfigError);
    await expect(vault.replacePassphrase(short, TEST_SCRYPT)).rejects.toThrow(ConfigError);
    const again = await Vault.unlock(store, await Vault.readHeader(store), { passphrase: TEST_PASSPHRASE });
    expect(again.fingerprint).toBe(vault.fingerprint);
  });
});

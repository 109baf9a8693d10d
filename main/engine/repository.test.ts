// Opening a vault from another device's point of view, with the header and key caches in play:
// keys replaced on one device stop working on the others.

import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir, TEST_PASSPHRASE, TEST_SCRYPT } from '../../testing/repo.ts';
import { MemoryBlobStore } from './storage/index.ts';
import { Repository } from './repository.ts';
import { KeyCache } from './local-vault-files.ts';
import { keys } from './vault/index.ts';
import { createWorkerCodec } from './workers/index.ts';

afterAll(() => removeTempDirs());

describe('Repository.open with cached headers', () => {
  it('refuses a recovery key that another device replaced', async () => {
    const store = new MemoryBlobStore();
    const { repo: a, recoveryKey: first } = await initRepo(store);
    const bState = tempDir();
    const b = await openRepo(store, bState, { recoveryKey: first });
    await b.close();
    const second = await a.rotateRecoveryKey();
    await expect(openRepo(store, bState, { recoveryKey: first })).rejects.toMatchObject({ code: 'wrong_key' });
    const again = await openRepo(store, bState, { recoveryKey: second });
    expect(again.vault.fingerprint).toBe(a.vault.fingerprint);
    await again.close();
    await a.close();
  });

  it('a two-step rotation: another device still opens with the old key until the new one is confirmed', async () => {
    const store = new MemoryBlobStore();
    const { repo: a, recoveryKey: first } = await initRepo(store);
    const bState = tempDir();
    await (await openRepo(store, bState, { recoveryKey: first })).close();
    const { recoveryKey: second, slot } = await a.addRecoveryKey();
    await (await openRepo(store, bState, { recoveryKey: first })).close();
    await (await openRepo(store, bState, { recoveryKey: second })).close();
    await a.retireRecoveryKeysExcept(slot);
    await expect(openRepo(store, bState, { recoveryKey: first })).rejects.toMatchObject({ code: 'wrong_key' });
    await (await openRepo(store, bState, { recoveryKey: second })).close();
    await a.close();
  });

  it('refuses a passphrase that another device replaced (without the local key cache)', async () => {
    const store = new MemoryBlobStore();
    const { repo: a } = await initRepo(store);
    const bState = tempDir();
    const open = (passphrase: string) => Repository.open({ store, stateDir: bState, secret: { passphrase }, keyCache: false, makeCodec: (v) => createWorkerCodec(v, { threads: 1 }) });
    await (await open(TEST_PASSPHRASE)).close();
    await a.changePassphrase(TEST_PASSPHRASE, 'a brand new passphrase');
    await expect(open(TEST_PASSPHRASE)).rejects.toMatchObject({ code: 'wrong_key' });
    await (await open('a brand new passphrase')).close();
    await a.close();
  });

  it('uses the key cache only for the vault it was made for, even when a new vault took its place', async () => {
    const store = new MemoryBlobStore();
    const { repo: a } = await initRepo(store);
    const state = tempDir();
    const opened = await openRepo(store, state); // leaves a header cache and a key cache for vault A
    const first = opened.vault.id;
    await opened.close();
    await a.close();
    // Vault A is gone; vault B, with another passphrase, now lives at the same location.
    for await (const o of store.list('')) await store.delete(o.key);
    const { repo: b } = await Repository.init({ store, stateDir: tempDir(), passphrase: 'vault b passphrase', scrypt: TEST_SCRYPT, makeCodec: (v) => createWorkerCodec(v, { threads: 1 }) });
    await b.close();
    await expect(openRepo(store, state)).rejects.toMatchObject({ code: 'wrong_key' });
    const reopened = await openRepo(store, state, { passphrase: 'vault b passphrase' });
    expect(reopened.vault.id).not.toBe(first);
    expect(reopened.vault.id).toBe(b.vault.id);
    await reopened.close();
  });
});

describe('Repository.init and the key cache', () => {
  it('leaves the key cache, so the first open after init skips the vault slots and their full KDF', async () => {
    const store = new MemoryBlobStore();
    const state = tempDir();
    const { repo } = await initRepo(store, state);
    await repo.close();
    const listed: string[] = [];
    const list = store.list.bind(store);
    store.list = (prefix: string) => {
      listed.push(prefix);
      return list(prefix);
    };
    const opened = await openRepo(store, state);
    expect(listed.filter((p) => p.startsWith(keys.keysPrefix))).toEqual([]);
    await opened.close();
    // A wrong passphrase still fails: it misses the cache and then the vault's own slots.
    await expect(openRepo(store, state, { passphrase: 'not the passphrase' })).rejects.toMatchObject({ code: 'wrong_key' });
    expect(listed.filter((p) => p.startsWith(keys.keysPrefix))).toHaveLength(1);
  });

  it('keeps no key cache when told not to', async () => {
    const state = tempDir();
    const { repo } = await Repository.init({ store: new MemoryBlobStore(), stateDir: state, passphrase: TEST_PASSPHRASE, scrypt: TEST_SCRYPT, keyCache: false, makeCodec: (v) => createWorkerCodec(v, { threads: 1 }) });
    expect(new KeyCache(repo.vaultDir).read()).toBeUndefined();
    await repo.close();
  });
});

// Opening a vault from another device's point of view, with the header and key caches in play:
// keys replaced on one device stop working on the others.

import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir, TEST_PASSPHRASE } from '../../testing/repo.ts';
import { MemoryBlobStore } from './storage/index.ts';
import { Repository } from './repository.ts';
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
});

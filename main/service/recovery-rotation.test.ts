// Settings → New recovery key through the service: the old key keeps unlocking until the new one
// is confirmed; an unconfirmed rotation survives a restart (the same key comes back) and can be
// cancelled; confirming retires the old key.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { LocalBlobStore } from '../engine/storage/index.ts';
import { Vault } from '../engine/vault/index.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService, type CairnService } from './index.ts';

describe('recovery key rotation in the service', () => {
  let service: CairnService;
  let stateDir: string;
  let home: string;
  let vaultDir: string;
  const secrets = new MemorySecretStore();
  const start = () => createCairnService({ stateDir, secrets, home, env: {}, platform: 'linux' });
  const opens = async (recoveryKey: string) => Vault.open(new LocalBlobStore(vaultDir), { recoveryKey }).then(
    () => true,
    () => false,
  );

  beforeAll(async () => {
    const base = tempDir('cairn-svc-rotate-');
    home = join(base, 'home');
    vaultDir = join(base, 'vault');
    stateDir = tempDir('cairn-svc-rotate-state-');
    service = await start();
  });

  afterAll(async () => {
    await service.close();
    removeTempDirs();
  });

  it('keeps the old key until the new one is confirmed, across a restart; cancel and confirm do what they say', async () => {
    const { recoveryKey: original } = await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: vaultDir }, passphrase: 'a long passphrase', deviceName: 'laptop' });
    expect(await service.handlers['key.recoveryRotation']({})).toEqual({});
    await expect(service.handlers['key.rotateRecovery']({ passphrase: 'wrong passphrase' })).rejects.toMatchObject({ code: 'wrong_key' });

    // Step 1, then cancel: the new key never works, the original still does.
    const { recoveryKey: dropped } = await service.handlers['key.rotateRecovery']({ passphrase: 'a long passphrase' });
    expect(await opens(dropped)).toBe(true);
    expect(await service.handlers['key.cancelRecovery']({})).toEqual({ cancelled: true });
    expect(await opens(dropped)).toBe(false);
    expect(await opens(original)).toBe(true);

    // Step 1 again; the window closes, the app restarts: the same key is waiting, both keys work.
    const { recoveryKey: fresh } = await service.handlers['key.rotateRecovery']({ passphrase: 'a long passphrase' });
    await service.close();
    service = await start();
    expect(await service.handlers['key.recoveryRotation']({})).toEqual({ recoveryKey: fresh });
    expect(await opens(original)).toBe(true);
    expect(await opens(fresh)).toBe(true);

    // Step 2: only the new key works now, and nothing waits any more.
    const confirmed = await service.handlers['key.confirmRecovery']({});
    expect(confirmed.fingerprint).toMatch(/^[0-9a-f]{8}$/);
    expect(await opens(original)).toBe(false);
    expect(await opens(fresh)).toBe(true);
    expect(await service.handlers['key.recoveryRotation']({})).toEqual({});
    await expect(service.handlers['key.confirmRecovery']({})).rejects.toMatchObject({ code: 'not_found' });
  });
});

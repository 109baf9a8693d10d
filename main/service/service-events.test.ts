import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import type { SetupResult } from '../../shared/ipc/contract.ts';
import type { Settings } from '../../shared/models.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';
import type { CairnService } from './index.ts';

// The shell learns of settings and of a vault set up from the service's events, not by wrapping
// handlers: these are what cairn-app.ts listens to.
describe('the service tells its listeners what changed', () => {
  let service: CairnService | undefined;
  afterEach(async () => {
    await service?.close();
    removeTempDirs();
  });

  it('emits settings.changed with the new settings and vault.opened when a vault is set up or unlocked, never on a failure', async () => {
    const base = tempDir('cairn-svc-events-');
    service = await createCairnService({ stateDir: join(base, 'state'), secrets: new MemorySecretStore(), home: join(base, 'home'), env: {}, platform: 'linux' });
    const settings: Settings[] = [];
    const opened: SetupResult[] = [];
    service.on('settings.changed', (s) => settings.push(s));
    const off = service.on('vault.opened', (r) => opened.push(r));

    await expect(service.handlers['setup.unlock']({ secret: { passphrase: 'a long passphrase' } })).rejects.toThrow();
    expect(opened).toEqual([]);

    const location = { provider: 'local' as const, prefix: '', path: join(base, 'vault') };
    const created = await service.handlers['setup.createVault']({ location, passphrase: 'a long passphrase', deviceName: 'laptop' });
    expect(opened).toEqual([{ fingerprint: created.fingerprint, deviceId: created.deviceId, deviceName: 'laptop' }]);

    const next = await service.handlers['settings.set']({ intervalMinutes: 42 });
    expect(settings).toEqual([next]);
    expect(settings[0]?.intervalMinutes).toBe(42);

    await expect(service.handlers['setup.joinVault']({ location, secret: { passphrase: 'the wrong passphrase' } })).rejects.toThrow();
    expect(opened).toHaveLength(1);
    off();
    await service.handlers['setup.unlock']({ secret: { passphrase: 'a long passphrase' } });
    expect(opened).toHaveLength(1);
  });
});

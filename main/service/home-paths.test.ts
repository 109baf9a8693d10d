// `~/…` typed for the vault folder or a restore folder is the user's home folder, as a shell
// would read it: the service expands it (the renderer sends paths as typed).

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { waitForJob } from '../../testing/service.ts';
import { buildClaudeCodeFixture } from '../engine/agents/fixtures.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';


afterAll(() => removeTempDirs());

describe('~ in the paths the app is given', () => {
  it('puts a ~/… vault and a ~/… restore folder in the home folder', async () => {
    const home = join(tempDir('cairn-svc-home-'), 'home');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    const service = await createCairnService({ stateDir: tempDir('cairn-svc-home-state-'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    try {
      const location = { provider: 'local' as const, prefix: '', path: '~/Backups/cairn' };
      expect((await service.handlers['setup.testConnection']({ location })).ok).toBe(true);
      await service.handlers['setup.createVault']({ location, passphrase: 'a long passphrase', deviceName: 'laptop' });
      expect(readdirSync(join(home, 'Backups', 'cairn')).length).toBeGreaterThan(0);
      expect(existsSync(join(process.cwd(), '~')), 'no folder literally named ~').toBe(false);

      const backup = await service.handlers['sync.now']({});
      expect((await waitForJob(service, backup.jobId)).status).toBe('done');
      const [snap] = await service.handlers['snapshots.list']({});
      const restore = await service.handlers['snapshots.restore']({ snapshotId: snap?.id ?? '', paths: ['claude-code'], target: { kind: 'folder', path: '~/restored' }, overwrite: false });
      const done = await waitForJob(service, restore.jobId);
      expect(done.error).toBeUndefined();
      expect(existsSync(join(home, 'restored', 'claude-code'))).toBe(true);
    } finally {
      await service.close();
    }
  });
});

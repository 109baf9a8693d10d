// The app's sync while `cairn backup` runs on this computer for the same device (a cron job, a
// terminal): it waits for it, shows that it waits, then syncs. Before, both backed up at once and
// continued the same backup (engine/device-lock.ts).

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { waitForJob } from '../../testing/service.ts';
import { buildClaudeCodeFixture } from '../engine/agents/fixtures.ts';
import { withDeviceLock } from '../engine/device-lock.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';

afterAll(removeTempDirs);

describe("the app's sync beside another backup of this device", () => {
  it('waits for it, says so in its progress, then syncs', async () => {
    const base = tempDir('cairn-sync-device-lock-');
    const home = join(base, 'home');
    const stateDir = join(base, 'state');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    const service = await createCairnService({ stateDir, secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    try {
      await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(base, 'vault') }, passphrase: 'a long passphrase', deviceName: 'laptop' });
      const vaultDir = join(stateDir, 'vaults', readdirSync(join(stateDir, 'vaults'))[0] ?? '');
      let release = () => {};
      const held = withDeviceLock(vaultDir, { what: 'cairn backup', waitMs: 0 }, () => new Promise<void>((r) => (release = r)));
      const { jobId } = await service.handlers['sync.now']({});
      let phase = '';
      for (let i = 0; i < 100 && !phase.startsWith('waiting'); i++) {
        await new Promise((r) => setTimeout(r, 50));
        phase = (await service.handlers['jobs.list']({})).find((j) => j.id === jobId)?.progress.phase ?? '';
      }
      expect(phase).toBe('waiting for another backup of this computer (cairn backup)');
      expect((await service.handlers['snapshots.list']({})).length).toBe(0);
      release();
      await held;
      expect((await waitForJob(service, jobId)).status).toBe('done');
      expect((await service.handlers['snapshots.list']({})).length).toBe(1);
    } finally {
      await service.close();
    }
  });
});

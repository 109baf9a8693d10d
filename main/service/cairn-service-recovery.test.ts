// The app's side of disaster recovery (docs/RECOVERY.md): a new computer joins the vault, says it
// replaces the old one (devices.adopt), restores everything from it in one step, and its next
// sync continues the old device's history.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildClaudeCodeFixture } from '../engine/agents/fixtures.ts';
import { diffTrees, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { waitForJob } from '../../testing/service.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';
import type { CairnService } from './index.ts';


afterAll(() => removeTempDirs());

describe('a new computer replaces a dead one', () => {
  it('adopts the old device, restores everything from it, and continues its history', { timeout: 300_000 }, async () => {
    const base = tempDir('cairn-svc-recovery-');
    const home = join(base, 'home');
    const reference = join(base, 'reference');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    await buildClaudeCodeFixture({ home: reference, platform: 'linux' });
    const location = { provider: 'local' as const, prefix: '', path: join(base, 'vault') };

    const old: CairnService = await createCairnService({ stateDir: join(base, 'old-state'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    await old.handlers['setup.createVault']({ location, passphrase: 'a long passphrase', deviceName: 'laptop' });
    expect((await waitForJob(old, (await old.handlers['sync.now']({})).jobId)).status).toBe('done');
    const [lastOld] = await old.handlers['snapshots.list']({});
    await old.close();
    rmSync(join(base, 'old-state'), { recursive: true });
    rmSync(home, { recursive: true });

    const fresh: CairnService = await createCairnService({ stateDir: join(base, 'new-state'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    try {
      const joined = await fresh.handlers['setup.joinVault']({ location, secret: { passphrase: 'a long passphrase' } });
      const others = (await fresh.handlers['devices.list']({})).filter((d) => !d.isThisDevice && d.snapshotCount > 0);
      expect(others.map((d) => d.name)).toEqual(['laptop']);

      const adopted = await fresh.handlers['devices.adopt']({ deviceId: others[0]!.id });
      expect(adopted).toMatchObject({ id: others[0]!.id, name: 'laptop', isThisDevice: true });
      expect((await fresh.handlers['devices.list']({})).map((d) => d.id)).toEqual([adopted.id]);
      expect((await fresh.handlers['status.get']({})).deviceName).toBe('laptop');
      expect(joined.deviceId).not.toBe(adopted.id);

      // "Restore everything from laptop": its newest snapshot, every folder to its place.
      const [newest] = await fresh.handlers['snapshots.list']({ deviceId: adopted.id });
      const restore = await fresh.handlers['snapshots.restore']({ snapshotId: newest!.id, paths: [], target: { kind: 'original' }, overwrite: true });
      expect((await waitForJob(fresh, restore.jobId)).status).toBe('done');
      // The transcripts are back, byte for byte (caches are not backed up; settings are scrubbed of secrets).
      expect(diffTrees(join(reference, '.claude', 'projects'), join(home, '.claude', 'projects')).filter((d) => !d.what.startsWith('mtime'))).toEqual([]);

      expect((await waitForJob(fresh, (await fresh.handlers['sync.now']({})).jobId)).status).toBe('done');
      const history = await fresh.handlers['snapshots.list']({ deviceId: adopted.id });
      expect(history.length).toBeGreaterThanOrEqual(2);
      expect(history.every((s) => s.deviceId === adopted.id)).toBe(true);
      expect(history.some((s) => s.id === lastOld!.id)).toBe(true);
    } finally {
      await fresh.close();
    }
  });
});

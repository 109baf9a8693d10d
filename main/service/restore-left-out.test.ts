// An overwriting restore through the app that ends with files left out (here: their data is
// damaged in the vault) took its safety snapshot first: the job fails with what was left out, and
// the snapshot list the app shows has that safety snapshot at once.

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { waitForJob } from '../../testing/service.ts';
import { buildClaudeCodeFixture } from '../engine/agents/fixtures.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';

afterAll(() => removeTempDirs());

/** Every file under `dir`. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('a restore in place that leaves files out', () => {
  it('fails saying so, and the snapshot list shows its safety snapshot', async () => {
    const base = tempDir('cairn-left-out-');
    const home = join(base, 'home');
    const vault = join(base, 'vault');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    const service = await createCairnService({ stateDir: join(base, 'state'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    try {
      await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: vault }, passphrase: 'a long passphrase', deviceName: 'laptop' });
      expect((await waitForJob(service, (await service.handlers['sync.now']({})).jobId)).status).toBe('done');
      const [snap] = await service.handlers['snapshots.list']({});
      // Every pack of that backup damaged, and a transcript changed since: the restore replaces
      // it (after a safety snapshot of it) and can't read what it should write.
      for (const pack of walk(join(vault, 'data'))) {
        const bytes = readFileSync(pack);
        for (let at = 0; at < bytes.length; at += 64) bytes[at] = (bytes[at] ?? 0) ^ 0xff;
        writeFileSync(pack, bytes);
      }
      const transcript = walk(join(home, '.claude', 'projects')).filter((f) => f.endsWith('.jsonl')).sort((a, b) => statSync(b).size - statSync(a).size)[0] as string;
      writeFileSync(transcript, '{"type":"user","message":{"role":"user","content":"changed since"}}\n');
      const restore = await service.handlers['snapshots.restore']({ snapshotId: snap?.id ?? '', paths: [], target: { kind: 'original' }, overwrite: true });
      const done = await waitForJob(service, restore.jobId);
      expect(done.status).toBe('failed');
      expect(done.error?.message).toMatch(/could not be restored: their data in the vault is damaged, missing or unreadable .* What it replaced is kept in safety snapshot [0-9a-f]{8}\./);
      const safety = /safety snapshot ([0-9a-f]{8})/.exec(done.error?.message ?? '')?.[1];
      // Before: the list was the one cached before the restore, without it.
      const listed = await service.handlers['snapshots.list']({});
      expect(listed.filter((s) => s.reason === 'before-restore').map((s) => s.id.slice(0, 8))).toEqual([safety]);
    } finally {
      await service.close();
    }
  });
});

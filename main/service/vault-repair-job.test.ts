// Settings → Vault → Check, on a vault missing a pack: the report names the missing pack
// (missingPacks), "Repair the index" runs vault.repair as a job, and the next sync stores the data
// again, so its snapshot is whole while the older ones stay as they were.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { syncAndWait, waitForJob } from '../../testing/service.ts';
import { buildClaudeCodeFixture } from '../engine/agents/fixtures.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';

afterAll(() => removeTempDirs());

const packsIn = (vault: string) => new Set((readdirSync(join(vault, 'data'), { recursive: true }) as string[]).filter((p) => /[0-9a-f]{64}$/.test(p)));

describe('vault.repair as a job', () => {
  it('takes the missing pack out of the index; the next sync makes a whole snapshot again', async () => {
    const root = tempDir('cairn-repair-job-');
    const home = join(root, 'home');
    const vault = join(root, 'vault');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    const project = join(home, '.claude', 'projects', '-home-alice-src-big');
    mkdirSync(project, { recursive: true });
    const service = await createCairnService({ stateDir: join(root, 'state'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    try {
      await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: vault }, passphrase: 'a long passphrase', deviceName: 'laptop' });
      writeFileSync(join(project, 'big-one.jsonl'), `${JSON.stringify({ type: 'user', message: { role: 'user', content: randomBytes(300 * 1024).toString('base64') } })}\n`);
      expect((await syncAndWait(service)).status).toBe('done');
      const first = [...packsIn(vault)];
      writeFileSync(join(project, 'big-two.jsonl'), `${JSON.stringify({ type: 'user', message: { role: 'user', content: randomBytes(300 * 1024).toString('base64') } })}\n`);
      expect((await syncAndWait(service)).status).toBe('done');
      // The first sync's packs go (by hand, or a lifecycle rule); the second's stay.
      for (const p of first) rmSync(join(vault, 'data', p));
      expect((await syncAndWait(service)).status).toBe('done');

      const check = async () => {
        const { jobId } = await service.handlers['vault.check']({ readData: false });
        await waitForJob(service, jobId);
        return service.handlers['vault.checkReport']({ jobId });
      };
      const before = await check();
      expect(before.ok).toBe(false);
      expect(before.missingPacks?.sort()).toEqual(first.map((p) => p.split(/[/\\]/).pop()).sort());
      const newest = async () => (await service.handlers['snapshots.list']({})).sort((a, b) => a.time.localeCompare(b.time)).at(-1)?.shortId ?? 'none';
      // The newest snapshot, made after the packs went, relies on them too.
      const newestBefore = await newest();
      expect(before.problems.some((p) => p.startsWith(`snapshot ${newestBefore}`))).toBe(true);

      const { jobId } = await service.handlers['vault.repair']({});
      const job = await waitForJob(service, jobId);
      expect(job).toMatchObject({ kind: 'repair', status: 'done' });
      expect(job.summary).toMatch(new RegExp(`^Took ${first.length} missing packs? \\(\\d+ blobs?\\) out of the index\\. The next backup of each device reads its files again`));

      expect((await syncAndWait(service)).status).toBe('done');
      const after = await check();
      expect(after.missingPacks).toBeUndefined();
      // The sync after the repair stored the data again: its snapshot is whole.
      const id = await newest();
      expect(after.problems.filter((p) => p.startsWith(`snapshot ${id}`))).toEqual([]);

      // Nothing missing any more: a second repair says so.
      const again = await waitForJob(service, (await service.handlers['vault.repair']({})).jobId);
      expect(again.summary).toMatch(/^Nothing to repair: every pack the index lists is in the vault/);
    } finally {
      await service.close();
    }
  });

  it('names a damaged index file in the status while syncs go on, and no more once the repair rebuilt it', async () => {
    const root = tempDir('cairn-reindex-job-');
    const home = join(root, 'home');
    const vault = join(root, 'vault');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    const secrets = new MemorySecretStore();
    const first = await createCairnService({ stateDir: join(root, 'state-a'), secrets, home, env: {}, platform: 'linux' });
    try {
      await first.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: vault }, passphrase: 'a long passphrase', deviceName: 'laptop' });
      expect((await syncAndWait(first)).status).toBe('done');
    } finally {
      await first.close();
    }
    const [index] = readdirSync(join(vault, 'index'));
    const bytes = readFileSync(join(vault, 'index', index as string));
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 1;
    writeFileSync(join(vault, 'index', index as string), bytes);

    const second = await createCairnService({ stateDir: join(root, 'state-b'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    try {
      await second.handlers['setup.joinVault']({ location: { provider: 'local', prefix: '', path: vault }, secret: { passphrase: 'a long passphrase' }, deviceName: 'desktop' });
      expect((await syncAndWait(second)).status).toBe('done');
      const status = await second.handlers['status.get']({});
      expect(status.damaged?.map((d) => d.key)).toEqual([`index/${index as string}`]);
      const job = await waitForJob(second, (await second.handlers['vault.repair']({})).jobId);
      expect(job.summary).toMatch(/^Rebuilt the index: 1 damaged index file replaced by what \d+ packs?(’s own header says|’ own headers say)\./);
      expect((await second.handlers['status.get']({})).damaged).toBeUndefined();
    } finally {
      await second.close();
    }
  });
});

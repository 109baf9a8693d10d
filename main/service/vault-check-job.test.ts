// "Check vault" is a job like backup and restore: the request returns a job id at once (it no
// longer holds the IPC request open for the whole check), progress is pushed as job.progress, and
// the report is fetched with vault.checkReport once the job is done.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../shared/models.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { syncAndWait, waitForJob } from '../../testing/service.ts';
import { buildClaudeCodeFixture } from '../engine/agents/fixtures.ts';
import { ForwardingBlobStore } from '../engine/storage/index.ts';
import type { BlobStore, CallOptions, ObjectInfo } from '../engine/storage/index.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';

afterAll(() => removeTempDirs());

/** Holds every listing of snapshot records until released, so a check can be caught mid-way. */
class HoldingStore extends ForwardingBlobStore {
  hold = false;
  held = 0;
  private waiting: (() => void)[] = [];

  release(): void {
    this.hold = false;
    for (const go of this.waiting.splice(0)) go();
  }

  override async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    if (this.hold && prefix.startsWith('snapshots/')) {
      this.held++;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    yield* super.list(prefix, options);
  }
}

describe('vault.check as a job', () => {
  it('returns a job id while the check runs, pushes its progress, and gives the report once done', async () => {
    const home = join(tempDir('cairn-check-job-'), 'home');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    const stores: HoldingStore[] = [];
    const decorateStore = (bare: BlobStore) => {
      const s = new HoldingStore(bare);
      stores.push(s);
      return s;
    };
    const service = await createCairnService({ stateDir: tempDir('cairn-check-job-state-'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux', decorateStore });
    try {
      await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(home, '..', 'vault') }, passphrase: 'a long passphrase', deviceName: 'laptop' });
      expect((await syncAndWait(service)).status).toBe('done');
      const pushed: JobInfo[] = [];
      const off = service.on('job.progress', (job) => void (job.kind === 'check' && pushed.push(job)));
      const store = stores.at(-1) as HoldingStore;
      store.hold = true;

      // The request answers while the check is held inside its listing of snapshot records.
      const { jobId } = await service.handlers['vault.check']({ readData: true });
      for (let i = 0; i < 400 && store.held === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(store.held, 'the check reached its listing of snapshots').toBeGreaterThan(0);
      const running = (await service.handlers['jobs.list']({})).find((j) => j.id === jobId);
      expect(running).toMatchObject({ kind: 'check', status: 'running' });
      await expect(service.handlers['vault.checkReport']({ jobId })).rejects.toMatchObject({ code: 'conflict' });

      store.release();
      const job = await waitForJob(service, jobId, 20);
      off();
      expect(job).toMatchObject({ status: 'done', summary: 'The vault is healthy.' });
      const report = await service.handlers['vault.checkReport']({ jobId });
      expect(report.ok, JSON.stringify(report.problems)).toBe(true);
      expect(report.snapshots).toBe(1);
      expect(report.bytesRead).toBeGreaterThan(0); // readData was passed through
      // Progress went out as job.progress: the snapshot pass and the --read-data pass, then the end.
      const phases = new Set(pushed.filter((j) => j.status === 'running').map((j) => j.progress.phase));
      expect(phases).toContain('checking snapshots');
      expect(phases).toContain('checking packs');
      expect(pushed.at(-1)).toMatchObject({ id: jobId, status: 'done' });
      await expect(service.handlers['vault.checkReport']({ jobId: '0123456789abcdef' })).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      await service.close();
    }
  }, 60_000);
});

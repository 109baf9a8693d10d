// Cancelling "Prune now" (the job's ✕) stops the prune's storage requests in flight: the job
// ends as cancelled, the vault is unchanged and still checks clean, and a later prune runs.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { syncAndWait, waitForJob } from '../../testing/service.ts';
import { buildClaudeCodeFixture } from '../engine/agents/fixtures.ts';
import { ForwardingBlobStore } from '../engine/storage/index.ts';
import type { BlobStore, CallOptions, ObjectInfo } from '../engine/storage/index.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';

afterAll(() => removeTempDirs());

/** Holds every listing of packs open until the caller gives up (its signal aborts). */
class HoldingStore extends ForwardingBlobStore {
  hold = false;
  held = 0;

  override async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    if (this.hold && prefix.startsWith('data/')) {
      this.held++;
      await new Promise<never>((_, reject) => {
        const signal = options?.signal;
        if (!signal) return; // a caller without a signal waits for ever: the test times out
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    }
    yield* super.list(prefix, options);
  }
}

describe('cancelling a prune in the app', () => {
  it('aborts the listing in flight, ends the job as cancelled, and leaves a vault that checks clean', async () => {
    const home = join(tempDir('cairn-prune-cancel-'), 'home');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    const stores: HoldingStore[] = [];
    const decorateStore = (bare: BlobStore) => {
      const s = new HoldingStore(bare);
      stores.push(s);
      return s;
    };
    const service = await createCairnService({ stateDir: tempDir('cairn-prune-cancel-state-'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux', decorateStore });
    try {
      await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(home, '..', 'vault') }, passphrase: 'a long passphrase', deviceName: 'laptop' });
      expect((await syncAndWait(service)).status).toBe('done');
      const store = stores.at(-1) as HoldingStore;
      store.hold = true;
      const { jobId } = await service.handlers['vault.prune']({});
      for (let i = 0; i < 400 && store.held === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(store.held, 'the prune reached its listing of packs').toBeGreaterThan(0);
      const cancelledAt = Date.now();
      await service.handlers['jobs.cancel']({ id: jobId });
      const job = await waitForJob(service, jobId, 20);
      expect(Date.now() - cancelledAt).toBeLessThan(5_000);
      expect(job.status, JSON.stringify(job.error)).toBe('cancelled');

      store.hold = false;
      const check = await service.handlers['vault.check']({ readData: true });
      expect((await waitForJob(service, check.jobId, 20)).status).toBe('done');
      const report = await service.handlers['vault.checkReport']({ jobId: check.jobId });
      expect(report.ok, JSON.stringify(report.problems)).toBe(true);
      const again = await service.handlers['vault.prune']({});
      expect((await waitForJob(service, again.jobId, 20)).status).toBe('done');
    } finally {
      await service.close();
    }
  }, 60_000);
});

// The status the app shows is derived from facts that survive a restart (describeStatus over
// the service's EngineStatus), and a provider that throttles is waited for — "Waiting for …" —
// never shown as a failure and never sent to the outbox.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../shared/models.ts';
import { describeStatus } from '../../shared/status.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { waitForJob } from '../../testing/service.ts';
import { buildClaudeCodeFixture } from '../engine/agents/fixtures.ts';
import { DEFAULT_THROTTLE_BUDGET_MS, ThrottlingBlobStore } from '../engine/storage/index.ts';
import type { BlobStore } from '../engine/storage/index.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { SERVICE_STORE_OPTIONS } from './cairn-service.ts';
import { createCairnService } from './index.ts';
import { linkedPart, skippedPart } from './sync-handlers.ts';


afterAll(() => removeTempDirs());

async function setUp() {
  const home = join(tempDir('cairn-status-'), 'home');
  await buildClaudeCodeFixture({ home, platform: 'linux' });
  const stateDir = tempDir('cairn-status-state-');
  const secrets = new MemorySecretStore();
  const stores: ThrottlingBlobStore[] = [];
  const decorateStore = (bare: BlobStore) => {
    const t = new ThrottlingBlobStore(bare);
    stores.push(t);
    return t;
  };
  const start = () => createCairnService({ stateDir, secrets, home, env: {}, platform: 'linux', decorateStore });
  return { home, start, stores, location: { provider: 'local' as const, prefix: '', path: join(home, '..', 'vault') } };
}

describe('honest status', () => {
  it('is never "Up to date" before the first sync, and after a restart still knows the last sync and what was done', async () => {
    const { start, location } = await setUp();
    let service = await start();
    try {
      await service.handlers['setup.createVault']({ location, passphrase: 'a long passphrase', deviceName: 'laptop' });
      const fresh = await service.handlers['status.get']({});
      expect(fresh.state).toBe('idle');
      expect(describeStatus(fresh)).toMatchObject({ kind: 'never-synced', text: 'Not backed up yet' });

      const { jobId } = await service.handlers['sync.now']({});
      expect((await waitForJob(service, jobId, 25)).status).toBe('done');
      const synced = await service.handlers['status.get']({});
      expect(describeStatus(synced).kind).toBe('up-to-date');
      expect(synced.openConflicts).toBe(0);

      await service.close();
      service = await start();
      const restarted = await service.handlers['status.get']({});
      expect(restarted.lastSyncAt, 'last sync kept across the restart').toBe(synced.lastSyncAt);
      expect(describeStatus(restarted).kind).toBe('up-to-date');
      const activity = await service.handlers['jobs.list']({});
      expect(activity.length, 'recent activity from before the restart').toBeGreaterThan(0);
      expect(activity[0]).toMatchObject({ kind: 'sync', status: 'done' });
      expect(activity[0]?.summary).toMatch(/Snapshot [0-9a-f]{8}: \d+ file\(s\) backed up\./);
    } finally {
      await service.close();
    }
  });

  it('a throttling provider shows as "Waiting for …", not failed, and the sync completes once it lets up', async () => {
    // The app's throttle budget is without end; the CLI's is minutes.
    expect(SERVICE_STORE_OPTIONS.retry.throttleBudgetMs).toBeGreaterThan(DEFAULT_THROTTLE_BUDGET_MS);
    const { start, stores, location } = await setUp();
    const service = await start();
    const seen: EngineStatus[] = [];
    service.on('status.changed', (s) => seen.push(s));
    try {
      await service.handlers['setup.createVault']({ location, passphrase: 'a long passphrase', deviceName: 'laptop' });
      const vaultStore = stores.at(-1) as ThrottlingBlobStore;
      vaultStore.throttleFor(2_500, { retryAfterMs: 400 });
      const { jobId } = await service.handlers['sync.now']({});
      let waiting: EngineStatus | undefined;
      for (let i = 0; i < 200 && !waiting; i++) {
        const s = await service.handlers['status.get']({});
        if (s.waitingForProvider) waiting = s;
        else await new Promise((r) => setTimeout(r, 20));
      }
      expect(waiting, 'the status says it is waiting for the provider').toBeDefined();
      expect(waiting?.state).toBe('syncing');
      expect(waiting?.error).toBeUndefined();
      expect(describeStatus(waiting as EngineStatus)).toMatchObject({ kind: 'waiting', text: 'Waiting for the folder…' });
      expect(seen.some((s) => s.waitingForProvider), 'pushed to the window too').toBe(true);

      const job = await waitForJob(service, jobId, 25);
      expect(vaultStore.refused).toBeGreaterThan(0);
      expect(job.status).toBe('done');
      expect(job.error).toBeUndefined();
      const after = await service.handlers['status.get']({});
      expect(after.waitingForProvider).toBeUndefined();
      expect(after.outboxCount, 'waited for, not kept in the outbox').toBe(0);
      expect(describeStatus(after).kind).toBe('up-to-date');
      expect(seen.every((s) => s.state !== 'error' && s.state !== 'offline'), 'never shown as failed').toBe(true);
    } finally {
      await service.close();
    }
  });
});

describe("a sync's line in the activity list", () => {
  it('says which file of another device was not pulled and why, not only what was', () => {
    expect(skippedPart([])).toEqual([]);
    const damaged = { path: 'claude-code/config/projects/-app/s1.jsonl', device: 'laptop', why: "it is damaged in the vault (…); nothing was written for it. Run 'cairn check'" };
    expect(skippedPart([damaged])).toEqual([`not pulled: claude-code/config/projects/-app/s1.jsonl of laptop, because ${damaged.why}`]);
    expect(skippedPart([damaged, { ...damaged, path: 'codex/home/sessions/x.jsonl' }])).toEqual([`not pulled: claude-code/config/projects/-app/s1.jsonl of laptop, because ${damaged.why} (and 1 more)`]);
  });
});

describe("a sync's line in the activity list, for a link to a folder", () => {
  it('says what was not backed up: the linked folder, where it points, and what to do', async () => {
    const base = tempDir('cairn-linked-sync-');
    const home = join(base, 'home');
    const elsewhere = join(base, 'other-disk', 'projects');
    mkdirSync(join(elsewhere, '-app'), { recursive: true });
    writeFileSync(join(elsewhere, '-app', 's.jsonl'), '{"type":"user","message":{"role":"user","content":"hi"}}\n');
    mkdirSync(join(home, '.claude'), { recursive: true });
    writeFileSync(join(home, '.claude', 'settings.json'), '{}');
    symlinkSync(elsewhere, join(home, '.claude', 'projects'));
    const service = await createCairnService({ stateDir: join(base, 'state'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    try {
      await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(base, 'vault') }, passphrase: 'a long passphrase', deviceName: 'laptop' });
      const job = await waitForJob(service, (await service.handlers['sync.now']({})).jobId);
      expect(job.status).toBe('done');
      expect(job.summary).toContain(`not backed up: what ${join(home, '.claude', 'projects')} holds, a link to ${elsewhere}`);
    } finally {
      await service.close();
    }
    expect(linkedPart([])).toEqual([]);
  });
});


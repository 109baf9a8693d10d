import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClaudeCodeFixture } from '../engine/agents/fixtures.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { waitForJob } from '../../testing/service.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';
import type { CairnService } from './index.ts';


describe('the application service on a local vault', () => {
  let service: CairnService;
  let home: string;
  let stateDir: string;
  const secrets = new MemorySecretStore();
  const vaultDir = () => join(home, '..', 'vault');
  const collected: unknown[] = [];

  beforeAll(async () => {
    home = join(tempDir('cairn-svc-'), 'home');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    stateDir = tempDir('cairn-svc-state-');
    service = await createCairnService({ stateDir, secrets, home, env: {}, platform: 'linux', collect: (o) => collected.push(o) });
  });

  afterAll(async () => {
    await service.close();
    removeTempDirs();
  });

  it('starts unconfigured, creates a vault, backs up, browses and restores', async () => {
    expect((await service.handlers['status.get']({})).state).toBe('unconfigured');
    const probe = await service.handlers['setup.testConnection']({ location: { provider: 'local', prefix: '', path: vaultDir() } });
    expect(probe.ok).toBe(true);
    const created = await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: vaultDir() }, passphrase: 'a long passphrase', deviceName: 'laptop' });
    expect(created.fingerprint).toMatch(/^[0-9a-f]{8}$/);
    expect(created.recoveryKey.length).toBeGreaterThan(40);
    expect((await service.handlers['agents.list']({})).find((a) => a.id === 'claude-code')?.detected).toBe(true);

    const { jobId } = await service.handlers['sync.now']({});
    const job = await waitForJob(service, jobId);
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('done');
    const status = await service.handlers['status.get']({});
    expect(status.state).toBe('idle');
    expect(status.lastSyncAt).toBeDefined();
    // The queue is idle: what the sync's work left in V8's heap is collected a moment later.
    expect(collected).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    expect(collected).toEqual([{ type: 'major', execution: 'async' }]);

    const [snap] = await service.handlers['snapshots.list']({});
    expect(snap?.deviceName).toBe('laptop');
    const top = await service.handlers['snapshots.tree']({ snapshotId: snap!.id, path: '' });
    expect(top.map((e) => e.name)).toContain('claude-code');
    // Find a transcript and read it.
    const projects = await service.handlers['snapshots.tree']({ snapshotId: snap!.id, path: 'claude-code/config/projects' });
    const project = projects.find((e) => e.type === 'dir')!;
    const files = await service.handlers['snapshots.tree']({ snapshotId: snap!.id, path: project.path });
    const transcript = files.find((e) => e.name.endsWith('.jsonl'))!;
    const preview = await service.handlers['snapshots.readFile']({ snapshotId: snap!.id, path: transcript.path, maxBytes: 1 << 20 });
    expect(preview.binary).toBe(false);
    expect(preview.text.split('\n')[0]).toMatch(/^\{/);

    const target = tempDir('cairn-svc-restore-');
    const restored = await service.handlers['snapshots.restore']({ snapshotId: snap!.shortId, paths: [transcript.path], target: { kind: 'folder', path: target }, overwrite: false });
    expect((await waitForJob(service, restored.jobId)).status).toBe('done');
    expect(readFileSync(join(target, transcript.name), 'utf8')).toBe(preview.text);

    const pinned = await service.handlers['snapshots.pin']({ snapshotId: snap!.id, pinned: true });
    expect(pinned.pinned).toBe(true);
    const stats = await service.handlers['vault.stats']({});
    expect(stats.snapshots).toBe(1);
    expect(stats.storedBytes).toBeGreaterThan(0);
  });

  it('reopens from the keychain after a restart, and explains a wrong passphrase', async () => {
    await service.close();
    service = await createCairnService({ stateDir, secrets, home, env: {}, platform: 'linux' });
    const status = await service.handlers['status.get']({});
    expect(status.state).toBe('idle');
    expect(status.fingerprint).toMatch(/^[0-9a-f]{8}$/);
    await expect(service.handlers['setup.unlock']({ secret: { passphrase: 'wrong passphrase' } })).rejects.toMatchObject({ code: 'wrong_key' });
    await expect(service.handlers['key.rotateRecovery']({ passphrase: 'wrong passphrase' })).rejects.toMatchObject({ code: 'wrong_key' });
  });

  it('explains a dead endpoint in the connection test', async () => {
    const probe = await service.handlers['setup.testConnection']({ location: { provider: 'other', bucket: 'nope', prefix: 'cairn', endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true }, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    expect(probe.ok).toBe(false);
    expect(probe.steps[0]?.error?.code).toBe('unreachable');
  });
});

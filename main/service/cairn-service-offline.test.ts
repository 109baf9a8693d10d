// The outbox end to end (issue 5, "Offline"): a real S3 server (Swift) behind a TCP gate that
// can be closed like an endpoint going down. Backups taken while it is down wait on this
// device, survive a restart of the app's services, upload in order when it is back, and
// restore byte-exact.

import { appendFileSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultLocation } from '../../shared/models.ts';
import { diffTrees, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { waitForJob } from '../../testing/service.ts';
import { startS3Server } from '../../testing/s3-server.ts';
import type { S3Server } from '../../testing/s3-server.ts';
import { startTcpGate } from '../../testing/tcp-gate.ts';
import type { TcpGate } from '../../testing/tcp-gate.ts';
import { buildClaudeCodeFixture } from '../engine/agents/fixtures.ts';
import type { AgentFixture } from '../engine/agents/fixtures.ts';
import { createBlobStore } from '../engine/storage/index.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { SERVICE_STORE_OPTIONS } from './cairn-service.ts';
import { createCairnService } from './index.ts';
import type { CairnService } from './index.ts';

let server: S3Server;
let gate: TcpGate;
let home: string;
let fixture: AgentFixture;
let stateDir: string;
let service: CairnService;
const secrets = new MemorySecretStore();
const credentials = () => ({ accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey });
const location = (): VaultLocation => ({ provider: 'other', bucket: 'offline', prefix: 'cairn', endpoint: gate.endpoint, region: server.region, forcePathStyle: true });
const start = () => createCairnService({ stateDir, secrets, home, env: {}, platform: 'linux' });

beforeAll(async () => {
  server = await startS3Server({ buckets: ['offline'] });
  gate = await startTcpGate(server.endpoint);
  home = join(tempDir('cairn-offline-'), 'home');
  fixture = await buildClaudeCodeFixture({ home, platform: 'linux' });
  stateDir = tempDir('cairn-offline-state-');
  service = await start();
}, 120_000);

afterAll(async () => {
  await service?.close();
  await gate?.stop();
  await server?.stop();
  removeTempDirs();
});


const status = () => service.handlers['status.get']({});
const claudeDir = () => join(home, '.claude');
const session = (n: number) => join(claudeDir(), 'projects', '-home-alice-src-app', `offline-session-${n}.jsonl`);

/** A day on the plane: a transcript grows and a new session starts. */
function work(n: number): void {
  appendFileSync(fixture.included.find((p) => p.endsWith('.jsonl') && p.includes('projects')) as string, `${JSON.stringify({ type: 'user', message: { role: 'user', content: `offline question ${n}` } })}\n`);
  const file = session(n);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ type: 'user', sessionId: `offline-${n}`, message: { role: 'user', content: `written offline ${n}` } })}\n`);
  fixture.included.push(file);
}

describe('offline: the outbox', () => {
  it('backs up into the outbox while the S3 server is unreachable, across a restart, and uploads in order when it is back', async () => {
    // Online: create the vault and back up.
    await service.handlers['setup.createVault']({ location: location(), credentials: credentials(), passphrase: 'a long passphrase', deviceName: 'laptop' });
    // The outbox alone: no daily verification after the scheduled syncs (verify-data.test.ts).
    await service.handlers['settings.set']({ verifyData: false });
    const first = await waitForJob(service, (await service.handlers['sync.now']({})).jobId);
    expect(first.error).toBeUndefined();
    expect((await status()).state).toBe('idle');
    const online = await service.handlers['snapshots.list']({});
    expect(online).toHaveLength(1);

    // The endpoint goes down. Two scheduled syncs: two snapshots wait on this device.
    await gate.close();
    work(1);
    const detectStart = performance.now();
    await service.syncNow('scheduled');
    const firstOfflineSyncMs = performance.now() - detectStart;
    let offline = await status();
    expect(offline.state).toBe('offline');
    expect(offline.outboxCount).toBe(1);
    expect(offline.error?.code).toBe('unreachable');
    work(2);
    await service.syncNow('scheduled');
    offline = await status();
    expect(offline.state).toBe('offline');
    expect(offline.outboxCount).toBe(2);
    const jobs = await service.handlers['jobs.list']({});
    expect(jobs.slice(0, 2).map((j) => j.status)).toEqual(['done', 'done']);
    expect(jobs[0]?.summary).toMatch(/^Offline: snapshot [0-9a-f]{8} kept on this device; 2 snapshot\(s\) wait/);
    // Refused connections are taken for an outage quickly; the rest of the time is the backup.
    expect(firstOfflineSyncMs).toBeLessThan(15_000);

    // The app quits and starts again, still offline: the outbox is still there.
    await service.close();
    service = await start();
    offline = await status();
    expect(offline.state).toBe('offline');
    expect(offline.outboxCount).toBe(2);
    expect(offline.fingerprint).toMatch(/^[0-9a-f]{8}$/);
    // A sync while still down keeps what waits, and doesn't add an unchanged snapshot.
    await service.syncNow('scheduled');
    expect((await status()).outboxCount).toBe(2);

    // Back online: the next sync uploads the outbox first, in order, then syncs as usual.
    await gate.open();
    await service.syncNow('scheduled');
    const back = await status();
    expect(back.state).toBe('idle');
    expect(back.outboxCount).toBe(0);
    expect(back.error).toBeUndefined();
    expect(back.lastSyncAt).toBeDefined();
    const latestJob = (await service.handlers['jobs.list']({}))[0];
    expect(latestJob?.summary).toMatch(/^2 waiting snapshot\(s\) uploaded; nothing new to back up\.$/);

    const snapshots = await service.handlers['snapshots.list']({});
    expect(snapshots).toHaveLength(3);
    const [newest, middle, oldest] = snapshots;
    expect(oldest?.id).toBe(online[0]?.id);
    expect(newest?.reason).toBe('scheduled');
    expect(middle?.reason).toBe('scheduled');
    // Uploaded in order: each offline snapshot's parent is the one before it.
    expect(middle?.parent).toBe(oldest?.id);
    expect(newest?.parent).toBe(middle?.id);
    const devices = await service.handlers['devices.list']({});
    expect(devices[0]?.snapshotCount).toBe(3);

    // The last offline snapshot restores byte-exact: every included file, with mode and mtime.
    const target = tempDir('cairn-offline-restore-');
    const job = await waitForJob(service, (await service.handlers['snapshots.restore']({ snapshotId: newest?.id as string, paths: [], target: { kind: 'folder', path: target }, overwrite: false })).jobId);
    expect(job.error).toBeUndefined();
    const restored = join(target, 'claude-code', 'config');
    const withInnerSecret = fixture.included.filter((p) => fixture.innerSecrets.some((s) => readFileSync(p, 'utf8').includes(s)));
    const compared = new Set(fixture.included.filter((p) => !withInnerSecret.includes(p)));
    expect(compared.size).toBeGreaterThan(10);
    const skip = (rel: string) => {
      const abs = join(claudeDir(), rel);
      if (existsSync(abs) && lstatSync(abs).isDirectory()) return ![...compared].some((p) => p.startsWith(`${abs}/`));
      return !compared.has(abs);
    };
    expect(diffTrees(claudeDir(), restored, { skip })).toEqual([]);
    expect(readFileSync(join(restored, 'projects', '-home-alice-src-app', 'offline-session-2.jsonl'), 'utf8')).toContain('written offline 2');
    // Files with a credential inside come back without it (scrubbed before upload, online or not).
    for (const p of withInnerSecret) {
      const text = readFileSync(join(restored, relative(claudeDir(), p)), 'utf8');
      for (const s of fixture.innerSecrets) expect(text).not.toContain(s);
    }
  });

  it('takes refused connections for an outage within about a second with the service store options', async () => {
    await gate.close();
    try {
      const timeToUnreachable = async (): Promise<number> => {
        const store = createBlobStore(location(), { ...SERVICE_STORE_OPTIONS, credentials: credentials() });
        const t = performance.now();
        await expect(store.stat('vault.json')).rejects.toMatchObject({ code: 'unreachable' });
        const ms = performance.now() - t;
        await store.close();
        return ms;
      };
      expect(await timeToUnreachable()).toBeLessThan(1_500);
    } finally {
      await gate.open();
    }
  });
});

describe('offline at the first start', () => {
  it('says plainly that the vault is unreachable when it could not be opened even once, and opens it when it is back', async () => {
    const freshState = tempDir('cairn-offline-state-');
    const freshSecrets = new MemorySecretStore();
    // Configured (as if set up elsewhere and restored), but never opened from this state folder.
    const setup = await createCairnService({ stateDir: freshState, secrets: freshSecrets, home, env: {}, platform: 'linux' });
    await setup.handlers['setup.joinVault']({ location: location(), credentials: credentials(), secret: { passphrase: 'a long passphrase' }, deviceName: 'desktop' });
    await setup.handlers['settings.set']({ verifyData: false });
    await setup.close();
    rmSync(join(freshState, 'headers'), { recursive: true, force: true });

    await gate.close();
    const svc = await createCairnService({ stateDir: freshState, secrets: freshSecrets, home, env: {}, platform: 'linux' });
    try {
      const st = await svc.handlers['status.get']({});
      expect(st.state).toBe('offline');
      expect(st.error?.code).toBe('unreachable');
      expect(st.error?.message).toMatch(/can't be reached, and this device has not opened it before/);
      await expect(svc.syncNow('scheduled')).rejects.toMatchObject({ code: 'unreachable' });

      await gate.open();
      await svc.syncNow('scheduled');
      const after = await svc.handlers['status.get']({});
      expect(after.state).toBe('idle');
      expect(after.deviceName).toBe('desktop');
    } finally {
      await svc.close();
      await gate.open();
    }
  });
});

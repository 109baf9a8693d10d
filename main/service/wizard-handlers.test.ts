// The wizard's state in main (issue 11) and its "Create bucket" (issue 13), through the real
// service: a created vault's recovery key and step survive the window and the app restarting
// until the user confirms it; the bucket is created against a real S3 server, or the error names
// s3:CreateBucket; Aider's folders are the CLI's agent-paths.json, with ~ expanded.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { startS3Server } from '../../testing/s3-server.ts';
import type { S3Server } from '../../testing/s3-server.ts';
import { loadAgentPaths } from '../engine/agents/index.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';
import { pendingRecoveryAccount } from './wizard-handlers.ts';

let server: S3Server;

beforeAll(async () => {
  server = await startS3Server();
}, 120_000);

afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

describe('set-up resumes where it was left', () => {
  it('keeps the step and the unconfirmed recovery key across restarts, and forgets the key once confirmed', { timeout: 120_000 }, async () => {
    const base = tempDir('cairn-wizard-');
    const stateDir = join(base, 'state');
    const secrets = new MemorySecretStore();
    const location = { provider: 'local' as const, prefix: 'cairn', path: join(base, 'vault') };
    const start = () => createCairnService({ stateDir, secrets, home: join(base, 'home'), env: {}, platform: 'linux' });

    let service = await start();
    expect(await service.handlers['setup.progress']({})).toEqual({});
    const created = await service.handlers['setup.createVault']({ location, passphrase: 'a long passphrase', wizard: true });
    await service.close();

    service = await start();
    const progress = (await service.handlers['setup.progress']({})).progress;
    expect(progress).toMatchObject({ step: 'vault', mode: 'create', recoveryKey: created.recoveryKey, result: { fingerprint: created.fingerprint, deviceId: created.deviceId } });
    await service.handlers['setup.confirmRecoveryKey']({});
    expect(await secrets.get(pendingRecoveryAccount(location))).toBeUndefined();
    await service.handlers['setup.saveProgress']({ step: 'schedule' });
    await service.close();

    service = await start();
    const later = (await service.handlers['setup.progress']({})).progress;
    expect(later?.step).toBe('schedule');
    expect(later?.recoveryKey).toBeUndefined();
    await service.handlers['setup.finish']({});
    expect(await service.handlers['setup.progress']({})).toEqual({});
    expect(await service.handlers['setup.location']({})).toEqual({ location, hasCredentials: false });
    await service.close();
  });
});

describe('Create bucket from the connection test', () => {
  it('creates a missing bucket, and names s3:CreateBucket when the key may not', { timeout: 120_000 }, async () => {
    const base = tempDir('cairn-wizard-bucket-');
    const service = await createCairnService({ stateDir: join(base, 'state'), secrets: new MemorySecretStore(), home: base, env: {}, platform: 'linux' });
    try {
      const location = { provider: 'other' as const, bucket: 'wizard-made', prefix: 'cairn', endpoint: server.endpoint, region: server.region, forcePathStyle: true };
      const credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
      const before = await service.handlers['setup.testConnection']({ location, credentials });
      expect(before.ok).toBe(false);
      expect(before.steps[0]?.error?.code).toBe('bucket_not_found');
      expect(await service.handlers['setup.createBucket']({ location, credentials })).toEqual({ bucket: 'created' });
      expect((await service.handlers['setup.testConnection']({ location, credentials })).ok).toBe(true);
      expect(await service.handlers['setup.createBucket']({ location, credentials })).toEqual({ bucket: 'exists' });

      const denied = service.handlers['setup.createBucket']({ location: { ...location, bucket: 'not-for-you' }, credentials: server.limitedUser });
      await expect(denied).rejects.toMatchObject({ code: 'access_denied' });
      await expect(denied).rejects.toThrow(/s3:CreateBucket/);
    } finally {
      await service.close();
    }
  });
});

describe('Aider project folders in Settings', () => {
  it('adds and removes folders in the CLI’s agent-paths.json, with ~ as the home folder', async () => {
    const base = tempDir('cairn-wizard-folders-');
    const home = join(base, 'home');
    const stateDir = join(base, 'state');
    const service = await createCairnService({ stateDir, secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    try {
      const initial = await service.handlers['agents.paths']({});
      expect(initial).toMatchObject({ added: [], removed: [], home });
      expect(initial.defaults).toContain(join(home, 'src'));
      const added = await service.handlers['agents.updatePaths']({ add: ['~/clients', join(base, 'elsewhere')], remove: ['~/src'] });
      expect(added).toMatchObject({ added: [join(home, 'clients'), join(base, 'elsewhere')].sort(), removed: [join(home, 'src')] });
      expect(loadAgentPaths(stateDir)).toEqual({ added: added.added, removed: added.removed });
      await expect(service.handlers['agents.updatePaths']({ add: ['relative/folder'] })).rejects.toMatchObject({ code: 'config' });
      expect((await service.handlers['agents.updatePaths']({ remove: ['~/clients'] })).added).toEqual([join(base, 'elsewhere')]);
      // "Scan again" on a default folder: back to the default, in neither list.
      expect(await service.handlers['agents.updatePaths']({ add: ['~/src'], remove: ['~/src'] })).toMatchObject({ added: [join(base, 'elsewhere')], removed: [] });
      expect(loadAgentPaths(stateDir)).toEqual({ added: [join(base, 'elsewhere')], removed: [] });
    } finally {
      await service.close();
    }
  });
});

// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, installMockApi, ok, removeMockApi } from '../test-support/mock-api.ts';
import { initialJobsState, useJobs } from './jobs.ts';
import { device, snapshot } from '../test-support/samples.ts';
import { initialSetupState, useSetup } from './setup.ts';

const steps = (['list', 'write', 'read', 'delete'] as const).map((step) => ({ step, ok: true }));

function fillOther(): void {
  useSetup.getState().chooseProvider('other');
  useSetup.getState().updateForm({ endpoint: 'http://127.0.0.1:9000', bucket: 'cairn-test', accessKeyId: 'AK', secretAccessKey: 'SK' });
}

describe('setup store', () => {
  beforeEach(() => {
    useSetup.setState(initialSetupState);
    useJobs.setState(initialJobsState);
  });
  afterEach(removeMockApi);

  it('tests the connection with the location built from the form', async () => {
    const mock = installMockApi({ 'setup.testConnection': () => ok({ ok: true, steps, vaultExists: true }) });
    fillOther();
    expect(await useSetup.getState().testConnection()).toBe(true);
    expect(mock.callsTo('setup.testConnection')).toEqual([
      {
        location: { provider: 'other', bucket: 'cairn-test', prefix: 'cairn', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', forcePathStyle: true },
        credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
      },
    ]);
    expect(useSetup.getState().mode).toBe('join');
  });

  it('keeps a failed probe step and a failed call apart', async () => {
    const mock = installMockApi({ 'setup.testConnection': () => ok({ ok: false, vaultExists: false, steps: [{ step: 'list', ok: false, error: { code: 'access_denied', message: 'denied', retryable: false } }] }) });
    fillOther();
    expect(await useSetup.getState().testConnection()).toBe(false);
    expect(useSetup.getState().probe.result?.steps[0]?.error?.code).toBe('access_denied');
    mock.script['setup.testConnection'] = () => fail('ipc', 'Invalid request');
    expect(await useSetup.getState().testConnection()).toBe(false);
    expect(useSetup.getState().probe.error?.code).toBe('ipc');
    expect(useSetup.getState().probe.result).toBeUndefined();
  });

  it('creates the vault, holds the recovery key until confirmed, and never keeps the passphrase', async () => {
    const mock = installMockApi({ 'setup.createVault': () => ok({ fingerprint: '4f3a9c21', deviceId: '0123456789abcdef', deviceName: 'Laptop', recoveryKey: 'RK-1' }) });
    fillOther();
    useSetup.getState().setDeviceName('  Laptop ');
    expect(await useSetup.getState().createVault('correct horse battery staple')).toBe(true);
    expect(mock.callsTo('setup.createVault')[0]).toMatchObject({ passphrase: 'correct horse battery staple', deviceName: 'Laptop' });
    expect(useSetup.getState().recoveryKey).toBe('RK-1');
    expect(JSON.stringify(useSetup.getState())).not.toContain('correct horse');
    useSetup.getState().confirmRecoverySaved();
    expect(useSetup.getState().recoveryKey).toBeUndefined();
    expect(useSetup.getState().step).toBe('agents');
  });

  it('reports a wrong passphrase when joining', async () => {
    installMockApi({ 'setup.joinVault': () => fail('wrong_key') });
    fillOther();
    expect(await useSetup.getState().joinVault({ passphrase: 'nope' })).toBe(false);
    expect(useSetup.getState().error?.code).toBe('wrong_key');
    expect(useSetup.getState().result).toBeUndefined();
  });

  it('starts the first backup and records a refusal', async () => {
    const mock = installMockApi({ 'sync.now': () => ok({ jobId: 'j1' }), 'jobs.list': () => ok([]) });
    useJobs.getState().receive({ id: 'j1', kind: 'backup', status: 'done', startedAt: '2025-06-01T10:00:00Z', progress: { phase: 'done', filesDone: 1, bytesDone: 1, uploadedBytes: 1 } });
    expect(await useSetup.getState().startFirstBackup()).toBe('j1');
    expect(useSetup.getState().firstJobId).toBe('j1');
    mock.script['sync.now'] = () => fail('unreachable');
    expect(await useSetup.getState().startFirstBackup()).toBeUndefined();
    expect(useSetup.getState().firstBackupError?.code).toBe('unreachable');
  });

  it('unlocks with a recovery key and reports a wrong one', async () => {
    const mock = installMockApi({ 'setup.unlock': ({ secret }) => ('recoveryKey' in secret && secret.recoveryKey === 'good' ? ok({ fingerprint: 'f', deviceId: '0123456789abcdef', deviceName: 'L' }) : fail('wrong_key')) });
    expect(await useSetup.getState().unlock({ recoveryKey: 'bad' })).toBe(false);
    expect(useSetup.getState().unlockError?.code).toBe('wrong_key');
    expect(await useSetup.getState().unlock({ recoveryKey: 'good' })).toBe(true);
    expect(useSetup.getState().unlockError).toBeUndefined();
    expect(mock.callsTo('setup.unlock')).toHaveLength(2);
  });

  it("restores the replaced device's newest backup of its agents: by its own count, never a backup of folders named by hand", async () => {
    const old = device();
    const agents = snapshot({ id: 'a5', seq: 5, time: '2025-06-01T10:00:00.000Z' });
    const mock = installMockApi({
      'snapshots.list': () =>
        ok([
          // Made while its clock ran a year ahead; then `cairn backup ~/notes` after the newest.
          snapshot({ id: 'a4', seq: 4, time: '2026-06-01T10:00:00.000Z' }),
          agents,
          snapshot({ id: 'n6', seq: 6, time: '2025-06-01T10:05:00.000Z', reason: 'cli', roots: [{ label: 'notes', path: '/home/alice/notes' }] }),
        ]),
      'snapshots.restore': () => ok({ jobId: 'r1' }),
      'jobs.list': () => ok([]),
    });
    useSetup.setState({ replaced: old });
    expect(await useSetup.getState().restoreEverything(false)).toBe('r1');
    expect(mock.callsTo('snapshots.restore')[0]).toMatchObject({ snapshotId: 'a5', paths: [] });
  });

  it('fills the local folder from the folder chooser', async () => {
    installMockApi({ 'app.chooseFolder': () => ok({ path: '/media/backup' }) });
    useSetup.getState().chooseProvider('local');
    await useSetup.getState().chooseFolder();
    expect(useSetup.getState().form.path).toBe('/media/backup');
  });
});

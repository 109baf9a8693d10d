// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentInfo, JobInfo } from '../../shared/models.ts';
import { fail, installMockApi, ok, removeMockApi } from '../test-support/mock-api.ts';
import { settings } from '../test-support/samples.ts';
import { useJobs } from './jobs.ts';
import { initialSettingsState, useSettings } from './settings.ts';

const checkJob = (id: string, status: JobInfo['status']): JobInfo => ({ id, kind: 'check', status, startedAt: '2026-12-05T01:00:00.000Z', finishedAt: '2026-12-05T01:00:01.000Z', progress: { phase: 'checking snapshots', filesDone: 1, filesTotal: 1, bytesDone: 0, uploadedBytes: 0 } });
const agent = (id: string, enabled: boolean): AgentInfo => ({ id, displayName: id, detected: true, enabled, roots: [], files: 1, bytes: 1, sessions: 1, include: [], exclude: [], secrets: [], syncable: [] });

describe('settings store', () => {
  beforeEach(() => useSettings.setState(initialSettingsState));
  afterEach(removeMockApi);

  it('loads and saves settings with the server’s answer', async () => {
    const mock = installMockApi({ 'settings.get': () => ok(settings()), 'settings.set': (patch) => ok(settings({ ...patch })) });
    await useSettings.getState().load();
    expect(await useSettings.getState().save({ intervalMinutes: 60 })).toBe(true);
    expect(mock.callsTo('settings.set')).toEqual([{ intervalMinutes: 60 }]);
    expect(useSettings.getState().settings?.intervalMinutes).toBe(60);
  });

  it('keeps the old settings and the error when saving fails', async () => {
    installMockApi({ 'settings.get': () => ok(settings()), 'settings.set': () => fail('ipc', 'Invalid request') });
    await useSettings.getState().load();
    expect(await useSettings.getState().save({ intervalMinutes: 1 })).toBe(false);
    expect(useSettings.getState().saveError?.code).toBe('ipc');
    expect(useSettings.getState().settings?.intervalMinutes).toBe(30);
  });

  it('toggles an agent through enabledAgents', async () => {
    const mock = installMockApi({
      'settings.get': () => ok(settings({ enabledAgents: ['claude-code'] })),
      'agents.list': () => ok([agent('claude-code', true), agent('codex', false)]),
      'settings.set': (patch) => ok(settings({ ...patch })),
    });
    await useSettings.getState().load();
    await useSettings.getState().loadAgents();
    await useSettings.getState().setAgentEnabled('codex', true);
    expect(mock.callsTo('settings.set')).toEqual([{ enabledAgents: ['claude-code', 'codex'] }]);
    expect(useSettings.getState().agents?.map((a) => a.enabled)).toEqual([true, true]);
  });

  it('treats an empty enabledAgents as every detected agent, and refuses to turn off the last one', async () => {
    const mock = installMockApi({
      'settings.get': () => ok(settings({ enabledAgents: [] })),
      'agents.list': () => ok([agent('claude-code', true), agent('codex', true)]),
      'settings.set': (patch) => ok(settings({ ...patch })),
    });
    await useSettings.getState().load();
    await useSettings.getState().loadAgents();
    await useSettings.getState().setAgentEnabled('codex', false);
    expect(mock.callsTo('settings.set')).toEqual([{ enabledAgents: ['claude-code'] }]);
    expect(await useSettings.getState().setAgentEnabled('claude-code', false)).toBe(false);
    expect(useSettings.getState().saveError?.code).toBe('config');
    expect(mock.callsTo('settings.set')).toHaveLength(1);
    mock.script['settings.set'] = (patch) => ok(settings({ ...patch, enabledAgents: [] }));
    await useSettings.getState().save({ theme: 'dark' });
    expect(useSettings.getState().agents?.map((a) => a.enabled)).toEqual([true, true]);
  });

  it('reports a wrong current passphrase and shows a rotated recovery key once', async () => {
    installMockApi({ 'key.changePassphrase': () => fail('wrong_key'), 'key.rotateRecovery': () => ok({ recoveryKey: 'K-1' }) });
    expect(await useSettings.getState().changePassphrase('bad', 'new passphrase')).toBe(false);
    expect(useSettings.getState().passphraseChange.error?.code).toBe('wrong_key');
    expect(await useSettings.getState().rotateRecovery('pw')).toBe(true);
    expect(useSettings.getState().newRecoveryKey).toBe('K-1');
    useSettings.getState().dismissRecoveryKey();
    expect(useSettings.getState().newRecoveryKey).toBeUndefined();
  });

  it('runs check and prune, and records their failures', async () => {
    const mock = installMockApi({
      // The check is a job: its end is pushed (job.progress), then its report is fetched.
      'vault.check': () => {
        useJobs.getState().receive(checkJob('c1', 'done'));
        return ok({ jobId: 'c1' });
      },
      'vault.checkReport': () => ok({ ok: true, snapshots: 1, packs: 1, blobs: 2, bytesRead: 0, problems: [] }),
      'vault.prune': () => fail('locked'),
    });
    await useSettings.getState().check(true);
    expect(mock.callsTo('vault.check')).toEqual([{ readData: true }]);
    expect(mock.callsTo('vault.checkReport')).toEqual([{ jobId: 'c1' }]);
    expect(useSettings.getState()).toMatchObject({ checking: false, checkReport: { ok: true }, checkJobId: undefined });
    expect(await useSettings.getState().prune()).toBeUndefined();
    expect(useSettings.getState().pruneError?.code).toBe('locked');
  });

  it('records a check job that failed, and asks for no report', async () => {
    const mock = installMockApi({
      'vault.check': () => {
        useJobs.getState().receive({ ...checkJob('c2', 'failed'), error: { code: 'unreachable', message: 'offline', retryable: true } });
        return ok({ jobId: 'c2' });
      },
    });
    await useSettings.getState().check(false);
    expect(useSettings.getState()).toMatchObject({ checking: false, checkReport: undefined, checkError: { code: 'unreachable' } });
    expect(mock.callsTo('vault.checkReport')).toEqual([]);
  });

  it('records stats and agents failures', async () => {
    installMockApi({ 'vault.stats': () => fail('unreachable'), 'agents.list': () => fail('internal'), 'key.fingerprint': () => fail('locked') });
    await useSettings.getState().loadStats();
    await useSettings.getState().loadAgents();
    await useSettings.getState().loadFingerprint();
    expect(useSettings.getState().statsError?.code).toBe('unreachable');
    expect(useSettings.getState().agentsError?.code).toBe('internal');
    expect(useSettings.getState().fingerprintError?.code).toBe('locked');
  });
});

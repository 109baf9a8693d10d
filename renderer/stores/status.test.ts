// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, installMockApi, ok, removeMockApi } from '../test-support/mock-api.ts';
import { status } from '../test-support/samples.ts';
import { initialStatusState, useStatus } from './status.ts';

describe('status store', () => {
  beforeEach(() => useStatus.setState(initialStatusState));
  afterEach(removeMockApi);

  it('loads the status through status.get', async () => {
    const mock = installMockApi({ 'status.get': () => ok(status({ state: 'syncing' })) });
    await useStatus.getState().load();
    expect(mock.callsTo('status.get')).toEqual([{}]);
    expect(useStatus.getState().status?.state).toBe('syncing');
    expect(useStatus.getState().loading).toBe(false);
  });

  it('keeps the error record when status.get fails', async () => {
    installMockApi({ 'status.get': () => fail('keychain_unavailable', 'No Secret Service') });
    await useStatus.getState().load();
    expect(useStatus.getState().status).toBeUndefined();
    expect(useStatus.getState().error).toEqual({ code: 'keychain_unavailable', message: 'No Secret Service', retryable: false });
  });

  it('returns the job id from Sync now, and an action error when it is refused', async () => {
    const mock = installMockApi({ 'sync.now': () => ok({ jobId: 'j1' }) });
    expect(await useStatus.getState().syncNow()).toBe('j1');
    mock.script['sync.now'] = () => fail('locked', 'Another device is pruning', true);
    expect(await useStatus.getState().syncNow()).toBeUndefined();
    expect(useStatus.getState().actionError?.code).toBe('locked');
    expect(useStatus.getState().requesting).toBe(false);
  });

  it('pauses for the given minutes and resumes', async () => {
    const mock = installMockApi({ 'sync.pause': () => ok(status({ state: 'paused' })), 'sync.resume': () => ok(status({ state: 'idle' })) });
    await useStatus.getState().pause(60);
    expect(mock.callsTo('sync.pause')).toEqual([{ minutes: 60 }]);
    expect(useStatus.getState().status?.state).toBe('paused');
    await useStatus.getState().resume();
    expect(useStatus.getState().status?.state).toBe('idle');
  });

  it('turns a missing bridge into an ipc error instead of throwing', async () => {
    removeMockApi();
    await useStatus.getState().load();
    expect(useStatus.getState().error?.code).toBe('ipc');
  });

  it('turns a transport exception into an ipc error', async () => {
    const mock = installMockApi();
    (mock.api as unknown as Record<string, unknown>)['status.get'] = () => Promise.reject(new Error('socket closed'));
    await useStatus.getState().load();
    expect(useStatus.getState().error).toMatchObject({ code: 'ipc', retryable: true });
    expect(useStatus.getState().error?.message).toContain('socket closed');
  });
});

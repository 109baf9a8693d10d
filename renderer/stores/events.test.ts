// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { installMockApi, ok, removeMockApi } from '../test-support/mock-api.ts';
import { conflict, job, snapshot, status } from '../test-support/samples.ts';
import { useConflicts } from './conflicts.ts';
import { connectEvents } from './events.ts';
import { useJobs } from './jobs.ts';
import { initialSnapshotsState, useSnapshots } from './snapshots.ts';
import { useStatus } from './status.ts';

describe('event routing', () => {
  afterEach(removeMockApi);

  it('routes pushed events into the stores and stops on disconnect', async () => {
    const mock = installMockApi({ 'snapshots.list': () => ok([snapshot({ id: 'new1' })]) });
    useSnapshots.setState({ ...initialSnapshotsState, lists: { '0123456789abcdef': { data: [], loading: false } } });
    const disconnect = connectEvents();
    mock.emit('status.changed', status({ state: 'syncing' }));
    mock.emit('job.progress', job({ id: 'e1' }));
    mock.emit('conflicts.changed', [conflict()]);
    mock.emit('snapshots.changed', { deviceId: '0123456789abcdef' });
    expect(useStatus.getState().status?.state).toBe('syncing');
    expect(useJobs.getState().jobs.e1).toBeDefined();
    expect(useConflicts.getState().conflicts).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(useSnapshots.getState().lists['0123456789abcdef']?.data?.[0]?.id).toBe('new1');
    disconnect();
    mock.emit('status.changed', status({ state: 'idle' }));
    expect(useStatus.getState().status?.state).toBe('syncing');
  });
});

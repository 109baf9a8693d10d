// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, installMockApi, ok, removeMockApi } from '../test-support/mock-api.ts';
import { entry, snapshot } from '../test-support/samples.ts';
import { entryKey, initialSnapshotsState, PREVIEW_MAX_BYTES, useSnapshots } from './snapshots.ts';

const DEVICE = '0123456789abcdef';

describe('snapshots store', () => {
  beforeEach(() => useSnapshots.setState(initialSnapshotsState));
  afterEach(removeMockApi);

  it('lists a device’s snapshots newest first', async () => {
    const mock = installMockApi({ 'snapshots.list': () => ok([snapshot({ id: 'a1', time: '2025-06-01T10:00:00Z' }), snapshot({ id: 'b2', time: '2025-06-02T10:00:00Z' })]) });
    await useSnapshots.getState().loadList(DEVICE);
    expect(mock.callsTo('snapshots.list')).toEqual([{ deviceId: DEVICE }]);
    expect(useSnapshots.getState().lists[DEVICE]?.data?.map((s) => s.id)).toEqual(['b2', 'a1']);
  });

  it('keeps the previous list when reloading fails', async () => {
    const mock = installMockApi({ 'snapshots.list': () => ok([snapshot()]) });
    await useSnapshots.getState().loadList(DEVICE);
    mock.script['snapshots.list'] = () => fail('unreachable');
    await useSnapshots.getState().loadList(DEVICE);
    const list = useSnapshots.getState().lists[DEVICE];
    expect(list?.error?.code).toBe('unreachable');
    expect(list?.data).toHaveLength(1);
  });

  it('loads a directory once, sorted folders first, and records failures as an error listing', async () => {
    const mock = installMockApi({ 'snapshots.tree': ({ path }) => (path === 'bad' ? fail('integrity', 'tree blob failed authentication') : ok([entry('b.txt'), entry('a'.concat('dir'), 'dir'), entry('a.txt')])) });
    await useSnapshots.getState().loadDir('s1', '');
    await useSnapshots.getState().loadDir('s1', '');
    expect(mock.callsTo('snapshots.tree')).toHaveLength(1);
    const listing = useSnapshots.getState().dirs[entryKey('s1', '')];
    expect(listing?.state === 'loaded' && listing.entries.map((e) => e.name)).toEqual(['adir', 'a.txt', 'b.txt']);
    await useSnapshots.getState().loadDir('s1', 'bad');
    expect(useSnapshots.getState().dirs[entryKey('s1', 'bad')]).toEqual({ state: 'error', message: 'tree blob failed authentication' });
  });

  it('reads a file preview with a byte limit and keeps errors per file', async () => {
    const mock = installMockApi({ 'snapshots.readFile': ({ path }) => (path === 'x' ? ok({ size: 2, truncated: false, binary: false, text: 'hi' }) : fail('not_found')) });
    await useSnapshots.getState().readFile('s1', 'x');
    await useSnapshots.getState().readFile('s1', 'y');
    expect(mock.callsTo('snapshots.readFile')[0]).toEqual({ snapshotId: 's1', path: 'x', maxBytes: PREVIEW_MAX_BYTES });
    expect(useSnapshots.getState().previews[entryKey('s1', 'x')]?.data?.text).toBe('hi');
    expect(useSnapshots.getState().previews[entryKey('s1', 'y')]?.error?.code).toBe('not_found');
  });

  it('loads a diff against the parent', async () => {
    installMockApi({ 'snapshots.diff': () => ok([{ path: 'a', change: 'added', sizeAfter: 3 }]) });
    await useSnapshots.getState().loadDiff('s1');
    expect(useSnapshots.getState().diffs.s1?.data).toHaveLength(1);
  });

  it('starts a restore and reports a refused one', async () => {
    const mock = installMockApi({ 'snapshots.restore': () => ok({ jobId: 'r1' }) });
    const request = { snapshotId: 's1', paths: ['claude-code/a.jsonl'], target: { kind: 'folder' as const, path: '/tmp/out' }, overwrite: false };
    expect(await useSnapshots.getState().restore(request)).toBe('r1');
    expect(mock.callsTo('snapshots.restore')).toEqual([request]);
    mock.script['snapshots.restore'] = () => fail('exists', 'a.jsonl exists');
    expect(await useSnapshots.getState().restore(request)).toBeUndefined();
    expect(useSnapshots.getState().restoreError?.code).toBe('exists');
  });

  it('pins a snapshot and updates it in the list; keeps the error when pinning fails', async () => {
    const mock = installMockApi({ 'snapshots.list': () => ok([snapshot({ id: 's1' })]), 'snapshots.pin': ({ pinned }) => ok(snapshot({ id: 's1', pinned })) });
    await useSnapshots.getState().loadList(DEVICE);
    await useSnapshots.getState().pin('s1', true);
    expect(useSnapshots.getState().lists[DEVICE]?.data?.[0]?.pinned).toBe(true);
    mock.script['snapshots.pin'] = () => fail('locked');
    await useSnapshots.getState().pin('s1', false);
    expect(useSnapshots.getState().pinError?.code).toBe('locked');
    expect(useSnapshots.getState().lists[DEVICE]?.data?.[0]?.pinned).toBe(true);
  });
});

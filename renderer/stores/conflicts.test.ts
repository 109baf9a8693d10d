// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, installMockApi, ok, removeMockApi } from '../test-support/mock-api.ts';
import { conflict } from '../test-support/samples.ts';
import { CONFLICT_PREVIEW_BYTES, initialConflictsState, openConflicts, useConflicts } from './conflicts.ts';

const preview = (text: string) => ({ size: text.length, truncated: false, binary: false, text });

describe('conflicts store', () => {
  beforeEach(() => useConflicts.setState(initialConflictsState));
  afterEach(removeMockApi);

  it('loads, gets both versions and resolves', async () => {
    const mock = installMockApi({
      'conflicts.list': () => ok([conflict(), conflict({ id: 'c2', status: 'resolved', resolution: 'mine' })]),
      'conflicts.get': () => ok({ conflict: conflict(), mine: preview('a\nb\n'), theirs: preview('a\nc\n') }),
      'conflicts.resolve': ({ keep }) => ok(conflict({ status: 'resolved', resolution: keep })),
    });
    await useConflicts.getState().load();
    expect(openConflicts(useConflicts.getState().conflicts)).toBe(1);
    await useConflicts.getState().get('c1');
    expect(mock.callsTo('conflicts.get')).toEqual([{ id: 'c1', maxBytes: CONFLICT_PREVIEW_BYTES }]);
    expect(useConflicts.getState().details.c1?.data?.theirs.text).toBe('a\nc\n');
    expect(await useConflicts.getState().resolve('c1', 'both')).toBe(true);
    expect(mock.callsTo('conflicts.resolve')).toEqual([{ id: 'c1', keep: 'both' }]);
    expect(openConflicts(useConflicts.getState().conflicts)).toBe(0);
  });

  it('keeps the conflict open and the error when resolving fails', async () => {
    installMockApi({ 'conflicts.list': () => ok([conflict()]), 'conflicts.resolve': () => fail('disk_full') });
    await useConflicts.getState().load();
    expect(await useConflicts.getState().resolve('c1', 'theirs')).toBe(false);
    expect(useConflicts.getState().resolveError?.code).toBe('disk_full');
    expect(openConflicts(useConflicts.getState().conflicts)).toBe(1);
  });

  it('records errors for the list and for one conflict', async () => {
    installMockApi({ 'conflicts.list': () => fail('internal'), 'conflicts.get': () => fail('not_found') });
    await useConflicts.getState().load();
    await useConflicts.getState().get('zz');
    expect(useConflicts.getState().error?.code).toBe('internal');
    expect(useConflicts.getState().details.zz?.error?.code).toBe('not_found');
  });
});

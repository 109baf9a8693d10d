// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, installMockApi, ok, removeMockApi } from '../test-support/mock-api.ts';
import { job } from '../test-support/samples.ts';
import { initialJobsState, sortJobs, useJobs } from './jobs.ts';

describe('jobs store', () => {
  beforeEach(() => useJobs.setState(initialJobsState));
  afterEach(removeMockApi);

  it('loads jobs and merges pushed progress', async () => {
    installMockApi({ 'jobs.list': () => ok([job({ id: 'a' }), job({ id: 'b', startedAt: '2025-06-01T11:00:00.000Z' })]) });
    await useJobs.getState().load();
    useJobs.getState().receive(job({ id: 'a', status: 'done' }));
    const jobs = useJobs.getState().jobs;
    expect(jobs.a?.status).toBe('done');
    expect(sortJobs(jobs).map((j) => j.id)).toEqual(['b', 'a']);
  });

  it('records the error when jobs.list fails', async () => {
    installMockApi({ 'jobs.list': () => fail('internal') });
    await useJobs.getState().load();
    expect(useJobs.getState().error?.code).toBe('internal');
  });

  it('watch polls jobs.list until the job has finished', async () => {
    let polls = 0;
    installMockApi({ 'jobs.list': () => ok([job({ id: 'w', status: ++polls >= 2 ? 'done' : 'running' })]) });
    useJobs.getState().receive(job({ id: 'w' }));
    const finished = await useJobs.getState().watch('w', 5);
    expect(finished?.status).toBe('done');
    expect(polls).toBe(2);
  });

  it('watch stops when polling fails', async () => {
    installMockApi({ 'jobs.list': () => fail('ipc') });
    useJobs.getState().receive(job({ id: 'x' }));
    expect((await useJobs.getState().watch('x', 5))?.status).toBe('running');
  });
});

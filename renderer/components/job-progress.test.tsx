// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobInfo, ProgressInfo } from '../../shared/models.ts';
import { initialJobsState, useJobs } from '../stores/jobs.ts';
import { JobProgress } from './job-progress.tsx';

const job = (progress: Partial<ProgressInfo>): JobInfo => ({
  id: 'job-1',
  kind: 'sync',
  status: 'running',
  startedAt: '2026-12-04T10:00:00.000Z',
  progress: { phase: 'scanning', filesDone: 0, bytesDone: 0, uploadedBytes: 0, ...progress },
});

/** The job as the window receives it at `ms` after the start, rendered. */
function receiveAt(ms: number, progress: Partial<ProgressInfo>): void {
  vi.setSystemTime(Date.parse('2026-12-04T10:00:00.000Z') + ms);
  act(() => useJobs.getState().receive(job(progress)));
}

function Live() {
  const current = useJobs((s) => s.jobs['job-1']);
  return current ? <JobProgress job={current} /> : null;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  useJobs.setState(initialJobsState);
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('JobProgress', () => {
  it('says Scanning with counts only, then Uploading with a percentage, and the time left once it means something', () => {
    receiveAt(0, { phase: 'scanning', filesDone: 120, bytesDone: 4e6 });
    render(<Live />);
    expect(screen.getByTestId('job-progress').textContent).toContain('Scanning');
    expect(screen.queryByTestId('job-percent')).toBeNull();
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBeNull();

    const total = 100e6;
    receiveAt(500, { phase: 'uploading', filesDone: 200, filesTotal: 2000, bytesDone: 5e6, bytesTotal: total, uploadedBytes: 1e6 });
    expect(screen.getByTestId('job-progress').textContent).toContain('Uploading');
    expect(screen.getByTestId('job-percent').textContent).toBe('5%');
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('5');
    expect(screen.queryByTestId('job-eta')).toBeNull();

    // 1 MB/s, steadily: after 4 s of it, 91 MB to go is about 2 min.
    for (let s = 1; s <= 4; s++) receiveAt(500 + s * 1000, { phase: 'uploading', filesDone: 200 + s, filesTotal: 2000, bytesDone: 5e6 + s * 1e6, bytesTotal: total, uploadedBytes: 1e6 });
    expect(screen.getByTestId('job-percent').textContent).toBe('9%');
    expect(screen.getByTestId('job-eta').textContent).toBe('about 2 min left');

    receiveAt(6000, { phase: 'finishing', filesDone: 2000, filesTotal: 2000, bytesDone: total, bytesTotal: total, uploadedBytes: 9e6 });
    expect(screen.getByTestId('job-progress').textContent).toContain('Finishing');
    expect(screen.queryByTestId('job-eta')).toBeNull();
  });
});

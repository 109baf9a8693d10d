// Long-running work (backup, restore, sync, check, prune) as jobs with progress, pushed by
// `job.progress`. `watch` polls as a fallback so that a job that finished before the window
// subscribed still resolves.

import { create } from 'zustand';
import type { ErrorRecord } from '../../shared/errors.ts';
import type { JobInfo } from '../../shared/models.ts';
import { nextRate, type RateState } from '../../shared/progress.ts';
import { call } from '../api.ts';

export interface JobsState {
  jobs: Record<string, JobInfo>;
  /** Each running job's smoothed speed (shared/progress.ts), for its time left. */
  rates: Record<string, RateState>;
  loading: boolean;
  error?: ErrorRecord;
  load(): Promise<void>;
  receive(job: JobInfo): void;
  /** Asks a running job to stop. */
  cancel(jobId: string): Promise<void>;
  /** Polls until the job is no longer running; resolves with its last known state. */
  watch(jobId: string, intervalMs?: number): Promise<JobInfo | undefined>;
}

export const initialJobsState = { jobs: {}, rates: {}, loading: false, error: undefined };

const MAX_KEPT = 200;

function merge(existing: Record<string, JobInfo>, incoming: readonly JobInfo[]): Record<string, JobInfo> {
  const next = { ...existing };
  for (const job of incoming) next[job.id] = job;
  const ids = Object.keys(next);
  if (ids.length <= MAX_KEPT) return next;
  const keep = sortJobs(next).slice(0, MAX_KEPT);
  return Object.fromEntries(keep.map((j) => [j.id, j]));
}

/** The speeds after these jobs' new progress: running jobs move on, finished ones are dropped. */
export function updateRates(rates: Record<string, RateState>, incoming: readonly JobInfo[], now: number): Record<string, RateState> {
  const next = { ...rates };
  for (const job of incoming) {
    const rate = job.status === 'running' ? nextRate(next[job.id], job.progress, now) : undefined;
    if (rate) next[job.id] = rate;
    else delete next[job.id];
  }
  return next;
}

export const isFinished = (job: JobInfo | undefined): boolean => job !== undefined && job.status !== 'running';

export const useJobs = create<JobsState>()((set, get) => ({
  ...initialJobsState,
  async load() {
    set({ loading: true });
    const result = await call('jobs.list', {});
    if (result.ok) set((s) => ({ jobs: merge(s.jobs, result.value), rates: updateRates(s.rates, result.value, Date.now()), loading: false, error: undefined }));
    else set({ loading: false, error: result.error });
  },
  receive(job) {
    set((s) => ({ jobs: merge(s.jobs, [job]), rates: updateRates(s.rates, [job], Date.now()) }));
  },
  async cancel(jobId) {
    const result = await call('jobs.cancel', { id: jobId });
    if (!result.ok) set({ error: result.error });
  },
  async watch(jobId, intervalMs = 1000) {
    for (;;) {
      const current = get().jobs[jobId];
      if (isFinished(current)) return current;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (isFinished(get().jobs[jobId])) return get().jobs[jobId];
      const result = await call('jobs.list', {});
      if (!result.ok) return get().jobs[jobId];
      set((s) => ({ jobs: merge(s.jobs, result.value), rates: updateRates(s.rates, result.value, Date.now()) }));
      const listed = result.value.find((j) => j.id === jobId);
      if (!listed && !get().jobs[jobId]) return undefined;
    }
  },
}));

/** Most recent first. */
export function sortJobs(jobs: Record<string, JobInfo>): JobInfo[] {
  return Object.values(jobs).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

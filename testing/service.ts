// Test helpers for the application service (main/service): one place for waiting on its jobs.

import type { JobInfo } from '../shared/models.ts';
import type { CairnService } from '../main/service/index.ts';

/** Polls the service's job list until job `jobId` is no longer running, and returns it. */
export async function waitForJob(service: CairnService, jobId: string, pollMs = 50): Promise<JobInfo> {
  for (;;) {
    const job = (await service.handlers['jobs.list']({})).find((j) => j.id === jobId);
    if (job && job.status !== 'running') return job;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Starts a sync ("Sync now") and waits for its job to end. */
export async function syncAndWait(service: CairnService): Promise<JobInfo> {
  const { jobId } = await service.handlers['sync.now']({});
  return waitForJob(service, jobId);
}

import { describe, expect, it } from 'vitest';
import { CairnError } from '../../shared/errors.ts';
import type { JobInfo } from '../../shared/models.ts';
import { JobQueue } from './jobs.ts';

describe('JobQueue', () => {
  it('runs jobs one at a time and cancels a running one and a queued one', async () => {
    const updates: JobInfo[] = [];
    const q = new JobQueue({ now: () => 0, onUpdate: (j) => updates.push(j) });
    let queuedRan = false;
    const running = q.start('backup', (_report, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new CairnError('cancelled', 'stopped')))));
    const queued = q.start('restore', async () => {
      queuedRan = true;
      return 'ran';
    });
    await new Promise((resolve) => setImmediate(resolve)); // jobs start on the next tick
    expect(q.running()?.id).toBe(running.job.id);
    expect(q.cancel(queued.job.id)).toBe(true);
    expect(q.cancel(running.job.id)).toBe(true);
    expect((await running.done).status).toBe('cancelled');
    expect((await queued.done).status).toBe('cancelled');
    expect(queuedRan).toBe(false);
    expect(q.cancel(running.job.id)).toBe(false);
    expect(updates.at(-1)?.status).toBe('cancelled');
  });
});

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

describe('JobQueue progress', () => {
  it('throttles updates within a phase but sends every phase change at once', async () => {
    const updates: JobInfo[] = [];
    let t = 1_000;
    const q = new JobQueue({ now: () => t, onUpdate: (j) => updates.push(j) });
    const { done } = q.start('backup', async (report) => {
      const p = { filesDone: 0, bytesDone: 0, uploadedBytes: 0 };
      report({ ...p, phase: 'scanning' });
      report({ ...p, phase: 'scanning', filesDone: 1 }); // same phase, same instant: throttled
      t += 10;
      report({ ...p, phase: 'uploading', filesDone: 2 });
      t += 10;
      report({ ...p, phase: 'uploading', filesDone: 3 }); // throttled
      report({ ...p, phase: 'finishing', filesDone: 4 });
      t += 200;
      report({ ...p, phase: 'finishing', filesDone: 5 }); // 150 ms later: sent
      return 'ok';
    });
    await done;
    const running = updates.filter((u) => u.status === 'running').map((u) => `${u.progress.phase}:${u.progress.filesDone}`);
    expect(running).toEqual(['waiting:0', 'scanning:0', 'uploading:2', 'finishing:4', 'finishing:5']);
    expect(updates.at(-1)).toMatchObject({ status: 'done', progress: { phase: 'finishing', filesDone: 5 } });
  });
});

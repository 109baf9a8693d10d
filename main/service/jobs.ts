// Long work as jobs (after KopiaUI): each has an id, a status and progress that is pushed to the
// UI as it changes. Jobs run one at a time, in order: the engine's state DB and the vault are
// not meant for two writers in one process.

import { randomBytes } from 'node:crypto';
import { CairnError, toErrorRecord } from '../../shared/errors.ts';
import type { JobInfo, JobKind, ProgressInfo } from '../../shared/models.ts';
import { isAbort } from '../engine/storage/index.ts';

export type JobBody = (report: (p: ProgressInfo) => void, signal: AbortSignal) => Promise<string>;

export interface JobQueueOptions {
  now: () => number;
  onUpdate: (job: JobInfo) => void;
  /** Finished jobs kept for the activity list. */
  keep?: number;
  /** A job begins to run, and the last queued job has finished (see IdleCollector). */
  onBusy?: () => void;
  onIdle?: () => void;
  /** Cairn's state folder, named when its disk is full (toErrorRecord). */
  stateDir?: string;
}

export class JobQueue {
  private readonly options: JobQueueOptions;
  private readonly jobs: JobInfo[] = [];
  private tail: Promise<void> = Promise.resolve();
  private readonly controllers = new Map<string, AbortController>();
  private current: string | undefined;

  constructor(options: JobQueueOptions) {
    this.options = options;
  }

  list(): JobInfo[] {
    return this.jobs.map((j) => ({ ...j, progress: { ...j.progress } }));
  }

  /** The job executing now (queued jobs also say 'running', in phase 'waiting'). */
  running(): JobInfo | undefined {
    return this.jobs.find((j) => j.id === this.current) ?? this.jobs.find((j) => j.status === 'running');
  }

  /** A queued or running job of this kind, if any (to coalesce requests). */
  pending(kind: JobKind): JobInfo | undefined {
    return this.jobs.find((j) => j.kind === kind && j.status === 'running');
  }

  /** Queues `body`; resolves with the finished job (never rejects: failures are in the job). */
  start(kind: JobKind, body: JobBody): { job: JobInfo; done: Promise<JobInfo> } {
    const now = this.options.now;
    const job: JobInfo = {
      id: randomBytes(8).toString('hex'),
      kind,
      status: 'running',
      startedAt: new Date(now()).toISOString(),
      progress: { phase: 'waiting', filesDone: 0, bytesDone: 0, uploadedBytes: 0 },
    };
    this.jobs.unshift(job);
    this.jobs.splice(this.options.keep ?? 30);
    const controller = new AbortController();
    this.controllers.set(job.id, controller);
    this.options.onUpdate({ ...job });
    // Updates within one phase are throttled (a backup reports per file); a phase change is sent
    // at once, so a quick Scanning → Uploading → Done is never skipped on the way.
    let last = 0;
    let sentPhase = job.progress.phase;
    const report = (p: ProgressInfo) => {
      job.progress = { ...p };
      const t = now();
      if (p.phase !== sentPhase || t - last >= 150) {
        last = t;
        sentPhase = p.phase;
        this.options.onUpdate({ ...job, progress: { ...job.progress } });
      }
    };
    const done = (this.tail = this.tail.then(async () => {
      try {
        if (controller.signal.aborted) throw new CairnError('cancelled', 'Cancelled before it started.');
        this.current = job.id;
        this.options.onBusy?.();
        job.summary = await body(report, controller.signal);
        job.status = 'done';
      } catch (error) {
        // A cancel that surfaced as a library's own abort error (not the engine's 'cancelled') is
        // still the cancel the user asked for, not an "Unexpected error".
        const cancelled = controller.signal.aborted && !(error instanceof CairnError) && isAbort(error);
        job.error = toErrorRecord(cancelled ? new CairnError('cancelled', `The ${kind} was cancelled. Nothing was lost: the vault is as it was before it started or as a finished step left it.`, { cause: error }) : error, { stateDir: this.options.stateDir });
        job.status = job.error.code === 'cancelled' ? 'cancelled' : 'failed';
      } finally {
        if (this.current === job.id) this.current = undefined;
        job.finishedAt = new Date(now()).toISOString();
        this.controllers.delete(job.id);
        this.options.onUpdate({ ...job, progress: { ...job.progress } });
        if (this.controllers.size === 0) this.options.onIdle?.();
      }
    })).then(() => ({ ...job }));
    return { job: { ...job }, done };
  }

  /** Aborts one job; true when it was still running or queued. */
  cancel(id: string): boolean {
    const controller = this.controllers.get(id);
    if (!controller) return false;
    controller.abort();
    return true;
  }

  cancelAll(): void {
    for (const c of this.controllers.values()) c.abort();
  }

  /** Resolves when every queued job has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }
}

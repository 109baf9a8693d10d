// One job's progress in words and a bar: phase, percentage, time left (once it means something),
// files, bytes, the current file.

import type { JobInfo, JobKind } from '../../shared/models.ts';
import { describeProgress, formatRemaining } from '../../shared/progress.ts';
import { formatBytes, formatCount } from '../lib/format.ts';
import { Button } from './button.tsx';
import { ProgressBar } from './feedback.tsx';
import { useJobs } from '../stores/jobs.ts';

export const JOB_LABELS: Record<JobKind, string> = {
  backup: 'Backup',
  restore: 'Restore',
  sync: 'Sync',
  check: 'Vault check',
  prune: 'Prune',
  repair: 'Index repair',
  forget: 'Forget',
};

export function jobPercent(job: JobInfo): number | undefined {
  if (job.status === 'done') return 100;
  return describeProgress(job.progress, undefined).percent;
}

export function JobProgress({ job, showPath = true }: { job: JobInfo; showPath?: boolean }) {
  const p = job.progress;
  const rate = useJobs((s) => s.rates[job.id]);
  const running = job.status === 'running';
  const view = describeProgress(p, running ? rate : undefined);
  const value = jobPercent(job);
  const tone = job.status === 'failed' ? 'danger' : job.status === 'done' ? 'success' : 'accent';
  const files = p.filesTotal !== undefined ? `${p.filesDone.toLocaleString('en-US')} of ${formatCount(p.filesTotal, 'file')}` : formatCount(p.filesDone, 'file');
  // Read but not uploaded yet is not done (shared/progress.ts): the bytes agree with the bar.
  const stored = Math.max(0, p.bytesDone - (running ? (p.pendingUploadBytes ?? 0) : 0));
  const bytes = p.bytesTotal !== undefined ? `${formatBytes(stored)} of ${formatBytes(p.bytesTotal)}` : formatBytes(p.bytesDone);
  return (
    <div className="job-progress" data-testid="job-progress" data-phase={running ? p.phase : job.status}>
      <ProgressBar value={running ? value : (value ?? 0)} label={`${JOB_LABELS[job.kind]} progress`} tone={tone} />
      <div className="job-progress-meta">
        <span className="job-phase">{running ? view.label : job.status === 'done' ? 'Finished' : job.status === 'failed' ? 'Failed' : 'Cancelled'}</span>
        {running && view.percent !== undefined && <span className="job-percent" data-testid="job-percent">{Math.floor(view.percent)}%</span>}
        {running && view.remainingMs !== undefined && <span className="job-eta" data-testid="job-eta">{formatRemaining(view.remainingMs)}</span>}
        {(running || p.filesDone > 0) && <span>{files}</span>}
        {(running || p.bytesDone > 0) && <span>{bytes}</span>}
        {p.uploadedBytes > 0 && <span>{formatBytes(p.uploadedBytes)} uploaded</span>}
        {running && <CancelJob id={job.id} label={JOB_LABELS[job.kind]} />}
      </div>
      {showPath && running && p.currentPath && (
        <div className="job-path" title={p.currentPath}>
          {p.currentPath}
        </div>
      )}
    </div>
  );
}

function CancelJob({ id, label }: { id: string; label: string }) {
  const cancel = useJobs((s) => s.cancel);
  return (
    <Button variant="ghost" size="sm" className="job-cancel" onClick={() => void cancel(id)} aria-label={`Cancel ${label.toLowerCase()}`}>
      Cancel
    </Button>
  );
}

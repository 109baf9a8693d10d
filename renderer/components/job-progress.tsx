// One job's progress in words and a bar: phase, files, bytes, the current file.

import type { JobInfo, JobKind } from '../../shared/models.ts';
import { formatBytes, formatCount, percent } from '../lib/format.ts';
import { Button } from './button.tsx';
import { ProgressBar } from './feedback.tsx';
import { useJobs } from '../stores/jobs.ts';

export const JOB_LABELS: Record<JobKind, string> = {
  backup: 'Backup',
  restore: 'Restore',
  sync: 'Sync',
  check: 'Vault check',
  prune: 'Prune',
  forget: 'Forget',
};

export function jobPercent(job: JobInfo): number | undefined {
  const p = job.progress;
  if (job.status === 'done') return 100;
  return percent(p.bytesDone, p.bytesTotal) ?? percent(p.filesDone, p.filesTotal);
}

export function JobProgress({ job, showPath = true }: { job: JobInfo; showPath?: boolean }) {
  const p = job.progress;
  const value = jobPercent(job);
  const tone = job.status === 'failed' ? 'danger' : job.status === 'done' ? 'success' : 'accent';
  const files = p.filesTotal !== undefined ? `${p.filesDone.toLocaleString('en-US')} of ${formatCount(p.filesTotal, 'file')}` : formatCount(p.filesDone, 'file');
  const bytes = p.bytesTotal !== undefined ? `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}` : formatBytes(p.bytesDone);
  return (
    <div className="job-progress">
      <ProgressBar value={job.status === 'running' ? value : (value ?? 0)} label={`${JOB_LABELS[job.kind]} progress`} tone={tone} />
      <div className="job-progress-meta">
        <span className="job-phase">{job.status === 'running' ? p.phase : job.status === 'done' ? 'Finished' : job.status === 'failed' ? 'Failed' : 'Cancelled'}</span>
        {(job.status === 'running' || p.filesDone > 0) && <span>{files}</span>}
        {(job.status === 'running' || p.bytesDone > 0) && <span>{bytes}</span>}
        {p.uploadedBytes > 0 && <span>{formatBytes(p.uploadedBytes)} uploaded</span>}
        {job.status === 'running' && <CancelJob id={job.id} label={JOB_LABELS[job.kind]} />}
      </div>
      {showPath && job.status === 'running' && p.currentPath && (
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

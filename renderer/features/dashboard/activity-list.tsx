// Recent jobs with their progress: running ones first with a live bar, then finished ones.

import { useMemo } from 'react';
import { EmptyState, ErrorNotice, Loading } from '../../components/feedback.tsx';
import { Icon } from '../../components/icon.tsx';
import { JOB_LABELS, JobProgress } from '../../components/job-progress.tsx';
import { formatDuration, formatRelative } from '../../lib/format.ts';
import { explainError } from '../../lib/explain-error.ts';
import { useNow } from '../../lib/use-now.ts';
import { sortJobs, useJobs } from '../../stores/jobs.ts';

export function ActivityList({ limit }: { limit: number }) {
  const jobsById = useJobs((s) => s.jobs);
  const loading = useJobs((s) => s.loading);
  const error = useJobs((s) => s.error);
  const now = useNow();
  const jobs = useMemo(() => sortJobs(jobsById).slice(0, limit), [jobsById, limit]);

  if (error && jobs.length === 0) return <div className="card-pad"><ErrorNotice error={error} compact onRetry={() => void useJobs.getState().load()} /></div>;
  if (jobs.length === 0 && loading) return <Loading />;
  if (jobs.length === 0) return <EmptyState icon="activity" title="Nothing yet">Backups, restores and checks show up here.</EmptyState>;

  return (
    <ul className="activity" aria-label="Recent activity">
      {jobs.map((job) => {
        const duration = job.finishedAt ? Date.parse(job.finishedAt) - Date.parse(job.startedAt) : undefined;
        return (
          <li key={job.id} className={`activity-item is-${job.status}`} data-job-kind={job.kind} data-job-status={job.status}>
            <span className={`activity-icon is-${job.status}`} aria-hidden="true">
              {job.status === 'running' ? <span className="spinner spinner-sm" /> : <Icon name={job.status === 'done' ? 'check' : job.status === 'failed' ? 'alert' : 'x'} size={13} />}
            </span>
            <div className="activity-body">
              <div className="activity-top">
                <span className="activity-title">{JOB_LABELS[job.kind]}</span>
                <span className="activity-time">
                  {job.status === 'running' ? 'now' : formatRelative(job.finishedAt ?? job.startedAt, now, 'past')}
                  {duration !== undefined && ` · ${formatDuration(duration)}`}
                </span>
              </div>
              {job.status === 'running' ? (
                <JobProgress job={job} />
              ) : job.status === 'failed' && job.error ? (
                <div className="activity-summary is-error">{explainError(job.error).title}: {job.error.message}</div>
              ) : (
                <div className="activity-summary">{job.summary ?? (job.status === 'cancelled' ? 'Cancelled' : 'Finished')}</div>
              )}
            </div>
          </li>
        );
      })}
    </ul>
  );
}

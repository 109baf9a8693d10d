// Step 6: the first backup, with its progress, then into the app.

import { Button } from '../../components/button.tsx';
import { ErrorNotice, Notice } from '../../components/feedback.tsx';
import { Icon } from '../../components/icon.tsx';
import { JobProgress } from '../../components/job-progress.tsx';
import { formatFingerprint } from '../../lib/format.ts';
import { useJobs } from '../../stores/jobs.ts';
import { useSetup } from '../../stores/setup.ts';
import { useStatus } from '../../stores/status.ts';
import { StepHeader } from './step-header.tsx';

export function FinishStep() {
  const jobId = useSetup((s) => s.firstJobId);
  const startError = useSetup((s) => s.firstBackupError);
  const start = useSetup((s) => s.startFirstBackup);
  const finish = useSetup((s) => s.finish);
  const fingerprint = useSetup((s) => s.result?.fingerprint);
  const currentJob = useStatus((s) => s.status?.currentJob);
  const tracked = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));
  const job = tracked ?? (currentJob && currentJob.id === jobId ? currentJob : undefined);

  const done = job?.status === 'done';
  const failed = job?.status === 'failed';

  return (
    <>
      <StepHeader title={done ? 'Your agents are backed up' : jobId && !failed ? 'Backing up…' : 'Ready for the first backup'}>
        {done
          ? 'From now on Cairn keeps them safe in the background. You’ll find it in the tray.'
          : 'The first backup uploads everything once; the next ones only send what changed.'}
      </StepHeader>

      {!jobId && (
        <div className="finish-hero">
          <div className="finish-hero-icon">
            <Icon name="cloud" size={28} />
          </div>
          <Button variant="primary" size="lg" icon="play" onClick={() => void start()}>
            Start first backup
          </Button>
          {fingerprint && (
            <div className="footer-note">
              Key fingerprint <code className="fingerprint">{formatFingerprint(fingerprint)}</code>
            </div>
          )}
        </div>
      )}

      {startError && <ErrorNotice error={startError} onRetry={() => void start()} />}

      {jobId && (
        <div className="first-backup" data-testid="first-backup" data-status={job?.status ?? 'starting'}>
          {job ? <JobProgress job={job} /> : <JobProgress job={{ id: jobId, kind: 'backup', status: 'running', startedAt: new Date().toISOString(), progress: { phase: 'Starting', filesDone: 0, bytesDone: 0, uploadedBytes: 0 } }} />}
          {done && (
            <Notice tone="success" title="First backup complete">
              {job.summary ?? 'Everything selected is in your vault.'}
            </Notice>
          )}
          {failed && job.error && <ErrorNotice error={job.error} onRetry={() => void start()} />}
        </div>
      )}

      <div className="step-footer">
        <span className="footer-note">{jobId && !done && !failed ? 'You can open Cairn now — the backup continues in the background.' : ''}</span>
        <Button variant={done ? 'primary' : 'secondary'} icon={done ? 'arrowRight' : undefined} onClick={finish} disabled={!jobId && !startError}>
          {done ? 'Open Cairn' : 'Continue in the background'}
        </Button>
      </div>
    </>
  );
}

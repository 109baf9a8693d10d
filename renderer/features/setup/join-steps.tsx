// After joining an existing vault (docs/RECOVERY.md): is this computer new, or does it replace a
// device whose history it should continue ("This computer replaces …", devices.adopt)? Then,
// for a replaced device, put everything it had back in its place in one step ("Restore
// everything from …", the one restore rule of restore-request.ts: existing files are kept unless
// overwriting is asked, and overwritten ones go to a safety snapshot first).

import { useEffect, useState } from 'react';
import { Button } from '../../components/button.tsx';
import { ErrorNotice, Notice } from '../../components/feedback.tsx';
import { Checkbox } from '../../components/form.tsx';
import { JobProgress } from '../../components/job-progress.tsx';
import { call } from '../../api.ts';
import { formatCount, formatDateTime } from '../../lib/format.ts';
import { useJobs } from '../../stores/jobs.ts';
import { useSetup } from '../../stores/setup.ts';
import type { ErrorRecord } from '../../../shared/errors.ts';
import type { DeviceInfo } from '../../../shared/models.ts';
import { StepHeader } from './step-header.tsx';

const NEW = 'new';

export function DeviceChoice() {
  const goTo = useSetup((s) => s.goTo);
  const replace = useSetup((s) => s.replaceDevice);
  const pending = useSetup((s) => s.pending);
  const error = useSetup((s) => s.error);
  const [devices, setDevices] = useState<DeviceInfo[] | undefined>();
  const [loadError, setLoadError] = useState<ErrorRecord | undefined>();
  const [choice, setChoice] = useState<string>(NEW);

  useEffect(() => {
    let live = true;
    void call('devices.list', {}).then((r) => {
      if (!live) return;
      if (r.ok) setDevices(r.value.filter((d) => !d.isThisDevice && d.snapshotCount > 0));
      else setLoadError(r.error);
    });
    return () => {
      live = false;
    };
  }, []);

  const chosen = devices?.find((d) => d.id === choice);
  return (
    <>
      <StepHeader title="Is this a new computer?">
        If it replaces one that backed up into this vault — a laptop that died or was swapped — Cairn continues that device’s history here and can put its agents’ files back.
      </StepHeader>
      {loadError && <ErrorNotice error={loadError} />}
      {!devices && !loadError && <p className="footer-note">Reading the vault’s devices…</p>}
      {devices && (
        <fieldset className="radio-cards">
          <legend className="visually-hidden">This computer</legend>
          <label className={`radio-card${choice === NEW ? ' is-selected' : ''}`}>
            <input type="radio" name="device-choice" value={NEW} checked={choice === NEW} onChange={() => setChoice(NEW)} />
            <span className="radio-card-body">
              <span className="radio-card-title">A new computer</span>
              <span className="radio-card-text">It gets its own history; the other devices’ backups stay as they are.</span>
            </span>
          </label>
          {devices.map((d) => (
            <label key={d.id} className={`radio-card${choice === d.id ? ' is-selected' : ''}`} data-device={d.id}>
              <input type="radio" name="device-choice" value={d.id} checked={choice === d.id} onChange={() => setChoice(d.id)} />
              <span className="radio-card-body">
                <span className="radio-card-title">This computer replaces {d.name}</span>
                <span className="radio-card-text">
                  {d.hostname} · {formatCount(d.snapshotCount, 'backup')}
                  {d.lastSnapshot ? ` · last ${formatDateTime(d.lastSnapshot)}` : ''}
                </span>
              </span>
            </label>
          ))}
        </fieldset>
      )}
      {chosen && (
        <Notice tone="warning" title={`Stop Cairn on ${chosen.name} if it still runs`}>
          This computer becomes {chosen.name}: its next backups continue that history. Two computers must not back up as one device.
        </Notice>
      )}
      {error && <ErrorNotice error={error} />}
      <div className="step-footer">
        <Button variant="ghost" icon="arrowLeft" onClick={() => useSetup.setState({ joinStage: 'fingerprint' })}>
          Back
        </Button>
        <Button variant="primary" busy={pending} disabled={!devices} onClick={() => (chosen ? void replace(chosen.id) : goTo('agents'))}>
          {chosen ? `Replace ${chosen.name}` : 'Continue'}
        </Button>
      </div>
    </>
  );
}

export function RestoreEverything() {
  const device = useSetup((s) => s.replaced);
  const goTo = useSetup((s) => s.goTo);
  const start = useSetup((s) => s.restoreEverything);
  const pending = useSetup((s) => s.pending);
  const jobId = useSetup((s) => s.restoreJobId);
  const startError = useSetup((s) => s.restoreError);
  const job = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));
  const [overwrite, setOverwrite] = useState(false);
  if (!device) return null;
  const running = jobId !== undefined && (job === undefined || job.status === 'running');
  const done = job?.status === 'done';
  const failed = job?.status === 'failed' || job?.status === 'cancelled';
  return (
    <>
      <StepHeader title={`This computer is now ${device.name}`}>
        Its next backups continue {device.name}’s history. Put back the agents’ files of its newest backup, each folder in its place?
      </StepHeader>
      {!jobId && (
        <div className="form-grid">
          <Checkbox checked={overwrite} onChange={setOverwrite} label="Overwrite files that already exist here" />
          <p className="field-hint">
            {overwrite
              ? 'Files already here are replaced; a safety snapshot keeps exactly those files first, so you can get them back.'
              : 'Files already here are kept as they are; only missing files are restored.'}
          </p>
          <div className="form-actions">
            <Button variant="primary" icon="download" busy={pending} onClick={() => void start(overwrite)}>
              Restore everything from {device.name}
            </Button>
          </div>
        </div>
      )}
      {startError && <ErrorNotice error={startError} onRetry={() => void start(overwrite)} />}
      {jobId && (
        <div className="first-backup" data-testid="restore-everything" data-status={job?.status ?? 'starting'}>
          {job && <JobProgress job={job} />}
          {done && (
            <Notice tone="success" title="Everything is back in its place">
              {job.summary ?? 'The agents’ folders are restored.'}
            </Notice>
          )}
          {failed && job.error && <ErrorNotice error={job.error} />}
        </div>
      )}
      <div className="step-footer">
        <span className="footer-note">{running ? 'You can continue — the restore goes on in the background.' : ''}</span>
        <Button variant={done ? 'primary' : 'secondary'} onClick={() => goTo('agents')}>
          {jobId ? 'Continue' : 'Skip'}
        </Button>
      </div>
    </>
  );
}

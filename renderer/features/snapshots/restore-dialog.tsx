// Restore a whole snapshot, a folder or some files: to where they were, or into another folder;
// overwrite or not. Before it runs, the dialog shows the engine's own plan for exactly this
// request — how many files, where, and what happens to files already there (kept, or replaced
// after a safety snapshot of exactly them) — then the restore's progress and outcome.

import { useEffect, useState, type ReactNode } from 'react';
import type { RestorePreview } from '../../../shared/ipc/contract.ts';
import type { ErrorRecord } from '../../../shared/errors.ts';
import type { SnapshotSummary } from '../../../shared/models.ts';
import { Button } from '../../components/button.tsx';
import { Dialog } from '../../components/dialog.tsx';
import { ErrorNotice, Notice } from '../../components/feedback.tsx';
import { Checkbox, TextField } from '../../components/form.tsx';
import { JobProgress } from '../../components/job-progress.tsx';
import { formatBytes, formatCount, formatDateTime } from '../../lib/format.ts';
import { isFullPath } from '../../lib/paths.ts';
import { useDevices } from '../../stores/devices.ts';
import { useJobs } from '../../stores/jobs.ts';
import { useSnapshots } from '../../stores/snapshots.ts';
import { useUi } from '../../stores/ui.ts';

export function RestoreDialog({ snapshot, paths, onClose }: { snapshot: SnapshotSummary; paths: string[]; onClose: () => void }) {
  const restore = useSnapshots((s) => s.restore);
  const restoring = useSnapshots((s) => s.restoring);
  const planRestore = useSnapshots((s) => s.planRestore);
  const error = useSnapshots((s) => s.restoreError);
  const clearError = useSnapshots((s) => s.clearRestoreError);
  const chooseFolder = useUi((s) => s.chooseFolder);
  // Another device's snapshot goes back into this computer's folders for the same agents, not
  // under the paths it was backed up from (restore-steps.ts): the card says which.
  const own = useDevices((s) => s.devices?.find((d) => d.isThisDevice)?.id) === snapshot.deviceId;
  const [target, setTarget] = useState<'original' | 'folder'>(paths.length === 0 ? 'folder' : 'original');
  const [folder, setFolder] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [jobId, setJobId] = useState<string>();
  const job = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));

  const [plan, setPlan] = useState<{ key: string; value?: RestorePreview; error?: ErrorRecord }>();

  // The whole snapshot is "everything", not "everything in this snapshot from the snapshot of …".
  const what = paths.length === 0 ? 'everything' : paths.length === 1 ? (paths[0] ?? '') : formatCount(paths.length, 'item');
  const folderOk = target === 'original' || isFullPath(folder.trim());

  const request = { snapshotId: snapshot.id, paths, target: target === 'original' ? ({ kind: 'original' } as const) : ({ kind: 'folder', path: folder.trim() } as const), overwrite };
  const requestKey = JSON.stringify(request);
  useEffect(() => {
    if (!folderOk || jobId) return undefined;
    let current = true;
    const request = JSON.parse(requestKey) as Parameters<typeof planRestore>[0];
    // Typing a folder path asks once it settles, not on every key.
    const timer = setTimeout(() => {
      void planRestore(request).then((r) => {
        if (current) setPlan(r.ok ? { key: requestKey, value: r.value } : { key: requestKey, error: r.error });
      });
    }, target === 'folder' ? 300 : 0);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [requestKey, folderOk, jobId, planRestore, target]);
  const shownPlan = plan?.key === requestKey ? plan : undefined;

  const submit = async (): Promise<void> => {
    const id = await restore(request);
    if (id) {
      setJobId(id);
      void useJobs.getState().watch(id);
    }
  };
  const close = (): void => {
    clearError();
    onClose();
  };

  const finished = job && job.status !== 'running';
  return (
    <Dialog
      title="Restore"
      description={
        <>
          Restore <strong className="break">{what}</strong> {paths.length === 0 ? 'in' : 'from'} the snapshot of {formatDateTime(snapshot.time)} ({snapshot.deviceName}).
        </>
      }
      onClose={close}
      footer={
        jobId ? (
          <Button variant={finished ? 'primary' : 'secondary'} onClick={close}>
            {finished ? 'Done' : 'Close — keep restoring in the background'}
          </Button>
        ) : (
          <>
            <Button variant="ghost" onClick={close}>
              Cancel
            </Button>
            <Button variant="primary" icon="restore" busy={restoring} disabled={!folderOk || !shownPlan?.value} onClick={() => void submit()}>
              Restore
            </Button>
          </>
        )
      }
    >
      {!jobId && (
        <div className="form-grid">
          <fieldset className="radio-cards">
            <legend className="field-label">Restore to</legend>
            <label className={`radio-card${target === 'original' ? ' is-selected' : ''}`}>
              <input type="radio" name="restore-target" checked={target === 'original'} onChange={() => setTarget('original')} />
              <span>
                <span className="radio-card-title">Where it was</span>
                <span className="radio-card-text">{own ? `${snapshot.roots.length > 0 ? `Under ${snapshot.roots.map((r) => r.path).slice(0, 2).join(', ')}${snapshot.roots.length > 2 ? '…' : ''}` : 'The original location on this computer'}.` : `Into this computer’s folders for the same agents (for an agent it has none of, the path ${snapshot.deviceName} backed it up from) — path mappings apply.`}</span>
              </span>
            </label>
            <label className={`radio-card${target === 'folder' ? ' is-selected' : ''}`}>
              <input type="radio" name="restore-target" checked={target === 'folder'} onChange={() => setTarget('folder')} />
              <span>
                <span className="radio-card-title">Another folder</span>
                <span className="radio-card-text">{paths.length === 0 ? 'Keeps the snapshot’s folder layout inside the folder you choose.' : 'Puts what you selected inside the folder you choose, each under its own name.'}</span>
              </span>
            </label>
          </fieldset>
          {target === 'folder' && (
            <div className="field-with-button">
              <TextField label="Folder" value={folder} onChange={setFolder} placeholder="/home/you/restored" spellCheck={false} error={folder && !folderOk ? 'Use a full path.' : undefined} data-testid="restore-folder" />
              <Button
                icon="folder"
                onClick={() =>
                  void chooseFolder('Restore into').then((p) => {
                    if (p) setFolder(p);
                  })
                }
              >
                Choose…
              </Button>
            </div>
          )}
          <Checkbox checked={overwrite} onChange={setOverwrite} label="Overwrite files that already exist" />
          {folderOk && !shownPlan && <p className="muted" role="status">Working out what the restore will do…</p>}
          {shownPlan?.value && <RestorePlanNotice plan={shownPlan.value} />}
          {shownPlan?.error && <ErrorNotice error={shownPlan.error} />}
          {error && <ErrorNotice error={error} />}
        </div>
      )}
      {jobId && (
        <div className="restore-progress" data-testid="restore-progress" data-status={job?.status ?? 'running'}>
          {job && <JobProgress job={job} />}
          {job?.status === 'done' && (
            <Notice tone="success" title="Restored">
              {job.summary ?? 'The files are back.'}
            </Notice>
          )}
          {job?.status === 'failed' && job.error && <ErrorNotice error={job.error} />}
        </div>
      )}
    </Dialog>
  );
}

/** The engine's plan in words: what is written where, and what happens to files already there. */
function RestorePlanNotice({ plan }: { plan: RestorePreview }) {
  const where = plan.targets.length === 1 ? <span className="break">{plan.targets[0]}</span> : `${formatCount(plan.targets.length, 'folder')} (${plan.targets.slice(0, 2).join(', ')}${plan.targets.length > 2 ? ', …' : ''})`;
  const writes =
    plan.writeFiles > 0 ? (
      <>
        {formatCount(plan.writeFiles, 'file')} ({formatBytes(plan.writeBytes)}) will be written to {where}.
      </>
    ) : (
      <>Nothing needs writing to {where}.</>
    );
  const same = plan.unchanged > 0 && (
    <>
      {' '}
      {formatCount(plan.unchanged, 'file')} {plan.unchanged === 1 ? 'is' : 'are'} already there exactly as in the snapshot and will be left as {plan.unchanged === 1 ? 'it is' : 'they are'}.
    </>
  );
  const sample = plan.existingSample.length > 0 && <FileList paths={plan.existingSample} total={plan.existing} />;
  if (plan.existing === 0) {
    return (
      <PlanBox plan={plan} tone="info">
        {writes}
        {same} {plan.unchanged > 0 ? 'Nothing is replaced.' : 'No file there exists yet, so nothing is replaced.'}
      </PlanBox>
    );
  }
  if (plan.existingAction === 'keep') {
    return (
      <PlanBox plan={plan} tone="info">
        {writes}
        {same} {formatCount(plan.existing, 'file')} already {plan.existing === 1 ? 'exists' : 'exist'} there, {plan.existing === 1 ? 'differs' : 'differ'} from the snapshot, and will be <strong>kept as {plan.existing === 1 ? 'it is' : 'they are'}</strong> (not restored):
        {sample}
      </PlanBox>
    );
  }
  // Files a safety snapshot can't hold as they are (credentials, unreadable) are kept, not replaced.
  const held = new Set(plan.heldBackSample);
  const replaced = plan.existing - plan.heldBack;
  const replacedSample = plan.existingSample.filter((p) => !held.has(p));
  const keptHeld = plan.heldBack > 0 && (
    <>
      <p>
        {formatCount(plan.heldBack, 'file')} that {plan.heldBack === 1 ? 'differs' : 'differ'} will be <strong>kept as {plan.heldBack === 1 ? 'it is' : 'they are'}</strong>, not replaced: a safety snapshot could not hold {plan.heldBack === 1 ? 'it' : 'them'} as {plan.heldBack === 1 ? 'it is' : 'they are'} (credentials never leave this computer, and a file Cairn may not read can’t be kept). Restore into another folder to compare.
      </p>
      <FileList paths={plan.heldBackSample} total={plan.heldBack} />
    </>
  );
  if (replaced === 0) {
    return (
      <PlanBox plan={plan} tone="info">
        {writes}
        {same}
        {keptHeld}
      </PlanBox>
    );
  }
  return (
    <PlanBox plan={plan} tone="warning">
      {writes}
      {same} {formatCount(replaced, 'file')} already {replaced === 1 ? 'exists' : 'exist'} there, {replaced === 1 ? 'differs' : 'differ'} from the snapshot, and will be <strong>replaced</strong> by the snapshot’s {replaced === 1 ? 'version' : 'versions'}. First, Cairn keeps a safety snapshot of exactly {replaced === 1 ? 'that file' : 'those files'}, so you can restore {replaced === 1 ? 'it' : 'them'}:
      <FileList paths={replacedSample} total={replaced} />
      {keptHeld}
    </PlanBox>
  );
}

function FileList({ paths, total }: { paths: readonly string[]; total: number }) {
  return (
    <ul className="plan-existing">
      {paths.slice(0, 5).map((p) => (
        <li key={p} className="break">
          {p}
        </li>
      ))}
      {total > Math.min(5, paths.length) && <li>and {formatCount(total - Math.min(5, paths.length), 'more file')}</li>}
    </ul>
  );
}

function PlanBox({ plan, tone, children }: { plan: RestorePreview; tone: 'info' | 'warning'; children: ReactNode }) {
  return (
    <div data-testid="restore-plan" data-existing={plan.existing} data-action={plan.existing === 0 ? 'none' : plan.existingAction} aria-live="polite">
      <Notice tone={tone} title="What will happen">
        {children}
        {plan.withoutCredentials > 0 && <WithoutCredentials plan={plan} />}
        {plan.renamed > 0 && <Renamed plan={plan} />}
      </Notice>
    </div>
  );
}

/** Files that come back without the keys or rows removed before upload: said before the restore, not found out later. */
function WithoutCredentials({ plan }: { plan: RestorePreview }) {
  const one = plan.withoutCredentials === 1;
  return (
    <div data-testid="restore-without-credentials">
      <p>
        {formatCount(plan.withoutCredentials, 'file')} will come back <strong>without {one ? 'its' : 'their'} credentials</strong>: Cairn removed them before upload, and they never leave the computer they were on. Set them again afterwards (sign in, or add the keys):
      </p>
      <ul className="plan-existing">
        {plan.withoutCredentialsSample.slice(0, 5).map((f) => (
          <li key={f.path} className="break">
            {f.path} <span className="muted">— {f.removed.join(', ')}</span>
          </li>
        ))}
        {plan.withoutCredentials > 5 && <li>and {formatCount(plan.withoutCredentials - 5, 'more file')}</li>}
      </ul>
    </div>
  );
}

/** Names this computer can't hold as the snapshot has them: written under another, said before the restore. */
function Renamed({ plan }: { plan: RestorePreview }) {
  const one = plan.renamed === 1;
  return (
    <div data-testid="restore-renamed">
      <p>
        {one ? '1 file or folder' : `${formatCount(plan.renamed, 'file or folder', 'files or folders')}`} will be restored <strong>under another name</strong>, so that nothing is written over another file: this computer’s file system can’t hold the snapshot’s {one ? 'name' : 'names'} as {one ? 'it is' : 'they are'} (names that differ only in case or Unicode form are one name to it, or Windows refuses a character).
      </p>
      <ul className="plan-existing">
        {plan.renamedSample.slice(0, 5).map((r) => (
          <li key={r.path} className="break">
            {r.path} <span className="muted">→ {r.dest}</span>
          </li>
        ))}
        {plan.renamed > 5 && <li>and {formatCount(plan.renamed - 5, 'more')}</li>}
      </ul>
    </div>
  );
}

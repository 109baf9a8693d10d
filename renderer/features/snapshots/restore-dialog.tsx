// Restore a whole snapshot, a folder or some files: to where they were, or into another folder;
// overwrite or not. Shows the restore's progress and outcome.

import { useState } from 'react';
import type { SnapshotSummary } from '../../../shared/models.ts';
import { Button } from '../../components/button.tsx';
import { Dialog } from '../../components/dialog.tsx';
import { ErrorNotice, Notice } from '../../components/feedback.tsx';
import { Checkbox, TextField } from '../../components/form.tsx';
import { JobProgress } from '../../components/job-progress.tsx';
import { formatCount, formatDateTime } from '../../lib/format.ts';
import { isAbsolutePath } from '../../lib/paths.ts';
import { useJobs } from '../../stores/jobs.ts';
import { useSnapshots } from '../../stores/snapshots.ts';
import { useUi } from '../../stores/ui.ts';

export function RestoreDialog({ snapshot, paths, onClose }: { snapshot: SnapshotSummary; paths: string[]; onClose: () => void }) {
  const restore = useSnapshots((s) => s.restore);
  const restoring = useSnapshots((s) => s.restoring);
  const error = useSnapshots((s) => s.restoreError);
  const clearError = useSnapshots((s) => s.clearRestoreError);
  const chooseFolder = useUi((s) => s.chooseFolder);
  const [target, setTarget] = useState<'original' | 'folder'>(paths.length === 0 ? 'folder' : 'original');
  const [folder, setFolder] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [jobId, setJobId] = useState<string>();
  const job = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));

  const what = paths.length === 0 ? 'everything in this snapshot' : paths.length === 1 ? (paths[0] ?? '') : formatCount(paths.length, 'item');
  const folderOk = target === 'original' || isAbsolutePath(folder.trim());

  const submit = async (): Promise<void> => {
    const id = await restore({ snapshotId: snapshot.id, paths, target: target === 'original' ? { kind: 'original' } : { kind: 'folder', path: folder.trim() }, overwrite });
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
          Restore <strong className="break">{what}</strong> from the snapshot of {formatDateTime(snapshot.time)} ({snapshot.deviceName}).
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
            <Button variant="primary" icon="restore" busy={restoring} disabled={!folderOk} onClick={() => void submit()}>
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
                <span className="radio-card-text">{snapshot.roots.length > 0 ? `Under ${snapshot.roots.map((r) => r.path).slice(0, 2).join(', ')}${snapshot.roots.length > 2 ? '…' : ''}` : 'The original location on this computer'} — path mappings apply.</span>
              </span>
            </label>
            <label className={`radio-card${target === 'folder' ? ' is-selected' : ''}`}>
              <input type="radio" name="restore-target" checked={target === 'folder'} onChange={() => setTarget('folder')} />
              <span>
                <span className="radio-card-title">Another folder</span>
                <span className="radio-card-text">Keeps the snapshot’s folder layout inside the folder you choose.</span>
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
          {overwrite && target === 'original' && (
            <Notice tone="warning">Files on this computer are replaced by the snapshot’s versions. Cairn keeps a safety snapshot of what it replaces first.</Notice>
          )}
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

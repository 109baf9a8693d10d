// Where the vault is, how big it is, and maintenance: check and prune.

import { useState } from 'react';
import type { PrunePreview } from '../../../shared/ipc/contract.ts';
import { Button } from '../../components/button.tsx';
import { Dialog } from '../../components/dialog.tsx';
import { ErrorNotice, Notice } from '../../components/feedback.tsx';
import { Checkbox, Switch } from '../../components/form.tsx';
import { JobProgress } from '../../components/job-progress.tsx';
import { formatBytes, formatCount, formatDateTime } from '../../lib/format.ts';
import { estimateMonthlyCost, formatDollars, providerName } from '../../lib/pricing.ts';
import { useJobs } from '../../stores/jobs.ts';
import { useSettings } from '../../stores/settings.ts';
import { useStatus } from '../../stores/status.ts';
import { SettingsSection } from './settings-section.tsx';

export function VaultSection() {
  const stats = useSettings((s) => s.stats);
  const statsError = useSettings((s) => s.statsError);
  const checking = useSettings((s) => s.checking);
  const report = useSettings((s) => s.checkReport);
  const checkError = useSettings((s) => s.checkError);
  const check = useSettings((s) => s.check);
  const prune = useSettings((s) => s.prune);
  const preview = useSettings((s) => s.prunePreview);
  const previewing = useSettings((s) => s.prunePreviewing);
  const previewError = useSettings((s) => s.prunePreviewError);
  const { previewPrune, closePrunePreview } = useSettings.getState();
  const pruning = useSettings((s) => s.pruning);
  const pruneJobId = useSettings((s) => s.pruneJobId);
  const pruneError = useSettings((s) => s.pruneError);
  const pruneJob = useJobs((s) => (pruneJobId ? s.jobs[pruneJobId] : undefined));
  const repairing = useSettings((s) => s.repairing);
  const repairJobId = useSettings((s) => s.repairJobId);
  const repairError = useSettings((s) => s.repairError);
  const repairJob = useJobs((s) => (repairJobId ? s.jobs[repairJobId] : undefined));
  const [readData, setReadData] = useState(false);
  const missing = report?.missingPacks?.length ?? 0;
  const lostTrees = report?.missingTrees ?? 0;
  const damagedIndex = (report?.damaged ?? []).filter((d) => d.kind === 'index').length;
  const damagedBlobs = report?.damagedBlobs?.length ?? 0;
  const cost = stats ? estimateMonthlyCost(stats.provider, stats.storedBytes) : undefined;
  const verification = useStatus((s) => s.status?.verification);
  const reportJobId = useSettings((s) => s.checkReportJobId);
  // The report shown is the daily verification's (Review and repair…, Show what it found): said so.
  const fromVerification = verification && reportJobId === verification.jobId ? verification : undefined;

  return (
    <SettingsSection id="vault" title="Vault" description="Where your encrypted snapshots live, and keeping the vault tidy and healthy.">
      {statsError && <ErrorNotice error={statsError} compact onRetry={() => void useSettings.getState().loadStats()} />}
      {stats && (
        <dl className="facts">
          <div>
            <dt>Storage</dt>
            <dd>{providerName(stats.provider)}</dd>
          </div>
          <div>
            <dt>Location</dt>
            <dd className="mono break">{stats.location}</dd>
          </div>
          <div>
            <dt>Stored</dt>
            <dd>
              {formatBytes(stats.storedBytes)} in {formatCount(stats.packs, 'pack')}
              {cost?.kind === 'priced' && <span className="muted"> · {formatDollars(cost.dollarsPerMonth)}/month</span>}
            </dd>
          </div>
          <div>
            <dt>Snapshots</dt>
            <dd>
              {stats.snapshots.toLocaleString('en-US')} from {formatCount(stats.devices, 'device')}
            </dd>
          </div>
        </dl>
      )}
      <div className="maintenance">
        <div className="maintenance-item">
          <div>
            <div className="maintenance-title">Check the vault</div>
            <div className="muted small">Verifies that every snapshot’s data is present. Reading the data also decrypts and hashes every byte (downloads the whole vault).</div>
            <Checkbox checked={readData} onChange={setReadData} label="Also read and verify all data" />
          </div>
          <Button icon="shield" busy={checking} onClick={() => void check(readData)}>
            Check now
          </Button>
        </div>
        <DailyVerification />
        {checkError && <ErrorNotice error={checkError} compact />}
        {report && (
          <Notice tone={report.ok ? 'success' : 'danger'} title={report.ok ? 'The vault is healthy' : `${formatCount(report.problems.length, 'problem')} found`}>
            {fromVerification && `The daily verification of ${formatDateTime(fromVerification.at)}, part ${fromVerification.part} of ${fromVerification.of}: `}
            {formatCount(report.snapshots, 'snapshot')}, {formatCount(report.packs, 'pack')} and {formatCount(report.blobs, 'blob')} checked{report.bytesRead > 0 ? `, ${formatBytes(report.bytesRead)} read` : ''}.
            {(missing > 0 || lostTrees > 0 || damagedIndex > 0 || damagedBlobs > 0) && (
              <div className="repair" data-testid="repair">
                <p>
                  {damagedBlobs > 0 && `${damagedBlobs === 1 ? 'A blob the index lists is' : `${formatCount(damagedBlobs, 'blob')} the index lists are`} damaged in ${damagedBlobs === 1 ? 'its pack' : 'their packs'}: every backup relies on ${damagedBlobs === 1 ? 'it' : 'them'} and never stores that data again. Repairing takes ${damagedBlobs === 1 ? 'it' : 'them'} out of the index: each device’s next backup stores again what it still has, and the snapshots that need that data restore whole again once it is stored. `}
                  {damagedIndex > 0 && `${damagedIndex === 1 ? 'An index file is' : `${formatCount(damagedIndex, 'index file')} are`} damaged: backups store again the data ${damagedIndex === 1 ? 'it lists' : 'they list'}, and restores leave out the files that need it. Repairing rebuilds the index from the packs’ own headers. `}
                  {missing > 0
                    ? `${missing === 1 ? 'A pack the index lists is missing' : `${formatCount(missing, 'pack')} the index lists are missing`} from the vault. Until ${missing === 1 ? 'it is' : 'they are'} taken out of the index, every backup relies on ${missing === 1 ? 'it' : 'them'} and never stores that data again. Repairing lets each device’s next backup store again what it still has; older snapshots can’t restore the files whose data was in ${missing === 1 ? 'it' : 'them'}.`
                    : lostTrees > 0 && damagedIndex === 0
                      ? `${lostTrees === 1 ? 'A folder listing the snapshots use is' : `${formatCount(lostTrees, 'folder listing')} the snapshots use are`} in no index: prune can’t run until the repair records ${lostTrees === 1 ? 'it' : 'them'} as lost. Older snapshots can’t restore the files below ${lostTrees === 1 ? 'it' : 'them'}.`
                      : ''}
                </p>
                {!repairJob && (
                  <Button icon="tool" busy={repairing} onClick={() => void useSettings.getState().repair()}>
                    Repair the index
                  </Button>
                )}
              </div>
            )}
            {report.problems.length > 0 && (
              <ul className="problem-list">
                {report.problems.slice(0, 20).map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            )}
          </Notice>
        )}
        {repairError && <ErrorNotice error={repairError} compact />}
        {repairJob && <JobProgress job={repairJob} />}
        {repairJob?.status === 'done' && <Notice tone="success">{repairJob.summary ?? 'Repair finished.'}</Notice>}
        {repairJob?.status === 'failed' && repairJob.error && <ErrorNotice error={repairJob.error} compact />}
        <div className="maintenance-item">
          <div>
            <div className="maintenance-title">Prune</div>
            <div className="muted small">Removes snapshots that retention no longer keeps, then deletes data no snapshot uses. Waits if another device is backing up.</div>
          </div>
          <Button icon="trash" busy={previewing || pruning || pruneJob?.status === 'running'} onClick={() => void previewPrune()}>
            Prune now…
          </Button>
        </div>
        {previewError && <ErrorNotice error={previewError} compact onDismiss={closePrunePreview} />}
        {preview && <PrunePreviewDialog preview={preview} onCancel={closePrunePreview} onConfirm={() => void prune()} />}
        {pruneError && <ErrorNotice error={pruneError} compact />}
        {pruneJob && <JobProgress job={pruneJob} />}
        {pruneJob?.status === 'done' && <Notice tone="success">{pruneJob.summary ?? 'Prune finished.'}</Notice>}
        {pruneJob?.status === 'failed' && pruneJob.error && <ErrorNotice error={pruneJob.error} compact />}
      </div>
    </SettingsSection>
  );
}

/** The daily verification (Settings.verifyData): on or off, and what the last one read and found. */
function DailyVerification() {
  const settings = useSettings((s) => s.settings);
  const save = useSettings((s) => s.save);
  const last = useStatus((s) => s.status?.verification);
  const shownJobId = useSettings((s) => s.checkReportJobId);
  const stats = useSettings((s) => s.stats);
  if (!settings) return null;
  // What a day's part costs: a download of about a thirtieth of what the vault stores.
  const daily = stats && stats.provider !== 'local' ? ` About ${formatBytes(stats.storedBytes / 30)} downloaded a day at the vault’s size now.` : '';
  return (
    <div className="maintenance-verify">
      <Switch
        label="Verify a part of the data every day"
        description={`After the day’s first scheduled sync, Cairn reads, decrypts and hashes a thirtieth of the vault’s data: damage is found within a month, before a restore needs that data, while your devices still have the files to store again.${daily}`}
        checked={settings.verifyData}
        onChange={(verifyData) => void save({ verifyData })}
      />
      {last && (
        <div className={last.ok || last.repairedAt ? 'muted small' : 'small verify-found'} data-testid="last-verification">
          Last: {formatDateTime(last.at)}, part {last.part} of {last.of} ({formatCount(last.packsRead, 'pack')}, {formatBytes(last.bytesRead)}): {last.ok ? 'no problems.' : `${formatCount(last.problemCount, 'problem')} found${last.repairedAt ? `; the index was repaired on ${formatDateTime(last.repairedAt)}` : ''}.`}
          {!last.ok && !last.repairedAt && shownJobId !== last.jobId && (
            <>
              {' '}
              <Button size="sm" variant="ghost" onClick={() => void useSettings.getState().showVerification(last.jobId)}>
                Show what it found
              </Button>
            </>
          )}
        </div>
      )}
    </div>
  );
}

/** What "Prune now" will do, asked before it runs: snapshots forgotten, packs deleted and marked, bytes. */
function PrunePreviewDialog({ preview, onCancel, onConfirm }: { preview: PrunePreview; onCancel: () => void; onConfirm: () => void }) {
  const nothing = preview.forget.length === 0 && preview.packsDeleted === 0 && preview.packsRepacked === 0 && preview.packsMarked === 0;
  const shown = preview.forget.slice(0, 8);
  return (
    <Dialog
      title="Prune the vault?"
      description={nothing ? 'Nothing to remove: retention keeps every snapshot and no data is unused.' : 'Nothing has been removed yet. This is what pruning will do:'}
      onClose={onCancel}
      footer={
        nothing ? (
          <Button variant="primary" onClick={onCancel}>
            Close
          </Button>
        ) : (
          <>
            <Button variant="ghost" onClick={onCancel} data-autofocus>
              Cancel
            </Button>
            <Button variant="danger" icon="trash" onClick={onConfirm}>
              Prune
            </Button>
          </>
        )
      }
    >
      <ul className="prune-preview" data-testid="prune-preview">
        <li data-fact="forget">
          {preview.forget.length === 0 ? 'No snapshot is forgotten' : `${formatCount(preview.forget.length, 'snapshot')} forgotten (retention no longer keeps them)`}; {formatCount(preview.keep, 'snapshot')} kept.
          {shown.length > 0 && (
            <ul className="prune-forget-list">
              {shown.map((s) => (
                <li key={s.id}>
                  <span className="mono">{s.shortId}</span> · {s.deviceName} · {formatDateTime(s.time)}
                </li>
              ))}
              {preview.forget.length > shown.length && <li className="muted">and {(preview.forget.length - shown.length).toLocaleString('en-US')} more</li>}
            </ul>
          )}
        </li>
        <li data-fact="delete">
          {preview.packsDeleted > 0 ? `${formatCount(preview.packsDeleted, 'pack')} deleted now, freeing ${formatBytes(preview.bytesFreed)}` : 'No pack is deleted now'}
          {preview.packsRepacked > 0 ? `; ${formatCount(preview.packsRepacked, 'pack')} rewritten without their unused data` : ''}.
        </li>
        {preview.packsMarked > 0 && (
          <li data-fact="mark">
            {formatCount(preview.packsMarked, 'pack')} ({formatBytes(preview.bytesMarked)}) no snapshot uses any more {preview.packsMarked === 1 ? 'is' : 'are'} marked, and deleted by a prune {preview.deleteAfter ? `after ${formatDateTime(preview.deleteAfter)}` : 'later'}: a safety margin for backups running on other devices.
          </li>
        )}
      </ul>
      {preview.versioning && (
        <Notice tone="warning" title="The bucket keeps old versions">
          Deleted data still takes space until a lifecycle rule removes old versions (see the provider guide).
        </Notice>
      )}
    </Dialog>
  );
}

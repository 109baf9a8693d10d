// What a snapshot does not hold, said where the snapshot is shown: files kept on this computer
// because they hold credentials, files it holds without the credentials removed from them, and
// files the backup had to leave out (vanished or unreadable while it ran; the next backup tries
// them again). A list, not a tooltip, so it is reachable by
// keyboard and read by screen readers.

import type { SnapshotSummary } from '../../../shared/models.ts';
import { formatCount } from '../../lib/format.ts';

const REASONS: Record<string, string> = {
  vanished: 'deleted or moved while the backup ran',
  unreadable: 'could not be read',
  changed: 'changed while it was read',
};

export function LeftOut({ snapshot }: { snapshot: SnapshotSummary }) {
  const kept = snapshot.keptLocal ?? [];
  const scrubbed = snapshot.scrubbed ?? [];
  // A 'session' warning is about the catalog: the file itself is in the snapshot.
  const warned = (snapshot.warnings ?? []).filter((w) => w.reason !== 'session');
  const warningCount = snapshot.stats.warnings ?? warned.length;
  // Counted, not warnings (the CLI's summary says them too): nothing was there to keep.
  const special = snapshot.stats.specialSkipped ?? 0;
  const vanished = snapshot.stats.vanished ?? 0;
  if (kept.length === 0 && scrubbed.length === 0 && warningCount === 0 && special === 0 && vanished === 0) return null;
  const parts = [
    ...(warningCount > 0 ? [`${formatCount(warningCount, 'file')} left out`] : []),
    ...(kept.length > 0 ? [`${formatCount(kept.length, 'file')} kept on this computer`] : []),
    ...(scrubbed.length > 0 ? [`${formatCount(scrubbed.length, 'file')} without credentials`] : []),
    ...(vanished > 0 ? [`${formatCount(vanished, 'file')} deleted while it ran`] : []),
    ...(special > 0 ? [`${formatCount(special, 'special file')} not kept`] : []),
  ];
  return (
    <details className="left-out" data-testid="left-out">
      <summary>{parts.join(' · ')}</summary>
      {warned.length > 0 && (
        <>
          <p className="left-out-lead">Left out of this snapshot; the next backup tries them again:</p>
          <ul>
            {warned.map((w) => (
              <li key={`w:${w.path}`}>
                <span className="mono">{w.path}</span> — {REASONS[w.reason] ?? w.reason}
                {w.message ? <span className="muted"> ({w.message})</span> : null}
              </li>
            ))}
          </ul>
          {warningCount > warned.length && <p className="muted">…and {formatCount(warningCount - warned.length, 'more file')}.</p>}
        </>
      )}
      {kept.length > 0 && (
        <>
          <p className="left-out-lead">Kept on this computer because they hold credentials (never uploaded):</p>
          <ul>
            {kept.map((k) => (
              <li key={`k:${k.path}`}>
                <span className="mono">{k.path}</span> — {k.why}
              </li>
            ))}
          </ul>
        </>
      )}
      {(vanished > 0 || special > 0) && (
        <p className="muted">
          {vanished > 0 && `${formatCount(vanished, 'file or folder', 'files or folders')} deleted or moved between the backup listing and reading ${vanished === 1 ? 'it' : 'them'}: nothing to keep. `}
          {special > 0 && `${formatCount(special, 'FIFO, socket or device file', 'FIFOs, sockets or device files')} found: they hold no content to keep.`}
        </p>
      )}
      {scrubbed.length > 0 && (
        <>
          <p className="left-out-lead">In this snapshot without their credentials (removed before upload; a restore brings them back without them):</p>
          <ul>
            {scrubbed.map((k) => (
              <li key={`s:${k.path}`}>
                <span className="mono">{k.path}</span> — {k.removed.join(', ')}
              </li>
            ))}
          </ul>
        </>
      )}
    </details>
  );
}

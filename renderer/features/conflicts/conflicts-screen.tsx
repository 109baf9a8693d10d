// Sync conflicts: the same session changed on two devices in ways that can't be merged. Both
// versions are on disk; the user picks which to keep, seeing where they part ways.

import { useEffect, useMemo, useRef, useState } from 'react';
import type { FilePreview } from '../../../shared/ipc/contract.ts';
import type { ConflictInfo } from '../../../shared/models.ts';
import { EmptyState, ErrorNotice, Loading, Notice } from '../../components/feedback.tsx';
import { Icon } from '../../components/icon.tsx';
import { PageHeader } from '../../components/page.tsx';
import { keptBothName } from '../../../shared/conflict-names.ts';
import { basename, formatBytes, formatCount, formatDateTime, formatRelative } from '../../lib/format.ts';
import { tailDiff } from '../../lib/tail-diff.ts';
import { Segmented } from '../../components/form.tsx';
import { useNow } from '../../lib/use-now.ts';
import { openConflicts, useConflicts, type Keep } from '../../stores/conflicts.ts';
import { useStatus } from '../../stores/status.ts';
import { useUi } from '../../stores/ui.ts';

export function ConflictsScreen() {
  const conflicts = useConflicts((s) => s.conflicts);
  const loading = useConflicts((s) => s.loading);
  const error = useConflicts((s) => s.error);
  const selectedId = useUi((s) => s.selectedConflictId);
  const select = useUi((s) => s.selectConflict);
  const now = useNow();

  useEffect(() => {
    void useConflicts.getState().load();
  }, []);

  const sorted = useMemo(() => (conflicts ? [...conflicts].sort((a, b) => (a.status === b.status ? b.detectedAt.localeCompare(a.detectedAt) : a.status === 'open' ? -1 : 1)) : undefined), [conflicts]);
  const selected = sorted?.find((c) => c.id === selectedId) ?? sorted?.find((c) => c.status === 'open');
  const open = openConflicts(conflicts);
  // A conflict opened from the list (Enter or a click) takes the focus (its heading): keyboard
  // users land on what opened, never on <body>.
  const [opened, setOpened] = useState(false);

  return (
    <div className="page page-full">
      <PageHeader title="Conflicts" subtitle={open > 0 ? `${open} ${open === 1 ? 'session was' : 'sessions were'} changed on two devices at once. Both versions are safe — choose which to keep.` : 'When the same session changes on two devices at once, Cairn keeps both and asks you here.'} />
      {error && <ErrorNotice error={error} onRetry={() => void useConflicts.getState().load()} />}
      {!sorted && loading && <Loading label="Loading conflicts…" />}
      {sorted && sorted.length === 0 && (
        <EmptyState icon="check" title="No conflicts">
          Sessions from all your devices merged cleanly.
        </EmptyState>
      )}
      {sorted && sorted.length > 0 && (
        <div className="conflicts-layout">
          <ul className="conflict-list" aria-label="Conflicts">
            {sorted.map((c) => (
              <li key={c.id}>
                <button type="button" className={`conflict-item${selected?.id === c.id ? ' is-selected' : ''} is-${c.status}`} onClick={() => {
                    setOpened(true);
                    select(c.id);
                  }}
                  aria-current={selected?.id === c.id || undefined} data-conflict-id={c.id}>
                  <span className={`conflict-dot is-${c.status}`} aria-hidden="true" />
                  <span className="conflict-item-main">
                    <span className="conflict-item-name">{basename(c.path)}</span>
                    <span className="conflict-item-sub">
                      {c.status === 'open' ? `with ${c.otherDeviceName} · ${formatRelative(c.detectedAt, now, 'past')}` : `Resolved: kept ${c.resolution === 'both' ? 'both' : c.resolution === 'mine' ? 'this device’s' : `${c.otherDeviceName}’s`}`}
                    </span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {selected ? <ConflictDetail key={selected.id} conflict={selected} focusOnOpen={opened} /> : <EmptyState icon="check" title="All resolved" />}
        </div>
      )}
    </div>
  );
}

function ConflictDetail({ conflict, focusOnOpen }: { conflict: ConflictInfo; focusOnOpen: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusOnOpen) heading.current?.focus({ preventScroll: true });
  }, [focusOnOpen]);
  const detail = useConflicts((s) => s.details[conflict.id]);
  const get = useConflicts((s) => s.get);
  const resolve = useConflicts((s) => s.resolve);
  const resolving = useConflicts((s) => s.resolving === conflict.id);
  const resolveError = useConflicts((s) => s.resolveError);
  const thisDevice = useStatus((s) => s.status?.deviceName ?? 'This device');
  const toast = useUi((s) => s.toast);
  const [view, setView] = useState<'readable' | 'raw'>('readable');

  useEffect(() => {
    void get(conflict.id);
  }, [conflict.id, get]);

  const data = detail?.data;
  const diff = useMemo(() => (data && !data.mine.binary && !data.theirs.binary ? tailDiff(data.mine.text, data.theirs.text, 2, { tails: data.mine.truncated || data.theirs.truncated }) : undefined), [data]);

  const choose = async (keep: Keep): Promise<void> => {
    if (await resolve(conflict.id, keep)) toast(keep === 'both' ? `Kept both versions of ${basename(conflict.path)}` : `Kept ${keep === 'mine' ? 'this device’s' : `${conflict.otherDeviceName}’s`} version of ${basename(conflict.path)}`, 'success');
  };

  return (
    <section className="conflict-detail" aria-label="Conflict" data-testid="conflict-detail">
      <div className="conflict-head">
        <div>
          <h2 className="conflict-title" tabIndex={-1} ref={heading}>
            {basename(conflict.path)}
          </h2>
          <div className="conflict-path mono" title={conflict.path}>
            {conflict.path}
          </div>
        </div>
        {conflict.agent && <span className="badge">{conflict.agent}</span>}
      </div>
      {detail?.error && <ErrorNotice error={detail.error} onRetry={() => void get(conflict.id)} />}
      {(!detail || detail.loading) && <Loading label="Decrypting both versions…" />}
      {data && (
        <>
          {diff && (
            <div className="conflict-summary">
              <Icon name="diff" size={14} />
              <span className="conflict-summary-text">
                {diff.identical
                  ? 'The two versions are identical.'
                  : `Both share the first ${formatCount(diff.commonLines, 'line')}, then ${diff.mineTail.length} ${diff.mineTail.length === 1 ? 'line differs' : 'lines differ'} here and ${diff.theirsTail.length} on ${conflict.otherDeviceName}.`}
              </span>
              <Segmented
                label="Show lines as"
                value={view}
                onChange={setView}
                options={[
                  { value: 'readable', label: 'Readable' },
                  { value: 'raw', label: 'Raw' },
                ]}
              />
            </div>
          )}
          <div className="compare">
            <Side title={thisDevice} badge="This device" time={conflict.mineMtime} size={conflict.mineSize} preview={data.mine} tail={diff?.mineTail} context={diff?.context} common={diff?.commonLines ?? 0} side="mine" readable={view === 'readable'} />
            <Side title={conflict.otherDeviceName} badge="Other device" time={conflict.theirsMtime} size={conflict.theirsSize} preview={data.theirs} tail={diff?.theirsTail} context={diff?.context} common={diff?.commonLines ?? 0} side="theirs" readable={view === 'readable'} />
          </div>
        </>
      )}
      {resolveError && <ErrorNotice error={resolveError} />}
      {conflict.status === 'open' ? (
        <div className="resolve-bar">
          <ResolveButton title="Keep this device’s" text="The other version stays in its snapshots." onClick={() => void choose('mine')} disabled={resolving} testId="keep-mine" />
          <ResolveButton title={`Keep ${conflict.otherDeviceName}’s`} text="Yours stays in this device’s snapshots." onClick={() => void choose('theirs')} disabled={resolving} testId="keep-theirs" />
          <ResolveButton title="Keep both" text={`Theirs stays beside yours as ${keptBothName(conflict)}.`} onClick={() => void choose('both')} disabled={resolving} primary testId="keep-both" />
        </div>
      ) : (
        <Notice tone="success" title="Resolved">
          {conflict.resolution === 'both' ? (
            <>
              Kept both versions: theirs is <span className="mono">{basename(conflict.theirsPath)}</span>, beside yours.
            </>
          ) : (
            <>Kept {conflict.resolution === 'mine' ? 'this device’s version' : `${conflict.otherDeviceName}’s version`}.</>
          )}
        </Notice>
      )}
    </section>
  );
}

function ResolveButton({ title, text, onClick, disabled, primary = false, testId }: { title: string; text: string; onClick: () => void; disabled: boolean; primary?: boolean; testId: string }) {
  return (
    <button type="button" className={`resolve-option${primary ? ' is-primary' : ''}`} onClick={onClick} disabled={disabled} data-testid={testId}>
      <span className="resolve-title">{title}</span>
      <span className="resolve-text">{text}</span>
    </button>
  );
}

const MAX_TAIL_LINES = 200;

/** Each line of the preview with main's summary of it, by the line's text (the diff aligns tails, so indexes shift). */
function summariesOf(preview: FilePreview): Map<string, { label: string; text: string }> {
  const out = new Map<string, { label: string; text: string }>();
  if (!preview.lines) return out;
  const lines = preview.text.split('\n');
  preview.lines.forEach((summary, i) => {
    const line = lines[i]?.replace(/\r$/, '');
    if (summary && line !== undefined) out.set(line, summary);
  });
  return out;
}

function Side({ title, badge, time, size, preview, tail, context, common, side, readable, truncated = preview.truncated }: { title: string; badge: string; time: string; size: number; preview: FilePreview; tail?: string[]; context?: string[]; common: number; side: 'mine' | 'theirs'; readable: boolean; truncated?: boolean }) {
  const summaries = useMemo(() => summariesOf(preview), [preview]);
  return (
    <div className={`compare-side side-${side}`} data-side={side}>
      <div className="compare-head">
        <div className="compare-title">
          <span className="compare-name">{title}</span>
          <span className="badge">{badge}</span>
        </div>
        <div className="compare-meta">
          Modified {formatDateTime(time)} · {formatBytes(size)}
        </div>
      </div>
      <div className="compare-body">
        {preview.binary ? (
          <div className="compare-note">Binary file — compare it after restoring.</div>
        ) : tail ? (
          <>
            {truncated && <div className="compare-note">Showing the end of the file.</div>}
            {common - (context?.length ?? 0) > 0 && <div className="compare-note">{(common - (context?.length ?? 0)).toLocaleString('en-US')} identical lines above</div>}
            {context?.map((line, i) => (
              <div key={`c${i}`} className="compare-line is-context">
                <span className="compare-ln">{common - (context.length - 1) + i}</span>
                <LineText line={line} summary={readable ? summaries.get(line) : undefined} />
              </div>
            ))}
            {tail.slice(-MAX_TAIL_LINES).map((line, i) => (
              <div key={i} className="compare-line is-changed">
                <span className="compare-ln">{common + Math.max(0, tail.length - MAX_TAIL_LINES) + i + 1}</span>
                <LineText line={line} summary={readable ? summaries.get(line) : undefined} />
              </div>
            ))}
            {tail.length === 0 && <div className="compare-note">Nothing after the shared part.</div>}
          </>
        ) : null}
      </div>
    </div>
  );
}

/** A line as main's session reader put it in words (`summary`), or as it is. */
function LineText({ line, summary }: { line: string; summary: { label: string; text: string } | null | undefined }) {
  if (!summary) return <span className="compare-text mono">{line.length > 600 ? `${line.slice(0, 600)}…` : line}</span>;
  return (
    <span className="compare-text compare-readable">
      <span className={`line-role role-${summary.label.toLowerCase().replace(/\s+/g, '-')}`}>{summary.label}</span>
      {summary.text.length > 400 ? `${summary.text.slice(0, 400)}…` : summary.text}
    </span>
  );
}

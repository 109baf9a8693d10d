// A device's snapshots, newest first, grouped by day. Virtualised: years of hourly snapshots
// stay fast. One Tab stop for the whole list (the selected snapshot); ↑/↓/Home/End move between
// snapshots, Enter or Space opens one.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, type KeyboardEvent } from 'react';
import type { SnapshotReason, SnapshotSummary } from '../../../shared/models.ts';
import { Icon } from '../../components/icon.tsx';
import { formatBytes, formatDayHeading, formatTime } from '../../lib/format.ts';
import { useNow } from '../../lib/use-now.ts';

export const REASON_LABELS: Record<SnapshotReason, string> = {
  scheduled: 'Scheduled',
  manual: 'Manual',
  'before-restore': 'Safety copy',
  sync: 'Sync',
  cli: 'Command line',
};

type Row = { kind: 'day'; label: string } | { kind: 'snapshot'; snapshot: SnapshotSummary };

export function SnapshotTimeline({ snapshots, selectedId, onSelect }: { snapshots: readonly SnapshotSummary[]; selectedId?: string; onSelect: (id: string) => void }) {
  const now = useNow();
  const rows = useMemo(() => {
    const out: Row[] = [];
    let day = '';
    for (const s of snapshots) {
      const label = formatDayHeading(s.time, now);
      if (label !== day) {
        out.push({ kind: 'day', label });
        day = label;
      }
      out.push({ kind: 'snapshot', snapshot: s });
    }
    return out;
  }, [snapshots, now]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (rows[i]?.kind === 'day' ? 34 : 62),
    overscan: 8,
  });
  const snapshotRows = useMemo(() => rows.flatMap((r, i) => (r.kind === 'snapshot' ? [i] : [])), [rows]);
  const tabStop = rows.findIndex((r) => r.kind === 'snapshot' && r.snapshot.id === selectedId);
  const tabIndexRow = tabStop >= 0 ? tabStop : (snapshotRows[0] ?? -1);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const current = Number((e.target as HTMLElement).closest<HTMLElement>('[data-row]')?.dataset.row ?? tabIndexRow);
    const at = snapshotRows.indexOf(current);
    let to: number | undefined;
    if (e.key === 'ArrowDown') to = snapshotRows[Math.min(snapshotRows.length - 1, at + 1)];
    else if (e.key === 'ArrowUp') to = snapshotRows[Math.max(0, at - 1)];
    else if (e.key === 'Home') to = snapshotRows[0];
    else if (e.key === 'End') to = snapshotRows[snapshotRows.length - 1];
    if (to === undefined) return;
    e.preventDefault();
    const index = to;
    virtualizer.scrollToIndex(index, { align: 'auto' });
    const focus = (tries: number) => {
      const el = scrollRef.current?.querySelector<HTMLElement>(`[data-row="${index}"] button`);
      if (el) {
        for (const b of scrollRef.current?.querySelectorAll<HTMLElement>('.timeline-item') ?? []) b.tabIndex = -1;
        el.tabIndex = 0;
        el.focus();
      } else if (tries > 0) requestAnimationFrame(() => focus(tries - 1));
    };
    focus(5);
  };

  return (
    <div ref={scrollRef} className="timeline" role="list" aria-label="Snapshots" onKeyDown={onKeyDown}>
      <div className="virtual-space" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((v) => {
          const row = rows[v.index];
          if (!row) return null;
          if (row.kind === 'day') {
            return (
              <div key={v.key} className="virtual-row timeline-day" style={{ transform: `translateY(${v.start}px)`, height: v.size }} role="listitem">
                {row.label}
              </div>
            );
          }
          const s = row.snapshot;
          const selected = s.id === selectedId;
          const changes = changesText(s.stats.newFiles, s.stats.changedFiles);
          return (
            <div key={v.key} className="virtual-row" role="listitem" data-row={v.index} style={{ transform: `translateY(${v.start}px)`, height: v.size }}>
              <button type="button" tabIndex={v.index === tabIndexRow ? 0 : -1} aria-current={selected || undefined} className={`timeline-item${selected ? ' is-selected' : ''}`} onClick={() => onSelect(s.id)} data-snapshot-id={s.id}>
                <span className={`timeline-dot reason-${s.reason}`} aria-hidden="true" />
                <span className="timeline-main">
                  <span className="timeline-top">
                    <span className="timeline-time">{formatTime(s.time)}</span>
                    <span className="timeline-reason">{REASON_LABELS[s.reason]}</span>
                    {s.pinned && <Icon name="pin" size={12} className="timeline-pin" />}
                  </span>
                  <span className="timeline-sub">
                    {changes} · {formatBytes(s.stats.bytes)}
                  </span>
                </span>
              </button>
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** "12 new, 3 changed", "11,587 new" (a first backup's files were all said to be "changed"), "No changes". */
export function changesText(added: number, changed: number): string {
  const parts = [...(added > 0 ? [`${added.toLocaleString('en-US')} new`] : []), ...(changed > 0 ? [`${changed.toLocaleString('en-US')} changed`] : [])];
  return parts.length > 0 ? parts.join(', ') : 'No changes';
}

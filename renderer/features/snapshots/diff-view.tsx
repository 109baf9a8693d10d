// What changed since the previous snapshot: added, removed and changed files with sizes.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { DiffEntry } from '../../../shared/models.ts';
import { EmptyState, ErrorNotice, Loading } from '../../components/feedback.tsx';
import { Segmented } from '../../components/form.tsx';
import { formatBytes } from '../../lib/format.ts';
import { useSnapshots } from '../../stores/snapshots.ts';

const ROW = 34;
type Filter = 'all' | DiffEntry['change'];

export function DiffView({ snapshotId, hasParent }: { snapshotId: string; hasParent: boolean }) {
  const diff = useSnapshots((s) => s.diffs[snapshotId]);
  const loadDiff = useSnapshots((s) => s.loadDiff);
  const [filter, setFilter] = useState<Filter>('all');
  const scrollRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void loadDiff(snapshotId);
  }, [snapshotId, loadDiff]);

  const entries = useMemo(() => (diff?.data ?? []).filter((e) => filter === 'all' || e.change === filter).sort((a, b) => a.path.localeCompare(b.path)), [diff?.data, filter]);
  const counts = useMemo(() => {
    const c = { added: 0, removed: 0, changed: 0 };
    for (const e of diff?.data ?? []) c[e.change] += 1;
    return c;
  }, [diff?.data]);
  const virtualizer = useVirtualizer({ count: entries.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW, overscan: 10 });

  if (diff?.error) return <ErrorNotice error={diff.error} onRetry={() => void loadDiff(snapshotId)} />;
  if (!diff || diff.loading) return <Loading label="Comparing…" />;
  if (diff.data?.length === 0) {
    return (
      <EmptyState icon="check" title={hasParent ? 'No changes' : 'First snapshot'}>
        {hasParent ? 'Nothing changed since the previous snapshot.' : 'This is the first snapshot of this device, so everything in it is new.'}
      </EmptyState>
    );
  }

  return (
    <div className="diff" data-testid="diff-view">
      <div className="diff-bar">
        <Segmented
          label="Show"
          value={filter}
          onChange={setFilter}
          options={[
            { value: 'all', label: `All ${counts.added + counts.changed + counts.removed}` },
            { value: 'added', label: `Added ${counts.added}` },
            { value: 'changed', label: `Changed ${counts.changed}` },
            { value: 'removed', label: `Removed ${counts.removed}` },
          ]}
        />
      </div>
      <div ref={scrollRef} className="diff-scroll" role="list" aria-label="Changed files" tabIndex={0}>
        <div className="virtual-space" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((v) => {
            const e = entries[v.index];
            if (!e) return null;
            return (
              <div key={v.key} role="listitem" className={`virtual-row diff-row is-${e.change}`} style={{ transform: `translateY(${v.start}px)`, height: ROW }}>
                <span className={`diff-mark is-${e.change}`} aria-label={e.change}>
                  {e.change === 'added' ? '+' : e.change === 'removed' ? '−' : '~'}
                </span>
                <span className="diff-path" title={e.path}>
                  {e.path}
                </span>
                <span className="diff-size">
                  {e.change === 'changed' && e.sizeBefore !== undefined && e.sizeAfter !== undefined
                    ? `${formatBytes(e.sizeBefore)} → ${formatBytes(e.sizeAfter)}`
                    : formatBytes((e.change === 'removed' ? e.sizeBefore : e.sizeAfter) ?? 0)}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

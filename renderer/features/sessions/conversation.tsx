// One session's items as a conversation: messages as bubbles, thinking and tool calls folded,
// notes and records not shown as quiet lines (the rows the snapshot browser's transcript view
// draws too). Pages come from main as the user nears the end of what is loaded. Only the rows in
// view (and OVERSCAN around them) are in the DOM, so a session of any length costs the same
// number of elements; the others have an estimated height until they are measured. A search hit
// the session was opened from is scrolled to and marked.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef } from 'react';
import { Button } from '../../components/button.tsx';
import { ErrorNotice, Loading } from '../../components/feedback.tsx';
import { TranscriptItem, estimateRow, measureRow } from '../../components/transcript-item.tsx';
import { useSessions, type OpenSession } from './sessions-store.ts';

/** Rows rendered beyond each edge of the view. */
const OVERSCAN = 3;
/** The next page is asked for when the view is this many rows from the end of what is loaded. */
const NEAR_END = 20;

export function Conversation({ open, assistant }: { open: OpenSession; assistant: string }) {
  const more = useSessions((s) => s.more);
  const scrollRef = useRef<HTMLDivElement>(null);
  const items = open.items;

  const estimateSize = useCallback((index: number) => estimateRow(items[index]), [items]);
  // A new key function (same keys) makes the virtualizer take the estimates of newly loaded rows.
  const getItemKey = useCallback((index: number) => items[index]?.seq ?? index, [items]);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize,
    getItemKey,
    overscan: OVERSCAN,
    // Scrolling re-renders at the normal priority, and rows are measured by the ResizeObserver
    // after layout (as in the snapshot browser's transcript view).
    useFlushSync: false,
    directDomUpdates: true,
    directDomUpdatesMode: 'position',
    measureElement: measureRow,
  });
  const visible = virtualizer.getVirtualItems();
  const lastShown = visible.length > 0 ? (visible[visible.length - 1]?.index ?? 0) : -1;

  useEffect(() => {
    if (open.next && !open.loading && !open.error && lastShown >= items.length - NEAR_END) void more();
  }, [lastShown, items.length, open.next, open.loading, open.error, more]);

  // The hit the session was opened from: scrolled to once its page is loaded (the store loads
  // pages until it is).
  const hitIndex = open.hitSeq === undefined ? -1 : items.findIndex((i) => i.seq === open.hitSeq);
  const jumped = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (hitIndex < 0 || jumped.current === open.session.key) return;
    jumped.current = open.session.key;
    virtualizer.scrollToIndex(hitIndex, { align: 'center' });
  }, [hitIndex, open.session.key, virtualizer]);

  return (
    <div ref={scrollRef} className="conversation" role="log" aria-label="Conversation" tabIndex={0} data-from={open.from} data-testid="conversation">
      <div className="virtual-space" ref={virtualizer.containerRef}>
        {visible.map((v) => {
          const item = items[v.index];
          if (!item) return null;
          return (
            <div key={v.key} ref={virtualizer.measureElement} data-index={v.index} className="virtual-row session-row">
              <TranscriptItem item={item} assistant={assistant} hit={item.seq === open.hitSeq} />
            </div>
          );
        })}
      </div>
      {open.error && <ErrorNotice error={open.error} compact onRetry={() => void more()} />}
      {open.loading && <Loading label={items.length === 0 ? 'Opening the session…' : 'Loading more…'} />}
      {open.next && !open.loading && (
        <Button size="sm" onClick={() => void more()}>
          Load more
        </Button>
      )}
    </div>
  );
}

// One session's items as a conversation: messages as bubbles, thinking and tool calls folded,
// notes and each run of records not shown as a quiet line (the rows the snapshot browser's
// transcript view draws too: components/transcript-item.tsx). Pages come from main as they
// scroll into view: once main has counted the session (one pass), the list has its whole length
// and any page is fetched directly, so a search hit deep in a long session opens at once. Only
// the rows in view (and OVERSCAN around them) are in the DOM, and only the pages nearest the view
// are kept (KEEP_PAGES), so a session of any length costs the same number of elements and about
// the same memory; rows not measured yet have an estimated height. The hit the session was
// opened from is scrolled to and marked.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef } from 'react';
import { ErrorNotice, Loading } from '../../components/feedback.tsx';
import { TranscriptRow, estimateAt, measureRow } from '../../components/transcript-item.tsx';
import { PAGE_ITEMS, useSessions, type OpenSession } from './sessions-store.ts';

/** Rows rendered beyond each edge of the view. */
const OVERSCAN = 3;
/** How long the view keeps the hit in sight while the rows around it are measured. */
const SETTLE_MS = 3000;

/**
 * Keeps row `index` in view while the rows around it are measured: each measurement moves the
 * rows below it, and on a loaded machine the first scroll can land a dozen rows short (the hit
 * then never drawn). Re-aligns on every frame the row is out of view, until SETTLE_MS or the
 * user scrolls, clicks or types. Returns the stop.
 */
function settleOn(scroller: HTMLElement | null, index: number, align: () => void): () => void {
  if (!scroller || typeof requestAnimationFrame !== 'function') return () => {};
  const until = performance.now() + SETTLE_MS;
  let frame = 0;
  const stop = () => {
    cancelAnimationFrame(frame);
    for (const type of ['wheel', 'keydown', 'pointerdown', 'touchstart'] as const) scroller.removeEventListener(type, stop);
  };
  for (const type of ['wheel', 'keydown', 'pointerdown', 'touchstart'] as const) scroller.addEventListener(type, stop, { passive: true });
  const check = () => {
    if (performance.now() > until) return stop();
    const row = scroller.querySelector(`[data-index="${index}"]`);
    const view = scroller.getBoundingClientRect();
    // Not laid out (hidden, or a test's DOM without layout): nothing to keep in view.
    if (view.height === 0) return stop();
    const box = row?.getBoundingClientRect();
    if (!box || box.bottom <= view.top || box.top >= view.bottom) align();
    frame = requestAnimationFrame(check);
  };
  frame = requestAnimationFrame(check);
  return stop;
}

export function Conversation({ open, assistant }: { open: OpenSession; assistant: string }) {
  const loadPage = useSessions((s) => s.loadPage);
  const scrollRef = useRef<HTMLDivElement>(null);
  const { pages } = open;
  const itemAt = useCallback((index: number) => pages.get(Math.floor(index / PAGE_ITEMS))?.[index % PAGE_ITEMS], [pages]);

  // Before the count is known: what is loaded from the start, and one row that loads the rest.
  let contiguous = 0;
  while ((pages.get(contiguous / PAGE_ITEMS)?.length ?? 0) === PAGE_ITEMS) contiguous += PAGE_ITEMS;
  contiguous += pages.get(contiguous / PAGE_ITEMS)?.length ?? 0;
  const more = open.nexts.has(Math.floor(Math.max(0, contiguous - 1) / PAGE_ITEMS));
  const count = open.total ?? (contiguous + (more ? 1 : 0));

  const estimateSize = useCallback((index: number) => estimateAt(itemAt, index), [itemAt]);
  // A new key function (same keys) makes the virtualizer take the estimates of newly loaded rows.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const getItemKey = useCallback((index: number) => index, [pages]);
  const virtualizer = useVirtualizer({
    count,
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
  const firstPage = visible.length > 0 ? Math.floor((visible[0]?.index ?? 0) / PAGE_ITEMS) : 0;
  const lastPage = visible.length > 0 ? Math.floor((visible[visible.length - 1]?.index ?? 0) / PAGE_ITEMS) : 0;

  // The pages of what is on screen (the view also says which pages to keep).
  useEffect(() => {
    useSessions.getState().setView(firstPage, lastPage);
    for (let k = firstPage; k <= lastPage; k++) void loadPage(k);
  }, [firstPage, lastPage, loadPage, open.cursors, open.nexts]);

  // The hit the session was opened from: scrolled to once the list reaches it, and again when
  // its page has arrived and its rows are measured.
  const hit = open.hitSeq;
  const jumped = useRef<string | undefined>(undefined);
  const hitLoaded = hit !== undefined && pages.has(Math.floor(hit / PAGE_ITEMS));
  useEffect(() => {
    if (hit === undefined || hit >= count) return;
    const mark = `${open.session.key}:${hitLoaded}`;
    if (jumped.current === mark) return;
    jumped.current = mark;
    virtualizer.scrollToIndex(hit, { align: 'center' });
    if (!hitLoaded) return;
    return settleOn(scrollRef.current, hit, () => virtualizer.scrollToIndex(hit, { align: 'center' }));
  }, [hit, count, hitLoaded, open.session.key, virtualizer]);

  return (
    <div ref={scrollRef} className="conversation" role="log" aria-label="Conversation" tabIndex={0} data-from={open.from} data-total={open.total ?? ''} data-testid="conversation">
      <div className="virtual-space" ref={virtualizer.containerRef}>
        {visible.map((v) => (
          <TranscriptRow key={v.key} index={v.index} itemAt={itemAt} assistant={assistant} hitSeq={open.hitSeq} measure={virtualizer.measureElement} />
        ))}
      </div>
      {open.error && <ErrorNotice error={open.error} compact onRetry={() => void loadPage(firstPage)} />}
      {open.loading && pages.size === 0 && <Loading label="Opening the session…" />}
    </div>
  );
}

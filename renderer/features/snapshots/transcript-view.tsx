// A snapshot's transcript as a conversation, read by main's session readers in pages of PAGE
// items (the file itself never crosses IPC). The first page is asked for at once; a scan in main
// counts the items and returns every page's cursor, so the list is sized to the whole session and
// any page (the last, the one with a find hit) is fetched directly as it scrolls into view.
// Messages are rendered Markdown; find searches the whole session in main and steps through the
// hits; "End" jumps to the last item.
//
// Reading speed: only the rows in view (and OVERSCAN around them) are in the DOM and measured; the
// others have an estimated height from their kind and length (so a jump lands near its row
// and the scroll bar is roughly right before anything is measured). Rows are memoised, Markdown
// is parsed within a per-task budget (the rest a frame later, in slices), and pages far from the
// view are dropped (KEEP_PAGES at most), so memory doesn't grow with the transcript.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { ErrorRecord } from '../../../shared/errors.ts';
import type { SessionItemView, SnapshotSessionInfo } from '../../../shared/sessions.ts';
import { Button } from '../../components/button.tsx';
import { ErrorNotice } from '../../components/feedback.tsx';
import { Icon } from '../../components/icon.tsx';
import { TranscriptRow, estimateAt, measureRow } from '../../components/transcript-item.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { useSnapshots } from '../../stores/snapshots.ts';

/** Items per page asked of main. */
export const PAGE = 200;
/** Rows rendered beyond each edge of the view. */
const OVERSCAN = 2;
/** Pages held in memory at most (those nearest the view are kept). */
export const KEEP_PAGES = 6;
const FORMAT_NAMES: Record<string, string> = {
  'claude-code': 'Claude Code',
  codex: 'Codex',
  'gemini-json': 'Gemini CLI',
  'gemini-jsonl': 'Gemini CLI',
  antigravity: 'Antigravity',
  'opencode-db': 'OpenCode',
  'opencode-storage': 'OpenCode',
  'goose-db': 'Goose',
  'goose-jsonl': 'Goose',
  cline: 'Cline',
  roo: 'Roo Code',
  aider: 'Aider',
};
const formatName = (f: string): string => FORMAT_NAMES[f] ?? (f.startsWith('cursor') ? 'Cursor' : f);

interface Scan {
  total: number;
  cursors: string[];
}

interface Find {
  text: string;
  hits: number[];
  capped: boolean;
  at: number;
}

export function TranscriptView({ snapshotId, path, info }: { snapshotId: string; path: string; info: SnapshotSessionInfo }) {
  const [pages, setPages] = useState<ReadonlyMap<number, SessionItemView[]>>(() => new Map());
  const [scan, setScan] = useState<Scan>();
  const [endAt, setEndAt] = useState<number>();
  const [error, setError] = useState<ErrorRecord>();
  const [query, setQuery] = useState('');
  const [find, setFind] = useState<Find>();
  const [finding, setFinding] = useState(false);
  const [wantEnd, setWantEnd] = useState(false);
  const nexts = useRef(new Map<number, string>());
  const asked = useRef(new Set<number>());
  const jump = useRef<{ index: number; align: 'center' | 'end' }>(undefined);
  const scrollRef = useRef<HTMLDivElement>(null);
  /** The pages in view, and whether the session's length is known (pages may then be dropped). */
  const view = useRef({ first: 0, last: 0, counted: false });

  const total = scan?.total ?? endAt;
  // Before the count is known: what is loaded from the start, and one row that loads the rest.
  let loaded = 0;
  while (pages.has(loaded / PAGE) && (pages.get(loaded / PAGE)?.length ?? 0) === PAGE) loaded += PAGE;
  const contiguous = loaded + (pages.get(loaded / PAGE)?.length ?? 0);
  const count = total ?? (pages.size === 0 ? 0 : contiguous + 1);

  const itemAt = useCallback((index: number) => pages.get(Math.floor(index / PAGE))?.[index % PAGE], [pages]);
  const estimateSize = useCallback((index: number) => estimateAt(itemAt, index), [itemAt]);
  // A new key function (same keys) makes the virtualizer take the estimates of newly loaded rows;
  // rows already measured keep their measured size.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const getItemKey = useCallback((index: number) => index, [pages]);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize,
    getItemKey,
    overscan: OVERSCAN,
    // Scrolling re-renders at the normal priority: a synchronous render on every scroll event
    // mounts rows (and parses their Markdown) inside the scroll task.
    useFlushSync: false,
    // Positions are written to the rows directly (no React render for a scroll or a resize that
    // keeps the same rows), and a row is measured by the ResizeObserver after the browser lays
    // it out, never by reading its height while React commits (a forced layout of every row
    // inside the task that mounted them).
    directDomUpdates: true,
    directDomUpdatesMode: 'position',
    measureElement: measureRow,
  });

  const loadPage = useCallback(
    async (k: number) => {
      if (asked.current.has(k)) return;
      const cursor = k === 0 ? undefined : (scan?.cursors[k - 1] ?? nexts.current.get(k - 1));
      if (k > 0 && cursor === undefined) return;
      asked.current.add(k);
      const result = await useSnapshots.getState().sessionPage(snapshotId, path, PAGE, cursor);
      if (!result.ok) {
        asked.current.delete(k);
        setError(result.error);
        return;
      }
      if (result.value.next !== undefined) nexts.current.set(k, result.value.next);
      else setEndAt(k * PAGE + result.value.items.length);
      setPages((prev) => {
        const next = new Map(prev).set(k, result.value.items);
        if (!view.current.counted) return next;
        // Drop the pages farthest from the view (they are asked again when scrolled back to).
        const { first, last } = view.current;
        const distance = (p: number) => (p < first ? first - p : p > last ? p - last : 0);
        const far = [...next.keys()].filter((p) => p !== k).sort((a, b) => distance(b) - distance(a));
        for (const p of far) {
          if (next.size <= KEEP_PAGES || distance(p) === 0) break;
          next.delete(p);
          asked.current.delete(p);
        }
        return next;
      });
    },
    [snapshotId, path, scan],
  );

  // The first page at once; the scan beside it (it reads the whole session).
  useEffect(() => {
    void loadPage(0);
  }, [loadPage]);
  // The scan waits for the first page: both are read in main, and the first page comes first.
  const firstLoaded = pages.has(0);
  useEffect(() => {
    if (!firstLoaded) return;
    let live = true;
    void useSnapshots
      .getState()
      .sessionScan(snapshotId, path, PAGE)
      .then((r) => {
        if (!live) return;
        if (r.ok) setScan({ total: r.value.total, cursors: r.value.cursors });
        else setError(r.error);
      });
    return () => {
      live = false;
    };
  }, [snapshotId, path, firstLoaded]);

  // The pages of what is on screen.
  const visible = virtualizer.getVirtualItems();
  const firstPage = visible.length > 0 ? Math.floor((visible[0]?.index ?? 0) / PAGE) : 0;
  const lastPage = visible.length > 0 ? Math.floor((visible[visible.length - 1]?.index ?? 0) / PAGE) : 0;
  view.current = { first: firstPage, last: lastPage, counted: total !== undefined };
  useEffect(() => {
    for (let k = firstPage; k <= lastPage; k++) void loadPage(k);
  }, [firstPage, lastPage, loadPage]);

  const goTo = useCallback(
    (index: number, align: 'center' | 'end') => {
      jump.current = pages.has(Math.floor(index / PAGE)) ? undefined : { index, align };
      void loadPage(Math.floor(index / PAGE));
      virtualizer.scrollToIndex(index, { align });
    },
    [loadPage, virtualizer, pages],
  );

  // The virtualizer settles a jump itself as rows measure; once the target's page arrives it is
  // asked again, with the rows there.
  useEffect(() => {
    const j = jump.current;
    if (!j || !pages.has(Math.floor(j.index / PAGE))) return;
    jump.current = undefined;
    virtualizer.scrollToIndex(j.index, { align: j.align });
  }, [pages, virtualizer]);

  useEffect(() => {
    if (wantEnd && total !== undefined && total > 0) {
      setWantEnd(false);
      goTo(total - 1, 'end');
    }
  }, [wantEnd, total, goTo]);

  const runFind = async (e?: FormEvent) => {
    e?.preventDefault();
    const text = query.trim();
    if (!text) {
      setFind(undefined);
      return;
    }
    if (find && find.text === text) {
      step(1);
      return;
    }
    setFinding(true);
    const r = await useSnapshots.getState().sessionScan(snapshotId, path, PAGE, text);
    setFinding(false);
    if (!r.ok) {
      setError(r.error);
      return;
    }
    setScan({ total: r.value.total, cursors: r.value.cursors });
    setFind({ text, hits: r.value.hits, capped: r.value.hitsCapped, at: 0 });
    const first = r.value.hits[0];
    if (first !== undefined) goTo(first, 'center');
  };

  const step = (by: number) => {
    if (!find || find.hits.length === 0) return;
    const at = (find.at + by + find.hits.length) % find.hits.length;
    setFind({ ...find, at });
    goTo(find.hits[at] as number, 'center');
  };

  const onFindKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' && e.shiftKey) {
      e.preventDefault();
      step(-1);
    } else if (e.key === 'Escape') {
      setQuery('');
      setFind(undefined);
    }
  };

  const hitSeq = find?.hits[find.at];
  useFindHighlight(scrollRef, find?.text, [pages, visible.length, firstPage, hitSeq]);

  return (
    <div className="session" data-testid="session-viewer" data-format={info.format} data-total={total ?? ''}>
      <div className="session-meta">
        <span className="badge badge-accent">{formatName(info.format)}</span>
        {info.title && (
          <span className="session-title" data-testid="session-title">
            {info.title}
          </span>
        )}
        <span className="session-facts">
          {info.startedAt && <span>{formatDateTime(info.startedAt)}</span>}
          {info.model && <span>{info.model}</span>}
          {info.project && <span className="mono">{info.project}</span>}
          {info.messages !== undefined && (
            <span>
              {info.messages.toLocaleString('en-US')} messages · {(info.toolCalls ?? 0).toLocaleString('en-US')} tool calls
            </span>
          )}
          <span data-testid="session-count">{total === undefined ? 'Counting items…' : `${total.toLocaleString('en-US')} items`}</span>
        </span>
      </div>
      <div className="session-tools">
        <form className="session-find" role="search" onSubmit={(e) => void runFind(e)}>
          <Icon name="search" size={14} />
          <input
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={onFindKey}
            placeholder="Find in this session"
            aria-label="Find in this session"
            data-testid="session-find"
          />
          {find && (
            <span className="session-find-count" role="status" data-testid="find-count">
              {find.hits.length === 0 ? 'No matches' : `${find.at + 1} of ${find.hits.length.toLocaleString('en-US')}${find.capped ? '+' : ''}`}
            </span>
          )}
          <Button size="sm" variant="ghost" type="submit" busy={finding} aria-label="Next match" title="Next match (Enter)" icon="chevronDown" />
          <Button size="sm" variant="ghost" aria-label="Previous match" title="Previous match (Shift+Enter)" icon="chevronLeft" onClick={() => step(-1)} disabled={!find || find.hits.length === 0} />
        </form>
        <Button size="sm" variant="ghost" onClick={() => goTo(0, 'center')} disabled={count === 0}>
          Start
        </Button>
        <Button
          size="sm"
          variant="ghost"
          busy={wantEnd}
          onClick={() => (total !== undefined ? goTo(Math.max(0, total - 1), 'end') : setWantEnd(true))}
          disabled={count === 0}
          data-testid="jump-end"
        >
          End
        </Button>
      </div>
      {error && <ErrorNotice error={error} compact onDismiss={() => setError(undefined)} />}
      {total === 0 ? (
        <div className="session-empty">This session has no messages yet.</div>
      ) : (
        <div ref={scrollRef} className="session-scroll" role="log" aria-label="Conversation" tabIndex={0} data-testid="session-scroll">
          <div className="virtual-space" ref={virtualizer.containerRef}>
            {visible.map((v) => (
              <TranscriptRow key={v.key} index={v.index} itemAt={itemAt} assistant={formatName(info.format)} hitSeq={hitSeq} measure={virtualizer.measureElement} />
            ))}
          </div>
        </div>
      )}
    </div>
  );
}

/** Marks the words found in what is on screen (CSS Custom Highlight API; nothing in the DOM changes). */
function useFindHighlight(scrollRef: React.RefObject<HTMLDivElement | null>, text: string | undefined, deps: unknown[]) {
  useEffect(() => {
    const registry = typeof CSS !== 'undefined' ? CSS.highlights : undefined;
    if (!registry || typeof Highlight === 'undefined') return;
    const root = scrollRef.current;
    if (!root || !text) {
      registry.delete('session-find');
      return;
    }
    const needle = text.toLocaleLowerCase();
    const ranges: Range[] = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node && ranges.length < 500; node = walker.nextNode()) {
      const hay = (node.nodeValue ?? '').toLocaleLowerCase();
      for (let i = hay.indexOf(needle); i >= 0 && ranges.length < 500; i = hay.indexOf(needle, i + needle.length)) {
        const range = new Range();
        range.setStart(node, i);
        range.setEnd(node, i + needle.length);
        ranges.push(range);
      }
    }
    registry.set('session-find', new Highlight(...ranges));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text, ...deps]);
  useEffect(
    () => () => {
      if (typeof CSS !== 'undefined') CSS.highlights?.delete('session-find');
    },
    [],
  );
}

// A snapshot's files as an expandable tree. Directories load one level at a time when opened;
// the visible rows are virtualised, so a folder with tens of thousands of entries renders only
// what fits on screen. Keyboard: ↑/↓/Home/End move, → opens a folder or goes into it, ← closes
// it or goes to its parent, Enter opens, Space selects for restore. A session file shows its
// title (from the catalog) before its name. Leaving for a file and coming back (`position`)
// returns to the same scroll offset with the opened file's row focused.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import type { TreeEntryInfo } from '../../../shared/models.ts';
import { Icon } from '../../components/icon.tsx';
import { formatBytes, formatDateTime } from '../../lib/format.ts';
import { visibleRows, type TreeRow } from '../../lib/tree-rows.ts';
import { entryKey, useSnapshots } from '../../stores/snapshots.ts';

export const TREE_ROW_HEIGHT = 32;

export interface TreeBrowserProps {
  snapshotId: string;
  expanded: ReadonlySet<string>;
  onToggle: (path: string) => void;
  selected: ReadonlySet<string>;
  onSelect: (path: string, selected: boolean) => void;
  onOpenFile: (entry: TreeEntryInfo) => void;
  /** Root path to list; '' lists the snapshot's sources. */
  root?: string;
  /** Where the tree was left (kept by the parent across opening a file): restored on mount. */
  position?: RefObject<TreePosition>;
}

export interface TreePosition {
  scrollTop: number;
  /** The row to focus when coming back (the file that was opened). */
  path?: string;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function TreeBrowser({ snapshotId, expanded, onToggle, selected, onSelect, onOpenFile, root = '', position }: TreeBrowserProps) {
  const dirs = useSnapshots((s) => s.dirs);
  const titles = useSnapshots((s) => s.titles);
  const loadDir = useSnapshots((s) => s.loadDir);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);

  useEffect(() => {
    void loadDir(snapshotId, root);
  }, [snapshotId, root, loadDir]);

  useEffect(() => {
    for (const path of expanded) void loadDir(snapshotId, path);
  }, [expanded, snapshotId, loadDir]);

  const rows = useMemo(() => visibleRows(root, (path) => dirs[entryKey(snapshotId, path)], expanded), [dirs, snapshotId, expanded, root]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => TREE_ROW_HEIGHT,
    overscan: 8,
    initialOffset: () => position?.current?.scrollTop ?? 0,
  });

  // Coming back from a file: focus its row, where it was.
  const back = useRef(position?.current?.path);
  useEffect(() => {
    const path = back.current;
    if (!path) return;
    const index = rows.findIndex((r) => r.kind === 'entry' && r.entry.path === path);
    if (index < 0) return;
    back.current = undefined;
    setActive(index);
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-index="${index}"]`)?.focus({ preventScroll: true }));
  }, [rows]);

  const open = useCallback(
    (entry: TreeEntryInfo) => {
      if (position?.current) {
        position.current.scrollTop = scrollRef.current?.scrollTop ?? 0;
        position.current.path = entry.path;
      }
      onOpenFile(entry);
    },
    [onOpenFile, position],
  );

  const focusRow = useCallback(
    (index: number) => {
      const clamped = Math.max(0, Math.min(rows.length - 1, index));
      setActive(clamped);
      virtualizer.scrollToIndex(clamped, { align: 'auto' });
      requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-index="${clamped}"]`)?.focus());
    },
    [rows.length, virtualizer],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const row = rows[active];
    const entry = row?.kind === 'entry' ? row : undefined;
    switch (e.key) {
      case 'ArrowDown':
        focusRow(active + 1);
        break;
      case 'ArrowUp':
        focusRow(active - 1);
        break;
      case 'Home':
        focusRow(0);
        break;
      case 'End':
        focusRow(rows.length - 1);
        break;
      case 'ArrowRight':
        if (entry?.entry.type === 'dir') {
          if (!entry.expanded) onToggle(entry.entry.path);
          else focusRow(active + 1);
        }
        break;
      case 'ArrowLeft':
        if (entry?.entry.type === 'dir' && entry.expanded) onToggle(entry.entry.path);
        else if (entry) {
          const parent = parentOf(entry.entry.path);
          const index = rows.findIndex((r) => r.kind === 'entry' && r.entry.path === parent);
          if (index >= 0) focusRow(index);
        }
        break;
      case 'Enter':
        if (entry) {
          if (entry.entry.type === 'dir') onToggle(entry.entry.path);
          else open(entry.entry);
        }
        break;
      case ' ':
        if (entry) onSelect(entry.entry.path, !selected.has(entry.entry.path));
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  return (
    <div className="tree" data-testid="tree-browser">
      <div className="tree-head" aria-hidden="true">
        <span className="tree-col-name">Name</span>
        <span className="tree-col-size">Size</span>
        <span className="tree-col-time">Modified</span>
      </div>
      <div ref={scrollRef} className="tree-scroll" role="tree" aria-label="Files in this snapshot" aria-multiselectable="true" onKeyDown={onKeyDown}>
        <div className="virtual-space" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <div key={item.key} className="virtual-row" style={{ transform: `translateY(${item.start}px)`, height: TREE_ROW_HEIGHT }}>
                <Row
                  row={row}
                  index={item.index}
                  active={item.index === active}
                  selected={row.kind === 'entry' && selected.has(row.entry.path)}
                  onFocus={() => setActive(item.index)}
                  onToggle={onToggle}
                  onSelect={onSelect}
                  onOpenFile={open}
                  title={row.kind === 'entry' ? titles[entryKey(snapshotId, row.entry.path)] : undefined}
                  onRetry={(path) => void loadDir(snapshotId, path, true)}
                />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

function Row({
  row,
  index,
  active,
  selected,
  onFocus,
  onToggle,
  onSelect,
  onOpenFile,
  onRetry,
  title,
}: {
  title?: string | undefined;
  row: TreeRow;
  index: number;
  active: boolean;
  selected: boolean;
  onFocus: () => void;
  onToggle: (path: string) => void;
  onSelect: (path: string, selected: boolean) => void;
  onOpenFile: (entry: TreeEntryInfo) => void;
  onRetry: (path: string) => void;
}) {
  const indent = { paddingLeft: 10 + row.depth * 18 };
  if (row.kind === 'loading') {
    return (
      <div className="tree-row tree-row-note" style={indent} role="none" data-index={index}>
        <span className="spinner spinner-sm" aria-hidden="true" /> Loading…
      </div>
    );
  }
  if (row.kind === 'empty') {
    return (
      <div className="tree-row tree-row-note" style={indent} role="none" data-index={index}>
        Empty folder
      </div>
    );
  }
  if (row.kind === 'error') {
    return (
      <div className="tree-row tree-row-note is-error" style={indent} role="none" data-index={index}>
        <Icon name="alert" size={14} /> {row.message}
        <button type="button" className="link-button" onClick={() => onRetry(row.parent)}>
          Retry
        </button>
      </div>
    );
  }
  const { entry, expanded } = row;
  const isDir = entry.type === 'dir';
  return (
    <div
      className={`tree-row${selected ? ' is-selected' : ''}`}
      role="treeitem"
      aria-level={row.depth + 1}
      aria-expanded={isDir ? expanded : undefined}
      aria-selected={selected}
      tabIndex={active ? 0 : -1}
      data-index={index}
      data-path={entry.path}
      onFocus={onFocus}
      onClick={() => (isDir ? onToggle(entry.path) : onOpenFile(entry))}
    >
      <input
        type="checkbox"
        className="tree-check"
        tabIndex={-1}
        checked={selected}
        aria-label={`Select ${entry.name} for restore`}
        onClick={(e) => e.stopPropagation()}
        onChange={(e) => onSelect(entry.path, e.target.checked)}
      />
      <span className="tree-col-name" style={{ paddingLeft: row.depth * 18 }}>
        <span className="tree-twisty" aria-hidden="true">
          {isDir && <Icon name={expanded ? 'chevronDown' : 'chevronRight'} size={14} />}
        </span>
        <Icon name={isDir ? 'folder' : entry.type === 'symlink' ? 'link' : entry.name.endsWith('.jsonl') ? 'fileText' : 'file'} size={15} className={isDir ? 'tree-icon-dir' : 'tree-icon-file'} />
        {title ? (
          <span className="tree-name" title={`${title}\n${entry.path}`}>
            <span className="tree-session-title">{title}</span> <span className="tree-file-name">{entry.name}</span>
          </span>
        ) : (
          <span className="tree-name" title={entry.path}>
            {entry.name}
          </span>
        )}
        {entry.type === 'symlink' && entry.target && <span className="tree-target">→ {entry.target}</span>}
      </span>
      <span className="tree-col-size">{isDir ? '' : formatBytes(entry.size)}</span>
      <span className="tree-col-time">{Number.isFinite(entry.mtimeMs) && entry.mtimeMs > 0 ? formatDateTime(new Date(entry.mtimeMs).toISOString()) : ''}</span>
    </div>
  );
}

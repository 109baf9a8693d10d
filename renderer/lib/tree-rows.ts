// The visible rows of a lazily loaded tree: directories are listed one level at a time, and the
// rows to show are the expanded directories' entries flattened in order, with their depth.

import type { TreeEntryInfo } from '../../shared/models.ts';

export type DirListing =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'loaded'; entries: readonly TreeEntryInfo[] };

export type TreeRow =
  | { kind: 'entry'; entry: TreeEntryInfo; depth: number; expanded: boolean }
  | { kind: 'loading'; depth: number; parent: string }
  | { kind: 'error'; depth: number; parent: string; message: string }
  | { kind: 'empty'; depth: number; parent: string };

/** Directories first, then by name, case-insensitively. */
export function sortEntries(entries: readonly TreeEntryInfo[]): TreeEntryInfo[] {
  return [...entries].sort((x, y) => {
    if ((x.type === 'dir') !== (y.type === 'dir')) return x.type === 'dir' ? -1 : 1;
    return x.name.localeCompare(y.name, undefined, { sensitivity: 'base', numeric: true });
  });
}

export function visibleRows(root: string, listing: (path: string) => DirListing | undefined, expanded: ReadonlySet<string>): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (path: string, depth: number): void => {
    const dir = listing(path);
    if (!dir || dir.state === 'loading') {
      rows.push({ kind: 'loading', depth, parent: path });
      return;
    }
    if (dir.state === 'error') {
      rows.push({ kind: 'error', depth, parent: path, message: dir.message });
      return;
    }
    if (dir.entries.length === 0) {
      rows.push({ kind: 'empty', depth, parent: path });
      return;
    }
    for (const entry of dir.entries) {
      const isOpen = entry.type === 'dir' && expanded.has(entry.path);
      rows.push({ kind: 'entry', entry, depth, expanded: isOpen });
      if (isOpen) walk(entry.path, depth + 1);
    }
  };
  walk(root, 0);
  return rows;
}

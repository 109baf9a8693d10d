// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sortEntries } from '../../lib/tree-rows.ts';
import { entryKey, initialSnapshotsState, useSnapshots } from '../../stores/snapshots.ts';
import { installMockApi, ok, removeMockApi } from '../../test-support/mock-api.ts';
import { entry } from '../../test-support/samples.ts';
import { TREE_ROW_HEIGHT, TreeBrowser } from './tree-browser.tsx';

const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('tree-scroll') ? 640 : 0;
    },
  });
});
afterAll(() => {
  if (original) Object.defineProperty(HTMLElement.prototype, 'clientHeight', original);
});
beforeEach(() => useSnapshots.setState(initialSnapshotsState));
afterEach(() => {
  cleanup();
  removeMockApi();
});

const N = 10_000;

function seed(): void {
  const entries = [entry('big', 'dir'), ...Array.from({ length: N - 1 }, (_, i) => entry(`file-${String(i).padStart(5, '0')}.jsonl`))];
  useSnapshots.setState({ dirs: { [entryKey('s1', '')]: { state: 'loaded', entries: sortEntries(entries) } } });
}

function renderTree(props: Partial<Parameters<typeof TreeBrowser>[0]> = {}) {
  const handlers = { onToggle: vi.fn(), onSelect: vi.fn(), onOpenFile: vi.fn() };
  const view = render(<TreeBrowser snapshotId="s1" expanded={new Set()} selected={new Set()} {...handlers} {...props} />);
  return { ...view, ...handlers };
}

describe('TreeBrowser', () => {
  it('renders only a window of rows for 10,000 entries', () => {
    const mock = installMockApi();
    seed();
    const { container } = renderTree();
    const rows = screen.getAllByRole('treeitem');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(60);
    expect((container.querySelector('.virtual-space') as HTMLElement).style.height).toBe(`${N * TREE_ROW_HEIGHT}px`);
    expect(mock.callsTo('snapshots.tree')).toHaveLength(0);
  });

  it('opens folders, opens files and selects with the keyboard', () => {
    installMockApi();
    seed();
    const { onToggle, onOpenFile, onSelect } = renderTree();
    const rows = screen.getAllByRole('treeitem');
    fireEvent.click(rows[0] as HTMLElement);
    expect(onToggle).toHaveBeenCalledWith('big');
    fireEvent.click(rows[1] as HTMLElement);
    expect(onOpenFile).toHaveBeenCalledWith(expect.objectContaining({ path: 'file-00000.jsonl' }));
    fireEvent.keyDown(screen.getByRole('tree'), { key: ' ' });
    expect(onSelect).toHaveBeenCalledWith('big', true);
  });

  it('loads an expanded folder’s entries through the API and shows them indented', async () => {
    const mock = installMockApi({ 'snapshots.tree': ({ path }) => ok(path === 'big' ? [entry('big/inner.jsonl', 'file', 99)] : []) });
    seed();
    renderTree({ expanded: new Set(['big']) });
    expect(await screen.findByText('inner.jsonl')).toBeTruthy();
    expect(mock.callsTo('snapshots.tree')).toEqual([{ snapshotId: 's1', path: 'big' }]);
    const inner = screen.getByRole('treeitem', { name: /inner\.jsonl/ });
    expect(inner.getAttribute('aria-level')).toBe('2');
  });

  it('shows a folder that failed to load with a retry', async () => {
    installMockApi({ 'snapshots.tree': () => ({ ok: false, error: { code: 'integrity', message: 'The tree blob failed authentication.', retryable: false } }) });
    renderTree();
    expect(await screen.findByText(/failed authentication/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });
});

// @vitest-environment jsdom
// The sidebar's status line: after a sync that failed or couldn't reach the vault, the time shown
// is the last sync that worked, and it says so (it read "Synced just now" under "Needs attention").
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { status } from '../../test-support/samples.ts';
import { initialStatusState, useStatus } from '../../stores/status.ts';
import { Sidebar } from './sidebar.tsx';

describe('Sidebar status line', () => {
  afterEach(() => {
    cleanup();
    useStatus.setState(initialStatusState);
  });

  it.each([
    ['idle', 'Synced '],
    ['error', 'Last synced '],
    ['offline', 'Last synced '],
  ] as const)('%s: says "%s"', (state, text) => {
    useStatus.setState({ ...initialStatusState, status: status({ state, lastSyncAt: new Date(Date.now() - 60_000).toISOString() }) });
    render(<Sidebar />);
    const line = screen.getByText((_, el) => el?.tagName === 'DIV' && /^(Last s|S)ynced /.test(el.textContent ?? ''));
    expect(line.textContent?.startsWith(text)).toBe(true);
  });
});

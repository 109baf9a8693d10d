// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionItemView, SessionSummary } from '../../../shared/sessions.ts';
import { installMockApi, ok, removeMockApi } from '../../test-support/mock-api.ts';
import { SessionsScreen } from './sessions-screen.tsx';
import { initialSessionsState, PAGE_ITEMS, useSessions } from './sessions-store.ts';

function session(id: string, extra: Partial<SessionSummary> = {}): SessionSummary {
  return { key: `claude-code:${id}`, agent: 'claude-code', format: 'claude-code', id, title: `Session ${id}`, project: '/home/alice/shop', updatedAt: '2026-12-01T10:00:00Z', messages: 4, toolCalls: 1, bytes: 100, deviceId: 'aaaaaaaaaaaaaaaa', deviceName: 'laptop', deviceIds: ['aaaaaaaaaaaaaaaa'], ...extra };
}

const message = (seq: number, text: string): SessionItemView => ({ kind: 'message', seq, role: seq % 2 === 0 ? 'user' : 'assistant', text });

describe('Sessions screen', () => {
  beforeEach(() => useSessions.setState(initialSessionsState));
  afterEach(() => {
    cleanup();
    removeMockApi();
  });

  it('lists sessions grouped by project, searches with highlighted hits, pages a conversation and continues it', async () => {
    const mock = installMockApi({
      'sessions.list': () => ok([session('one'), session('two', { project: '/home/alice/blog', agent: 'codex', key: 'codex:two' }), session('three')]),
      'sessions.search': () => ok([{ session: session('three'), seq: 1, snippet: [{ text: 'the ', hit: false }, { text: 'billing test', hit: true }, { text: ' passes', hit: false }] }]),
      'sessions.page': ({ cursor }) => ok(cursor ? { items: [message(2, 'second page')], from: 'vault' as const } : { items: [message(0, 'fix the billing test'), message(1, 'done')], next: 'c1', from: 'vault' as const }),
      'sessions.continue': () => ok({ written: ['/home/bob/.claude/projects/-home-bob-shop/three.jsonl'], unchanged: [], replaced: [], project: '/home/bob/shop', command: 'cd /home/bob/shop && claude --resume three', notes: [] }),
    });
    render(<SessionsScreen />);
    await screen.findByText('Session one');
    expect(mock.callsTo('sessions.list')[0]).toEqual({ filter: {}, refresh: true });
    // Grouped by project, in the order of each group's newest session.
    const groups = screen.getAllByRole('region').map((r) => r.getAttribute('aria-label'));
    expect(groups).toEqual(['/home/alice/shop', '/home/alice/blog']);

    fireEvent.change(screen.getByLabelText('Search sessions'), { target: { value: '"billing test"' } });
    await waitFor(() => expect(mock.callsTo('sessions.search')).toHaveLength(1));
    const mark = await screen.findByText('billing test', { selector: 'mark' });
    expect(mark.closest('button')?.getAttribute('data-session-id')).toBe('three');

    fireEvent.click(mark.closest('button') as HTMLElement);
    await screen.findByText('fix the billing test');
    expect(mock.callsTo('sessions.page')[0]).toEqual({ agent: 'claude-code', id: 'three', limit: PAGE_ITEMS });
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText('second page');
    expect(mock.callsTo('sessions.page')[1]).toEqual({ agent: 'claude-code', id: 'three', limit: PAGE_ITEMS, cursor: 'c1' });
    // The hit's item is marked.
    expect(document.querySelector('[data-seq="1"]')?.classList.contains('is-hit')).toBe(true);

    fireEvent.click(screen.getByRole('button', { name: /Continue on this machine/ }));
    await screen.findByText('cd /home/bob/shop && claude --resume three');

    // A filter goes to main with the list and the search.
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Agent'), { target: { value: 'codex' } });
    });
    await waitFor(() => expect(mock.callsTo('sessions.list').at(-1)).toEqual({ filter: { agent: 'codex' }, refresh: false }));
    await waitFor(() => expect(mock.callsTo('sessions.search').at(-1)).toMatchObject({ filter: { agent: 'codex' } }));
  });
});

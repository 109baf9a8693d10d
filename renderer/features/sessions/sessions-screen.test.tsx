// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SessionItemView, SessionSummary } from '../../../shared/sessions.ts';
import { installMockApi, ok, removeMockApi } from '../../test-support/mock-api.ts';
import { SessionsScreen } from './sessions-screen.tsx';
import { initialSessionsState, KEEP_PAGES, PAGE_ITEMS, useSessions } from './sessions-store.ts';

// jsdom lays nothing out: the conversation's scroller gets a height (so the virtual list has a
// view to fill), a scroll height (its rows' total), and scrollTo moves it.
const clientHeight = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
const scrollHeight = Object.getOwnPropertyDescriptor(Element.prototype, 'scrollHeight');
const scrollTo = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'scrollTo');
const scrollTops = new WeakMap<HTMLElement, number>();
const scrollTop = Object.getOwnPropertyDescriptor(Element.prototype, 'scrollTop');
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'scrollTop', {
    configurable: true,
    get(this: HTMLElement) {
      return scrollTops.get(this) ?? 0;
    },
    set(this: HTMLElement, top: number) {
      scrollTops.set(this, top);
    },
  });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('conversation') ? 600 : 0;
    },
  });
  Object.defineProperty(HTMLElement.prototype, 'scrollHeight', {
    configurable: true,
    get(this: HTMLElement) {
      const space = this.querySelector<HTMLElement>(':scope > .virtual-space');
      return space ? Number.parseFloat(space.style.height || '0') : 0;
    },
  });
  Object.defineProperty(HTMLElement.prototype, 'scrollTo', {
    configurable: true,
    value(this: HTMLElement, options: ScrollToOptions) {
      this.scrollTop = options.top ?? this.scrollTop;
      this.dispatchEvent(new Event('scroll'));
    },
  });
});
afterAll(() => {
  delete (HTMLElement.prototype as { scrollTop?: unknown }).scrollTop;
  delete (HTMLElement.prototype as { scrollHeight?: unknown }).scrollHeight;
  if (scrollHeight) Object.defineProperty(Element.prototype, 'scrollHeight', scrollHeight);
  if (scrollTop) Object.defineProperty(Element.prototype, 'scrollTop', scrollTop);
  if (clientHeight) Object.defineProperty(HTMLElement.prototype, 'clientHeight', clientHeight);
  if (scrollTo) Object.defineProperty(HTMLElement.prototype, 'scrollTo', scrollTo);
  else delete (HTMLElement.prototype as { scrollTo?: unknown }).scrollTo;
});

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
      'sessions.scan': () => ok({ total: PAGE_ITEMS + 1, cursors: ['c1'] }),
      'sessions.page': ({ cursor }) =>
        ok(cursor ? { items: [message(PAGE_ITEMS, 'second page')], from: 'vault' as const } : { items: [message(0, 'fix the billing test'), message(1, 'done'), ...Array.from({ length: PAGE_ITEMS - 2 }, (_, k) => message(k + 2, `step ${k + 2}`))], next: 'c1', from: 'vault' as const }),
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
    // The header counts what is listed: the hits, not the 3 sessions.
    expect(screen.getByText('1 session mentions “"billing test"”')).toBeTruthy();

    fireEvent.click(mark.closest('button') as HTMLElement);
    await screen.findByText('fix the billing test');
    expect(mock.callsTo('sessions.page')[0]).toEqual({ agent: 'claude-code', id: 'three', limit: PAGE_ITEMS });
    // The hit's item is marked.
    await waitFor(() => expect(document.querySelector('[data-seq="1"]')?.classList.contains('is-hit')).toBe(true));
    // Scrolled to the end, the next page is asked for without a click.
    const scroller = document.querySelector('.conversation') as HTMLElement;
    await act(async () => {
      scroller.scrollTo({ top: 10_000_000 });
      await new Promise((r) => setTimeout(r, 0));
    });
    await screen.findByText('second page');
    expect(mock.callsTo('sessions.page')[1]).toEqual({ agent: 'claude-code', id: 'three', limit: PAGE_ITEMS, cursor: 'c1' });

    fireEvent.click(screen.getByRole('button', { name: /Continue on this machine/ }));
    await screen.findByText('cd /home/bob/shop && claude --resume three');
    // Where the files landed, not only how many.
    expect(screen.getByRole('list', { name: 'Files restored' }).textContent).toBe('/home/bob/.claude/projects/-home-bob-shop/three.jsonl');

    // A filter goes to main with the list and the search.
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Agent'), { target: { value: 'codex' } });
    });
    await waitFor(() => expect(mock.callsTo('sessions.list').at(-1)).toEqual({ filter: { agent: 'codex' }, refresh: false }));
    await waitFor(() => expect(mock.callsTo('sessions.search').at(-1)).toMatchObject({ filter: { agent: 'codex' } }));
  });

  it('"Updated" shows the window still applied when the screen is opened again, and counts it back from each request', async () => {
    const mock = installMockApi({ 'sessions.list': () => ok([session('one')]) });
    const view = render(<SessionsScreen />);
    await screen.findByText('Session one');
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Updated'), { target: { value: '7' } });
    });
    const sinceOf = (call: unknown) => Date.parse((call as { filter: { since?: string } }).filter.since ?? '');
    await waitFor(() => expect(Date.now() - sinceOf(mock.callsTo('sessions.list').at(-1))).toBeGreaterThan(7 * 86_400_000 - 60_000));
    // Away and back (the screen mounts again): the select says what the list is filtered by.
    view.unmount();
    render(<SessionsScreen />);
    await screen.findByText('Session one');
    expect((screen.getByLabelText('Updated') as HTMLSelectElement).value).toBe('7');
    expect(Date.now() - sinceOf(mock.callsTo('sessions.list').at(-1))).toBeLessThan(7 * 86_400_000 + 60_000);
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Updated'), { target: { value: 'any' } });
    });
    await waitFor(() => expect(mock.callsTo('sessions.list').at(-1)).toEqual({ filter: {}, refresh: false }));
  });

  it('opens a long conversation at the search hit without reading the pages before it, and keeps only the rows and pages near the view', async () => {
    const TOTAL = 5000;
    const HIT = 2_345;
    const page = (from: number) => Array.from({ length: Math.min(PAGE_ITEMS, TOTAL - from) }, (_, k) => message(from + k, `message number ${from + k}`));
    const cursors = Array.from({ length: Math.ceil(TOTAL / PAGE_ITEMS) - 1 }, (_, k) => String((k + 1) * PAGE_ITEMS));
    const mock = installMockApi({
      'sessions.list': () => ok([session('long')]),
      'sessions.search': () => ok([{ session: session('long'), seq: HIT, snippet: [{ text: 'needle', hit: true }] }]),
      'sessions.scan': () => ok({ total: TOTAL, cursors }),
      'sessions.page': ({ cursor }) => {
        const from = cursor ? Number(cursor) : 0;
        const next = from + PAGE_ITEMS;
        return ok({ items: page(from), from: 'local' as const, ...(next < TOTAL ? { next: String(next) } : {}) });
      },
    });
    render(<SessionsScreen />);
    await screen.findByText('Session long');
    fireEvent.change(screen.getByLabelText('Search sessions'), { target: { value: 'needle' } });
    const mark = await screen.findByText('needle', { selector: 'mark' });
    fireEvent.click(mark.closest('button') as HTMLElement);

    // The hit's page is read straight after the scan, scrolled to and marked...
    const hit = await waitFor(() => {
      const el = document.querySelector(`.conversation [data-seq="${HIT}"]`);
      expect(el).not.toBeNull();
      return el as HTMLElement;
    });
    expect(hit.classList.contains('is-hit')).toBe(true);
    // ...without the pages between the first and the hit's.
    const asked = () => mock.callsTo('sessions.page').map((c) => Number((c as { cursor?: string }).cursor ?? 0));
    expect(asked()).toContain(Math.floor(HIT / PAGE_ITEMS) * PAGE_ITEMS);
    expect(asked().filter((from) => from > 0 && from < 2000)).toEqual([]);
    const rows = () => document.querySelectorAll('.conversation .transcript-row').length;
    expect(rows()).toBeGreaterThan(0);
    expect(rows()).toBeLessThan(40);
    expect(document.querySelector('.conversation [data-seq="0"]')).toBeNull();

    // Scrolled to the end, the pages on the way are read, the DOM stays the same size and the
    // pages held stay few.
    const scroller = document.querySelector('.conversation') as HTMLElement;
    for (let i = 0; i < 40 && !document.querySelector(`.conversation [data-seq="${TOTAL - 1}"]`); i++) {
      await act(async () => {
        scroller.scrollTo({ top: 10_000_000 });
        await new Promise((r) => setTimeout(r, 0));
      });
    }
    await waitFor(() => expect(document.querySelector(`.conversation [data-seq="${TOTAL - 1}"]`)).not.toBeNull());
    expect(rows()).toBeLessThan(40);
    expect(useSessions.getState().open?.pages.size).toBeLessThanOrEqual(KEEP_PAGES);
  });
});

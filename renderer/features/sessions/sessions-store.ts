// The Sessions screen's state: every device's sessions (newest first), the filters and the search
// text, the opened session's pages (fetched one at a time from main), continue and export.

import { create } from 'zustand';
import type { ErrorRecord } from '../../../shared/errors.ts';
import type { ContinueInfo, SessionFilterInput, SessionHit, SessionItemView, SessionSummary } from '../../../shared/sessions.ts';
import { call } from '../../api.ts';

/** Items per page asked of main: a screenful or two, whatever the transcript's size. */
export const PAGE_ITEMS = 100;
/** Search hits asked of main: the best this many sessions (the screen says when there may be more). */
export const SEARCH_LIMIT = 100;
/** Pages held at most (those nearest the view are kept; the others are read again when scrolled back to). */
export const KEEP_PAGES = 8;

/**
 * The opened session: pages of PAGE_ITEMS items by number, fetched from main as they come into
 * view. A scan in main counts the items and gives every page's cursor, so any page (the one with
 * the search hit the session was opened from) is read directly; pages far from the view are
 * dropped, so memory doesn't grow with the transcript.
 */
export interface OpenSession {
  session: SessionSummary;
  pages: ReadonlyMap<number, SessionItemView[]>;
  /** Items in the session, once counted (or once the last page was read). */
  total?: number;
  /** `cursors[k - 1]` starts page k (from the scan). */
  cursors?: string[];
  /** Cursors met reading pages before the scan came: `nexts.get(k)` starts page k + 1. */
  nexts: ReadonlyMap<number, string>;
  loading: boolean;
  error?: ErrorRecord;
  from?: 'local' | 'vault';
  /** The search hit the session was opened from, to mark and scroll to its item. */
  hitSeq?: number;
}

export interface SessionsState {
  sessions?: SessionSummary[];
  loading: boolean;
  error?: ErrorRecord;
  filter: SessionFilterInput;
  /** "Updated" as chosen: the last N days, counted back from each request (undefined: any time). */
  sinceDays?: number;
  query: string;
  /** Hits for `query` (undefined when there is no query). */
  hits?: SessionHit[];
  searching: boolean;
  open?: OpenSession;
  continuing: boolean;
  continued?: ContinueInfo;
  actionError?: ErrorRecord;
  load(refresh?: boolean): Promise<void>;
  setFilter(patch: Partial<SessionFilterInput>): Promise<void>;
  setSinceDays(days: number | undefined): Promise<void>;
  search(query: string): Promise<void>;
  openSession(session: SessionSummary, hitSeq?: number): Promise<void>;
  /** Reads page `k` unless it is loaded or on its way (`k` > 0 needs its cursor). */
  loadPage(k: number): Promise<void>;
  /** The pages on screen: the ones kept when others are dropped. */
  setView(first: number, last: number): void;
  close(): void;
  /** `replace`: asked for after a refusal (`conflict`): this machine's copy has changes of its own. */
  continueHere(replace?: boolean): Promise<void>;
  exportMarkdown(folder: string): Promise<string | undefined>;
}

export const initialSessionsState = { sessions: undefined, loading: false, error: undefined, filter: {}, sinceDays: undefined, query: '', hits: undefined, searching: false, open: undefined, continuing: false, continued: undefined, actionError: undefined };

let searchSerial = 0;
const DAY = 86_400_000;
/** The filter sent to main: the chosen fields, and "Updated" as a time from now. */
const filterOf = (s: Pick<SessionsState, 'filter' | 'sinceDays'>): SessionFilterInput => (s.sinceDays === undefined ? s.filter : { ...s.filter, since: new Date(Date.now() - s.sinceDays * DAY).toISOString() });
/** Pages on their way from main (`session key:page`), and the open session's pages on screen. */
const asked = new Set<string>();
let view = { first: 0, last: 0 };

export const useSessions = create<SessionsState>()((set, get) => ({
  ...initialSessionsState,
  async load(refresh = false) {
    set({ loading: true });
    const result = await call('sessions.list', { filter: filterOf(get()), refresh });
    if (result.ok) set({ sessions: result.value, loading: false, error: undefined });
    else set({ loading: false, error: result.error });
    if (get().query) await get().search(get().query);
  },
  async setFilter(patch) {
    const filter = { ...get().filter, ...patch };
    for (const k of Object.keys(filter) as (keyof SessionFilterInput)[]) if (!filter[k]) delete filter[k];
    set({ filter });
    await get().load();
  },
  async setSinceDays(days) {
    set({ sinceDays: days });
    await get().load();
  },
  async search(query) {
    const serial = ++searchSerial;
    set({ query });
    if (!query.trim()) {
      set({ hits: undefined, searching: false });
      return;
    }
    set({ searching: true });
    const result = await call('sessions.search', { text: query, filter: filterOf(get()), limit: SEARCH_LIMIT });
    if (serial !== searchSerial) return; // a newer search is under way
    if (result.ok) set({ hits: result.value, searching: false, error: undefined });
    else set({ hits: [], searching: false, error: result.error });
  },
  async openSession(session, hitSeq) {
    view = { first: 0, last: 0 };
    set({ open: { session, pages: new Map(), nexts: new Map(), loading: true, ...(hitSeq !== undefined ? { hitSeq } : {}) }, continued: undefined, actionError: undefined });
    const first = get().loadPage(0);
    const hitPage = hitSeq === undefined ? 0 : Math.floor(hitSeq / PAGE_ITEMS);
    // A hit beyond the first page: its page comes straight after the scan (one pass in main), not
    // after reading every page before it.
    if (hitPage === 0) await first;
    const scan = await call('sessions.scan', { agent: session.agent, id: session.id, pageSize: PAGE_ITEMS });
    const now = get().open;
    if (!now || now.session.key !== session.key) return;
    if (!scan.ok) {
      set({ open: { ...now, error: scan.error } });
      return;
    }
    set({ open: { ...now, total: scan.value.total, cursors: scan.value.cursors } });
    if (hitPage > 0) {
      view = { first: hitPage, last: hitPage };
      await get().loadPage(hitPage);
    }
    await first;
  },
  async loadPage(k) {
    const open = get().open;
    const key = open?.session.key;
    if (!open || asked.has(`${key}:${k}`) || open.pages.has(k)) return;
    const cursor = k === 0 ? undefined : (open.cursors?.[k - 1] ?? open.nexts.get(k - 1));
    if (k > 0 && cursor === undefined) return;
    asked.add(`${key}:${k}`);
    set({ open: { ...open, loading: true } });
    const result = await call('sessions.page', { agent: open.session.agent, id: open.session.id, limit: PAGE_ITEMS, ...(cursor !== undefined ? { cursor } : {}) });
    asked.delete(`${key}:${k}`);
    const now = get().open;
    if (!now || now.session.key !== key) return;
    if (!result.ok) {
      set({ open: { ...now, loading: asked.size > 0, error: result.error } });
      return;
    }
    const page = result.value;
    const nexts = page.next === undefined ? now.nexts : new Map(now.nexts).set(k, page.next);
    const pages = new Map(now.pages).set(k, page.items);
    // Drop the pages farthest from the view.
    const distance = (p: number) => (p < view.first ? view.first - p : p > view.last ? p - view.last : 0);
    for (const p of [...pages.keys()].filter((p) => p !== k).sort((a, b) => distance(b) - distance(a))) {
      if (pages.size <= KEEP_PAGES || distance(p) === 0) break;
      pages.delete(p);
    }
    const total = page.next === undefined ? k * PAGE_ITEMS + page.items.length : now.total;
    const { error: _cleared, ...rest } = now;
    set({ open: { ...rest, pages, nexts, loading: asked.size > 0, from: page.from, ...(total !== undefined ? { total } : {}) } });
  },
  setView(first, last) {
    view = { first, last };
  },
  close() {
    set({ open: undefined, continued: undefined, actionError: undefined });
  },
  async continueHere(replace = false) {
    const open = get().open;
    if (!open) return;
    // The last result goes: it said what an earlier run did, not this one.
    set({ continuing: true, actionError: undefined, continued: undefined });
    const result = await call('sessions.continue', { agent: open.session.agent, id: open.session.id, ...(replace ? { replace } : {}) });
    if (result.ok) set({ continuing: false, continued: result.value });
    else set({ continuing: false, actionError: result.error });
  },
  async exportMarkdown(folder) {
    const open = get().open;
    if (!open) return undefined;
    const result = await call('sessions.export', { agent: open.session.agent, id: open.session.id, folder });
    if (result.ok) return result.value.path;
    set({ actionError: result.error });
    return undefined;
  },
}));

// The Sessions screen's state: every device's sessions (newest first), the filters and the search
// text, the opened session's pages (fetched one at a time from main), continue and export.

import { create } from 'zustand';
import type { ErrorRecord } from '../../../shared/errors.ts';
import type { ContinueInfo, SessionFilterInput, SessionHit, SessionItemView, SessionSummary } from '../../../shared/sessions.ts';
import { call } from '../../api.ts';

/** Items per page asked of main: a screenful or two, whatever the transcript's size. */
export const PAGE_ITEMS = 100;
/** Pages read at most to reach a search hit when a session is opened from one. */
export const HIT_PAGES = 200;

export interface OpenSession {
  session: SessionSummary;
  items: SessionItemView[];
  next?: string;
  loading: boolean;
  error?: ErrorRecord;
  from?: 'local' | 'vault';
  /** The search hit the session was opened from, to mark its item. */
  hitSeq?: number;
}

export interface SessionsState {
  sessions?: SessionSummary[];
  loading: boolean;
  error?: ErrorRecord;
  filter: SessionFilterInput;
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
  search(query: string): Promise<void>;
  openSession(session: SessionSummary, hitSeq?: number): Promise<void>;
  more(): Promise<void>;
  close(): void;
  continueHere(): Promise<void>;
  exportMarkdown(folder: string): Promise<string | undefined>;
}

export const initialSessionsState = { sessions: undefined, loading: false, error: undefined, filter: {}, query: '', hits: undefined, searching: false, open: undefined, continuing: false, continued: undefined, actionError: undefined };

let searchSerial = 0;

export const useSessions = create<SessionsState>()((set, get) => ({
  ...initialSessionsState,
  async load(refresh = false) {
    set({ loading: true });
    const result = await call('sessions.list', { filter: get().filter, refresh });
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
  async search(query) {
    const serial = ++searchSerial;
    set({ query });
    if (!query.trim()) {
      set({ hits: undefined, searching: false });
      return;
    }
    set({ searching: true });
    const result = await call('sessions.search', { text: query, filter: get().filter, limit: 100 });
    if (serial !== searchSerial) return; // a newer search is under way
    if (result.ok) set({ hits: result.value, searching: false, error: undefined });
    else set({ hits: [], searching: false, error: result.error });
  },
  async openSession(session, hitSeq) {
    set({ open: { session, items: [], loading: true, ...(hitSeq !== undefined ? { hitSeq } : {}) }, continued: undefined, actionError: undefined });
    await get().more();
    // Opened from a search hit: pages are read until the hit's item is loaded, so the
    // conversation can scroll to it (at most HIT_PAGES pages; the user can load more).
    for (let page = 1; hitSeq !== undefined && page < HIT_PAGES; page++) {
      const now = get().open;
      if (!now || now.session.key !== session.key || !now.next || now.error) break;
      if (now.items.some((i) => i.seq >= hitSeq)) break;
      await get().more();
    }
  },
  async more() {
    const open = get().open;
    if (!open) return;
    set({ open: { ...open, loading: true } });
    const result = await call('sessions.page', { agent: open.session.agent, id: open.session.id, limit: PAGE_ITEMS, ...(open.next ? { cursor: open.next } : {}) });
    const now = get().open;
    if (!now || now.session.key !== open.session.key) return;
    if (result.ok) {
      const { next: _done, ...rest } = now;
      set({ open: { ...rest, items: [...now.items, ...result.value.items], loading: false, from: result.value.from, ...(result.value.next ? { next: result.value.next } : {}) } });
    } else set({ open: { ...now, loading: false, error: result.error } });
  },
  close() {
    set({ open: undefined, continued: undefined, actionError: undefined });
  },
  async continueHere() {
    const open = get().open;
    if (!open) return;
    set({ continuing: true, actionError: undefined });
    const result = await call('sessions.continue', { agent: open.session.agent, id: open.session.id });
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

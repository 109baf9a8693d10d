// Snapshots per device, their trees (one directory at a time), file previews, diffs, restore and
// pinning. Listings and previews are cached by snapshot and path: snapshots never change, so
// the only invalidation is a device's list when it gains a snapshot.

import { create } from 'zustand';
import type { FilePreview, RestorePreview } from '../../shared/ipc/contract.ts';
import type { ErrorRecord } from '../../shared/errors.ts';
import type { DiffEntry, SnapshotSummary } from '../../shared/models.ts';
import type { SessionPageView, SnapshotSessionInfo, SnapshotSessionScan } from '../../shared/sessions.ts';
import type { Result } from '../../shared/ipc/contract.ts';
import { call } from '../api.ts';
import { sortEntries, type DirListing } from '../lib/tree-rows.ts';

export interface Loadable<T> {
  data?: T;
  loading: boolean;
  error?: ErrorRecord;
}

export type RestoreTarget = { kind: 'original' } | { kind: 'folder'; path: string };

export interface RestoreRequest {
  snapshotId: string;
  /** Empty: the whole snapshot. */
  paths: string[];
  target: RestoreTarget;
  overwrite: boolean;
}

/** Bytes read for a preview; transcripts are usually well under this. */
export const PREVIEW_MAX_BYTES = 8 * 1024 * 1024;

export const entryKey = (snapshotId: string, path: string): string => `${snapshotId}\u0000${path}`;

export interface SnapshotsState {
  /** By device id. */
  lists: Record<string, Loadable<SnapshotSummary[]>>;
  dirs: Record<string, DirListing>;
  /** Session titles by entryKey(snapshot, path) of their file (from the catalog). */
  titles: Record<string, string>;
  previews: Record<string, Loadable<FilePreview>>;
  diffs: Record<string, Loadable<DiffEntry[]>>;
  pinning?: string;
  pinError?: ErrorRecord;
  restoring: boolean;
  restoreError?: ErrorRecord;
  loadList(deviceId: string): Promise<void>;
  loadDir(snapshotId: string, path: string, force?: boolean): Promise<void>;
  readFile(snapshotId: string, path: string): Promise<void>;
  loadDiff(snapshotId: string, againstId?: string): Promise<void>;
  restore(request: RestoreRequest): Promise<string | undefined>;
  /** What `restore(request)` would do, asked of the engine's planner; writes nothing. */
  planRestore(request: RestoreRequest): Promise<{ ok: true; value: RestorePreview } | { ok: false; error: ErrorRecord }>;
  pin(snapshotId: string, pinned: boolean): Promise<void>;
  /** A file read as a session by main's readers (null: none knows it). Nothing is cached: pages are. */
  sessionInfo(snapshotId: string, path: string): Promise<Result<SnapshotSessionInfo | null>>;
  sessionPage(snapshotId: string, path: string, limit: number, cursor?: string): Promise<Result<SessionPageView>>;
  sessionScan(snapshotId: string, path: string, pageSize: number, find?: string): Promise<Result<SnapshotSessionScan>>;
  invalidate(deviceId: string): void;
  clearRestoreError(): void;
}

export const initialSnapshotsState = {
  lists: {},
  dirs: {},
  titles: {},
  previews: {},
  diffs: {},
  pinning: undefined,
  pinError: undefined,
  restoring: false,
  restoreError: undefined,
};

const byTimeDesc = (a: SnapshotSummary, b: SnapshotSummary): number => b.time.localeCompare(a.time);

export const useSnapshots = create<SnapshotsState>()((set, get) => ({
  ...initialSnapshotsState,
  async loadList(deviceId) {
    set((s) => ({ lists: { ...s.lists, [deviceId]: { ...s.lists[deviceId], loading: true } } }));
    const result = await call('snapshots.list', { deviceId });
    set((s) => ({
      lists: {
        ...s.lists,
        [deviceId]: result.ok ? { data: [...result.value].sort(byTimeDesc), loading: false } : { data: s.lists[deviceId]?.data, loading: false, error: result.error },
      },
    }));
  },
  async loadDir(snapshotId, path, force = false) {
    const key = entryKey(snapshotId, path);
    const existing = get().dirs[key];
    if (!force && existing && existing.state !== 'error') return;
    set((s) => ({ dirs: { ...s.dirs, [key]: { state: 'loading' } } }));
    const [result, titles] = await Promise.all([call('snapshots.tree', { snapshotId, path }), path ? call('snapshots.titles', { snapshotId, path }) : undefined]);
    const listing: DirListing = result.ok ? { state: 'loaded', entries: sortEntries(result.value) } : { state: 'error', message: result.error.message };
    const found = titles?.ok ? Object.entries(titles.value) : [];
    set((s) => ({
      dirs: { ...s.dirs, [key]: listing },
      ...(found.length > 0 ? { titles: { ...s.titles, ...Object.fromEntries(found.map(([p, t]) => [entryKey(snapshotId, p), t])) } } : {}),
    }));
  },
  async readFile(snapshotId, path) {
    const key = entryKey(snapshotId, path);
    const existing = get().previews[key];
    if (existing && (existing.loading || existing.data)) return;
    set((s) => ({ previews: { ...s.previews, [key]: { loading: true } } }));
    const result = await call('snapshots.readFile', { snapshotId, path, maxBytes: PREVIEW_MAX_BYTES });
    set((s) => ({ previews: { ...s.previews, [key]: result.ok ? { data: result.value, loading: false } : { loading: false, error: result.error } } }));
  },
  async loadDiff(snapshotId, againstId) {
    const key = againstId ? `${snapshotId}:${againstId}` : snapshotId;
    const existing = get().diffs[key];
    if (existing && (existing.loading || existing.data)) return;
    set((s) => ({ diffs: { ...s.diffs, [key]: { loading: true } } }));
    const result = await call('snapshots.diff', againstId ? { snapshotId, againstId } : { snapshotId });
    set((s) => ({ diffs: { ...s.diffs, [key]: result.ok ? { data: result.value, loading: false } : { loading: false, error: result.error } } }));
  },
  async restore(request) {
    set({ restoring: true, restoreError: undefined });
    const result = await call('snapshots.restore', request);
    if (result.ok) {
      set({ restoring: false });
      return result.value.jobId;
    }
    set({ restoring: false, restoreError: result.error });
    return undefined;
  },
  async planRestore(request) {
    return call('snapshots.restorePlan', request);
  },
  async pin(snapshotId, pinned) {
    set({ pinning: snapshotId, pinError: undefined });
    const result = await call('snapshots.pin', { snapshotId, pinned });
    if (!result.ok) {
      set({ pinning: undefined, pinError: result.error });
      return;
    }
    const updated = result.value;
    set((s) => {
      const list = s.lists[updated.deviceId];
      const lists = list?.data ? { ...s.lists, [updated.deviceId]: { ...list, data: list.data.map((x) => (x.id === updated.id ? updated : x)) } } : s.lists;
      return { pinning: undefined, lists };
    });
  },
  sessionInfo: (snapshotId, path) => call('snapshots.session', { snapshotId, path }),
  sessionPage: (snapshotId, path, limit, cursor) => call('snapshots.sessionPage', { snapshotId, path, limit, ...(cursor !== undefined ? { cursor } : {}) }),
  sessionScan: (snapshotId, path, pageSize, find) => call('snapshots.sessionScan', { snapshotId, path, pageSize, ...(find ? { find } : {}) }),
  invalidate(deviceId) {
    if (get().lists[deviceId]) void get().loadList(deviceId);
  },
  clearRestoreError() {
    set({ restoreError: undefined });
  },
}));

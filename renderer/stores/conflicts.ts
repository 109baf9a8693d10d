// Sync conflicts: the list (pushed by `conflicts.changed`), each one's two versions, and the
// decision.

import { create } from 'zustand';
import type { FilePreview } from '../../shared/ipc/contract.ts';
import type { ErrorRecord } from '../../shared/errors.ts';
import type { ConflictInfo } from '../../shared/models.ts';
import { call } from '../api.ts';
import type { Loadable } from './snapshots.ts';

export interface ConflictDetail {
  conflict: ConflictInfo;
  mine: FilePreview;
  theirs: FilePreview;
}

export type Keep = 'mine' | 'theirs' | 'both';

/** Enough to show the differing tail of a long transcript. */
export const CONFLICT_PREVIEW_BYTES = 1024 * 1024;

export interface ConflictsState {
  conflicts?: ConflictInfo[];
  loading: boolean;
  error?: ErrorRecord;
  details: Record<string, Loadable<ConflictDetail>>;
  resolving?: string;
  resolveError?: ErrorRecord;
  load(): Promise<void>;
  get(id: string): Promise<void>;
  resolve(id: string, keep: Keep): Promise<boolean>;
  receive(conflicts: ConflictInfo[]): void;
}

export const initialConflictsState = { conflicts: undefined, loading: false, error: undefined, details: {}, resolving: undefined, resolveError: undefined };

export const useConflicts = create<ConflictsState>()((set) => ({
  ...initialConflictsState,
  async load() {
    set({ loading: true });
    const result = await call('conflicts.list', {});
    if (result.ok) set({ conflicts: result.value, loading: false, error: undefined });
    else set({ loading: false, error: result.error });
  },
  async get(id) {
    set((s) => ({ details: { ...s.details, [id]: { ...s.details[id], loading: true, error: undefined } } }));
    const result = await call('conflicts.get', { id, maxBytes: CONFLICT_PREVIEW_BYTES });
    set((s) => ({ details: { ...s.details, [id]: result.ok ? { data: result.value, loading: false } : { loading: false, error: result.error } } }));
  },
  async resolve(id, keep) {
    set({ resolving: id, resolveError: undefined });
    const result = await call('conflicts.resolve', { id, keep });
    if (!result.ok) {
      set({ resolving: undefined, resolveError: result.error });
      return false;
    }
    const resolved = result.value;
    set((s) => ({ resolving: undefined, conflicts: s.conflicts?.map((c) => (c.id === resolved.id ? resolved : c)) }));
    return true;
  },
  receive(conflicts) {
    set({ conflicts, error: undefined });
  },
}));

export const openConflicts = (conflicts: readonly ConflictInfo[] | undefined): number => conflicts?.filter((c) => c.status === 'open').length ?? 0;

// The engine's status: state, last/next sync, current job, fingerprint. Pushed by
// `status.changed`; loaded once at start.

import { create } from 'zustand';
import type { ErrorRecord } from '../../shared/errors.ts';
import type { EngineStatus } from '../../shared/models.ts';
import { call } from '../api.ts';

export interface StatusState {
  status?: EngineStatus;
  loading: boolean;
  /** Loading the status failed. */
  error?: ErrorRecord;
  /** Sync now / pause / resume failed. */
  actionError?: ErrorRecord;
  requesting: boolean;
  load(): Promise<void>;
  syncNow(): Promise<string | undefined>;
  pause(minutes: number): Promise<void>;
  resume(): Promise<void>;
  receive(status: EngineStatus): void;
  dismissActionError(): void;
}

export const initialStatusState = { status: undefined, loading: false, error: undefined, actionError: undefined, requesting: false };

export const useStatus = create<StatusState>()((set) => ({
  ...initialStatusState,
  async load() {
    set({ loading: true });
    const result = await call('status.get', {});
    if (result.ok) set({ status: result.value, loading: false, error: undefined });
    else set({ loading: false, error: result.error });
  },
  async syncNow() {
    set({ requesting: true, actionError: undefined });
    const result = await call('sync.now', {});
    if (result.ok) {
      set({ requesting: false });
      return result.value.jobId;
    }
    set({ requesting: false, actionError: result.error });
    return undefined;
  },
  async pause(minutes) {
    set({ requesting: true, actionError: undefined });
    const result = await call('sync.pause', { minutes });
    if (result.ok) set({ requesting: false, status: result.value });
    else set({ requesting: false, actionError: result.error });
  },
  async resume() {
    set({ requesting: true, actionError: undefined });
    const result = await call('sync.resume', {});
    if (result.ok) set({ requesting: false, status: result.value });
    else set({ requesting: false, actionError: result.error });
  },
  receive(status) {
    set({ status, error: undefined });
  },
  dismissActionError() {
    set({ actionError: undefined });
  },
}));

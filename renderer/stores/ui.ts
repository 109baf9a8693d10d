// Window-level state: which screen is shown, where it should focus, and transient toasts. Also
// the shell request to choose a folder, which several screens use.

import { create } from 'zustand';
import { call } from '../api.ts';

export type Screen = 'sessions' | 'dashboard' | 'snapshots' | 'devices' | 'conflicts' | 'settings';

export interface Toast {
  id: number;
  tone: 'info' | 'success' | 'danger';
  text: string;
}

export interface UiState {
  screen: Screen;
  /** The device whose snapshots the Snapshots screen shows. */
  snapshotsDeviceId?: string;
  selectedSnapshotId?: string;
  selectedConflictId?: string;
  toasts: Toast[];
  /** Shows `screen`; on Settings, scrolled to `section` (its id, say 'vault'). */
  navigate(screen: Screen, section?: string): void;
  /** The Settings section to scroll to once it is shown (navigate's `section`). */
  settingsSection?: string;
  showSnapshots(deviceId: string, snapshotId?: string): void;
  selectSnapshot(snapshotId: string | undefined): void;
  selectConflict(id: string | undefined): void;
  toast(text: string, tone?: Toast['tone']): void;
  dismissToast(id: number): void;
  chooseFolder(title: string): Promise<string | undefined>;
}

export const initialUiState = { screen: 'dashboard' as Screen, snapshotsDeviceId: undefined, selectedSnapshotId: undefined, selectedConflictId: undefined, toasts: [] as Toast[] };

let nextToast = 1;

export const useUi = create<UiState>()((set, get) => ({
  ...initialUiState,
  navigate(screen, section) {
    set({ screen, settingsSection: section });
  },
  showSnapshots(deviceId, snapshotId) {
    set({ screen: 'snapshots', snapshotsDeviceId: deviceId, selectedSnapshotId: snapshotId });
  },
  selectSnapshot(selectedSnapshotId) {
    set({ selectedSnapshotId });
  },
  selectConflict(selectedConflictId) {
    set({ selectedConflictId });
  },
  toast(text, tone = 'info') {
    const id = nextToast++;
    set((s) => ({ toasts: [...s.toasts.slice(-3), { id, tone, text }] }));
    setTimeout(() => get().dismissToast(id), 6000);
  },
  dismissToast(id) {
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  },
  async chooseFolder(title) {
    const result = await call('app.chooseFolder', { title });
    if (!result.ok) {
      get().toast(result.error.message, 'danger');
      return undefined;
    }
    return result.value.path;
  },
}));

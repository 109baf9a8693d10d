// Devices that write to this vault, and renaming this one.

import { create } from 'zustand';
import type { ErrorRecord } from '../../shared/errors.ts';
import type { DeviceInfo } from '../../shared/models.ts';
import { call } from '../api.ts';

export interface DevicesState {
  devices?: DeviceInfo[];
  loading: boolean;
  error?: ErrorRecord;
  renaming: boolean;
  renameError?: ErrorRecord;
  load(): Promise<void>;
  renameThis(name: string): Promise<boolean>;
}

export const initialDevicesState = { devices: undefined, loading: false, error: undefined, renaming: false, renameError: undefined };

export const useDevices = create<DevicesState>()((set) => ({
  ...initialDevicesState,
  async load() {
    set({ loading: true });
    const result = await call('devices.list', {});
    if (result.ok) set({ devices: result.value, loading: false, error: undefined });
    else set({ loading: false, error: result.error });
  },
  async renameThis(name) {
    set({ renaming: true, renameError: undefined });
    const result = await call('devices.renameThis', { name });
    if (!result.ok) {
      set({ renaming: false, renameError: result.error });
      return false;
    }
    const renamed = result.value;
    set((s) => ({ renaming: false, devices: s.devices?.map((d) => (d.id === renamed.id ? renamed : d)) }));
    return true;
  },
}));

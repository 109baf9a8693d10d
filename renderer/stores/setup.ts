// The setup wizard: where the vault lives, testing the connection, creating or joining the
// vault, and the first backup. Also unlocking a configured but locked vault. Passphrases pass
// through to the request and are not kept; the recovery key is kept only until the user has
// confirmed saving it.

import { create } from 'zustand';
import { newestBackups } from '../../shared/backup-lines.ts';
import type { SetupResult } from '../../shared/ipc/contract.ts';
import type { ErrorRecord } from '../../shared/errors.ts';
import type { DeviceInfo, ProbeResult, ProviderKind, VaultLocation } from '../../shared/models.ts';
import { call } from '../api.ts';
import { EMPTY_FORM, formFor, toConnection, type ProviderForm } from '../lib/providers.ts';
import { useJobs } from './jobs.ts';

export const SETUP_STEPS = ['provider', 'connection', 'vault', 'agents', 'schedule', 'finish'] as const;
export type SetupStep = (typeof SETUP_STEPS)[number];

export type UnlockSecret = { passphrase: string } | { recoveryKey: string };

export interface ProbeState {
  running: boolean;
  result?: ProbeResult;
  error?: ErrorRecord;
  /** The connection the result belongs to; editing the form invalidates it. */
  testedFor?: string;
}

export interface SetupState {
  open: boolean;
  step: SetupStep;
  form: ProviderForm;
  probe: ProbeState;
  mode: 'create' | 'join';
  deviceName: string;
  pending: boolean;
  error?: ErrorRecord;
  result?: SetupResult;
  /** Shown once after creating the vault; cleared when the user confirms saving it. */
  recoveryKey?: string;
  firstJobId?: string;
  firstBackupError?: ErrorRecord;
  /**
   * After joining: compare fingerprints, then say whether this computer is new or replaces one
   * (docs/RECOVERY.md), then optionally restore everything that device had.
   */
  joinStage: 'fingerprint' | 'device' | 'restore';
  /** The device this computer replaced (devices.adopt), and the restore of its newest snapshot. */
  replaced?: DeviceInfo;
  restoreJobId?: string;
  restoreError?: ErrorRecord;
  unlocking: boolean;
  unlockError?: ErrorRecord;
  /** Asked main for an unfinished set-up (after a reload or a restart); the app waits for it. */
  resumeChecked: boolean;
  bucketCreating: boolean;
  bucketError?: ErrorRecord;
  /** Opened from Settings → Storage to change where the vault is (the vault step then explains what happens to the old one). */
  changingStorage: boolean;
  /** Where the vault was when Settings → Storage opened the wizard. */
  oldLocation?: VaultLocation;
  resume(): Promise<void>;
  /** Settings → Storage: the wizard with the current location filled in. */
  changeStorage(): Promise<void>;
  createBucket(): Promise<boolean>;
  begin(): void;
  goTo(step: SetupStep): void;
  chooseProvider(kind: ProviderKind): void;
  updateForm(patch: Partial<ProviderForm>): void;
  setMode(mode: 'create' | 'join'): void;
  setDeviceName(name: string): void;
  chooseFolder(): Promise<void>;
  testConnection(): Promise<boolean>;
  createVault(passphrase: string): Promise<boolean>;
  joinVault(secret: UnlockSecret): Promise<boolean>;
  confirmRecoverySaved(): void;
  confirmFingerprint(): void;
  replaceDevice(deviceId: string): Promise<boolean>;
  restoreEverything(overwrite: boolean): Promise<string | undefined>;
  startFirstBackup(): Promise<string | undefined>;
  finish(): void;
  unlock(secret: UnlockSecret): Promise<boolean>;
}

export const initialSetupState = {
  open: false,
  step: 'provider' as SetupStep,
  form: EMPTY_FORM,
  probe: { running: false } as ProbeState,
  mode: 'create' as 'create' | 'join',
  deviceName: '',
  pending: false,
  error: undefined,
  result: undefined,
  recoveryKey: undefined,
  firstJobId: undefined,
  firstBackupError: undefined,
  joinStage: 'fingerprint' as 'fingerprint' | 'device' | 'restore',
  replaced: undefined,
  restoreJobId: undefined,
  restoreError: undefined,
  unlocking: false,
  unlockError: undefined,
  bucketCreating: false,
  bucketError: undefined,
  changingStorage: false,
  oldLocation: undefined,
};

/** Identifies what a connection test was run against: a test counts only while the form still says the same. */
export const connectionKey = (form: ProviderForm): string => JSON.stringify(toConnection(form));

const RESUMABLE: readonly SetupStep[] = ['vault', 'agents', 'schedule', 'finish'];

export const useSetup = create<SetupState>()((set, get) => {
  /** Tells main where the set-up stands, once a vault is created or joined (a reload comes back here). */
  const persist = (): void => {
    const s = get();
    if (!s.result || !RESUMABLE.includes(s.step)) return;
    void call('setup.saveProgress', {
      step: s.step as 'vault' | 'agents' | 'schedule' | 'finish',
      ...(s.mode === 'join' ? { joinStage: s.joinStage } : {}),
      ...(s.replaced ? { replacedDeviceId: s.replaced.id } : {}),
      ...(s.restoreJobId ? { restoreJobId: s.restoreJobId } : {}),
      ...(s.firstJobId ? { firstJobId: s.firstJobId } : {}),
    });
  };
  return {
  ...initialSetupState,
  resumeChecked: false,
  async resume() {
    const result = await call('setup.progress', {});
    const progress = result.ok ? result.value.progress : undefined;
    if (progress) {
      set({
        ...initialSetupState,
        open: true,
        step: progress.step,
        mode: progress.mode,
        result: progress.result,
        recoveryKey: progress.recoveryKey,
        joinStage: progress.joinStage ?? 'fingerprint',
        replaced: progress.replaced,
        restoreJobId: progress.restoreJobId,
        firstJobId: progress.firstJobId,
      });
      for (const id of [progress.restoreJobId, progress.firstJobId]) if (id) void useJobs.getState().watch(id);
    }
    set({ resumeChecked: true });
  },
  async changeStorage() {
    const current = await call('setup.location', {});
    const form = current.ok && current.value.location ? formFor(current.value.location) : EMPTY_FORM;
    const oldLocation = current.ok ? current.value.location : undefined;
    set({ ...initialSetupState, open: true, changingStorage: true, form, step: oldLocation ? 'connection' : 'provider', ...(oldLocation ? { oldLocation } : {}) });
  },
  async createBucket() {
    const form = get().form;
    set({ bucketCreating: true, bucketError: undefined });
    const result = await call('setup.createBucket', toConnection(form));
    if (!result.ok) {
      set({ bucketCreating: false, bucketError: result.error });
      return false;
    }
    set({ bucketCreating: false });
    return get().testConnection();
  },
  begin() {
    if (!get().open) set({ ...initialSetupState, open: true });
  },
  goTo(step) {
    set({ step, error: undefined });
    persist();
  },
  chooseProvider(kind) {
    const form = get().form;
    const region = kind === 's3' ? form.region || 'us-east-1' : kind === 'b2' ? form.region || 'us-west-004' : kind === 'other' ? form.region || 'us-east-1' : form.region;
    set({ form: { ...form, provider: kind, region }, step: 'connection', probe: { running: false } });
  },
  updateForm(patch) {
    set((s) => ({ form: { ...s.form, ...patch } }));
  },
  setMode(mode) {
    set({ mode, error: undefined });
  },
  setDeviceName(deviceName) {
    set({ deviceName });
  },
  async chooseFolder() {
    const result = await call('app.chooseFolder', { title: 'Choose a folder for the Cairn vault' });
    if (result.ok && result.value.path) get().updateForm({ path: result.value.path });
  },
  async testConnection() {
    const form = get().form;
    const key = connectionKey(form);
    set({ probe: { running: true, testedFor: key } });
    const result = await call('setup.testConnection', toConnection(form));
    if (!result.ok) {
      set({ probe: { running: false, error: result.error, testedFor: key } });
      return false;
    }
    set({ probe: { running: false, result: result.value, testedFor: key }, mode: result.value.vaultExists ? 'join' : 'create' });
    return result.value.ok;
  },
  async createVault(passphrase) {
    set({ pending: true, error: undefined });
    const name = get().deviceName.trim();
    const result = await call('setup.createVault', { ...toConnection(get().form), passphrase, ...(name ? { deviceName: name } : {}), wizard: true });
    if (!result.ok) {
      set({ pending: false, error: result.error });
      return false;
    }
    const { recoveryKey, ...setup } = result.value;
    set({ pending: false, result: setup, recoveryKey });
    persist();
    return true;
  },
  async joinVault(secret) {
    set({ pending: true, error: undefined });
    const name = get().deviceName.trim();
    const result = await call('setup.joinVault', { ...toConnection(get().form), secret, ...(name ? { deviceName: name } : {}), wizard: true });
    if (!result.ok) {
      set({ pending: false, error: result.error });
      return false;
    }
    set({ pending: false, result: result.value, joinStage: 'fingerprint' });
    persist();
    return true;
  },
  confirmRecoverySaved() {
    set({ recoveryKey: undefined, step: 'agents' });
    void call('setup.confirmRecoveryKey', {});
    persist();
  },
  confirmFingerprint() {
    set({ joinStage: 'device', error: undefined });
    persist();
  },
  async replaceDevice(deviceId) {
    set({ pending: true, error: undefined });
    const result = await call('devices.adopt', { deviceId });
    if (!result.ok) {
      set({ pending: false, error: result.error });
      return false;
    }
    const adopted = result.value;
    set((s) => ({ pending: false, replaced: adopted, joinStage: 'restore', ...(s.result ? { result: { ...s.result, deviceId: adopted.id, deviceName: adopted.name } } : {}) }));
    persist();
    return true;
  },
  async restoreEverything(overwrite) {
    const device = get().replaced;
    if (!device) return undefined;
    set({ restoreError: undefined, pending: true });
    const list = await call('snapshots.list', { deviceId: device.id });
    if (!list.ok) {
      set({ pending: false, restoreError: list.error });
      return undefined;
    }
    // Its newest backup of its agents, by its own count (not its clock, which may have been wrong):
    // not a backup of folders named by hand, nor a safety snapshot (only what a restore replaced).
    const latest = newestBackups(list.value, (x) => x.deviceId).get(device.id);
    if (!latest) {
      set({ pending: false, restoreError: { code: 'not_found', message: `${device.name} has no backups to restore.`, retryable: false } });
      return undefined;
    }
    const started = await call('snapshots.restore', { snapshotId: latest.id, paths: [], target: { kind: 'original' }, overwrite });
    if (!started.ok) {
      set({ pending: false, restoreError: started.error });
      return undefined;
    }
    set({ pending: false, restoreJobId: started.value.jobId });
    persist();
    void useJobs.getState().watch(started.value.jobId);
    return started.value.jobId;
  },
  async startFirstBackup() {
    set({ firstBackupError: undefined });
    const result = await call('sync.now', {});
    if (!result.ok) {
      set({ firstBackupError: result.error });
      return undefined;
    }
    const jobId = result.value.jobId;
    set({ firstJobId: jobId });
    persist();
    void useJobs.getState().watch(jobId);
    return jobId;
  },
  finish() {
    if (get().result) void call('setup.finish', {});
    set({ ...initialSetupState });
  },
  async unlock(secret) {
    set({ unlocking: true, unlockError: undefined });
    const result = await call('setup.unlock', { secret });
    if (!result.ok) {
      set({ unlocking: false, unlockError: result.error });
      return false;
    }
    set({ unlocking: false });
    return true;
  },
  };
});

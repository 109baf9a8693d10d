// Settings, agents, the vault key and vault maintenance: everything the Settings screen edits.
// Secrets typed here (passphrases) go straight into the request and are never kept in state;
// a new recovery key is kept only while its rotation waits for confirmation (main keeps it in
// the keychain until then, so a reload or a closed window comes back to it).

import { create } from 'zustand';
import type { PrunePreview, RequestOf, VaultStats } from '../../shared/ipc/contract.ts';
import type { ErrorRecord } from '../../shared/errors.ts';
import type { AgentInfo, CheckReport, Settings } from '../../shared/models.ts';
import { call } from '../api.ts';
import { useJobs } from './jobs.ts';

export type SettingsPatch = RequestOf<'settings.set'>;

export interface KeyAction {
  pending: boolean;
  error?: ErrorRecord;
  done: boolean;
}

const idle: KeyAction = { pending: false, done: false };

export interface SettingsState {
  settings?: Settings;
  loading: boolean;
  error?: ErrorRecord;
  saving: boolean;
  saveError?: ErrorRecord;
  agents?: AgentInfo[];
  agentsLoading: boolean;
  agentsError?: ErrorRecord;
  fingerprint?: string;
  fingerprintError?: ErrorRecord;
  passphraseChange: KeyAction;
  recoveryRotation: KeyAction;
  /** The new recovery key while its rotation waits for confirmation (the old key still works). */
  newRecoveryKey?: string;
  /** Set once the new key was confirmed and the old one removed, until closed. */
  recoveryConfirmed: boolean;
  stats?: VaultStats;
  statsError?: ErrorRecord;
  checking: boolean;
  /** The running check's job (its progress is in the jobs store). */
  checkJobId?: string;
  checkReport?: CheckReport;
  /** The job whose report `checkReport` is: a repair after it takes out the damaged blobs it found. */
  checkReportJobId?: string;
  checkError?: ErrorRecord;
  pruning: boolean;
  pruneJobId?: string;
  pruneError?: ErrorRecord;
  /** What "Prune now" would do, loaded before it is asked to run; cleared when closed or run. */
  prunePreview?: PrunePreview;
  prunePreviewing: boolean;
  prunePreviewError?: ErrorRecord;
  /** Taking the check's missing packs out of the index (vault.repair), as a job. */
  repairing: boolean;
  repairJobId?: string;
  repairError?: ErrorRecord;
  previewPrune(): Promise<void>;
  closePrunePreview(): void;
  load(): Promise<void>;
  save(patch: SettingsPatch): Promise<boolean>;
  loadAgents(): Promise<void>;
  setAgentEnabled(agentId: string, enabled: boolean): Promise<boolean>;
  loadFingerprint(): Promise<void>;
  changePassphrase(current: string, next: string): Promise<boolean>;
  /** Asks main whether a rotation waits for confirmation (after a reload, a closed window). */
  loadRecoveryRotation(): Promise<void>;
  /** Step 1: a new recovery key beside the old one, which keeps working. */
  rotateRecovery(passphrase: string): Promise<boolean>;
  /** Step 2, once the user typed the key's last group: the old key stops working. */
  confirmRecovery(): Promise<boolean>;
  /** Drops the unconfirmed new key; the old one stays the recovery key. */
  cancelRecovery(): Promise<boolean>;
  dismissRecoveryKey(): void;
  resetKeyActions(): void;
  loadStats(): Promise<void>;
  check(readData: boolean): Promise<void>;
  /** Shows the report of the daily verification `jobId` as a check's (what it found, and the repair). */
  showVerification(jobId: string): Promise<void>;
  prune(): Promise<string | undefined>;
  repair(): Promise<string | undefined>;
}

export const initialSettingsState = {
  settings: undefined,
  loading: false,
  error: undefined,
  saving: false,
  saveError: undefined,
  agents: undefined,
  agentsLoading: false,
  agentsError: undefined,
  fingerprint: undefined,
  fingerprintError: undefined,
  passphraseChange: idle,
  recoveryRotation: idle,
  newRecoveryKey: undefined,
  recoveryConfirmed: false,
  stats: undefined,
  statsError: undefined,
  checking: false,
  checkReport: undefined,
  checkError: undefined,
  pruning: false,
  pruneJobId: undefined,
  pruneError: undefined,
  prunePreview: undefined,
  prunePreviewing: false,
  prunePreviewError: undefined,
  repairing: false,
  repairJobId: undefined,
  repairError: undefined,
};

export const useSettings = create<SettingsState>()((set, get) => ({
  ...initialSettingsState,
  async load() {
    set({ loading: true });
    const result = await call('settings.get', {});
    if (result.ok) set({ settings: result.value, loading: false, error: undefined });
    else set({ loading: false, error: result.error });
  },
  async save(patch) {
    set({ saving: true, saveError: undefined });
    const result = await call('settings.set', patch);
    if (!result.ok) {
      set({ saving: false, saveError: result.error });
      return false;
    }
    const settings = result.value;
    set((s) => ({
      saving: false,
      settings,
      // An empty list means every detected agent.
      agents: s.agents?.map((a) => ({ ...a, enabled: settings.enabledAgents.length === 0 ? a.detected : settings.enabledAgents.includes(a.id) })),
    }));
    return true;
  },
  async loadAgents() {
    set({ agentsLoading: true });
    const result = await call('agents.list', {});
    if (result.ok) set({ agents: result.value, agentsLoading: false, agentsError: undefined });
    else set({ agentsLoading: false, agentsError: result.error });
  },
  async setAgentEnabled(agentId, enabled) {
    const agents = get().agents ?? [];
    // An empty list means "every detected agent", so start from what is actually enabled.
    const listed = get().settings?.enabledAgents ?? [];
    const current = listed.length > 0 ? listed : agents.filter((a) => a.enabled).map((a) => a.id);
    const next = enabled ? [...new Set([...current, agentId])] : current.filter((id) => id !== agentId);
    if (next.length === 0) {
      set({ saveError: { code: 'config', message: 'Keep at least one agent turned on: with none, Cairn would have nothing to back up.', retryable: false } });
      return false;
    }
    return get().save({ enabledAgents: next });
  },
  async loadFingerprint() {
    const result = await call('key.fingerprint', {});
    if (result.ok) set({ fingerprint: result.value.fingerprint, fingerprintError: undefined });
    else set({ fingerprintError: result.error });
  },
  async changePassphrase(current, next) {
    set({ passphraseChange: { pending: true, done: false } });
    const result = await call('key.changePassphrase', { current, next });
    if (!result.ok) {
      set({ passphraseChange: { pending: false, done: false, error: result.error } });
      return false;
    }
    set({ passphraseChange: { pending: false, done: true }, fingerprint: result.value.fingerprint });
    return true;
  },
  async loadRecoveryRotation() {
    const result = await call('key.recoveryRotation', {});
    if (result.ok) set({ newRecoveryKey: result.value.recoveryKey });
  },
  async rotateRecovery(passphrase) {
    set({ recoveryRotation: { pending: true, done: false }, newRecoveryKey: undefined, recoveryConfirmed: false });
    const result = await call('key.rotateRecovery', { passphrase });
    if (!result.ok) {
      set({ recoveryRotation: { pending: false, done: false, error: result.error } });
      return false;
    }
    set({ recoveryRotation: { pending: false, done: false }, newRecoveryKey: result.value.recoveryKey });
    return true;
  },
  async confirmRecovery() {
    set({ recoveryRotation: { pending: true, done: false } });
    const result = await call('key.confirmRecovery', {});
    if (!result.ok) {
      set({ recoveryRotation: { pending: false, done: false, error: result.error } });
      return false;
    }
    set({ recoveryRotation: { pending: false, done: true }, newRecoveryKey: undefined, recoveryConfirmed: true });
    return true;
  },
  async cancelRecovery() {
    set({ recoveryRotation: { pending: true, done: false } });
    const result = await call('key.cancelRecovery', {});
    if (!result.ok) {
      set({ recoveryRotation: { pending: false, done: false, error: result.error } });
      return false;
    }
    set({ recoveryRotation: idle, newRecoveryKey: undefined });
    return true;
  },
  dismissRecoveryKey() {
    set({ newRecoveryKey: undefined, recoveryRotation: idle, recoveryConfirmed: false });
  },
  resetKeyActions() {
    // A rotation waiting for confirmation is main's to keep: only what is on screen goes.
    set({ passphraseChange: idle, recoveryRotation: idle, recoveryConfirmed: false });
  },
  async loadStats() {
    const result = await call('vault.stats', {});
    if (result.ok) set({ stats: result.value, statsError: undefined });
    else set({ statsError: result.error });
  },
  async check(readData) {
    set({ checking: true, checkError: undefined, checkReport: undefined, checkReportJobId: undefined, checkJobId: undefined, repairJobId: undefined, repairError: undefined });
    const started = await call('vault.check', { readData });
    if (!started.ok) return set({ checking: false, checkError: started.error });
    // A job like backup's: wait for it to end (pushed, or polled), then fetch its report.
    const jobId = started.value.jobId;
    set({ checkJobId: jobId });
    const job = await useJobs.getState().watch(jobId);
    if (job && job.status !== 'done') return set({ checking: false, checkJobId: undefined, checkError: job.error ?? { code: 'cancelled', message: 'The vault check was cancelled.', retryable: true } });
    const result = await call('vault.checkReport', { jobId });
    if (result.ok) set({ checking: false, checkJobId: undefined, checkReport: result.value, checkReportJobId: jobId });
    else set({ checking: false, checkJobId: undefined, checkError: result.error });
  },
  async showVerification(jobId) {
    if (get().checkReportJobId === jobId) return;
    set({ checkError: undefined, repairJobId: undefined, repairError: undefined });
    const result = await call('vault.checkReport', { jobId });
    if (result.ok) set({ checkReport: result.value, checkReportJobId: jobId });
    else set({ checkError: result.error });
  },
  async previewPrune() {
    set({ prunePreviewing: true, prunePreview: undefined, prunePreviewError: undefined });
    const result = await call('vault.prunePreview', {});
    if (result.ok) set({ prunePreviewing: false, prunePreview: result.value });
    else set({ prunePreviewing: false, prunePreviewError: result.error });
  },
  closePrunePreview() {
    set({ prunePreview: undefined, prunePreviewError: undefined, prunePreviewing: false });
  },
  async prune() {
    set({ pruning: true, pruneError: undefined, pruneJobId: undefined, prunePreview: undefined, prunePreviewError: undefined });
    const result = await call('vault.prune', {});
    if (result.ok) {
      const jobId = result.value.jobId;
      set({ pruning: false, pruneJobId: jobId });
      void useJobs
        .getState()
        .watch(jobId)
        .then(() => get().loadStats());
      return jobId;
    }
    set({ pruning: false, pruneError: result.error });
    return undefined;
  },
  async repair() {
    set({ repairing: true, repairError: undefined, repairJobId: undefined });
    // The check's damaged blobs (a check that read the data) go with it: the service kept its report.
    const checkJobId = get().checkReportJobId;
    const result = await call('vault.repair', checkJobId ? { checkJobId } : {});
    if (!result.ok) {
      set({ repairing: false, repairError: result.error });
      return undefined;
    }
    set({ repairing: false, repairJobId: result.value.jobId });
    return result.value.jobId;
  },
}));

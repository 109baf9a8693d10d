// The application service: everything the UI can ask for, as one handler per IPC channel, plus
// pushed events. Plain Node (no electron): the Electron app serves it over ipcMain, the e2e host
// over a loopback WebSocket, and both validate requests with the same router first.

import type { Events, Handlers, SetupResult } from '../../shared/ipc/contract.ts';
import type { Settings } from '../../shared/models.ts';
import type { SecretStore } from '../keychain/secret-store.ts';
import type { BlobStore } from '../engine/storage/index.ts';
import type { Collect } from './idle-collector.ts';

export interface Clock {
  now(): number;
}

/** What only the shell can do; the e2e host supplies test versions. */
export interface PlatformHooks {
  chooseFolder?(title?: string): Promise<string | undefined>;
  openExternal?(url: string): Promise<boolean>;
  setLaunchAtLogin?(enabled: boolean): Promise<void>;
}

export interface CairnServiceOptions {
  /** Cairn's own folder: config, state DB, cache, outbox. Never inside an agent's folder. */
  stateDir: string;
  secrets: SecretStore;
  /** The home folder agents are found under (defaults to os.homedir()). */
  home?: string;
  env?: Record<string, string | undefined>;
  platform?: 'linux' | 'darwin' | 'win32';
  clock?: Clock;
  hooks?: PlatformHooks;
  /** V8's collector, asked once the job queue is idle (default: v8Collector(); null: never). */
  collect?: Collect | null;
  /** Tests only: wraps every bare vault store inside the retry decorator (a throttling store, say). */
  decorateStore?: (bare: BlobStore) => BlobStore;
}

/**
 * What the service tells its listeners: the renderer's events (forwarded over IPC) plus two only
 * the shell needs — new settings (schedule policy, watched folders) and a vault set up or
 * unlocked (start watching). The app listens here instead of wrapping handlers.
 */
export type ServiceEvents = Events & {
  'settings.changed': Settings;
  'vault.opened': SetupResult;
};
export type ServiceEventName = keyof ServiceEvents;

export interface CairnService {
  readonly handlers: Handlers;
  on<E extends ServiceEventName>(event: E, listener: (payload: ServiceEvents[E]) => void): () => void;
  /**
   * Runs a sync now (what the tray's "Sync now" and the scheduler call). Concurrent calls join the
   * running sync. Scheduled and quit syncs do nothing while paused. Rejects when the sync failed.
   */
  syncNow(reason: 'manual' | 'scheduled' | 'quit'): Promise<void>;
  /** The scheduler tells the service when it plans the next run (shown as "next sync"). */
  reportNextRun(at: number | undefined): void;
  close(): Promise<void>;
}

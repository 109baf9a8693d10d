// The tray menu as a pure function of the engine's status (KopiaUI style): rebuilt on every
// status change, rendered by tray-controller.ts. Plain data in, plain data out, so every state's
// menu is tested without Electron.

import type { MenuItemConstructorOptions } from 'electron';
import type { EngineState, EngineStatus } from '../../shared/models.ts';
import { describeProgress, formatNextRun } from '../../shared/progress.ts';

export type TrayIconName = 'idle' | 'syncing' | 'paused' | 'error' | 'offline';
export const TRAY_ICON_NAMES: readonly TrayIconName[] = ['idle', 'syncing', 'paused', 'error', 'offline'];

export type TrayAction = 'sync-now' | 'pause-1h' | 'resume' | 'open' | 'toggle-launch-at-login' | 'quit';

export type TrayMenuItem =
  | { kind: 'status'; label: string }
  | { kind: 'separator' }
  | { kind: 'action'; id: TrayAction; label: string; enabled: boolean }
  | { kind: 'checkbox'; id: TrayAction; label: string; checked: boolean; enabled: boolean };

export interface TrayMenu {
  icon: TrayIconName;
  tooltip: string;
  items: TrayMenuItem[];
}

export interface TrayMenuOptions {
  launchAtLogin: boolean;
  /** False where the platform can't do it (then the item is shown disabled). */
  launchAtLoginSupported?: boolean;
}

const ICONS: Record<EngineState, TrayIconName> = {
  idle: 'idle',
  syncing: 'syncing',
  paused: 'paused',
  error: 'error',
  offline: 'offline',
  // Not set up yet: nothing is wrong, nothing is happening.
  unconfigured: 'paused',
  // Backups can't run until someone unlocks the vault: that needs attention.
  locked: 'error',
};

export function trayIconName(state: EngineState): TrayIconName {
  return ICONS[state];
}

const MAX_LABEL = 64;

function truncate(text: string, max = MAX_LABEL): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "just now", "3 min ago", "2 h ago", "yesterday", "5 days ago". */
export function formatAgo(iso: string, now: number): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return 'at an unknown time';
  const seconds = Math.max(0, (now - time) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}

/** "in 58 min", "in 3 h", "in less than a minute". */
export function formatIn(iso: string, now: number): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return 'later';
  const minutes = Math.ceil((time - now) / 60_000);
  if (minutes <= 1) return 'in less than a minute';
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `in ${hours} h` : `in ${Math.round(hours / 24)} days`;
}

function progressOf(status: EngineStatus): string {
  const progress = status.currentJob?.progress;
  if (!progress) return 'Syncing…';
  const view = describeProgress(progress, undefined);
  const label = progress.phase === 'waiting' ? 'Syncing' : view.label;
  if (progress.bytesTotal === undefined && progress.filesTotal !== undefined && progress.filesTotal > 0) return `${label}… ${progress.filesDone} of ${progress.filesTotal} files`;
  return view.percent === undefined ? `${label}…` : `${label}… ${Math.floor(view.percent)}%`;
}

/** "Next backup at 14:05", from the scheduler's next run; nothing when none is planned. */
function nextBackup(status: EngineStatus, now: number): string[] {
  const when = status.nextSyncAt === undefined ? undefined : formatNextRun(status.nextSyncAt, now);
  return when === undefined ? [] : [`Next backup ${when}`];
}

/** The first line of the menu: what Cairn is doing or what is wrong, in a few words. */
export function statusLines(status: EngineStatus, now: number): string[] {
  const lastSynced = status.lastSyncAt === undefined ? undefined : `Last synced ${formatAgo(status.lastSyncAt, now)}`;
  switch (status.state) {
    case 'idle':
      return [lastSynced ?? 'Not synced yet', ...nextBackup(status, now)];
    case 'syncing':
      return [progressOf(status)];
    case 'paused':
      return [status.pausedUntil === undefined ? 'Paused' : `Paused — resumes ${formatIn(status.pausedUntil, now)}`, ...(lastSynced ? [lastSynced] : [])];
    case 'offline':
      return [status.outboxCount > 0 ? `Offline — ${plural(status.outboxCount, 'snapshot', 'snapshots')} waiting` : 'Offline — will retry', ...(lastSynced ? [lastSynced] : []), ...nextBackup(status, now)];
    case 'error':
      return [truncate(status.error?.message ?? 'Sync failed. Open Cairn for details.'), ...(lastSynced ? [lastSynced] : [])];
    case 'locked':
      // Locked with an error: the keychain or the vault refused at start; say which.
      return status.error === undefined ? ['Locked — open Cairn to unlock'] : [truncate(status.error.message), 'Locked — open Cairn to unlock'];
    case 'unconfigured':
      return ['Not set up yet — open Cairn to start'];
  }
}

export function buildTrayMenu(status: EngineStatus, now: number, options: TrayMenuOptions): TrayMenu {
  const lines = statusLines(status, now);
  const ready = status.state !== 'unconfigured' && status.state !== 'locked';
  const items: TrayMenuItem[] = lines.map((label) => ({ kind: 'status', label }));
  items.push({ kind: 'separator' });
  items.push(status.state === 'syncing' ? { kind: 'action', id: 'sync-now', label: 'Syncing…', enabled: false } : { kind: 'action', id: 'sync-now', label: 'Sync now', enabled: ready });
  items.push(status.state === 'paused' ? { kind: 'action', id: 'resume', label: 'Resume', enabled: true } : { kind: 'action', id: 'pause-1h', label: 'Pause for 1 hour', enabled: ready });
  items.push({ kind: 'separator' });
  items.push({ kind: 'action', id: 'open', label: 'Open Cairn', enabled: true });
  items.push({ kind: 'checkbox', id: 'toggle-launch-at-login', label: 'Launch at login', checked: options.launchAtLogin, enabled: options.launchAtLoginSupported ?? true });
  items.push({ kind: 'separator' });
  items.push({ kind: 'action', id: 'quit', label: 'Quit Cairn', enabled: true });
  return { icon: trayIconName(status.state), tooltip: `Cairn — ${lines.join(' · ')}`, items };
}

/** The plain menu as Electron menu items, each click dispatched by the item's id. */
export function toElectronTemplate(menu: TrayMenu, dispatch: (action: TrayAction) => Promise<void>): MenuItemConstructorOptions[] {
  return menu.items.map((item): MenuItemConstructorOptions => {
    switch (item.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'status':
        return { label: item.label, enabled: false };
      case 'action':
        return { id: item.id, label: item.label, enabled: item.enabled, click: () => void dispatch(item.id) };
      case 'checkbox':
        return { id: item.id, label: item.label, type: 'checkbox', checked: item.checked, enabled: item.enabled, click: () => void dispatch(item.id) };
    }
  });
}

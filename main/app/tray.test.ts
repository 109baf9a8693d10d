import { describe, expect, it } from 'vitest';
import type { EngineStatus, JobInfo } from '../../shared/models.ts';
import { buildTrayMenu, formatAgo, formatIn, toElectronTemplate, trayIconName, type TrayMenu, type TrayMenuItem } from './tray.ts';

const NOW = Date.parse('2025-06-01T12:00:00.000Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const later = (ms: number): string => new Date(NOW + ms).toISOString();
const MIN = 60_000;

function labels(menu: TrayMenu): string[] {
  return menu.items.map((item) => (item.kind === 'separator' ? '---' : item.kind === 'checkbox' ? `[${item.checked ? 'x' : ' '}] ${item.label}` : item.label));
}

function item(menu: TrayMenu, id: string): TrayMenuItem | undefined {
  return menu.items.find((entry) => 'id' in entry && entry.id === id);
}

const idle: EngineStatus = { state: 'idle', outboxCount: 0, lastSyncAt: ago(3 * MIN) };

describe('buildTrayMenu', () => {
  it('idle: last synced, sync now, pause, open, launch at login, quit', () => {
    const menu = buildTrayMenu(idle, NOW, { launchAtLogin: true });
    expect(labels(menu)).toEqual(['Last synced 3 min ago', '---', 'Sync now', 'Pause for 1 hour', '---', 'Open Cairn', '[x] Launch at login', '---', 'Quit Cairn']);
    expect(menu.icon).toBe('idle');
    expect(menu.tooltip).toBe('Cairn — Last synced 3 min ago');
    expect(item(menu, 'sync-now')).toMatchObject({ enabled: true });
    expect(menu.items[0]).toEqual({ kind: 'status', label: 'Last synced 3 min ago' });
  });

  it('idle before the first sync', () => {
    expect(labels(buildTrayMenu({ state: 'idle', outboxCount: 0 }, NOW, { launchAtLogin: false }))[0]).toBe('Not synced yet');
  });

  it('syncing: progress, and sync now disabled', () => {
    const job: JobInfo = { id: 'j', kind: 'backup', status: 'running', startedAt: ago(10_000), progress: { phase: 'uploading', filesDone: 3, filesTotal: 10, bytesDone: 450, bytesTotal: 1000, uploadedBytes: 0 } };
    const menu = buildTrayMenu({ ...idle, state: 'syncing', currentJob: job }, NOW, { launchAtLogin: false });
    expect(labels(menu).slice(0, 3)).toEqual(['Uploading… 45%', '---', 'Syncing…']);
    const scanning = buildTrayMenu({ ...idle, state: 'syncing', currentJob: { ...job, progress: { phase: 'scanning', filesDone: 9, bytesDone: 90, uploadedBytes: 0 } } }, NOW, { launchAtLogin: false });
    expect(labels(scanning)[0]).toBe('Scanning…');
    expect(item(menu, 'sync-now')).toMatchObject({ enabled: false });
    expect(menu.icon).toBe('syncing');
    const filesOnly = buildTrayMenu({ ...idle, state: 'syncing', currentJob: { ...job, progress: { ...job.progress, bytesTotal: undefined } } }, NOW, { launchAtLogin: false });
    expect(labels(filesOnly)[0]).toBe('Uploading… 3 of 10 files');
  });

  it('idle with a planned run: when the next backup is, in the menu and the tooltip', () => {
    const at = new Date(NOW + 42 * MIN);
    const clock = at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    const menu = buildTrayMenu({ ...idle, nextSyncAt: at.toISOString() }, NOW, { launchAtLogin: false });
    expect(labels(menu).slice(0, 3)).toEqual(['Last synced 3 min ago', `Next backup ${new Date(NOW).getDate() === at.getDate() ? '' : 'tomorrow '}at ${clock}`, '---']);
    expect(menu.tooltip).toBe(`Cairn — Last synced 3 min ago · ${labels(menu)[1]}`);
  });

  it('paused: when it resumes, and Resume instead of Pause', () => {
    const menu = buildTrayMenu({ ...idle, state: 'paused', pausedUntil: later(58 * MIN) }, NOW, { launchAtLogin: false });
    expect(labels(menu)).toEqual(['Paused — resumes in 58 min', 'Last synced 3 min ago', '---', 'Sync now', 'Resume', '---', 'Open Cairn', '[ ] Launch at login', '---', 'Quit Cairn']);
    expect(item(menu, 'resume')).toMatchObject({ enabled: true });
    expect(item(menu, 'pause-1h')).toBeUndefined();
    expect(menu.icon).toBe('paused');
  });

  it('offline: how many snapshots wait in the outbox', () => {
    expect(labels(buildTrayMenu({ ...idle, state: 'offline', outboxCount: 3 }, NOW, { launchAtLogin: false })).slice(0, 2)).toEqual(['Offline — 3 snapshots waiting', 'Last synced 3 min ago']);
    expect(labels(buildTrayMenu({ ...idle, state: 'offline', outboxCount: 1 }, NOW, { launchAtLogin: false }))[0]).toBe('Offline — 1 snapshot waiting');
    expect(labels(buildTrayMenu({ state: 'offline', outboxCount: 0 }, NOW, { launchAtLogin: false }))[0]).toBe('Offline — will retry');
    expect(buildTrayMenu({ ...idle, state: 'offline', outboxCount: 3 }, NOW, { launchAtLogin: false }).icon).toBe('offline');
  });

  it('error: the error itself (shortened to one line), red icon', () => {
    const message = "The bucket 'cairn-backups' does not exist at https://abc.r2.cloudflarestorage.com. Create it or fix the name.";
    const menu = buildTrayMenu({ ...idle, state: 'error', error: { code: 'bucket_not_found', message, retryable: false } }, NOW, { launchAtLogin: false });
    const [first, second] = labels(menu);
    expect(first?.startsWith("The bucket 'cairn-backups' does not exist")).toBe(true);
    expect(first?.endsWith('…')).toBe(true);
    expect(first?.length).toBeLessThanOrEqual(64);
    expect(second).toBe('Last synced 3 min ago');
    expect(menu.icon).toBe('error');
    expect(item(menu, 'sync-now')).toMatchObject({ enabled: true });
  });

  it('not set up or locked: only opening the window makes sense', () => {
    for (const state of ['unconfigured', 'locked'] as const) {
      const menu = buildTrayMenu({ state, outboxCount: 0 }, NOW, { launchAtLogin: false });
      expect(item(menu, 'sync-now')).toMatchObject({ enabled: false });
      expect(item(menu, 'pause-1h')).toMatchObject({ enabled: false });
      expect(item(menu, 'open')).toMatchObject({ enabled: true });
    }
    expect(labels(buildTrayMenu({ state: 'locked', outboxCount: 0 }, NOW, { launchAtLogin: false }))[0]).toBe('Locked — open Cairn to unlock');
  });

  it('launch at login: checked state and an unsupported platform', () => {
    expect(item(buildTrayMenu(idle, NOW, { launchAtLogin: true }), 'toggle-launch-at-login')).toEqual({ kind: 'checkbox', id: 'toggle-launch-at-login', label: 'Launch at login', checked: true, enabled: true });
    expect(item(buildTrayMenu(idle, NOW, { launchAtLogin: false, launchAtLoginSupported: false }), 'toggle-launch-at-login')).toMatchObject({ checked: false, enabled: false });
  });

  it('is pure: same input, same output, input untouched', () => {
    const status = structuredClone(idle);
    expect(buildTrayMenu(status, NOW, { launchAtLogin: true })).toEqual(buildTrayMenu(status, NOW, { launchAtLogin: true }));
    expect(status).toEqual(idle);
  });
});

describe('trayIconName', () => {
  it('maps every engine state to one of the five icons', () => {
    expect(['idle', 'syncing', 'paused', 'error', 'offline', 'unconfigured', 'locked'].map((state) => trayIconName(state as EngineStatus['state']))).toEqual(['idle', 'syncing', 'paused', 'error', 'offline', 'paused', 'error']);
  });
});

describe('relative times', () => {
  it('formats the past', () => {
    expect([0, 30_000, 50_000, 3 * MIN, 59 * MIN, 61 * MIN, 5 * 60 * MIN, 25 * 60 * MIN, 5 * 24 * 60 * MIN].map((ms) => formatAgo(ago(ms), NOW))).toEqual([
      'just now',
      'just now',
      '1 min ago',
      '3 min ago',
      '59 min ago',
      '1 h ago',
      '5 h ago',
      'yesterday',
      '5 days ago',
    ]);
    expect(formatAgo(later(5 * MIN), NOW)).toBe('just now'); // a clock slightly ahead
    expect(formatAgo('garbage', NOW)).toBe('at an unknown time');
  });

  it('formats the future', () => {
    expect([30_000, 58 * MIN, 3 * 60 * MIN, 72 * 60 * MIN].map((ms) => formatIn(later(ms), NOW))).toEqual(['in less than a minute', 'in 58 min', 'in 3 h', 'in 3 days']);
  });
});

describe('toElectronTemplate', () => {
  it('renders status lines disabled, separators, and dispatches clicks by id', async () => {
    const dispatched: string[] = [];
    const template = toElectronTemplate(buildTrayMenu(idle, NOW, { launchAtLogin: true }), async (action) => {
      dispatched.push(action);
    });
    expect(template[0]).toEqual({ label: 'Last synced 3 min ago', enabled: false });
    expect(template[1]).toEqual({ type: 'separator' });
    const launch = template.find((entry) => entry.id === 'toggle-launch-at-login');
    expect(launch).toMatchObject({ type: 'checkbox', checked: true });
    for (const entry of template) entry.click?.({} as never, undefined, {} as never);
    expect(dispatched).toEqual(['sync-now', 'pause-1h', 'open', 'toggle-launch-at-login', 'quit']);
  });
});

describe('locked with an error', () => {
  it('shows why the vault could not be unlocked', () => {
    const message = 'The system keychain (Secret Service (GNOME Keyring or KWallet)) is not available: Cannot autolaunch D-Bus without X11 $DISPLAY.';
    const menu = buildTrayMenu({ state: 'locked', outboxCount: 0, error: { code: 'keychain_unavailable', message, retryable: false } }, NOW, { launchAtLogin: false });
    expect(menu.icon).toBe('error');
    expect(labels(menu)[0]?.startsWith('The system keychain')).toBe(true);
    expect(labels(menu)[1]).toBe('Locked — open Cairn to unlock');
  });
});

// Launch at login: the OS login items on macOS and Windows (app.setLoginItemSettings), an XDG
// autostart entry on Linux, where Electron has no API for it.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { envDir } from '../engine/paths.ts';

/** The argument that tells a launch at login to stay in the tray. */
export const HIDDEN_ARG = '--hidden';

export interface LoginItemApp {
  setLoginItemSettings(settings: { openAtLogin: boolean; openAsHidden?: boolean; args?: string[] }): void;
  getLoginItemSettings(): { openAtLogin: boolean };
}

export interface LoginItemOptions {
  platform: NodeJS.Platform;
  app: LoginItemApp;
  /** What to start: the AppImage when there is one, else the executable. */
  executable: string;
  /** Linux: the XDG autostart folder. */
  autostartDir?: string;
}

/** Quotes an argument for a desktop entry's Exec key (freedesktop Desktop Entry spec). */
export function quoteExecArg(arg: string): string {
  if (!/[\s"'\\`$;&|<>(){}*?#~]/.test(arg) && arg !== '') return arg;
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function linuxAutostartEntry(executable: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Cairn',
    'Comment=Back up and sync your AI coding agents',
    `Exec=${quoteExecArg(executable)} ${HIDDEN_ARG}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export function defaultAutostartDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(envDir(env, 'XDG_CONFIG_HOME', join(homedir(), '.config')), 'autostart');
}

function autostartFile(options: LoginItemOptions): string {
  return join(options.autostartDir ?? defaultAutostartDir(), 'cairn.desktop');
}

export function supportsLaunchAtLogin(platform: NodeJS.Platform): boolean {
  return platform === 'darwin' || platform === 'win32' || platform === 'linux';
}

export async function setLaunchAtLogin(enabled: boolean, options: LoginItemOptions): Promise<void> {
  if (options.platform === 'linux') {
    const file = autostartFile(options);
    if (enabled) {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, linuxAutostartEntry(options.executable), { mode: 0o644 });
    } else {
      await rm(file, { force: true });
    }
    return;
  }
  options.app.setLoginItemSettings({ openAtLogin: enabled, openAsHidden: true, args: [HIDDEN_ARG] });
}

export async function getLaunchAtLogin(options: LoginItemOptions): Promise<boolean> {
  if (options.platform === 'linux') {
    try {
      return (await readFile(autostartFile(options), 'utf8')).includes('[Desktop Entry]');
    } catch {
      return false;
    }
  }
  return options.app.getLoginItemSettings().openAtLogin;
}

// Base folders every adapter derives its roots from, and the one place the real process's
// home, platform and environment enter (`contextFromProcess`). Paths are joined with the host's
// `path` module even when another OS's layout is resolved: on a real machine the two agree, and
// in tests a Windows layout lands inside a fixture home on Linux.

import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { Platform } from '../../../shared/models.ts';
import type { AgentContext } from './types.ts';

export interface BaseDirs {
  home: string;
  /** XDG folders (used on every OS by the CLI agents that follow XDG). */
  xdgConfig: string;
  xdgData: string;
  xdgState: string;
  /** Where desktop apps (VS Code family) keep their settings on this OS. */
  appConfig: string;
  /** Windows only, but always defined so adapters stay simple. */
  appData: string;
  localAppData: string;
}

function absoluteOr(value: string | undefined, fallback: string): string {
  return value !== undefined && value !== '' && isAbsolute(value) ? value : fallback;
}

/** Resolves the base folders of the context's OS, honouring XDG_* and APPDATA overrides. */
export function baseDirs(ctx: AgentContext): BaseDirs {
  const { home, env } = ctx;
  const xdgConfig = ctx.xdgConfigHome ?? absoluteOr(env['XDG_CONFIG_HOME'], join(home, '.config'));
  const xdgData = ctx.xdgDataHome ?? absoluteOr(env['XDG_DATA_HOME'], join(home, '.local', 'share'));
  const xdgState = ctx.xdgStateHome ?? absoluteOr(env['XDG_STATE_HOME'], join(home, '.local', 'state'));
  const appData = ctx.appData ?? absoluteOr(env['APPDATA'], join(home, 'AppData', 'Roaming'));
  const localAppData = ctx.localAppData ?? absoluteOr(env['LOCALAPPDATA'], join(home, 'AppData', 'Local'));
  const appConfig = appConfigDir(ctx.platform, home, xdgConfig, appData);
  return { home, xdgConfig, xdgData, xdgState, appConfig, appData, localAppData };
}

function appConfigDir(platform: Platform, home: string, xdgConfig: string, appData: string): string {
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support');
    case 'win32':
      return appData;
    case 'linux':
      return xdgConfig;
  }
}

/** An override variable's value when set to an absolute path. */
export function envPath(ctx: AgentContext, name: string): string | undefined {
  const value = ctx.env[name];
  return value !== undefined && value !== '' && isAbsolute(value) ? value : undefined;
}

/** The context of this process: its home, platform and environment. */
export function contextFromProcess(extra: Partial<AgentContext> = {}): AgentContext {
  const platform: Platform = process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux';
  return { home: homedir(), platform, env: { ...process.env }, ...extra };
}

/**
 * The `User` folder of a VS Code-family editor (`Code`, `Cursor`, …): VSCODE_APPDATA when set,
 * else the OS's application config folder (as VS Code's own `getAppDataPath` resolves it).
 */
export function vscodeUserDir(ctx: AgentContext, product: string): string {
  return join(envPath(ctx, 'VSCODE_APPDATA') ?? baseDirs(ctx).appConfig, product, 'User');
}

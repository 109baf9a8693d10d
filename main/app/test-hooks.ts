// Test-only hooks for Playwright's Electron tests, installed only when CAIRN_E2E_HOOKS=1: read the
// tray menu, click its items, read the status, see whether the window shows. Playwright reaches
// them with electronApp.evaluate(() => globalThis.__cairnTest…).

import type { EngineStatus } from '../../shared/models.ts';
import type { TrayAction, TrayMenu } from './tray.ts';

export interface CairnTestHooks {
  trayMenu(): TrayMenu | undefined;
  /** Clicks a tray item; resolves when what it started (e.g. a sync) has finished. */
  clickTray(action: TrayAction): Promise<void>;
  status(): EngineStatus | undefined;
  windowVisible(): boolean;
  hideWindow(): void;
}

declare global {
  var __cairnTest: CairnTestHooks | undefined;
}

export const TEST_HOOKS_ENV = 'CAIRN_E2E_HOOKS';

export function testHooksEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  return env[TEST_HOOKS_ENV] === '1';
}

export function installTestHooks(env: Readonly<Record<string, string | undefined>>, hooks: CairnTestHooks): boolean {
  if (!testHooksEnabled(env)) return false;
  globalThis.__cairnTest = hooks;
  return true;
}

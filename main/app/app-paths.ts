// Where the app finds its own files and keeps its state, in development and when packaged.

import { join } from 'node:path';

export interface AppPathInputs {
  /** app.getAppPath(): the project root in development, the asar root when packaged. */
  appPath: string;
  isPackaged: boolean;
  /** process.resourcesPath: where electron-builder's extraResources land. */
  resourcesPath: string;
  /** app.getPath('userData'). */
  userData: string;
  /**
   * Cairn's state folder shared with the `cairn` CLI (engine/paths.ts defaultStateDir), so that
   * on one machine the app and the CLI are one device of one vault. Absent: under userData
   * (a throwaway profile of a test run).
   */
  sharedStateDir?: string;
}

export interface AppPaths {
  rendererDir: string;
  preloadPath: string;
  trayIconsDir: string;
  appIconPath: string;
  /** The service's stateDir: config, state DB, cache, outbox. Never inside an agent's folder. */
  stateDir: string;
  logFile: string;
}

export function appPaths(inputs: AppPathInputs): AppPaths {
  const assets = inputs.isPackaged ? inputs.resourcesPath : join(inputs.appPath, 'assets');
  return {
    rendererDir: join(inputs.appPath, 'dist', 'renderer'),
    preloadPath: join(inputs.appPath, 'dist', 'preload', 'index.cjs'),
    trayIconsDir: join(assets, 'tray'),
    appIconPath: inputs.isPackaged ? join(inputs.resourcesPath, 'icon.png') : join(inputs.appPath, 'assets', 'icon.png'),
    stateDir: inputs.sharedStateDir ?? join(inputs.userData, 'state'),
    logFile: join(inputs.userData, 'logs', 'main.log'),
  };
}

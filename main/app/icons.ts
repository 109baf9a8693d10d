// Which tray image file to load for a state on each platform. macOS gets template images (black
// and alpha only, recoloured by the system for light and dark menu bars); the others get colour.
// Electron picks up the `@2x` variant next to each file by itself on high-DPI screens.

import { join } from 'node:path';
import type { TrayIconName } from './tray.ts';

export function trayIconFileName(icon: TrayIconName, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? `tray-${icon}Template.png` : `tray-${icon}.png`;
}

export function trayIconPath(trayIconsDir: string, icon: TrayIconName, platform: NodeJS.Platform): string {
  return join(trayIconsDir, trayIconFileName(icon, platform));
}

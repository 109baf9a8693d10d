// Renders the pure tray menu (tray.ts) into Electron's Tray: icon per state, tooltip, menu
// rebuilt on every status change, item clicks dispatched by id.

import { Menu, Tray, nativeImage, type NativeImage } from 'electron';
import { trayIconPath } from './icons.ts';
import { toElectronTemplate, type TrayAction, type TrayIconName, type TrayMenu } from './tray.ts';

export interface TrayControllerOptions {
  trayIconsDir: string;
  platform: NodeJS.Platform;
  dispatch(action: TrayAction): Promise<void>;
}

export class TrayController {
  private readonly tray: Tray;
  private readonly options: TrayControllerOptions;
  private icon: TrayIconName | undefined;
  private lastMenu: TrayMenu | undefined;

  constructor(initial: TrayMenu, options: TrayControllerOptions) {
    this.options = options;
    this.tray = new Tray(this.image(initial.icon));
    this.icon = initial.icon;
    // Windows and macOS users expect a left click to open the window; Linux shows the menu.
    if (options.platform === 'win32') this.tray.on('click', () => void options.dispatch('open'));
    this.render(initial);
  }

  /** The menu currently shown (for the e2e hooks). */
  get menu(): TrayMenu | undefined {
    return this.lastMenu;
  }

  render(menu: TrayMenu): void {
    if (menu.icon !== this.icon) {
      this.tray.setImage(this.image(menu.icon));
      this.icon = menu.icon;
    }
    this.tray.setToolTip(menu.tooltip);
    this.tray.setContextMenu(Menu.buildFromTemplate(toElectronTemplate(menu, this.options.dispatch)));
    this.lastMenu = menu;
  }

  destroy(): void {
    if (!this.tray.isDestroyed()) this.tray.destroy();
  }

  private image(icon: TrayIconName): NativeImage {
    const image = nativeImage.createFromPath(trayIconPath(this.options.trayIconsDir, icon, this.options.platform));
    if (this.options.platform === 'darwin') image.setTemplateImage(true);
    return image;
  }
}

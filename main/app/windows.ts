// The one app window: secure defaults (context isolation, sandbox, no Node, web security), the
// renderer from app://cairn/, hidden rather than closed so the app lives on in the tray.

import { BrowserWindow, app, nativeTheme } from 'electron';
import { APP_START_URL } from './protocol.ts';
import { hardenWebContents, secureWebPreferences, type HardenOptions } from './security.ts';

export interface MainWindowOptions extends HardenOptions {
  preloadPath: string;
  iconPath?: string;
  startUrl?: string;
}

/** Creates the window lazily, shows and hides it, and lets it really close only when quitting. */
export class MainWindowController {
  private window: BrowserWindow | undefined;
  private quitting = false;
  private readonly options: MainWindowOptions;

  constructor(options: MainWindowOptions) {
    this.options = options;
  }

  get current(): BrowserWindow | undefined {
    return this.window !== undefined && !this.window.isDestroyed() ? this.window : undefined;
  }

  get webContentsId(): number | undefined {
    return this.current?.webContents.id;
  }

  isVisible(): boolean {
    return this.current?.isVisible() ?? false;
  }

  show(): void {
    const window = this.current ?? this.create();
    if (window.isMinimized()) window.restore();
    if (!window.isVisible()) {
      // Before the first paint, ready-to-show will show it.
      if (window.webContents.isLoading()) window.once('ready-to-show', () => window.show());
      else window.show();
    }
    window.focus();
  }

  hide(): void {
    this.current?.hide();
  }

  /** From now on a close closes (the app is quitting). */
  allowClose(): void {
    this.quitting = true;
  }

  private create(): BrowserWindow {
    const window = new BrowserWindow({
      width: 1100,
      height: 720,
      minWidth: 760,
      minHeight: 520,
      show: false,
      title: 'Cairn',
      backgroundColor: nativeTheme.shouldUseDarkColors ? '#1f2328' : '#ffffff',
      autoHideMenuBar: true,
      ...(this.options.iconPath === undefined ? {} : { icon: this.options.iconPath }),
      // DevTools only in development builds.
      webPreferences: secureWebPreferences(this.options.preloadPath, { devTools: !app.isPackaged }),
    });
    hardenWebContents(window.webContents, this.options);
    window.on('close', (event) => {
      if (this.quitting) return;
      event.preventDefault();
      window.hide();
    });
    window.on('closed', () => {
      if (this.window === window) this.window = undefined;
    });
    void window.loadURL(this.options.startUrl ?? APP_START_URL).catch((error: unknown) => this.options.log.warn('window: the renderer failed to load', { error }));
    this.window = window;
    return window;
  }
}

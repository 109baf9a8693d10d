// The composition root: opens the keychain, creates the service, and wires it to the window, the
// tray, the scheduler, IPC, power events, notifications, the login item and the quit flow. Each
// of those lives in its own file; this one only connects them.

import { app, dialog, ipcMain, Notification, powerMonitor, protocol, session, shell } from 'electron';
import type { Handlers } from '../../shared/ipc/contract.ts';
import type { EngineStatus, Settings } from '../../shared/models.ts';
import { bindRouterToIpcMain, createRouter, forwardEvents } from '../ipc/index.ts';
import { MemorySecretStore, openSecretStore, type SecretStore } from '../keychain/index.ts';
import { AgentFileWatcher, DEFAULT_POLICY, Scheduler, policyFromSettings, type RunReason } from '../scheduler/index.ts';
import { createCairnService } from '../service/index.ts';
import type { CairnService, CairnServiceOptions } from '../service/types.ts';
import { appPaths, type AppPaths } from './app-paths.ts';
import { defaultStateDir } from '../engine/paths.ts';
import { installQuitFlow } from './lifecycle.ts';
import { createLogger, type Logger } from './logger.ts';
import { HIDDEN_ARG, getLaunchAtLogin, setLaunchAtLogin, supportsLaunchAtLogin, type LoginItemOptions } from './login-item.ts';
import { NotificationTracker } from './notifications.ts';
import { registerAppScheme, serveRenderer } from './protocol.ts';
import { hardenSession, isAllowedExternalUrl } from './security.ts';
import { throttleLatest } from './service-bridge.ts';
import { acquireSingleInstance } from './single-instance.ts';
import { installTestHooks, testHooksEnabled } from './test-hooks.ts';
import { buildTrayMenu, type TrayAction } from './tray.ts';
import { TrayController } from './tray-controller.ts';
import { MainWindowController } from './windows.ts';

/** The last sync on quit may take this long before the app quits anyway. */
const QUIT_SYNC_BOUND_MS = 20_000;
const SHUTDOWN_BOUND_MS = 5_000;
const TRAY_REFRESH_MS = 30_000;

type Env = Readonly<Record<string, string | undefined>>;

/** Entry point: everything that must happen before `ready`, then the app itself. */
export async function runCairnApp(env: Env = process.env, argv: readonly string[] = process.argv): Promise<void> {
  // e2e runs get a throwaway profile; must be set before anything reads userData.
  const userDataOverride = env.CAIRN_USER_DATA_DIR;
  if (userDataOverride !== undefined && userDataOverride !== '') app.setPath('userData', userDataOverride);
  registerAppScheme(protocol);

  let cairn: CairnApp | undefined;
  if (!acquireSingleInstance(app, () => cairn?.showWindow())) return;
  // The app lives in the tray: closing the last window must not quit it.
  app.on('window-all-closed', () => {});

  await app.whenReady();
  // The CLI's state folder too, unless the run has a profile of its own (CAIRN_USER_DATA_DIR).
  const sharedStateDir = userDataOverride !== undefined && userDataOverride !== '' ? undefined : defaultStateDir(env);
  const paths = appPaths({ appPath: app.getAppPath(), isPackaged: app.isPackaged, resourcesPath: process.resourcesPath, userData: app.getPath('userData'), ...(sharedStateDir ? { sharedStateDir } : {}) });
  const log = createLogger({ file: paths.logFile, level: env.CAIRN_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
  try {
    cairn = await CairnApp.start({ env, paths, log, startHidden: argv.includes(HIDDEN_ARG) || app.getLoginItemSettings().wasOpenedAtLogin === true });
  } catch (error) {
    log.error('app: failed to start', { error });
    dialog.showErrorBox('Cairn could not start', error instanceof Error ? error.message : String(error));
    await log.close();
    app.exit(1);
  }
}

interface StartOptions {
  env: Env;
  paths: AppPaths;
  log: Logger;
  startHidden: boolean;
}

class CairnApp {
  private readonly log: Logger;
  private readonly paths: AppPaths;
  private readonly env: Env;
  private readonly window: MainWindowController;
  private readonly notifications = new NotificationTracker();
  private readonly loginItem: LoginItemOptions;
  private service!: CairnService;
  private handlers!: Handlers;
  private scheduler!: Scheduler;
  private tray: TrayController | undefined;
  private watcher: AgentFileWatcher | undefined;
  private status: EngineStatus = { state: 'unconfigured', outboxCount: 0 };
  private settings: Settings | undefined;
  private launchAtLogin = false;
  private watcherUpdate: Promise<void> = Promise.resolve();
  private trayTimer: NodeJS.Timeout | undefined;
  private readonly cleanups: Array<() => void> = [];

  private constructor(options: StartOptions) {
    this.log = options.log;
    this.paths = options.paths;
    this.env = options.env;
    this.loginItem = { platform: process.platform, app, executable: options.env.APPIMAGE ?? process.execPath };
    this.window = new MainWindowController({
      preloadPath: this.paths.preloadPath,
      iconPath: this.paths.appIconPath,
      log: this.log,
      openExternal: (url) => this.openExternal(url).then(() => undefined),
    });
  }

  static async start(options: StartOptions): Promise<CairnApp> {
    const cairn = new CairnApp(options);
    await cairn.wire(options.startHidden);
    return cairn;
  }

  showWindow(): void {
    this.window.show();
  }

  private async wire(startHidden: boolean): Promise<void> {
    const log = this.log;
    log.info('app: starting', { version: app.getVersion(), platform: process.platform, electron: process.versions.electron });

    hardenSession(session.defaultSession, log);
    serveRenderer(session.defaultSession.protocol, this.paths.rendererDir);

    this.service = await createCairnService(this.serviceOptions(await this.openSecrets()));
    this.handlers = this.service.handlers;
    // The app follows the service's events (new settings; a vault set up or unlocked).
    this.cleanups.push(this.service.on('settings.changed', (settings) => this.onSettings(settings)));
    this.cleanups.push(this.service.on('vault.opened', () => void this.refreshWatcher()));

    this.scheduler = new Scheduler({
      run: (reason) => this.sync(reason),
      policy: DEFAULT_POLICY,
      onRunEnd: (record) => {
        if (!record.ok) log.warn('scheduler: sync failed', { reason: record.reason, error: record.error });
      },
      // The service shows "next sync" from this; a burst of file changes is reported once a second.
      onPlan: throttleLatest((planned) => this.service.reportNextRun(planned?.at), 1_000, { setTimeout: (callback, ms) => setTimeout(callback, ms), now: () => Date.now() }),
    });

    const router = createRouter(this.handlers, { log, stateDir: this.paths.stateDir });
    this.cleanups.push(bindRouterToIpcMain(ipcMain, router, { isKnownWebContents: (id) => id === this.window.webContentsId }));
    this.cleanups.push(forwardEvents(this.service, () => this.window.current?.webContents));
    this.cleanups.push(this.service.on('status.changed', (status) => this.onStatus(status)));

    this.launchAtLogin = await getLaunchAtLogin(this.loginItem).catch(() => false);
    await this.loadInitialState();
    this.tray = new TrayController(this.trayMenu(), { trayIconsDir: this.paths.trayIconsDir, platform: process.platform, dispatch: (action) => this.dispatch(action) });
    this.trayTimer = setInterval(() => this.renderTray(), TRAY_REFRESH_MS);

    const onResume = (): void => this.scheduler.wake();
    powerMonitor.on('resume', onResume);
    this.cleanups.push(() => powerMonitor.off('resume', onResume));
    app.on('activate', () => this.window.show());

    installQuitFlow({
      app,
      log,
      onQuitting: () => this.window.allowClose(),
      finalSync: () => this.scheduler.quit(QUIT_SYNC_BOUND_MS),
      shutdown: () => this.shutdown(),
      shutdownTimeoutMs: SHUTDOWN_BOUND_MS,
    });

    installTestHooks(this.env, {
      trayMenu: () => this.tray?.menu,
      clickTray: (action) => this.dispatch(action),
      status: () => this.status,
      windowVisible: () => this.window.isVisible(),
      hideWindow: () => this.window.hide(),
    });

    this.scheduler.start();
    await this.refreshWatcher();
    if (!startHidden || this.status.state === 'unconfigured') this.window.show();
  }

  private async openSecrets(): Promise<SecretStore> {
    if (testHooksEnabled(this.env) && this.env.CAIRN_E2E_MEMORY_SECRETS === '1') {
      this.log.warn('keychain: e2e run, secrets kept in memory only');
      return new MemorySecretStore();
    }
    const opened = await openSecretStore();
    if (!opened.available) this.log.warn('keychain: unavailable; anything needing a secret will fail until it is fixed', { reason: opened.problem.message });
    return opened.store;
  }

  private serviceOptions(secrets: SecretStore): CairnServiceOptions {
    const e2eHome = testHooksEnabled(this.env) ? this.env.CAIRN_E2E_HOME : undefined;
    return {
      stateDir: this.paths.stateDir,
      secrets,
      platform: process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux',
      ...(e2eHome === undefined || e2eHome === '' ? {} : { home: e2eHome }),
      hooks: {
        chooseFolder: (title) => this.chooseFolder(title),
        openExternal: (url) => this.openExternal(url),
        setLaunchAtLogin: (enabled) => this.setLaunchAtLogin(enabled),
      },
    };
  }

  private async loadInitialState(): Promise<void> {
    try {
      const settings = await this.handlers['settings.get']({});
      this.onSettings(settings);
      // Re-register when asked for, so the entry points at this executable (an AppImage moves).
      if (settings.launchAtLogin) await this.setLaunchAtLogin(true);
    } catch (error) {
      this.log.warn('app: settings unavailable at start', { error });
    }
    try {
      this.onStatus(await this.handlers['status.get']({}));
    } catch (error) {
      this.log.warn('app: status unavailable at start', { error });
    }
  }

  /** The scheduler's run (the service does nothing while not set up or locked). */
  private async sync(reason: RunReason): Promise<void> {
    await this.service.syncNow(reason === 'manual' ? 'manual' : reason === 'quit' ? 'quit' : 'scheduled');
  }

  private onStatus(status: EngineStatus): void {
    // Called from the service's event emitter: a failure here must not break the service.
    try {
      this.applyStatus(status);
    } catch (error) {
      this.log.error('app: status update failed', { error });
    }
  }

  private applyStatus(status: EngineStatus): void {
    const previousState = this.status.state;
    this.status = status;
    if (status.pausedUntil !== undefined) this.scheduler.pauseUntil(Date.parse(status.pausedUntil));
    else if (status.state === 'paused') this.scheduler.pauseUntil(Number.POSITIVE_INFINITY);
    else if (this.scheduler.paused) this.scheduler.resume();
    if (previousState === 'unconfigured' && status.state !== 'unconfigured') void this.refreshWatcher();
    const notification = this.notifications.update(status);
    if (notification !== undefined && this.settings?.notifications !== false && Notification.isSupported()) {
      const shown = new Notification({ title: notification.title, body: notification.body });
      shown.on('click', () => this.window.show());
      shown.show();
    }
    this.renderTray();
  }

  private onSettings(settings: Settings): void {
    this.settings = settings;
    this.scheduler.setPolicy(policyFromSettings(settings));
    void this.refreshWatcher();
  }

  private async dispatch(action: TrayAction): Promise<void> {
    try {
      switch (action) {
        case 'sync-now':
          await this.scheduler.trigger('manual');
          return;
        case 'pause-1h':
          await this.handlers['sync.pause']({ minutes: 60 });
          return;
        case 'resume':
          await this.handlers['sync.resume']({});
          return;
        case 'open':
          this.window.show();
          return;
        case 'toggle-launch-at-login':
          await this.handlers['settings.set']({ launchAtLogin: !this.launchAtLogin });
          return;
        case 'quit':
          app.quit();
          return;
      }
    } catch (error) {
      this.log.error('tray: action failed', { action, error });
    }
  }

  private trayMenu() {
    return buildTrayMenu(this.status, Date.now(), { launchAtLogin: this.launchAtLogin, launchAtLoginSupported: supportsLaunchAtLogin(process.platform) });
  }

  private renderTray(): void {
    this.tray?.render(this.trayMenu());
  }

  /** Watches the enabled agents' folders (one update at a time). */
  private refreshWatcher(): Promise<void> {
    this.watcherUpdate = this.watcherUpdate.then(
      () => this.updateWatcher(),
      () => this.updateWatcher(),
    );
    return this.watcherUpdate.catch((error: unknown) => this.log.warn('watcher: update failed', { error }));
  }

  private async updateWatcher(): Promise<void> {
    if (this.settings?.syncOnAgentQuiet === false || this.status.state === 'unconfigured') {
      await this.stopWatcher();
      return;
    }
    let roots: string[];
    try {
      const agents = await this.handlers['agents.list']({});
      roots = agents.filter((agent) => agent.enabled).flatMap((agent) => agent.roots.filter((root) => root.exists).map((root) => root.path));
    } catch (error) {
      this.log.warn('watcher: could not list agent folders', { error });
      return;
    }
    if (roots.length === 0) {
      await this.stopWatcher();
      return;
    }
    if (this.watcher === undefined) {
      this.watcher = new AgentFileWatcher(roots, { ignoreUnder: [app.getPath('userData')], onError: (error) => this.log.warn('watcher: error', { error }) });
      this.cleanups.push(this.watcher.onChange(() => this.scheduler.notifyChange()));
    } else {
      this.watcher.setPaths(roots);
    }
  }

  private async stopWatcher(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close();
  }

  private async setLaunchAtLogin(enabled: boolean): Promise<void> {
    await setLaunchAtLogin(enabled, this.loginItem);
    this.launchAtLogin = enabled;
    this.renderTray();
  }

  private async openExternal(url: string): Promise<boolean> {
    if (!isAllowedExternalUrl(url)) {
      this.log.warn('security: refused to open a link that is not on the allow-list', { url: url.slice(0, 200) });
      return false;
    }
    await shell.openExternal(url);
    return true;
  }

  private async chooseFolder(title?: string): Promise<string | undefined> {
    const parent = this.window.current;
    const options = { title: title ?? 'Choose a folder', properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> };
    const result = parent === undefined ? await dialog.showOpenDialog(options) : await dialog.showOpenDialog(parent, options);
    return result.canceled ? undefined : result.filePaths[0];
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.trayTimer);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.stopWatcher();
    await this.service.close();
    this.tray?.destroy();
    this.log.info('app: stopped');
    await this.log.close();
  }
}

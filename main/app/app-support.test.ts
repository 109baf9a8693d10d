import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { appPaths } from './app-paths.ts';
import { trayIconPath } from './icons.ts';
import { createLogger, formatLogLine } from './logger.ts';
import { getLaunchAtLogin, linuxAutostartEntry, quoteExecArg, setLaunchAtLogin } from './login-item.ts';

describe('appPaths', () => {
  it('finds the bundle in development and in a packaged app, and keeps state under userData', () => {
    const dev = appPaths({ appPath: '/src/cairn', isPackaged: false, resourcesPath: '/ignored', userData: '/home/a/.config/Cairn' });
    expect(dev).toEqual({
      rendererDir: '/src/cairn/dist/renderer',
      preloadPath: '/src/cairn/dist/preload/index.cjs',
      trayIconsDir: '/src/cairn/assets/tray',
      appIconPath: '/src/cairn/assets/icon.png',
      stateDir: '/home/a/.config/Cairn/state',
      logFile: '/home/a/.config/Cairn/logs/main.log',
    });
    const packaged = appPaths({ appPath: '/opt/Cairn/resources/app.asar', isPackaged: true, resourcesPath: '/opt/Cairn/resources', userData: '/u' });
    expect(packaged.trayIconsDir).toBe('/opt/Cairn/resources/tray');
    expect(packaged.preloadPath).toBe('/opt/Cairn/resources/app.asar/dist/preload/index.cjs');
  });

  it("shares the CLI's state folder when given it, so one machine is one device of the vault", () => {
    const paths = appPaths({ appPath: '/src/cairn', isPackaged: false, resourcesPath: '/ignored', userData: '/home/a/.config/Cairn', sharedStateDir: '/home/a/.config/cairn' });
    expect(paths.stateDir).toBe('/home/a/.config/cairn');
    expect(paths.logFile).toBe('/home/a/.config/Cairn/logs/main.log');
  });
});

describe('trayIconPath', () => {
  it('uses template images on macOS only', () => {
    expect(trayIconPath('/t', 'error', 'darwin')).toBe('/t/tray-errorTemplate.png');
    expect(trayIconPath('/t', 'error', 'linux')).toBe('/t/tray-error.png');
    expect(trayIconPath('/t', 'idle', 'win32')).toBe('/t/tray-idle.png');
  });
});

describe('launch at login', () => {
  it('quotes Exec arguments per the desktop entry spec', () => {
    expect(quoteExecArg('/opt/Cairn/cairn')).toBe('/opt/Cairn/cairn');
    expect(quoteExecArg('/home/a/Apps/Cairn 1.0.AppImage')).toBe('"/home/a/Apps/Cairn 1.0.AppImage"');
    expect(quoteExecArg('/tmp/a"b$c')).toBe('"/tmp/a\\"b\\$c"');
    expect(linuxAutostartEntry('/opt/Cairn/cairn')).toContain('Exec=/opt/Cairn/cairn --hidden\n');
  });

  it('writes and removes an XDG autostart entry on Linux', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-autostart-'));
    const app = { setLoginItemSettings: vi.fn(), getLoginItemSettings: vi.fn(() => ({ openAtLogin: false })) };
    const options = { platform: 'linux' as const, app, executable: '/opt/Cairn/cairn', autostartDir: join(dir, 'autostart') };
    try {
      expect(await getLaunchAtLogin(options)).toBe(false);
      await setLaunchAtLogin(true, options);
      expect(await readFile(join(dir, 'autostart', 'cairn.desktop'), 'utf8')).toContain('[Desktop Entry]');
      expect(await getLaunchAtLogin(options)).toBe(true);
      await setLaunchAtLogin(false, options);
      expect(await getLaunchAtLogin(options)).toBe(false);
      expect(app.setLoginItemSettings).not.toHaveBeenCalled();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('uses the OS login items on macOS and Windows, starting hidden', async () => {
    const app = { setLoginItemSettings: vi.fn(), getLoginItemSettings: vi.fn(() => ({ openAtLogin: true })) };
    await setLaunchAtLogin(true, { platform: 'darwin', app, executable: '/Applications/Cairn.app' });
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, openAsHidden: true, args: ['--hidden'] });
    expect(await getLaunchAtLogin({ platform: 'win32', app, executable: 'C:\\Cairn.exe' })).toBe(true);
  });
});

describe('logger', () => {
  it('writes one line per record, filters by level, keeps error stacks', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (line) => lines.push(line), now: () => new Date('2025-01-01T00:00:00.000Z') });
    logger.debug('hidden');
    logger.info('started', { version: '0.1.0' });
    logger.error('failed', { error: new Error('boom') });
    await logger.close();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('2025-01-01T00:00:00.000Z INFO  started {"version":"0.1.0"}\n');
    expect(lines[1]).toContain('"message":"boom"');
    expect(lines[1]).toContain('"stack":"Error: boom');
    expect(formatLogLine(new Date(0), 'warn', 'x', {})).toBe('1970-01-01T00:00:00.000Z WARN  x\n');
  });

  it('appends to a log file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-log-'));
    try {
      const file = join(dir, 'logs', 'main.log');
      const logger = createLogger({ file, write: () => {} });
      logger.warn('to the file');
      await logger.close();
      expect(await readFile(file, 'utf8')).toContain('WARN  to the file');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

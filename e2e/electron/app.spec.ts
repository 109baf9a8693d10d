// The desktop app as a user meets it: it starts, puts itself in the tray, "Sync now" in the tray
// backs up the agents' files into a local vault, and "Open Cairn" shows the window. Runs the built
// app (npm run build) in a real Electron with a throwaway profile and home.

import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {} from '../../main/app/test-hooks.ts';
import { buildFixtureHome } from '../fixtures/home.ts';
import { findElectronBinary } from './electron-binary.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const electronBinary = findElectronBinary();
if (!electronBinary.found) console.log(`[e2e/electron] skipping: ${electronBinary.reason}`);

test.describe('Cairn desktop app', () => {
  test.skip(!electronBinary.found, electronBinary.found ? '' : electronBinary.reason);

  let app: ElectronApplication | undefined;
  let scratch: string | undefined;

  test.beforeAll(async () => {
    if (!electronBinary.found) return;
    const entry = join(root, 'dist', 'main', 'app', 'main.js');
    if (!existsSync(entry) || !existsSync(join(root, 'dist', 'preload', 'index.cjs')) || !existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
      throw new Error(`The app is not built (${entry} and friends are missing). Run \`npm run build\` first.`);
    }
    scratch = await mkdtemp(join(tmpdir(), 'cairn-electron-'));
    const home = join(scratch, 'home');
    await buildFixtureHome(home);
    app = await electron.launch({
      executablePath: electronBinary.path,
      args: [root, '--no-sandbox'],
      env: {
        ...process.env,
        CAIRN_E2E_HOOKS: '1',
        CAIRN_E2E_MEMORY_SECRETS: '1',
        CAIRN_E2E_HOME: home,
        CAIRN_USER_DATA_DIR: join(scratch, 'user-data'),
      },
    });
  });

  test.afterAll(async () => {
    await app?.close();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  test('starts with a tray menu and its window', async () => {
    const launched = app;
    if (launched === undefined) throw new Error('the app did not launch');
    const page = await launched.firstWindow();
    await expect.poll(() => page.evaluate(() => typeof window.cairn?.['status.get'])).toBe('function');
    const labels = await launched.evaluate(() => globalThis.__cairnTest?.trayMenu()?.items.map((item) => (item.kind === 'separator' ? '---' : item.label)));
    expect(labels).toEqual(['Not set up yet — open Cairn to start', '---', 'Sync now', 'Pause for 1 hour', '---', 'Open Cairn', 'Launch at login', '---', 'Quit Cairn']);
  });

  test('Sync now in the tray backs up into the vault', async () => {
    const launched = app;
    if (launched === undefined || scratch === undefined) throw new Error('the app did not launch');
    const page = await launched.firstWindow();
    const vault = join(scratch, 'vault');
    const created = await page.evaluate((path) => window.cairn['setup.createVault']({ location: { provider: 'local', path }, passphrase: 'correct horse battery staple' }), vault);
    expect(created.ok).toBe(true);
    await expect.poll(() => launched.evaluate(() => globalThis.__cairnTest?.status()?.state)).toBe('idle');

    await launched.evaluate(() => globalThis.__cairnTest?.clickTray('sync-now'));
    const status = await launched.evaluate(() => globalThis.__cairnTest?.status());
    expect(status?.state).toBe('idle');
    expect(status?.lastSyncAt).toBeDefined();
    const snapshots = await page.evaluate(() => window.cairn['snapshots.list']({}));
    expect(snapshots.ok && snapshots.value.length).toBeGreaterThan(0);
    const menu = await launched.evaluate(() => globalThis.__cairnTest?.trayMenu());
    expect(menu?.icon).toBe('idle');
    expect(menu?.items[0]).toEqual({ kind: 'status', label: 'Last synced just now' });
  });

  test('closing hides the window; Open Cairn in the tray shows it again', async () => {
    const launched = app;
    if (launched === undefined) throw new Error('the app did not launch');
    await launched.evaluate(() => globalThis.__cairnTest?.hideWindow());
    expect(await launched.evaluate(() => globalThis.__cairnTest?.windowVisible())).toBe(false);
    await launched.evaluate(() => globalThis.__cairnTest?.clickTray('open'));
    await expect.poll(() => launched.evaluate(() => globalThis.__cairnTest?.windowVisible())).toBe(true);
  });
});

// A damaged settings file (issue 14): Cairn starts, keeps the damaged file byte for byte as
// config.json.bad, keeps what still validates (the vault stays connected), and the window says
// what happened and what to do — instead of silently falling back to defaults.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { buildFixtureHome } from './fixtures/home.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { PASSPHRASE } from './wizard-steps.ts';

let root: string;
let app: AppUnderTest | undefined;

test.afterAll(async () => {
  await app?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('a damaged config.json is kept as config.json.bad, the vault stays, and the window says what to do', async ({ page }) => {
  test.setTimeout(180_000);
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-config-'));
  const { home } = await buildFixtureHome(join(root, 'home'));
  const stateDir = join(root, 'state');
  const first = await startApp({ home, tempRoot: root, stateDir, keepState: true });
  await first.service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(root, 'vault') }, passphrase: PASSPHRASE, deviceName: 'Laptop' });
  const secrets = first.secrets;
  await first.close();

  // A hand edit gone wrong: a setting of the wrong type (the rest of the file is fine).
  const file = join(stateDir, 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as { settings: Record<string, unknown> };
  config.settings.intervalMinutes = 'every few minutes';
  const damaged = `${JSON.stringify(config, null, 2)}\n`;
  writeFileSync(file, damaged);

  app = await startApp({ home, tempRoot: root, stateDir, secrets });
  expect(readFileSync(`${file}.bad`, 'utf8')).toBe(damaged);
  await page.setViewportSize({ width: 900, height: 600 });
  await page.goto(app.host?.url ?? '');
  const notice = page.locator('.config-notice');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText("Cairn's settings file was damaged");
  await expect(notice).toContainText('config.json.bad');
  await page.screenshot({ path: test.info().outputPath('config-notice-900.png') });
  // It takes its own row: the page's title and Sync now are not under it.
  const box = await notice.boundingBox();
  const title = await page.getByRole('heading', { level: 1 }).boundingBox();
  expect(box && title && title.y >= box.y + box.height).toBe(true);
  // The vault location survived: the app opens on its screens, not the set-up wizard.
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Try it with no cloud account/ })).toHaveCount(0);
  // Hide is reachable by keyboard and the notice goes.
  await notice.getByRole('button', { name: 'Hide' }).focus();
  await page.keyboard.press('Enter');
  await expect(notice).toHaveCount(0);
});

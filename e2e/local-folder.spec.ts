// "Try it with no cloud account": the whole wizard against a local folder vault, with the real
// service and engine.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { buildFixtureHome } from './fixtures/home.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { createVaultAndFirstBackup } from './wizard-steps.ts';

let root: string;
let app: AppUnderTest;

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-local-'));
  const fixture = await buildFixtureHome(join(root, 'home'));
  app = await startApp({ home: fixture.home, tempRoot: root });
});

test.afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

test('sets up a local folder vault and finishes the first backup', async ({ page }) => {
  const vault = join(root, 'vault');
  app.nextFolder = vault;
  await page.goto(app.host?.url ?? '');
  await page.getByRole('button', { name: /Try it with no cloud account/ }).click();
  await page.getByRole('button', { name: 'Choose…' }).click();
  await expect(page.getByLabel('Folder')).toHaveValue(vault);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByText('Connected', { exact: true })).toBeVisible();
  await expect(page.locator('.probe-step.is-ok')).toHaveCount(4);
  await page.getByRole('button', { name: 'Continue' }).click();
  await createVaultAndFirstBackup(page, { deviceName: 'Test laptop' });
  await page.getByRole('button', { name: 'Open Cairn' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.locator('.main .pill')).toHaveAttribute('data-state', 'idle');
  await expect(page.getByTestId('tile-storage')).toContainText('Local folder — no storage bill');
  expect(readdirSync(vault).length).toBeGreaterThan(0);
});

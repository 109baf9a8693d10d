// Set-up that can't be half-finished (issue 11): reloading or reopening the window on "Save your
// recovery key" comes back to it with the same key; later steps resume too. And what the wizard
// promised in Settings: Aider's project folders, and adding or changing storage.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { buildFixtureHome } from './fixtures/home.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { PASSPHRASE } from './wizard-steps.ts';

let root: string;
let app: AppUnderTest;

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-resume-'));
  const fixture = await buildFixtureHome(join(root, 'home'));
  app = await startApp({ home: fixture.home, tempRoot: root });
});

test.afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

test.describe.configure({ mode: 'serial' });

test('a reload on the recovery key, or a new window, comes back to it; later steps resume too', async ({ page, context }) => {
  app.nextFolder = join(root, 'vault');
  await page.goto(app.host?.url ?? '');
  await page.getByRole('button', { name: /Try it with no cloud account/ }).click();
  await page.getByRole('button', { name: 'Choose…' }).click();
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByLabel('Passphrase again').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Create vault' }).click();
  const keyBox = page.getByTestId('recovery-key');
  await expect(keyBox).toBeVisible();
  const recoveryKey = (await keyBox.locator('code').textContent())?.trim() ?? '';
  expect(recoveryKey.length).toBeGreaterThan(10);

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Save your recovery key' })).toBeVisible();
  await expect(page.getByTestId('recovery-key').locator('code')).toHaveText(recoveryKey);
  await page.screenshot({ path: join('test-results', 'e2e', 'resume-recovery-key-1280.png') });
  await page.setViewportSize({ width: 900, height: 600 });
  await page.screenshot({ path: join('test-results', 'e2e', 'resume-recovery-key-900.png'), fullPage: true });

  // The window closed and opened again.
  await page.close();
  const again = await context.newPage();
  await again.goto(app.host?.url ?? '');
  await expect(again.getByRole('heading', { name: 'Save your recovery key' })).toBeVisible();
  await expect(again.getByTestId('recovery-key').locator('code')).toHaveText(recoveryKey);

  await again.getByLabel('I have saved my recovery key somewhere safe').check();
  const groups = recoveryKey.split(/[\s-]+/).filter(Boolean);
  await again.getByLabel(/To confirm, type the last group/).fill(groups[groups.length - 1] ?? '');
  await again.getByRole('button', { name: 'Continue' }).click();
  await expect(again.getByRole('heading', { name: 'Choose what to back up' })).toBeVisible();
  // Confirmed: the key is gone from main, and a reload resumes at the agents step.
  expect((await app.service.handlers['setup.progress']({})).progress?.recoveryKey).toBeUndefined();
  await again.reload();
  await expect(again.getByRole('heading', { name: 'Choose what to back up' })).toBeVisible();
  await again.getByRole('button', { name: 'Continue' }).click();
  await expect(again.getByRole('heading', { name: 'When should Cairn back up?' })).toBeVisible();
  await again.reload();
  await expect(again.getByRole('heading', { name: 'When should Cairn back up?' })).toBeVisible();
  await again.getByRole('button', { name: 'Continue' }).click();
  await again.getByRole('button', { name: 'Start first backup' }).click();
  await expect(again.getByTestId('first-backup')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await again.getByRole('button', { name: 'Open Cairn' }).click();
  await expect(again.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await again.reload();
  await expect(again.getByRole('heading', { name: 'Overview' })).toBeVisible();
  expect((await app.service.handlers['setup.progress']({})).progress).toBeUndefined();
});

test('Settings: Aider project folders, and adding a bucket to a local-folder set-up', async ({ page }) => {
  await page.goto(app.host?.url ?? '');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  const folders = page.getByTestId('aider-folders');
  await folders.scrollIntoViewIfNeeded();
  await expect(folders).toContainText('~/src');
  await folders.getByLabel('Add a folder').fill('~/clients');
  await folders.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(folders.locator('li', { hasText: '~/clients' })).toContainText('added');
  const saved = () => JSON.parse(readFileSync(join(app.stateDir, 'agent-paths.json'), 'utf8')) as { added: string[]; removed: string[] };
  expect(saved().added).toEqual([join(app.home, 'clients')]);
  await folders.locator('li', { hasText: '~/src' }).getByRole('button', { name: 'Don’t scan' }).click();
  await expect(folders.locator('li', { hasText: '~/src' })).toContainText('not scanned');
  expect(saved().removed).toEqual([join(app.home, 'src')]);
  await folders.getByRole('button', { name: `Remove ${join(app.home, 'clients')}` }).click();
  await expect(folders.locator('li', { hasText: '~/clients' })).toHaveCount(0);
  await folders.getByLabel('Add a folder').fill('relative/folder');
  await folders.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(folders).toContainText('is not a full path');
  await page.screenshot({ path: join('test-results', 'e2e', 'settings-aider-folders-1280.png'), fullPage: false });

  // Storage: the wizard's form, filled in, and what happens to the old vault said before anything changes.
  const storage = page.locator('#settings-storage');
  await storage.scrollIntoViewIfNeeded();
  await expect(storage.getByTestId('storage-location')).toContainText(join(root, 'vault'));
  await storage.getByRole('button', { name: 'Add a bucket…' }).click();
  await expect(page.getByLabel('Folder')).toHaveValue(join(root, 'vault'));
  app.nextFolder = join(root, 'second-vault');
  await page.getByRole('button', { name: 'Choose…' }).click();
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('What happens to the vault you use now')).toBeVisible();
  await expect(page.getByText(`The vault at ${join(root, 'vault')}`)).toBeVisible();
  await page.screenshot({ path: join('test-results', 'e2e', 'settings-change-storage-1280.png') });
  await page.getByRole('button', { name: 'Back to Cairn' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.locator('#settings-storage').getByTestId('storage-location')).toContainText(join(root, 'vault'));
  expect(existsSync(join(root, 'second-vault', 'cairn', 'vault.json'))).toBe(false);
});

// Settings → New recovery key, in Chromium against the real service and engine: the new key is
// shown with Copy and Save as file, and confirmed by typing its last group as in the set-up
// wizard; until then the old key still unlocks the vault, a reload comes back to the same new key,
// and only the confirmation retires the old one.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { LocalBlobStore } from '../main/engine/storage/index.ts';
import { Vault } from '../main/engine/vault/index.ts';
import { buildFixtureHome } from './fixtures/home.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { shoot, shootSizes } from './screenshots.ts';
import { PASSPHRASE } from './wizard-steps.ts';

let root: string;
let app: AppUnderTest;
let original: string;

const opens = (recoveryKey: string) =>
  Vault.open(new LocalBlobStore(join(root, 'vault')), { recoveryKey }).then(
    () => true,
    () => false,
  );

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-rotate-'));
  const fixture = await buildFixtureHome(join(root, 'home'));
  app = await startApp({ home: fixture.home, tempRoot: root });
  ({ recoveryKey: original } = await app.service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(root, 'vault') }, passphrase: PASSPHRASE, deviceName: 'Laptop' }));
});

test.afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

test('a new recovery key: the old one works until the new one is saved and confirmed, a reload included', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto(app.host?.url ?? '');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'New recovery key' }).click();
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Make new recovery key' }).click();

  const rotation = page.getByTestId('recovery-rotation');
  const keyBox = rotation.getByTestId('new-recovery-key').locator('code');
  await expect(keyBox).toBeVisible();
  const fresh = (await keyBox.textContent())?.trim() ?? '';
  expect(fresh).not.toBe(original);
  await expect(rotation).toContainText('your current recovery key still works');
  await expect(rotation.getByRole('button', { name: 'Save as file…' })).toBeVisible();
  await expect(rotation.getByRole('button', { name: /Copy/ })).toBeVisible();
  // Shown, not confirmed: both keys unlock the vault.
  expect(await opens(original), 'the old key still works before confirmation').toBe(true);
  expect(await opens(fresh)).toBe(true);
  for (const size of [{ width: 1280, height: 800 }, { width: 900, height: 600 }]) {
    await page.setViewportSize(size);
    await rotation.scrollIntoViewIfNeeded();
    await shoot(page, `screen-12b-settings-new-recovery-key-${size.width}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  // The window reloads before confirming: the same key waits in Settings, the old one still works.
  await page.reload();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByTestId('recovery-rotation').getByTestId('new-recovery-key').locator('code')).toHaveText(fresh);
  expect(await opens(original)).toBe(true);

  // Confirm as in the wizard: tick, type the last group (a wrong one keeps the button disabled).
  const again = page.getByTestId('recovery-rotation');
  const confirm = again.getByRole('button', { name: 'Confirm and retire the old key' });
  await expect(confirm).toBeDisabled();
  await again.getByLabel('I have saved my recovery key somewhere safe').check();
  const groups = fresh.split(/[\s-]+/).filter(Boolean);
  const field = again.getByLabel(/To confirm, type the last group/);
  await field.fill('XXXX');
  await expect(confirm).toBeDisabled();
  await field.fill(groups[groups.length - 1] ?? '');
  await confirm.click();
  await expect(page.getByTestId('recovery-rotation-done')).toBeVisible();
  expect(await opens(original), 'the old key stops working once the new one is confirmed').toBe(false);
  expect(await opens(fresh)).toBe(true);
  await shootSizes(page, 'screen-12c-settings-recovery-key-confirmed');
});

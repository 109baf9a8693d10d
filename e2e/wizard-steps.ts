// Steps through the setup wizard, shared by the specs.

import { expect, type Page } from '@playwright/test';

export const PASSPHRASE = 'granite lantern orbit meadow';

/** From the vault step to a finished first backup, creating a new vault. */
export async function createVaultAndFirstBackup(page: Page, options: { deviceName?: string; beforeBackup?: () => Promise<void>; onAgents?: () => Promise<void>; onRecoveryKey?: () => Promise<void> } = {}): Promise<{ recoveryKey: string }> {
  await expect(page.getByRole('heading', { name: 'Protect your vault' })).toBeVisible();
  if (options.deviceName) await page.getByLabel('Name of this computer').fill(options.deviceName);
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByLabel('Passphrase again').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Create vault' }).click();
  const keyBox = page.getByTestId('recovery-key');
  await expect(keyBox).toBeVisible();
  const recoveryKey = (await keyBox.locator('code').textContent())?.trim() ?? '';
  expect(recoveryKey.length).toBeGreaterThan(10);
  await page.getByLabel('I have saved my recovery key somewhere safe').check();
  await options.onRecoveryKey?.();
  const groups = recoveryKey.split(/[\s-]+/).filter(Boolean);
  await page.getByLabel(/To confirm, type the last group/).fill(groups[groups.length - 1] ?? '');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Choose what to back up' })).toBeVisible();
  await expect(page.getByText('Claude Code', { exact: true })).toBeVisible();
  await options.onAgents?.();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'When should Cairn back up?' })).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();
  await options.beforeBackup?.();
  await page.getByRole('button', { name: 'Start first backup' }).click();
  await expect(page.getByTestId('first-backup')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  return { recoveryKey };
}

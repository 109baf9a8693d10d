// The daily verification, against the real service and engine: scheduled syncs on successive days
// read the vault's data part by part; the day it reads a damaged pack, the Overview says so, and
// "Review and repair…" opens Settings → Vault with what it found and the repair.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { waitForJob } from '../testing/service.ts';
import { buildFixtureHome } from './fixtures/home.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { shoot } from './screenshots.ts';
import { PASSPHRASE } from './wizard-steps.ts';

let root: string;
let app: AppUnderTest;
let now = Date.UTC(2026, 11, 7, 9);

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-verify-'));
  const fixture = await buildFixtureHome(join(root, 'home'));
  const vault = join(root, 'vault');
  app = await startApp({ home: fixture.home, tempRoot: root, clock: { now: () => now } });
  await app.service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: vault }, passphrase: PASSPHRASE, deviceName: 'Laptop' });
  const project = join(fixture.home, '.claude', 'projects', '-home-alice-src-big');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'one.jsonl'), `${JSON.stringify({ type: 'user', message: { role: 'user', content: randomBytes(300 * 1024).toString('base64') } })}\n`);
  expect((await waitForJob(app.service, (await app.service.handlers['sync.now']({})).jobId)).status).toBe('done');
  // A bit flips on the vault's disk in the largest pack (the transcript's data).
  const packs = (readdirSync(join(vault, 'data'), { recursive: true }) as string[]).filter((p) => /[0-9a-f]{64}$/.test(p)).map((p) => join(vault, 'data', p));
  const largest = packs.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!largest) throw new Error('no pack');
  const bytes = readFileSync(largest);
  const at = Math.floor(bytes.length / 2);
  bytes.writeUInt8((bytes.readUInt8(at) ^ 0x40) & 0xff, at);
  writeFileSync(largest, bytes);
  // A scheduled sync a day, each followed by that day's verification, until one finds it.
  for (let day = 0; day < 31; day++) {
    await app.service.syncNow('scheduled');
    const check = (await app.service.handlers['jobs.list']({})).find((j) => j.kind === 'check' && j.status === 'running');
    if (check) await waitForJob(app.service, check.id);
    if ((await app.service.handlers['status.get']({})).verification?.ok === false) break;
    now += 21 * 3600_000;
  }
});

test.afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

test('damage the daily verification found is on the Overview, and leads to the repair', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 900, height: 600 });
  await page.goto(app.host?.url ?? '');
  const found = page.getByTestId('verification-found');
  await expect(found).toContainText(/The daily check found damage in the vault \(1 problem\)/);
  await expect(found).toContainText(/fails authentication/);
  await shoot(page, 'screen-21a-overview-verification-found-900');

  // By keyboard: to the button, Enter.
  await found.getByRole('button', { name: 'Review and repair…' }).focus();
  await page.keyboard.press('Enter');
  const repair = page.getByTestId('repair');
  await expect(repair).toContainText('A blob the index lists is damaged in its pack');
  await expect(page.locator('#settings-vault')).toContainText(/The daily verification of .+, part \d+ of 30: 1 snapshot, /);
  await expect(page.getByTestId('last-verification')).toContainText(/problem found\./);
  await expect(page.locator('#settings-vault')).toBeInViewport();
  await repair.scrollIntoViewIfNeeded();
  await shoot(page, 'screen-21b-settings-vault-verification-900');
  await page.getByRole('button', { name: 'Repair the index' }).click();
  await expect(page.getByText(/^Took 1 damaged blob out of the index\./)).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('last-verification')).toContainText(/1 problem found; the index was repaired on /);

  // Turned off: saved, and no verification follows the next day's scheduled sync.
  const toggle = page.getByRole('switch', { name: 'Verify a part of the data every day' });
  await expect(toggle).toBeChecked();
  await toggle.click();
  await expect(toggle).not.toBeChecked();
  await expect.poll(async () => (await app.service.handlers['settings.get']({})).verifyData).toBe(false);
  now += 21 * 3600_000;
  const before = new Set((await app.service.handlers['jobs.list']({})).map((j) => j.id));
  await app.service.syncNow('scheduled');
  const after = (await app.service.handlers['jobs.list']({})).filter((j) => !before.has(j.id));
  expect(after.map((j) => j.kind)).toEqual(['sync']);
  // The repaired finding is no longer on the Overview.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Overview' }).click();
  await expect(page.getByText('Storage used')).toBeVisible();
  await expect(page.getByTestId('verification-found')).toHaveCount(0);
});

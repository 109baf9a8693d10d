// Progress as the Overview shows it, against the real service and engine: a backup of ~100 MB into
// a vault whose uploads are slowed (the first puts finish one every 1.5 s, the later ones wait for
// the test to let them go) is labelled Scanning, then Uploading with a percentage and, once it means
// something, the time left; afterwards the Overview says when the next backup is, by the clock.
// Holding the later puts keeps the backup uploading until the test has seen the time left, however
// fast or slow the machine: with a fixed delay the time left was on screen for ~3 s only. The puts
// run side by side, so the nth waits n × 1.5 s: they finish one by one, a speed the app can measure.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { FaultyBlobStore } from '../main/engine/storage/index.ts';
import { buildFixtureHome } from './fixtures/home.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { shoot, shootSizes } from './screenshots.ts';
import { PASSPHRASE } from './wizard-steps.ts';

let root: string;
let app: AppUnderTest;
let slow = false;
/** Puts seen while slow: the first SLOW_PUTS finish one every 1.5 s (a speed to measure), the rest wait for `release`. */
let slowPuts = 0;
const SLOW_PUTS = 8;
let release: () => void = () => undefined;
const released = new Promise<void>((resolve) => (release = resolve));
const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

test.use({ locale: 'en-GB', timezoneId: 'UTC' });

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-progress-'));
  const fixture = await buildFixtureHome(join(root, 'home'));
  const history = join(fixture.home, '.claude', 'file-history', 'big');
  mkdirSync(history, { recursive: true });
  // Random bytes: nothing to compress or deduplicate, so every byte is uploaded.
  for (let i = 0; i < 12; i++) writeFileSync(join(history, `blob-${i}.bin`), randomBytes(8 * 1024 * 1024));
  app = await startApp({ home: fixture.home, tempRoot: root, decorateStore: (bare) => new FaultyBlobStore(bare, { sleep: (ms) => (!slow ? Promise.resolve() : ++slowPuts <= SLOW_PUTS ? wait(slowPuts * ms) : released) }).delay('put', 1500) });
  await app.service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(root, 'vault') }, passphrase: PASSPHRASE, deviceName: 'Laptop' });
});

test.afterAll(async () => {
  release();
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

test('a backup shows Scanning, then Uploading with a percentage and time left; then when the next one is', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(app.host?.url ?? '');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  slow = true;
  await page.getByRole('button', { name: 'Sync now' }).click();
  const progress = page.getByTestId('job-progress').first();
  await expect(progress).toHaveAttribute('data-phase', /scanning|uploading/);
  await expect(progress).toHaveAttribute('data-phase', 'uploading');
  await expect(progress.locator('.job-phase')).toHaveText('Uploading');
  await expect(progress.getByTestId('job-percent')).toHaveText(/^\d{1,2}%$/);
  await expect(progress).toContainText(/of 9\d(\.\d)? MiB/);
  const eta = progress.getByTestId('job-eta');
  await expect(eta).toHaveText(/left$/, { timeout: 60_000 });
  await expect(progress.getByTestId('job-percent')).toHaveText(/^\d{1,2}%$/);
  await shoot(page, 'screen-02b-overview-progress-1280');
  // At 900×600 the activity card is below the tiles: scroll it into view for the picture.
  await page.setViewportSize({ width: 900, height: 600 });
  await progress.scrollIntoViewIfNeeded();
  await shoot(page, 'screen-02b-overview-progress-900');
  await page.setViewportSize({ width: 1280, height: 800 });
  slow = false;
  release();
  await expect(page.locator('.activity-item[data-job-status="done"]').first()).toBeVisible({ timeout: 120_000 });
  // The scheduler's next run, by the clock ("Next backup at 14:05"). The Electron shell's
  // scheduler reports it to the service (cairn-app.ts); this host has no scheduler, so the test
  // reports one the same way.
  const at = Date.now() + 30 * 60_000;
  app.service.reportNextRun(at);
  const clock = new Date(at).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  await expect(page.getByTestId('next-backup')).toHaveText(new RegExp(`Next backup (tomorrow )?at ${clock}$`));
  await shootSizes(page, 'screen-02c-overview-next-backup');
});

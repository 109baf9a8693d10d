// Settings → Vault on a vault missing a pack, against the real service and engine: the check says
// what is missing and what it means, "Repair the index" takes it out of the index (a job, with its
// outcome), and the next sync makes a whole snapshot again (its check shows no missing pack).

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { waitForJob } from '../testing/service.ts';
import { buildFixtureHome } from './fixtures/home.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { shoot } from './screenshots.ts';
import { PASSPHRASE } from './wizard-steps.ts';

let root: string;
let app: AppUnderTest;
let vault: string;

const nav = (p: Page, name: string) => p.getByRole('navigation', { name: 'Main' }).getByRole('button', { name });
const packsIn = () => (readdirSync(join(vault, 'data'), { recursive: true }) as string[]).filter((p) => /[0-9a-f]{64}$/.test(p));
const sync = async () => expect((await waitForJob(app.service, (await app.service.handlers['sync.now']({})).jobId)).status).toBe('done');

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-repair-'));
  const fixture = await buildFixtureHome(join(root, 'home'));
  vault = join(root, 'vault');
  app = await startApp({ home: fixture.home, tempRoot: root });
  await app.service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: vault }, passphrase: PASSPHRASE, deviceName: 'Laptop' });
  const project = join(fixture.home, '.claude', 'projects', '-home-alice-src-big');
  mkdirSync(project, { recursive: true });
  const big = () => `${JSON.stringify({ type: 'user', message: { role: 'user', content: randomBytes(300 * 1024).toString('base64') } })}\n`;
  writeFileSync(join(project, 'one.jsonl'), big());
  await sync();
  const first = packsIn();
  writeFileSync(join(project, 'two.jsonl'), big());
  await sync();
  // The first sync's packs are deleted behind Cairn's back (by hand, or a lifecycle rule).
  for (const p of first) rmSync(join(vault, 'data', p));
});

test.afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

test('a check that finds a missing pack offers to repair the index, and says what the repair did', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(app.host?.url ?? '');
  await nav(page, 'Settings').click();
  await page.locator('#settings-vault').scrollIntoViewIfNeeded();
  await page.getByRole('button', { name: 'Check now' }).click();
  const repair = page.getByTestId('repair');
  await expect(repair).toContainText('A pack the index lists is missing from the vault. Until it is taken out of the index, every backup relies on it and never stores that data again.');
  await repair.scrollIntoViewIfNeeded();
  await page.setViewportSize({ width: 900, height: 600 });
  await repair.scrollIntoViewIfNeeded();
  await shoot(page, 'screen-20b-settings-vault-missing-pack-900');

  // By keyboard: the button is reachable and runs on Enter.
  await page.getByRole('button', { name: 'Repair the index' }).focus();
  await page.keyboard.press('Enter');
  const done = page.getByText(/^Took 1 missing pack \(\d+ blobs?\) out of the index\./);
  await expect(done).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Repair the index' })).toHaveCount(0);
  await done.scrollIntoViewIfNeeded();
  await shoot(page, 'screen-20c-settings-vault-repaired-900');

  // The next sync stores the data again: a check finds no missing pack now.
  await sync();
  await page.getByRole('button', { name: 'Check now' }).click();
  await expect(page.getByText(/problems? found|The vault is healthy/)).toBeVisible();
  await expect(page.getByTestId('repair')).toHaveCount(0);
});

test('a check that reads the data and finds a damaged blob offers the repair; the next sync stores it again', async ({ page }) => {
  test.setTimeout(120_000);
  // A bit flips on the vault's disk, in the middle of the largest pack: inside a blob's sealed bytes.
  const largest = packsIn()
    .map((p) => ({ p, size: readFileSync(join(vault, 'data', p)).length }))
    .sort((a, b) => b.size - a.size)[0];
  if (!largest) throw new Error('no pack');
  const file = join(vault, 'data', largest.p);
  const bytes = readFileSync(file);
  const at = Math.floor(bytes.length / 3);
  bytes.writeUInt8((bytes.readUInt8(at) ^ 0x40) & 0xff, at);
  writeFileSync(file, bytes);

  await page.goto(app.host?.url ?? '');
  await nav(page, 'Settings').click();
  await page.locator('#settings-vault').scrollIntoViewIfNeeded();
  await page.getByRole('checkbox', { name: 'Also read and verify all data' }).check();
  await page.getByRole('button', { name: 'Check now' }).click();
  const repair = page.getByTestId('repair');
  await expect(repair).toContainText('A blob the index lists is damaged in its pack: every backup relies on it and never stores that data again.');
  await page.setViewportSize({ width: 900, height: 600 });
  await repair.scrollIntoViewIfNeeded();
  await shoot(page, 'screen-20d-settings-vault-damaged-blob-900');
  await page.getByRole('button', { name: 'Repair the index' }).click();
  await expect(page.getByText(/^Took 1 damaged blob out of the index\./)).toBeVisible({ timeout: 60_000 });

  // The next sync reads the files again and stores that blob again: every blob checks out, and
  // the only problems left are the folder listings the first test's lost pack held (named).
  await sync();
  await page.getByRole('button', { name: 'Check now' }).click();
  await expect(page.getByText(/problems? found/)).toBeVisible({ timeout: 60_000 });
  const problems = page.locator('.problem-list li');
  const lost = problems.filter({ hasText: /was lost \(its pack missing, or its bytes damaged\); a repair recorded it$/ });
  expect(await lost.count()).toBeGreaterThanOrEqual(2);
  await expect(problems).toHaveCount(await lost.count());
  await expect(page.getByTestId('repair')).toHaveCount(0);
});

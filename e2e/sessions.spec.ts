// Sessions across devices in the real UI: a session made on device A is found on device B by a
// phrase (B indexes A's sessions from the vault), opened as a conversation, and continued there:
// its file lands in B's own agent folder and the resume command is shown.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { buildFixtureHome } from './fixtures/home.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { shoot } from './screenshots.ts';
import { PASSPHRASE } from './wizard-steps.ts';

const SESSION = '7e57ab1e-0000-4000-8000-00000000f1a0';
const PROJECT = '-home-alice-src-shop';

let root: string;
let deviceA: AppUnderTest;
let deviceB: AppUnderTest;

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-sessions-'));
  const homeA = (await buildFixtureHome(join(root, 'home-a'))).home;
  const dir = join(homeA, '.claude', 'projects', PROJECT);
  mkdirSync(dir, { recursive: true });
  const line = (type: 'user' | 'assistant', text: string, s: number) =>
    JSON.stringify({ type, sessionId: SESSION, uuid: `${type}-${s}`, timestamp: new Date(Date.UTC(2026, 11, 1, 9, 0, s)).toISOString(), cwd: '/home/alice/src/shop', message: { role: type, content: type === 'user' ? text : [{ type: 'text', text }] } });
  writeFileSync(join(dir, `${SESSION}.jsonl`), `${[line('user', 'Why does the flamingo invoice round twice?', 1), line('assistant', 'The total is rounded in the line items and again in the footer.', 2)].join('\n')}\n`);
  deviceA = await startApp({ home: homeA, serve: false, tempRoot: root });
  const location = { provider: 'local' as const, path: join(root, 'vault'), prefix: 'cairn' };
  await deviceA.service.handlers['setup.createVault']({ location, passphrase: PASSPHRASE, deviceName: 'Work laptop' });
  await deviceA.service.syncNow('manual');
  mkdirSync(join(root, 'home-b'), { recursive: true });
  deviceB = await startApp({ home: join(root, 'home-b'), tempRoot: root });
  await deviceB.service.handlers['setup.joinVault']({ location, secret: { passphrase: PASSPHRASE }, deviceName: 'Studio Mac' });
});

test.afterAll(async () => {
  await deviceA?.close();
  await deviceB?.close();
  rmSync(root, { recursive: true, force: true });
});

test('a session from device A is found by a phrase on device B, opened and continued there', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(deviceB.host?.url ?? '');
  await page.getByRole('button', { name: 'Sessions' }).click();
  await expect(page.locator(`.session-row[data-session-id="${SESSION}"]`)).toBeVisible();
  await expect(page.locator(`.session-row[data-session-id="${SESSION}"]`)).toContainText('Work laptop');
  await page.getByLabel('Search sessions').fill('"flamingo invoice"');
  // B indexes A's sessions from the vault in the background: the hit appears once it has.
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(page.locator('.session-row mark').first()).toHaveText(/flamingo invoice/i, { timeout: 2000 });
  }).toPass({ timeout: 60_000 });
  await page.locator(`.session-row[data-session-id="${SESSION}"]`).click();
  // exact: the search row's snippet holds the same words inside a longer text.
  await expect(page.getByText('The total is rounded in the line items and again in the footer.', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: /Continue on this machine/ }).click();
  await expect(page.locator('.resume-command code')).toHaveText(`cd /home/alice/src/shop && claude --resume ${SESSION}`);
  const here = join(root, 'home-b', '.claude', 'projects', PROJECT, `${SESSION}.jsonl`);
  expect(existsSync(here)).toBe(true);

  // Continued on B too, differently: continuing A's again asks first, and keeping B's copy writes nothing.
  const ownWork = `${JSON.stringify({ type: 'user', sessionId: SESSION, uuid: 'b-own', message: { role: 'user', content: 'Work done on the Studio Mac' } })}\n`;
  writeFileSync(here, ownWork);
  await page.getByRole('button', { name: /Continue on this machine/ }).click();
  const asked = page.getByTestId('continue-diverged');
  await expect(asked).toContainText('This machine’s copy has changes of its own');
  await expect(asked).toContainText('it was continued here too. Nothing was written.');
  await page.setViewportSize({ width: 900, height: 600 });
  await asked.scrollIntoViewIfNeeded();
  await shoot(page, 'screen-05c-sessions-continue-diverged-900');
  await page.getByRole('button', { name: 'Keep this machine’s copy' }).click();
  await expect(asked).toHaveCount(0);
  expect(readFileSync(here, 'utf8')).toBe(ownWork);
  // Asked for: replaced (B's copy goes into a safety snapshot), and the resume command is shown.
  await page.getByRole('button', { name: /Continue on this machine/ }).click();
  await page.getByRole('button', { name: 'Replace this machine’s copy' }).click();
  await expect(page.locator('.resume-command code')).toHaveText(`cd /home/alice/src/shop && claude --resume ${SESSION}`);
  expect(readFileSync(here, 'utf8')).toContain('flamingo invoice');
});

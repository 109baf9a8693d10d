// Opening with Enter keeps the keyboard where the eyes go: a session (Sessions), a snapshot and a
// session file in it (Snapshots), and a conflict (Conflicts), each opened with Enter from its list,
// move focus into what opened (its heading or first control), never to <body>; "← Files" (and
// "← Sessions" where the list hides) brings focus back to the row that was opened.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { buildFixtureHome, type FixtureHome } from './fixtures/home.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { shootSizes } from './screenshots.ts';
import { PASSPHRASE } from './wizard-steps.ts';

let root: string;
let fixture: FixtureHome;
let app: AppUnderTest;
let conflictId: string;

test.describe.configure({ mode: 'serial' });

const nav = (p: Page, name: string | RegExp) => p.getByRole('navigation', { name: 'Main' }).getByRole('button', { name });

/** Where focus is: inside `region`, and not the page itself. */
async function expectFocusIn(page: Page, region: Locator, what: string): Promise<void> {
  await expect.poll(async () => page.evaluate(() => document.activeElement?.tagName ?? 'none'), { message: `${what}: focus is not on <body>` }).not.toBe('BODY');
  await expect.poll(async () => region.evaluate((el) => el.contains(document.activeElement)), { message: `${what}: focus is inside what opened` }).toBe(true);
}

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-keys-'));
  fixture = await buildFixtureHome(join(root, 'home'));
  app = await startApp({ home: fixture.home, tempRoot: root });
  const location = { provider: 'local' as const, prefix: '', path: join(root, 'vault') };
  await app.service.handlers['setup.createVault']({ location, passphrase: PASSPHRASE, deviceName: 'Laptop' });
  // A Claude Code session both devices continue differently: a conflict on this device.
  const dir = join(fixture.home, '.claude', 'projects', '-home-alice-src-api');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, '5e55a000-0000-4000-8000-00000000c0de.jsonl');
  const line = (type: 'user' | 'assistant', text: string, s: number) =>
    JSON.stringify({ type, sessionId: '5e55a000-0000-4000-8000-00000000c0de', uuid: `${type}-${s}`, timestamp: new Date(Date.UTC(2026, 11, 1, 9, 0, s)).toISOString(), cwd: '/home/alice/src/api', message: { role: type, content: type === 'user' ? text : [{ type: 'text', text }] } });
  const start = [line('user', 'Add rate limiting to the API.', 1), line('assistant', 'I will add a token bucket per client.', 2)];
  writeFileSync(file, `${start.join('\n')}\n`);
  await app.service.syncNow('manual');
  const homeB = join(root, 'home-b');
  mkdirSync(homeB, { recursive: true });
  const deviceB = await startApp({ home: homeB, serve: false, tempRoot: root });
  try {
    await deviceB.service.handlers['setup.joinVault']({ location, secret: { passphrase: PASSPHRASE }, deviceName: 'Studio Mac' });
    await deviceB.service.syncNow('manual');
    const theirs = join(homeB, '.claude', 'projects', '-home-alice-src-api', '5e55a000-0000-4000-8000-00000000c0de.jsonl');
    writeFileSync(file, `${[...start, line('user', 'Mine: use a sliding window instead.', 3)].join('\n')}\n`);
    writeFileSync(theirs, `${[...start, line('user', 'Theirs: limit by API key, not by IP.', 3)].join('\n')}\n`);
    await deviceB.service.syncNow('manual');
    await app.service.syncNow('manual');
  } finally {
    await deviceB.close();
  }
  const conflict = (await app.service.handlers['conflicts.list']({})).find((c) => c.path === file && c.status === 'open');
  if (!conflict) throw new Error('expected a conflict for the session both devices changed');
  conflictId = conflict.id;
});

test.afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

test('Sessions: Enter on a session moves focus into its conversation', async ({ page }) => {
  await page.goto(app.host?.url ?? '');
  await nav(page, 'Sessions').click();
  const row = page.locator('.session-row').first();
  await expect(row).toBeVisible();
  await row.focus();
  await page.keyboard.press('Enter');
  await expectFocusIn(page, page.locator('section.session-detail'), 'Sessions');
});

test('Snapshots: Enter on a snapshot moves focus into it; Enter on a session file opens it focused; "← Files" returns to the row', async ({ page }) => {
  await page.goto(app.host?.url ?? '');
  await nav(page, 'Snapshots').click();
  const item = page.locator('.timeline-item').nth(1);
  await expect(item).toBeVisible();
  const id = await item.getAttribute('data-snapshot-id');
  await item.focus();
  await page.keyboard.press('Enter');
  const detail = page.locator(`[data-testid="snapshot-detail"][data-snapshot-id="${id}"]`);
  await expect(detail).toBeVisible();
  await expectFocusIn(page, detail, 'Snapshot');

  const tree = page.getByTestId('tree-browser');
  const parts = `claude-code/config/${fixture.sessionRelative}`.split('/');
  for (let i = 1; i < parts.length; i += 1) {
    const folder = tree.locator(`[role="treeitem"][data-path="${parts.slice(0, i).join('/')}"]`);
    if ((await folder.getAttribute('aria-expanded')) === 'false') {
      await folder.focus();
      await page.keyboard.press('ArrowRight');
      await expect(folder).toHaveAttribute('aria-expanded', 'true');
    }
  }
  const row = tree.locator(`[role="treeitem"][data-path="${parts.join('/')}"]`);
  await row.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('session-viewer')).toBeVisible();
  await expectFocusIn(page, page.getByTestId('file-view'), 'Session file');
  await page.getByRole('button', { name: 'Files', exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(row).toBeFocused();
});

test('Conflicts: Enter on a conflict moves focus into it', async ({ page }) => {
  await page.goto(app.host?.url ?? '');
  await nav(page, /Conflicts/).click();
  const item = page.locator(`[data-conflict-id="${conflictId}"]`);
  await expect(item).toBeVisible();
  // Another one selected first, so that Enter really opens this one (the first open one shows by default).
  await item.focus();
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('conflict-detail');
  await expectFocusIn(page, detail, 'Conflict');
  await expect(detail.locator('[data-side="mine"]')).toContainText('Mine: use a sliding window instead.');
  await expect(detail.locator('[data-side="theirs"]')).toContainText('Theirs: limit by API key, not by IP.');
  // The lines in words come from main's session reader (FilePreview.lines): the renderer has no parser.
  await expect(detail.locator('[data-side="mine"] .compare-line.is-changed .line-role')).toHaveText(/^user$/i);
  await expect(detail.locator('[data-side="mine"] .compare-line.is-changed')).not.toContainText('"sessionId"');
  await shootSizes(page, 'screen-11b-conflict-open');
});

// Every screen at 1280×800 and 900×600, light and dark, taken by this script (never by hand):
// `npm run screenshots` writes them to docs/screenshots/screen-*.png (other runs write to
// test-results/screenshots). The home is a copy of the real agent samples (../shared/real-agents,
// copied to a temporary folder at run time, never into the project) plus the e2e fixture home, so
// the Sessions screen holds every agent's conversations.

import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../testing/real-agents.ts';
import { buildFixtureHome } from './fixtures/home.ts';
import { CLAUDE_SESSION_ID } from './fixtures/transcripts.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { shoot, shootSizes } from './screenshots.ts';
import { PASSPHRASE } from './wizard-steps.ts';

const samples = realAgentsHome();
let root: string;
let app: AppUnderTest;
let fresh: AppUnderTest;

test.describe.configure({ mode: 'serial' });
test.use({ actionTimeout: 20_000 });

test.beforeAll(async () => {
  test.setTimeout(600_000);
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-shots-'));
  const home = join(root, 'home');
  if (samples) cpSync(samples, home, { recursive: true });
  else console.log(`[screenshots] ${REAL_AGENTS_MISSING}: only the fixture home's agents`);
  await buildFixtureHome(home);
  app = await startApp({ home, tempRoot: root });
  await app.service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(root, 'vault') }, passphrase: PASSPHRASE, deviceName: 'Work laptop' });
  await app.service.syncNow('manual');
  fresh = await startApp({ home: join(root, 'fresh-home'), tempRoot: root });
});

test.afterAll(async () => {
  await app?.close();
  await fresh?.close();
  if (root && existsSync(root)) rmSync(root, { recursive: true, force: true });
});

const nav = (p: Page, name: string) => p.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true });

test('every screen, both sizes, light and dark', async ({ page }) => {
  test.setTimeout(900_000);
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.goto(fresh.host?.url ?? '');
  await expect(page.getByRole('button', { name: /Try it with no cloud account/ })).toBeVisible();
  await shootSizes(page, 'screen-01-setup');

  await page.goto(app.host?.url ?? '');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.locator('.activity-item').first()).toBeVisible();
  await shootSizes(page, 'screen-02-overview');

  // Sessions: the list, a search with highlighted hits, a filter, a conversation per agent.
  await nav(page, 'Sessions').click();
  await expect(page.locator('.session-row').first()).toBeVisible();
  await page.locator('.session-row').first().click();
  await expect(page.locator('.conversation .msg').first()).toBeVisible();
  await shootSizes(page, 'screen-03-sessions');
  await page.getByLabel('Search sessions').fill('test*');
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(page.locator('.session-row mark').first()).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 60_000 });
  await page.locator('.session-row').first().click();
  await expect(page.locator('.conversation .msg, .conversation .fold').first()).toBeVisible();
  await shootSizes(page, 'screen-04-sessions-search');
  await page.getByLabel('Search sessions').fill('');
  const agentSelect = page.getByRole('group', { name: 'Filters' }).getByLabel('Agent');
  const agents = (await agentSelect.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).filter(Boolean);
  await agentSelect.selectOption(agents.includes('codex') ? 'codex' : (agents[0] ?? ''));
  await expect(page.locator('.session-row').first()).toBeVisible();
  await shootSizes(page, 'screen-05-sessions-filter');
  for (const agent of agents) {
    // The options are the agents of the sessions listed: back to all of them first.
    await agentSelect.selectOption('');
    await agentSelect.selectOption(agent);
    await expect(page.locator('.session-row').first().locator(`.agent-chip.agent-${agent}`)).toBeVisible();
    // The session with the most messages: the fullest conversation of that agent.
    const id = await page.locator('.session-row').evaluateAll((rows) => {
      const count = (r: Element) => Number(/(\d+) messages?/.exec(r.textContent ?? '')?.[1] ?? 0);
      const best = [...rows].sort((a, b) => count(b) - count(a))[0];
      return best?.getAttribute('data-session-id') ?? '';
    });
    const row = page.locator(`.session-row[data-session-id="${id}"]`).first();
    await row.scrollIntoViewIfNeeded();
    await row.click();
    await expect(page.locator('.session-detail .conversation')).toBeVisible();
    await expect(page.locator('.session-detail .conversation').getByText(/Opening the session/)).toHaveCount(0);
    await shoot(page, `screen-06-conversation-${agent}`);
  }
  await agentSelect.selectOption('');

  // Snapshots: the tree (titles for session files), a transcript with a find hit, the changes.
  await nav(page, 'Snapshots').click();
  const tree = page.getByTestId('tree-browser');
  for (const part of ['claude-code', 'claude-code/config', 'claude-code/config/projects', 'claude-code/config/projects/-home-alice-src-app']) {
    const row = tree.locator(`[role="treeitem"][data-path="${part}"]`);
    await expect(row).toBeVisible();
    if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
  }
  await expect(tree.locator('.tree-session-title').first()).toBeVisible();
  await shootSizes(page, 'screen-07-snapshots-tree');
  await tree.locator(`[role="treeitem"][data-path$="${CLAUDE_SESSION_ID}.jsonl"]`).click();
  const viewer = page.getByTestId('session-viewer');
  await expect(viewer.locator('.msg').first()).toBeVisible();
  await viewer.getByTestId('session-find').fill('UTC');
  await viewer.getByTestId('session-find').press('Enter');
  await expect(viewer.locator('.is-hit')).toBeVisible();
  await shootSizes(page, 'screen-08-snapshots-transcript');
  await page.getByRole('button', { name: 'Files', exact: true }).click();
  await page.getByRole('tab', { name: /Changes/ }).click();
  await expect(page.getByRole('tabpanel')).not.toContainText('Loading');
  await shootSizes(page, 'screen-09-snapshots-changes');

  await nav(page, 'Devices').click();
  await expect(page.getByRole('heading', { name: 'Devices' })).toBeVisible();
  await shootSizes(page, 'screen-10-devices');

  await nav(page, 'Conflicts').click();
  await expect(page.getByRole('heading', { name: 'Conflicts' })).toBeVisible();
  await shootSizes(page, 'screen-11-conflicts');

  await nav(page, 'Settings').click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await shootSizes(page, 'screen-12-settings');
});

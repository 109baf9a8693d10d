// DEV ONLY: quick screenshots of the fake-backed UI while working on the design:
//   node e2e/dev/shoot.ts <out-dir> [light|dark]

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { startHost } from '../host/host.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium.ts';
import { createFakeService } from './fake-service.ts';

const out = process.argv[2] ?? '/tmp/cairn-shots';
const scheme = (process.argv[3] ?? 'light') as 'light' | 'dark';
mkdirSync(out, { recursive: true });
const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });

async function session(configured: boolean, fn: (page: import('@playwright/test').Page) => Promise<void>): Promise<void> {
  const fake = createFakeService({ configured });
  const host = await startHost({ rendererDir, service: fake });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: scheme, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`[console ${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto(host.url);
  try {
    await fn(page);
  } finally {
    await context.close();
    await host.close();
  }
}

const shot = (page: import('@playwright/test').Page, name: string): Promise<Buffer> => page.screenshot({ path: join(out, `${name}-${scheme}.png`) });

await session(false, async (page) => {
  await page.getByText('Where should Cairn keep your vault?').waitFor();
  await shot(page, 'setup-provider');
  await page.getByRole('button', { name: /Other S3-compatible/ }).click();
  await page.getByLabel('Endpoint URL').fill('http://dead.example:9');
  await page.getByLabel('Bucket').fill('alice-cairn');
  await page.getByLabel('Access key ID').fill('AKIA1234');
  await page.getByLabel('Secret access key').fill('secret');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText('can’t be reached').waitFor();
  await shot(page, 'setup-connection-error');
  await page.getByLabel('Endpoint URL').fill('http://127.0.0.1:9000');
  await page.getByRole('button', { name: /Test/ }).click();
  await page.getByText('Connected', { exact: true }).waitFor();
  await shot(page, 'setup-connection-ok');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Passphrase', { exact: true }).fill('correct horse battery staple');
  await page.getByLabel('Passphrase again').fill('correct horse battery staple');
  await shot(page, 'setup-vault');
  await page.getByRole('button', { name: 'Create vault' }).click();
  await page.getByTestId('recovery-key').waitFor();
  await page.getByLabel('I have saved my recovery key somewhere safe').check();
  await shot(page, 'setup-recovery');
  await page.getByLabel(/To confirm/).fill('C5LJ');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('Choose what to back up').waitFor();
  await page.waitForTimeout(200);
  await shot(page, 'setup-agents');
  await page.getByRole('button', { name: 'Continue' }).click();
  await shot(page, 'setup-schedule');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Start first backup' }).click();
  await page.waitForTimeout(1200);
  await shot(page, 'setup-first-backup');
});

await session(true, async (page) => {
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.waitForTimeout(300);
  await shot(page, 'dashboard');
  await page.getByRole('button', { name: 'Sync now' }).click();
  await page.waitForTimeout(900);
  await shot(page, 'dashboard-syncing');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Devices' }).click();
  await page.waitForTimeout(300);
  await shot(page, 'devices');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Snapshots' }).click();
  await page.getByTestId('tree-browser').waitFor();
  await page.getByRole('treeitem', { name: /claude-code/ }).click();
  await page.getByRole('treeitem', { name: /projects/ }).click();
  await page.getByRole('treeitem', { name: /-home-alice-src-app/ }).click();
  await page.waitForTimeout(300);
  await shot(page, 'snapshots-tree');
  await page.getByRole('treeitem', { name: /7f3c2a1e/ }).click();
  await page.getByTestId('session-viewer').waitFor();
  await page.locator('details.fold-tool').first().evaluate((d) => d.setAttribute('open', ''));
  await page.waitForTimeout(300);
  await shot(page, 'session-viewer');
  await page.getByRole('button', { name: 'Restore…' }).click();
  await page.waitForTimeout(200);
  await shot(page, 'restore-dialog');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Files' }).click();
  await page.getByRole('tab', { name: /Changes/ }).click();
  await page.waitForTimeout(300);
  await shot(page, 'snapshots-diff');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: /Conflicts/ }).click();
  await page.getByTestId('conflict-detail').waitFor();
  await page.waitForTimeout(400);
  await shot(page, 'conflicts');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  await page.waitForTimeout(400);
  await shot(page, 'settings');
  await page.locator('#settings-agents').scrollIntoViewIfNeeded();
  await page.locator('details.agent-rules').first().evaluate((d) => d.setAttribute('open', ''));
  await page.waitForTimeout(200);
  await shot(page, 'settings-agents');
  await page.locator('#settings-key').scrollIntoViewIfNeeded();
  await page.getByRole('button', { name: 'Change passphrase' }).click();
  await page.waitForTimeout(200);
  await shot(page, 'settings-key');
});

await browser.close();

// The whole journey against a real S3 server (OpenStack Swift with s3api on 127.0.0.1) behind the
// real engine: the wizard (with a dead endpoint and wrong keys explained), the first backup,
// browsing a snapshot, reading a session, restoring a file and checking its bytes, a conflict
// with a second device and its resolution, and a wrong passphrase explained. Screenshots of each
// screen, light and dark, go to test-results/screenshots/ (docs/screenshots/ with npm run screenshots).

import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { startS3Server, type S3Server } from '../testing/s3-server.ts';
import { buildFixtureHome, type FixtureHome } from './fixtures/home.ts';
import { CLAUDE_SESSION_ID } from './fixtures/transcripts.ts';
import { ConfigStore, vaultKey } from '../main/service/config-store.ts';
import { secretAccounts } from '../main/keychain/secret-store.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { shoot } from './screenshots.ts';
import { createVaultAndFirstBackup, PASSPHRASE } from './wizard-steps.ts';

const BUCKET = 'cairn-e2e';

let root: string;
let s3: S3Server;
let fixtureA: FixtureHome;
let deviceA: AppUnderTest;
let page: Page;

test.describe.configure({ mode: 'serial' });

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function findFile(dir: string, name: string): string | undefined {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    } else if (entry === name) return path;
  }
  return undefined;
}

const nav = (p: Page, name: string | RegExp) => p.getByRole('navigation', { name: 'Main' }).getByRole('button', { name });

/** Opens every folder on the way to `path` in the tree browser, then returns its row. */
async function revealInTree(p: Page, path: string) {
  const parts = path.split('/');
  const tree = p.getByTestId('tree-browser');
  for (let i = 1; i < parts.length; i += 1) {
    const prefix = parts.slice(0, i).join('/');
    const row = tree.locator(`[role="treeitem"][data-path="${prefix}"]`);
    await expect(row).toBeVisible();
    if ((await row.getAttribute('aria-expanded')) === 'false') {
      await row.click();
      await expect(row).toHaveAttribute('aria-expanded', 'true');
    }
  }
  const target = tree.locator(`[role="treeitem"][data-path="${path}"]`);
  await expect(target).toBeVisible();
  return target;
}

/** Where the fixture session sits in the newest snapshot's tree, asked of the service itself. */
async function sessionTreePath(): Promise<string> {
  const handlers = deviceA.service.handlers;
  const [latest] = await handlers['snapshots.list']({});
  if (!latest) throw new Error('no snapshot');
  const walk = async (path: string, depth: number): Promise<string | undefined> => {
    if (depth > 8) return undefined;
    for (const e of await handlers['snapshots.tree']({ snapshotId: latest.id, path })) {
      if (e.type === 'file' && e.name === `${CLAUDE_SESSION_ID}.jsonl`) return e.path;
      if (e.type === 'dir' && (depth < 2 || /claude|config|projects|home-alice/.test(e.name))) {
        const found = await walk(e.path, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  const found = await walk('', 0);
  if (!found) throw new Error('the fixture session is not in the snapshot');
  return found;
}

test.beforeAll(async ({ browser }: { browser: Browser }) => {
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-s3-'));
  s3 = await startS3Server({ buckets: [BUCKET] });
  fixtureA = await buildFixtureHome(join(root, 'home-a'));
  deviceA = await startApp({ home: fixtureA.home, tempRoot: root, keepState: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: deviceA.host?.origin ?? '' });
  page = await context.newPage();
});

test.afterAll(async () => {
  await page?.context().close();
  await deviceA?.close();
  await s3?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('the wizard explains a dead endpoint and wrong keys, then connects to the S3 server', async () => {
  await page.goto(deviceA.host?.url ?? '');
  await expect(page.getByRole('heading', { name: 'Where should Cairn keep your vault?' })).toBeVisible();
  await shoot(page, '01-setup-storage');

  await page.getByRole('button', { name: /Other S3-compatible/ }).click();
  await page.getByLabel('Endpoint URL').fill(`http://127.0.0.1:${await closedPort()}`);
  await page.getByLabel('Region').fill(s3.region);
  await page.getByLabel('Bucket').fill(BUCKET);
  await page.getByLabel('Access key ID').fill(s3.accessKeyId);
  await page.getByLabel('Secret access key').fill(s3.secretAccessKey);
  await page.getByRole('button', { name: 'Test connection' }).click();
  const failed = page.locator('.probe-step.is-failed').first();
  await expect(failed).toBeVisible();
  await expect(failed.locator('[data-error-code]')).toHaveAttribute('data-error-code', 'unreachable');
  await expect(failed).toContainText('The storage can’t be reached');
  await expect(failed).toContainText('Check the endpoint address');
  await page.locator('.probe-box').scrollIntoViewIfNeeded();
  await shoot(page, '02-setup-dead-endpoint');

  await page.getByLabel('Endpoint URL').fill(s3.endpoint);
  await page.getByLabel('Secret access key').fill('not-the-secret');
  await page.getByRole('button', { name: /Test/ }).click();
  await expect(failed.locator('[data-error-code]')).toHaveAttribute('data-error-code', 'access_denied');
  await expect(failed).toContainText('The storage refused these keys');

  await page.getByLabel('Bucket').fill('no-such-bucket');
  await page.getByLabel('Secret access key').fill(s3.secretAccessKey);
  await page.getByRole('button', { name: /Test/ }).click();
  await expect(failed.locator('[data-error-code]')).toHaveAttribute('data-error-code', 'bucket_not_found');
  await expect(failed).toContainText('The bucket does not exist');

  await page.getByLabel('Bucket').fill(BUCKET);
  await page.getByRole('button', { name: /Test/ }).click();
  await expect(page.getByText('Connected', { exact: true })).toBeVisible();
  await expect(page.locator('.probe-step.is-ok')).toHaveCount(4);
  await page.locator('.probe-box').scrollIntoViewIfNeeded();
  await shoot(page, '03-setup-connected');
  await page.getByRole('button', { name: 'Continue' }).click();
});

test('creates the vault, shows the recovery key once, and finishes the first backup', async () => {
  await createVaultAndFirstBackup(page, {
    deviceName: 'Work laptop',
    onRecoveryKey: () => shoot(page, '05-setup-recovery-key'),
    onAgents: () => shoot(page, '06-setup-agents'),
    beforeBackup: async () => {
      await expect(page.getByRole('button', { name: 'Start first backup' })).toBeVisible();
    },
  });
  await shoot(page, '07-setup-first-backup-done');
  await page.getByRole('button', { name: 'Open Cairn' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  const fingerprint = (await deviceA.service.handlers['key.fingerprint']({})).fingerprint;
  await expect(page.getByTestId('dashboard-fingerprint')).toHaveText(fingerprint.toUpperCase().replace(/(.{4})(?=.)/g, '$1 '));
  await expect(page.getByTestId('tile-storage')).toContainText('S3-compatible storage');
  await expect(page.locator('.activity-item[data-job-status="done"]').first()).toBeVisible();
  await shoot(page, '08-dashboard');
});

test('browses the snapshot and reads a Claude Code session as a conversation', async () => {
  await nav(page, 'Snapshots').click();
  await expect(page.getByTestId('snapshot-detail')).toBeVisible();
  const path = await sessionTreePath();
  await revealInTree(page, path.slice(0, path.lastIndexOf('/')));
  await shoot(page, '09-snapshots-tree');
  const row = await revealInTree(page, path);
  await row.click();
  const viewer = page.getByTestId('session-viewer');
  await expect(viewer).toBeVisible();
  await expect(viewer).toHaveAttribute('data-format', 'claude-code');
  await expect(viewer.getByText('Fix flaky date parsing test in billing module').first()).toBeVisible();
  await expect(viewer.getByText(/The test .*fails about one run in ten/)).toBeVisible();
  await viewer.locator('details[data-kind="tool"]').first().locator('summary').click();
  await expect(viewer.locator('details[data-kind="tool"]').first()).toContainText('npx vitest run src/billing/dates.test.ts');
  await shoot(page, '10-session-viewer');
  // The damaged line is shown in its place, at the end.
  await viewer.getByTestId('jump-end').click();
  await expect(viewer.locator('[data-kind="malformed"]')).toContainText('Could not be read');
  await page.getByRole('button', { name: 'Files', exact: true }).click();
});

test('restores a file into a folder with the same bytes', async () => {
  const restoreDir = join(root, 'restored');
  const path = await sessionTreePath();
  const row = await revealInTree(page, path);
  await row.locator('input[type="checkbox"]').check();
  await page.getByRole('button', { name: 'Restore selected…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Restore' });
  await dialog.getByText('Another folder').click();
  deviceA.nextFolder = restoreDir;
  await dialog.getByRole('button', { name: 'Choose…' }).click();
  await expect(dialog.getByTestId('restore-folder')).toHaveValue(restoreDir);
  await shoot(page, '11-restore-dialog');
  await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(dialog.getByTestId('restore-progress')).toHaveAttribute('data-status', 'done');
  await shoot(page, '12-restore-done');
  const restored = findFile(restoreDir, `${CLAUDE_SESSION_ID}.jsonl`);
  expect(restored, 'restored file').toBeDefined();
  expect(readFileSync(restored ?? '').equals(readFileSync(fixtureA.sessionPath))).toBe(true);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole('tab', { name: /Changes/ }).click();
  await expect(page.getByTestId('diff-view')).toContainText('claude-code/');
  await page.getByRole('button', { name: 'Pin' }).click();
  await expect(page.getByRole('button', { name: 'Pinned' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('.timeline-pin')).toHaveCount(1);
  expect((await deviceA.service.handlers['snapshots.list']({}))[0]?.pinned).toBe(true);
  await shoot(page, '13-snapshot-changes');
});

test('a second device creates a conflict that is shown side by side and resolved', async () => {
  const fixtureB = await buildFixtureHome(join(root, 'home-b'));
  const deviceB = await startApp({ home: fixtureB.home, serve: false, tempRoot: root });
  try {
    const location = { provider: 'other' as const, bucket: BUCKET, prefix: 'cairn', endpoint: s3.endpoint, region: s3.region, forcePathStyle: true };
    const joined = await deviceB.service.handlers['setup.joinVault']({ location, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, secret: { passphrase: PASSPHRASE }, deviceName: 'Studio Mac' });
    expect(joined.fingerprint).toBe((await deviceA.service.handlers['key.fingerprint']({})).fingerprint);
    await deviceB.service.syncNow('manual');

    // Both devices continue the same session differently.
    const line = (text: string) => `${JSON.stringify({ type: 'user', sessionId: CLAUDE_SESSION_ID, uuid: `u-${text.length}-${text.slice(0, 4)}`, timestamp: new Date().toISOString(), message: { role: 'user', content: text } })}\n`;
    appendFileSync(fixtureA.sessionPath, line('Run the linter too, then commit.'));
    appendFileSync(fixtureB.sessionPath, line('Ship it — open a pull request.'));
    await deviceB.service.syncNow('manual');

    await nav(page, 'Overview').click();
    await page.getByRole('button', { name: 'Sync now' }).click();
    // The fixture homes also differ in a binary Codex rollout, so there may be more than one.
    const badge = nav(page, /Conflicts/).locator('.nav-badge');
    await expect(badge).toBeVisible({ timeout: 120_000 });
    const open = Number(await badge.textContent());
    const ours = (await deviceA.service.handlers['conflicts.list']({})).find((c) => c.path === fixtureA.sessionPath);
    expect(ours, 'a conflict for the session both devices continued').toBeDefined();
    await nav(page, /Conflicts/).click();
    await page.locator(`[data-conflict-id="${ours?.id}"]`).click();
    const detail = page.getByTestId('conflict-detail');
    await expect(detail).toBeVisible();
    await expect(detail.locator('[data-side="mine"]')).toContainText('Run the linter too');
    await expect(detail.locator('[data-side="theirs"]')).toContainText('Ship it');
    await expect(detail.locator('[data-side="theirs"]')).toContainText('Studio Mac');
    await shoot(page, '14-conflict');
    await detail.getByTestId('keep-both').click();
    await expect(detail).toContainText('Resolved');
    if (open > 1) await expect(badge).toHaveText(String(open - 1));
    else await expect(badge).toHaveCount(0);
    const conflict = (await deviceA.service.handlers['conflicts.list']({})).find((c) => c.id === ours?.id);
    expect(conflict?.resolution).toBe('both');
    expect(readFileSync(fixtureA.sessionPath, 'utf8')).toContain('Run the linter too');
    expect(existsSync(conflict?.theirsPath ?? ''), 'their version kept beside mine').toBe(true);
    expect(readFileSync(conflict?.theirsPath ?? '', 'utf8')).toContain('Ship it');
    await page.locator('.toast').getByRole('button', { name: 'Dismiss' }).click();
    await shoot(page, '15-conflict-resolved');

    await nav(page, 'Devices').click();
    await expect(page.locator('tr[data-device-id]')).toHaveCount(2);
    await expect(page.getByText('Studio Mac')).toBeVisible();
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('Name of this device').fill('Work laptop (Linux)');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('tr.is-this-device .device-name')).toContainText('Work laptop (Linux)');
    await expect(page.locator('.sidebar-device')).toHaveText('Work laptop (Linux)');
    await shoot(page, '16-devices');
  } finally {
    await deviceB.close();
  }
});

test('settings explain a wrong passphrase', async () => {
  await nav(page, 'Settings').click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.getByText('Claude Code').first()).toBeVisible();
  await shoot(page, '17-settings');
  await page.getByRole('radiogroup', { name: 'Appearance' }).getByText('Dark').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('radiogroup', { name: 'Appearance' }).getByText('System').click();
  await expect(page.locator('html')).not.toHaveAttribute('data-theme', /.+/);
  // Saving any setting must not make the agents look turned off ("none listed" means "all").
  await expect(page.locator('#agent-enabled-claude-code')).toBeChecked();
  await page.locator('#settings-agents details').first().locator('summary').click();
  await page.locator('#settings-agents').scrollIntoViewIfNeeded();
  await shoot(page, '18-settings-agents');
  await page.getByRole('button', { name: 'Change passphrase' }).click();
  await page.getByLabel('Current passphrase').fill('not my passphrase');
  await page.getByLabel('New passphrase', { exact: true }).fill('another long passphrase here');
  await page.getByLabel('New passphrase again').fill('another long passphrase here');
  await page.getByRole('button', { name: 'Change passphrase' }).last().click();
  const notice = page.locator('#settings-key [data-error-code="wrong_key"]');
  await expect(notice).toContainText('Wrong passphrase or recovery key');
  await notice.scrollIntoViewIfNeeded();
  await shoot(page, '19-settings-wrong-passphrase');
  await page.locator('#settings-vault').scrollIntoViewIfNeeded();
  await page.getByRole('button', { name: 'Check now' }).click();
  await expect(page.getByText('The vault is healthy')).toBeVisible();
  await shoot(page, '20-settings-vault-check');
});

test('joining from a new device explains a wrong passphrase, then shows the same fingerprint', async ({ browser }) => {
  const fixtureC = await buildFixtureHome(join(root, 'home-c'));
  const deviceC = await startApp({ home: fixtureC.home, tempRoot: root });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const pageC = await context.newPage();
  try {
    await pageC.goto(deviceC.host?.url ?? '');
    await pageC.getByRole('button', { name: /Other S3-compatible/ }).click();
    await pageC.getByLabel('Endpoint URL').fill(s3.endpoint);
    await pageC.getByLabel('Bucket').fill(BUCKET);
    await pageC.getByLabel('Access key ID').fill(s3.accessKeyId);
    await pageC.getByLabel('Secret access key').fill(s3.secretAccessKey);
    await pageC.getByRole('button', { name: 'Test connection' }).click();
    await expect(pageC.getByText('Connected — a Cairn vault is already here')).toBeVisible();
    await pageC.getByRole('button', { name: 'Continue' }).click();
    await expect(pageC.getByRole('heading', { name: 'Unlock the existing vault' })).toBeVisible();
    await pageC.getByLabel('Vault passphrase').fill('wrong passphrase entirely');
    await pageC.getByRole('button', { name: 'Unlock and join' }).click();
    const notice = pageC.locator('[data-error-code="wrong_key"]');
    await expect(notice).toContainText('Wrong passphrase or recovery key');
    await shoot(pageC, '04-setup-join-wrong-passphrase');
    await pageC.getByLabel('Vault passphrase').fill(PASSPHRASE);
    await pageC.getByRole('button', { name: 'Unlock and join' }).click();
    const fingerprint = (await deviceA.service.handlers['key.fingerprint']({})).fingerprint;
    await expect(pageC.getByTestId('join-fingerprint')).toHaveText(fingerprint.toUpperCase().replace(/(.{4})(?=.)/g, '$1 '));
    await shoot(pageC, '04b-setup-join-fingerprint');
  } finally {
    await context.close();
    await deviceC.close();
  }
});

test('a restarted device whose keychain lost the secret asks to unlock, and explains a wrong passphrase', async () => {
  // The passphrase was changed elsewhere, or the keychain entry removed: the bucket keys remain.
  const { stateDir, secrets } = deviceA;
  await deviceA.close();
  const location = new ConfigStore(stateDir).get().location;
  if (!location) throw new Error('device A has no vault location');
  await secrets.delete(secretAccounts.unlock(vaultKey(location)));
  deviceA = await startApp({ home: fixtureA.home, tempRoot: root, stateDir, keepState: true, secrets });
  await page.goto(deviceA.host?.url ?? '');
  await expect(page.getByRole('heading', { name: 'Unlock your vault' })).toBeVisible();
  await page.getByLabel('Vault passphrase').fill('a wrong guess');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.locator('[data-error-code="wrong_key"]')).toContainText('Wrong passphrase or recovery key');
  await shoot(page, '21-unlock-wrong-passphrase');
  await page.getByLabel('Vault passphrase').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
});

// The day the laptop dies, in the app (issue 13, docs/RECOVERY.md): device A backs up; its state
// folder and home are gone; a fresh app on the same home joins the vault, "This computer
// replaces A", "Restore everything from A" puts every agent file back byte for byte, and the next
// backup continues A's history instead of starting a second device.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect, test } from '@playwright/test';
import { buildClaudeCodeFixture, buildCodexFixture } from '../main/engine/agents/fixtures.ts';
import type { AgentFixture } from '../main/engine/agents/fixtures.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { createVaultAndFirstBackup, PASSPHRASE } from './wizard-steps.ts';

let root: string;
let apps: AppUnderTest[] = [];

test.beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-recovery-'));
});

test.afterAll(async () => {
  for (const app of apps) await app.close();
  apps = [];
  rmSync(root, { recursive: true, force: true });
});

const PROJECT_DIR = '-home-alice-src-app';

test('a new computer replaces the old one, restores everything and continues its history', async ({ page }) => {
  const home = join(root, 'home');
  const vault = join(root, 'vault');
  // Real-layout Claude Code and Codex folders, with credentials planted where they keep them.
  const fixtures: AgentFixture[] = [await buildClaudeCodeFixture({ home, platform: 'linux' }), await buildCodexFixture({ home, platform: 'linux' })];
  mkdirSync(join(home, '.claude', 'projects', PROJECT_DIR), { recursive: true });
  writeFileSync(join(home, '.claude', 'projects', PROJECT_DIR, 'last-words.jsonl'), '{"type":"user","message":"the last thing typed on A"}\n');

  // Device A: set up with a local folder vault, first backup.
  const a = await startApp({ home, tempRoot: root });
  apps.push(a);
  a.nextFolder = vault;
  await page.goto(a.host?.url ?? '');
  await page.getByRole('button', { name: /Try it with no cloud account/ }).click();
  await page.getByRole('button', { name: 'Choose…' }).click();
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await createVaultAndFirstBackup(page, { deviceName: 'Old laptop' });
  const [snapA] = await a.service.handlers['snapshots.list']({});
  expect(snapA?.deviceName).toBe('Old laptop');
  const reference = join(root, 'reference');
  cpSync(home, reference, { recursive: true, preserveTimestamps: true });

  // The disk dies: A's state folder and the home with the agents' folders are gone.
  await a.close();
  apps = [];
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home);

  // The new computer: a fresh state folder, the same home path, the same host name.
  const b = await startApp({ home, tempRoot: root });
  apps.push(b);
  b.nextFolder = vault;
  await page.goto(b.host?.url ?? '');
  await page.getByRole('button', { name: /Try it with no cloud account/ }).click();
  await page.getByRole('button', { name: 'Choose…' }).click();
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByText('Connected — a Cairn vault is already here')).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Unlock the existing vault' })).toBeVisible();
  await page.getByLabel('Vault passphrase').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Unlock and join' }).click();
  await page.getByRole('button', { name: 'They match' }).click();

  await expect(page.getByRole('heading', { name: 'Is this a new computer?' })).toBeVisible();
  await page.screenshot({ path: join('test-results', 'e2e', 'recovery-device-choice-1280.png') });
  await page.setViewportSize({ width: 900, height: 600 });
  await page.screenshot({ path: join('test-results', 'e2e', 'recovery-device-choice-900.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByLabel('This computer replaces Old laptop').check();
  await page.getByRole('button', { name: 'Replace Old laptop' }).click();

  await expect(page.getByRole('heading', { name: 'This computer is now Old laptop' })).toBeVisible();
  await page.screenshot({ path: join('test-results', 'e2e', 'recovery-restore-1280.png') });
  await page.setViewportSize({ width: 900, height: 600 });
  await page.screenshot({ path: join('test-results', 'e2e', 'recovery-restore-900.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('button', { name: 'Restore everything from Old laptop' }).click();
  await expect(page.getByTestId('restore-everything')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await page.screenshot({ path: join('test-results', 'e2e', 'recovery-restored-1280.png') });

  // Every agent file is back where it was, byte for byte; a file with a credential inside (a
  // settings.json `env`, a database row) comes back without it; credential files stay lost.
  const included = [...fixtures.flatMap((f) => f.included), join(home, '.claude', 'projects', PROJECT_DIR, 'last-words.jsonl')];
  const innerSecrets = fixtures.flatMap((f) => f.innerSecrets);
  let exact = 0;
  for (const file of included) {
    const rel = relative(home, file);
    expect(existsSync(file), rel).toBe(true);
    const before = readFileSync(join(reference, rel));
    const after = readFileSync(file);
    if (/\.(sqlite|db)$/.test(file) || innerSecrets.some((secret) => before.includes(secret))) {
      for (const secret of innerSecrets) expect(after.includes(secret), `${rel} holds a planted credential`).toBe(false);
    } else {
      expect(after.equals(before), rel).toBe(true);
      exact++;
    }
  }
  expect(exact).toBeGreaterThan(10);
  for (const file of fixtures.flatMap((f) => f.secrets)) expect(existsSync(file), relative(home, file)).toBe(false);

  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Choose what to back up' })).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  writeFileSync(join(home, '.claude', 'projects', PROJECT_DIR, 'new-computer.jsonl'), '{"type":"user","message":"first words on B"}\n');
  await page.getByRole('button', { name: 'Start first backup' }).click();
  await expect(page.getByTestId('first-backup')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });

  // One device, one history: B's backup follows A's snapshot.
  const snaps = (await b.service.handlers['snapshots.list']({})).filter((s) => s.reason !== 'before-restore');
  expect(new Set(snaps.map((s) => s.deviceId))).toEqual(new Set([snapA?.deviceId]));
  const newest = [...snaps].sort((x, y) => y.time.localeCompare(x.time))[0];
  expect(newest?.id).not.toBe(snapA?.id);
  expect(newest?.parent).toBe(snapA?.id);
  const devices = await b.service.handlers['devices.list']({});
  expect(devices.map((d) => d.name)).toEqual(['Old laptop']);
});

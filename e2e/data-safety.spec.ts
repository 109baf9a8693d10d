// Data safety in the UI, against the real service and engine on a local folder vault: a restore
// does exactly what its dialog says (existing files kept unless "Overwrite" is checked; when it
// is, a safety snapshot of exactly the replaced file, under its original path, whose changes
// read right).

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type * as Zstd from 'zstd-napi';
import { keptBothName } from '../shared/conflict-names.ts';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { buildFixtureHome, type FixtureHome } from './fixtures/home.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { PASSPHRASE } from './wizard-steps.ts';

const zstd = createRequire(import.meta.url)('zstd-napi') as typeof Zstd;

let root: string;
let fixture: FixtureHome;
let app: AppUnderTest;
let page: Page;

test.describe.configure({ mode: 'serial' });

const nav = (p: Page, name: string | RegExp) => p.getByRole('navigation', { name: 'Main' }).getByRole('button', { name });

/** Opens every folder on the way to `path` in the tree browser, then returns its row. */
async function revealInTree(p: Page, path: string) {
  const parts = path.split('/');
  const tree = p.getByTestId('tree-browser');
  for (let i = 1; i < parts.length; i += 1) {
    const row = tree.locator(`[role="treeitem"][data-path="${parts.slice(0, i).join('/')}"]`);
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

const sessionInSnapshot = () => `claude-code/config/${fixture.sessionRelative}`;

async function openRestoreDialog(p: Page) {
  await nav(p, 'Snapshots').click();
  await expect(p.getByTestId('snapshot-detail')).toBeVisible();
  const row = await revealInTree(p, sessionInSnapshot());
  await row.locator('input[type="checkbox"]').check();
  await p.getByRole('button', { name: 'Restore selected…' }).click();
  const dialog = p.getByRole('dialog', { name: 'Restore' });
  await expect(dialog.getByLabel('Where it was')).toBeChecked();
  return dialog;
}

/**
 * A conflict on this device over `rel`: both devices have `base`, then this one writes `mine` and
 * device B (a new app on the same vault) writes `theirs`; B syncs first. Undefined (and a failed
 * expectation) when no conflict came of it.
 */
async function conflictWithB(rel: string, write: (home: string, text: string) => void, texts: { base: string; mine: string; theirs: string }, b: { home: string; name: string }) {
  write(fixture.home, texts.base);
  await app.service.syncNow('manual');
  const homeB = join(root, b.home);
  mkdirSync(homeB, { recursive: true });
  const deviceB = await startApp({ home: homeB, serve: false, tempRoot: root });
  try {
    await deviceB.service.handlers['setup.joinVault']({ location: { provider: 'local', prefix: '', path: join(root, 'vault') }, secret: { passphrase: PASSPHRASE }, deviceName: b.name });
    await deviceB.service.syncNow('manual');
    expect(existsSync(join(homeB, rel)), 'B pulled the file').toBe(true);
    write(fixture.home, texts.mine);
    write(homeB, texts.theirs);
    await deviceB.service.syncNow('manual');
    await app.service.syncNow('manual');
  } finally {
    await deviceB.close();
  }
  const local = join(fixture.home, rel);
  const conflict = (await app.service.handlers['conflicts.list']({})).find((c) => c.path === local && c.status === 'open');
  expect(conflict, `a conflict for ${rel}, which both devices changed`).toBeDefined();
  return conflict;
}

test.beforeAll(async ({ browser }: { browser: Browser }) => {
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-safety-'));
  fixture = await buildFixtureHome(join(root, 'home'));
  app = await startApp({ home: fixture.home, tempRoot: root });
  await app.service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(root, 'vault') }, passphrase: PASSPHRASE, deviceName: 'Laptop' });
  await app.service.syncNow('manual');
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(app.host?.url ?? '');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
});

test.afterAll(async () => {
  await page?.context().close();
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

test('restoring to where it was without "Overwrite" keeps the changed file, as the dialog says', async () => {
  const original = readFileSync(fixture.sessionPath, 'utf8');
  writeFileSync(fixture.sessionPath, 'edited on this computer\n');
  const dialog = await openRestoreDialog(page);
  const plan = dialog.getByTestId('restore-plan');
  await expect(plan).toHaveAttribute('data-action', 'keep');
  await expect(plan).toContainText('1 file already exists there, differs from the snapshot, and will be kept as it is');
  await expect(plan).toContainText(fixture.sessionPath);
  await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(dialog.getByTestId('restore-progress')).toHaveAttribute('data-status', 'done');
  await expect(dialog).toContainText('1 existing file(s) kept as they were');
  expect(readFileSync(fixture.sessionPath, 'utf8')).toBe('edited on this computer\n');
  expect((await app.service.handlers['snapshots.list']({})).filter((s) => s.reason === 'before-restore')).toHaveLength(0);
  await dialog.getByRole('button', { name: 'Done' }).click();
  expect(original.length).toBeGreaterThan(100);
});

test('with "Overwrite" the file is replaced after a safety snapshot of exactly it, at its original path', async () => {
  const dialog = await openRestoreDialog(page);
  await dialog.getByLabel('Overwrite files that already exist').check();
  const plan = dialog.getByTestId('restore-plan');
  await expect(plan).toHaveAttribute('data-action', 'overwrite');
  await expect(plan).toContainText('will be replaced');
  await expect(plan).toContainText('a safety snapshot of exactly that file');
  await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(dialog.getByTestId('restore-progress')).toHaveAttribute('data-status', 'done');
  expect(readFileSync(fixture.sessionPath, 'utf8')).not.toBe('edited on this computer\n');
  await dialog.getByRole('button', { name: 'Done' }).click();

  const [safety] = (await app.service.handlers['snapshots.list']({})).filter((s) => s.reason === 'before-restore');
  expect(safety, 'a safety snapshot').toBeDefined();
  await page.locator(`[data-snapshot-id="${safety?.id}"]`).click();
  // The safety snapshot holds the file under its original path, not `safety/<name>/<name>`.
  const held = await revealInTree(page, `safety/${sessionInSnapshot()}`);
  await held.click();
  await expect(page.getByText('edited on this computer')).toBeVisible();
  await page.getByRole('button', { name: 'Files', exact: true }).click();
  await page.getByRole('tab', { name: /Changes/ }).click();
  const diff = page.getByTestId('diff-view');
  await expect(diff).toContainText('Changed 1');
  await expect(diff).toContainText('Removed 0');
  await expect(diff).toContainText(`safety/${sessionInSnapshot()}`);
});

test('restored again, the file that already matches is left alone, as the dialog says: nothing written, no safety snapshot', async () => {
  const safety = async () => (await app.service.handlers['snapshots.list']({})).filter((s) => s.reason === 'before-restore').length;
  const before = await safety();
  // The last test left the safety snapshot selected: back to the backup the file came from.
  const [backup] = (await app.service.handlers['snapshots.list']({})).filter((s) => s.reason !== 'before-restore');
  await nav(page, 'Snapshots').click();
  await page.locator(`[data-snapshot-id="${backup?.id}"]`).click();
  const dialog = await openRestoreDialog(page);
  await dialog.getByLabel('Overwrite files that already exist').check();
  const plan = dialog.getByTestId('restore-plan');
  await expect(plan).toHaveAttribute('data-existing', '0');
  await expect(plan).toContainText('Nothing needs writing');
  await expect(plan).toContainText('1 file is already there exactly as in the snapshot and will be left as it is. Nothing is replaced.');
  await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(dialog.getByTestId('restore-progress')).toHaveAttribute('data-status', 'done');
  await expect(dialog).toContainText('Restored 0 file(s) to their place; 1 file(s) already matched the snapshot and were left as they are.');
  await dialog.getByRole('button', { name: 'Done' }).click();
  expect(await safety()).toBe(before);
});

test('a restore folder that is a file: the dialog says so in place of the plan, Restore stays off, the file is untouched', async () => {
  const file = join(root, 'not-a-folder');
  writeFileSync(file, 'mine\n');
  const dialog = await openRestoreDialog(page);
  await dialog.getByLabel('Another folder').check();
  await dialog.getByTestId('restore-folder').fill(file);
  await expect(dialog.getByRole('alert')).toContainText(`${file} is a file, not a folder. Choose a folder to restore into`);
  await expect(dialog.getByTestId('restore-plan')).toHaveCount(0);
  await expect(dialog.getByRole('button', { name: 'Restore', exact: true })).toBeDisabled();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  expect(readFileSync(file, 'utf8')).toBe('mine\n');
});

test('"Keep both" names the kept file exactly as it lands on disk, and a .jsonl.zst conflict compares as text', async () => {
  // A compressed Codex rollout both devices have, then each continues it differently.
  const rel = join('.codex', 'sessions', '2026', '12', '01', 'rollout-2026-12-01T09-00-00-0199aaaa-bbbb-7ccc-8ddd-0e0f10111213.jsonl.zst');
  const line = (text: string) => `${JSON.stringify({ timestamp: '2026-12-01T09:00:00Z', type: 'event_msg', payload: { type: 'user_message', message: text } })}\n`;
  const write = (home: string, text: string) => {
    mkdirSync(dirname(join(home, rel)), { recursive: true });
    writeFileSync(join(home, rel), zstd.compress(Buffer.from(text)));
  };
  const conflict = await conflictWithB(rel, write, { base: line('Start the migration.'), mine: line('Start the migration.') + line('Mine: roll back the index first.'), theirs: line('Start the migration.') + line('Theirs: drop the old column.') }, { home: 'home-b', name: 'Studio Mac' });
  const local = join(fixture.home, rel);
  if (!conflict) return;

  await page.reload();
  await nav(page, /Conflicts/).click();
  await page.locator(`[data-conflict-id="${conflict.id}"]`).click();
  const detail = page.getByTestId('conflict-detail');
  await expect(detail.locator('[data-side="mine"]')).toContainText('Mine: roll back the index first.');
  await expect(detail.locator('[data-side="theirs"]')).toContainText('Theirs: drop the old column.');
  await expect(detail).not.toContainText('Binary file');

  // The dialog names the file "Keep both" writes; the same name is then on disk.
  const promised = keptBothName(conflict);
  expect(promised).toMatch(/\.from-Studio-Mac-\d{8}-\d{6}\.jsonl\.zst$/);
  await expect(detail.getByTestId('keep-both')).toContainText(promised);
  await detail.getByTestId('keep-both').click();
  await expect(detail).toContainText('Resolved');
  await expect(detail).toContainText(promised);
  expect(readdirSync(dirname(local))).toContain(promised);
  expect(zstd.decompress(readFileSync(join(dirname(local), promised))).toString()).toContain('Theirs: drop the old column.');
  expect(zstd.decompress(readFileSync(local)).toString()).toContain('Mine: roll back the index first.');
  expect(basename(conflict.theirsPath)).not.toBe(promised);
});

test('Prune shows what it would remove (snapshots forgotten, packs, bytes) and removes nothing until asked', async () => {
  // A backup that drops a big file, so that keeping only the last snapshot leaves data unused.
  const big = join(dirname(fixture.sessionPath), 'scratch.jsonl');
  writeFileSync(big, `${JSON.stringify({ type: 'user', text: 'x'.repeat(3_000_000) })}\n`);
  await app.service.syncNow('manual');
  rmSync(big);
  await app.service.syncNow('manual');
  await app.service.handlers['settings.set']({ retention: { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 } });
  const before = (await app.service.handlers['snapshots.list']({})).length;
  const expected = await app.service.handlers['vault.prunePreview']({});
  expect(expected.forget.length).toBeGreaterThan(0);

  await page.reload();
  await nav(page, 'Settings').click();
  await page.getByRole('button', { name: 'Prune now…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Prune the vault?' });
  await expect(dialog).toBeVisible();
  const facts = dialog.getByTestId('prune-preview');
  await expect(facts.locator('[data-fact="forget"]')).toContainText(`${expected.forget.length} snapshot${expected.forget.length === 1 ? '' : 's'} forgotten`);
  await expect(facts.locator('[data-fact="forget"]')).toContainText(expected.forget[0]?.shortId ?? '?');
  await expect(facts.locator('[data-fact="delete"]')).toBeVisible();
  if (expected.packsMarked > 0) await expect(facts.locator('[data-fact="mark"]')).toContainText(`${expected.packsMarked} pack`);
  // Asking removed nothing; Cancel removes nothing.
  expect((await app.service.handlers['snapshots.list']({})).length).toBe(before);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  expect((await app.service.handlers['snapshots.list']({})).length).toBe(before);

  await page.getByRole('button', { name: 'Prune now…' }).click();
  await page.getByRole('dialog', { name: 'Prune the vault?' }).getByRole('button', { name: 'Prune', exact: true }).click();
  await expect(page.getByText(`Forgot ${expected.forget.length} snapshot(s)`)).toBeVisible({ timeout: 60_000 });
  expect((await app.service.handlers['snapshots.list']({})).length).toBe(before - expected.forget.length);
});

test("Keep theirs takes their version from their snapshot when the copy beside yours was deleted, and shows it first", async () => {
  const rel = join('.claude', 'projects', '-home-alice-src-notes', 'memory', 'MEMORY.md');
  const write = (home: string, text: string) => {
    mkdirSync(dirname(join(home, rel)), { recursive: true });
    writeFileSync(join(home, rel), text);
  };
  const conflict = await conflictWithB(rel, write, { base: '# Notes\n', mine: '# Notes\nMine: use pnpm.\n', theirs: '# Notes\nTheirs: use yarn.\n' }, { home: 'home-b2', name: 'Desk' });
  const local = join(fixture.home, rel);
  if (!conflict) return;
  // Deleted by hand (a cleanup of "conflict" files): their version is still in their snapshot.
  rmSync(conflict.theirsPath);

  await page.reload();
  await nav(page, /Conflicts/).click();
  await page.locator(`[data-conflict-id="${conflict.id}"]`).click();
  const detail = page.getByTestId('conflict-detail');
  // Before: an empty side, and Keep theirs failed with "Their copy … is gone".
  await expect(detail.locator('[data-side="theirs"]')).toContainText('Theirs: use yarn.');
  await detail.getByTestId('keep-theirs').click();
  await expect(detail).toContainText('Resolved');
  expect(readFileSync(local, 'utf8')).toBe('# Notes\nTheirs: use yarn.\n');
});

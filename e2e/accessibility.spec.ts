// Every screen, light and dark, checked by axe-core (WCAG 2.x A/AA rules: colour contrast,
// names, roles, keyboard-reachable scroll areas, …): a serious or critical violation fails. And
// keyboard focus: Tab through each screen, and every element that takes focus must show it
// (an outline or a ring) — the class of bug where a component's own box-shadow hid the ring.

import AxeBuilder from '@axe-core/playwright';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { buildFixtureHome } from './fixtures/home.ts';
import { CLAUDE_SESSION_ID } from './fixtures/transcripts.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { PASSPHRASE } from './wizard-steps.ts';

let root: string;
let app: AppUnderTest;
let fresh: AppUnderTest;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-a11y-'));
  const { home } = await buildFixtureHome(join(root, 'home'));
  app = await startApp({ home, tempRoot: root });
  await app.service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(root, 'vault') }, passphrase: PASSPHRASE, deviceName: 'Laptop' });
  await app.service.syncNow('manual');
  fresh = await startApp({ home: join(root, 'fresh-home'), tempRoot: root });
});

test.afterAll(async () => {
  await app?.close();
  await fresh?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const nav = (p: Page, name: string) => p.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true });

/** The screens, each reached from a loaded app and settled. */
const SCREENS: { name: string; open: (p: Page) => Promise<void> }[] = [
  {
    name: 'overview',
    open: async (p) => {
      await nav(p, 'Overview').click();
      await expect(p.getByRole('heading', { name: 'Overview' })).toBeVisible();
    },
  },
  {
    name: 'sessions',
    open: async (p) => {
      await nav(p, 'Sessions').click();
      // The fixture's Claude Code session (the list's order depends on the files' times).
      await p.locator(`.session-row[data-session-id="${CLAUDE_SESSION_ID}"]`).click();
      await expect(p.locator('.conversation .msg').first()).toBeVisible();
    },
  },
  {
    name: 'snapshots',
    open: async (p) => {
      await nav(p, 'Snapshots').click();
      await expect(p.getByTestId('tree-browser')).toBeVisible();
      await expect(p.locator('[role="treeitem"]').first()).toBeVisible();
    },
  },
  {
    name: 'snapshot-changes',
    open: async (p) => {
      await nav(p, 'Snapshots').click();
      await p.getByRole('tab', { name: /Changes/ }).click();
      await expect(p.getByRole('tabpanel')).not.toContainText('Loading');
    },
  },
  {
    name: 'devices',
    open: async (p) => {
      await nav(p, 'Devices').click();
      await expect(p.getByRole('heading', { name: 'Devices' })).toBeVisible();
    },
  },
  {
    name: 'conflicts',
    open: async (p) => {
      await nav(p, 'Conflicts').click();
      await expect(p.getByRole('heading', { name: 'Conflicts' })).toBeVisible();
    },
  },
  {
    name: 'settings',
    open: async (p) => {
      await nav(p, 'Settings').click();
      await expect(p.getByRole('heading', { name: 'Settings' })).toBeVisible();
    },
  },
];

async function axe(p: Page, where: string): Promise<string[]> {
  const result = await new AxeBuilder({ page: p }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} (${v.impact}) ×${v.nodes.length}: ${v.help}\n    ${v.nodes
      .slice(0, 4)
      .map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1, 2).join(' ').trim() ?? ''}`)
      .join('\n    ')}`);
}

/**
 * Tabs through the page (at most `max` stops) and lists the focused elements that show no focus
 * indicator: no outline, and no box-shadow beyond the one they have unfocused (on the element or,
 * for an input drawn inside a field, on the field that styles :focus-within).
 */
async function focusWithoutIndicator(p: Page, where: string, max = 40): Promise<string[]> {
  await p.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const missing: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < max; i++) {
    await p.keyboard.press('Tab');
    const info = await p.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return undefined;
      // What focus changes: an outline, or a box-shadow other than the element's own (a
      // button's resting shadow is not a focus ring).
      const look = (e: Element) => {
        const s = getComputedStyle(e);
        return { outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0, shadow: s.boxShadow };
      };
      const focused = look(el);
      const parent = el.parentElement;
      const parentFocused = parent ? look(parent) : undefined;
      el.blur();
      const rest = look(el);
      const parentRest = parent ? look(parent) : undefined;
      el.focus();
      const ok =
        focused.outline ||
        focused.shadow !== rest.shadow ||
        (parentFocused !== undefined && parentRest !== undefined && (parentFocused.outline !== parentRest.outline || parentFocused.shadow !== parentRest.shadow));
      const label = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"`;
      return { ok, label };
    });
    if (!info) continue;
    if (seen.has(info.label)) break;
    seen.add(info.label);
    if (!info.ok) missing.push(`${where}: no visible focus on ${info.label}`);
  }
  return missing;
}

for (const scheme of ['light', 'dark'] as const) {
  test(`every screen passes axe and shows focus (${scheme})`, async ({ page }) => {
    test.setTimeout(300_000);
    await page.emulateMedia({ colorScheme: scheme });
    const problems: string[] = [];

    // The wizard, on a computer with no vault yet.
    await page.goto(fresh.host?.url ?? '');
    await expect(page.getByRole('button', { name: /Try it with no cloud account/ })).toBeVisible();
    problems.push(...(await axe(page, `${scheme} setup`)), ...(await focusWithoutIndicator(page, `${scheme} setup`)));

    await page.goto(app.host?.url ?? '');
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
    for (const screen of SCREENS) {
      await screen.open(page);
      problems.push(...(await axe(page, `${scheme} ${screen.name}`)), ...(await focusWithoutIndicator(page, `${scheme} ${screen.name}`)));
    }

    // A transcript open in the snapshot viewer.
    await nav(page, 'Snapshots').click();
    const tree = page.getByTestId('tree-browser');
    for (const part of ['claude-code', 'claude-code/config', 'claude-code/config/projects', 'claude-code/config/projects/-home-alice-src-app']) {
      const row = tree.locator(`[role="treeitem"][data-path="${part}"]`);
      if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
    }
    await tree.locator('[role="treeitem"][data-path$=".jsonl"]').first().click();
    await expect(page.getByTestId('session-viewer').locator('.msg').first()).toBeVisible();
    problems.push(...(await axe(page, `${scheme} transcript`)), ...(await focusWithoutIndicator(page, `${scheme} transcript`)));

    if (problems.length > 0) console.log(problems.join('\n'));
    expect(problems, problems.join('\n')).toEqual([]);
  });
}

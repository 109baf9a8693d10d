// Reading a long transcript in the Snapshots viewer, in Chromium against the real service: a
// 20 MB Claude Code session is read whole, in pages from main (never the file over IPC), with its
// title instead of its UUID file name, Markdown rendered, find through every page, jump to the
// end, and "← Files" back to the same row. It also measures (and prints, never asserts on
// timing): the first message on screen after the click, the longest main-thread task in the
// renderer (PerformanceObserver 'longtask'), the jump to the end and a find.
//
//   CAIRN_BENCH_SESSIONS=2000 npx playwright test -c e2e/playwright.config.ts e2e/transcript-viewer.spec.ts
// measures on a home of that many ordinary sessions (~100 kB each) around the long one.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { localFiles, readerFor, readMeta } from '../main/engine/sessions/index.ts';
import { buildFixtureHome } from './fixtures/home.ts';
import { DEEP_PHRASE, LAST_TEXT, LONG_PROJECT, LONG_SESSION_ID, LONG_TITLE, writeLongSession, writeManySessions, type LongSession } from './fixtures/big-home.ts';
import { startApp, type AppUnderTest } from './host/app-under-test.ts';
import { PASSPHRASE } from './wizard-steps.ts';

// CAIRN_BENCH_TRANSCRIPT_MB=50 reads a 50 MB one instead (memory should not follow the size).
const MANY = Number(process.env.CAIRN_BENCH_SESSIONS ?? 0);
const LONG_BYTES = Number(process.env.CAIRN_BENCH_TRANSCRIPT_MB ?? 20) * 1_000_000;

let root: string;
let app: AppUnderTest;
let long: LongSession;
let expectedItems: number;

test.describe.configure({ mode: 'serial' });
// Playwright's own trace snapshots the DOM around every action, inside the measured window: off here.
test.use({ trace: 'off' });

test.beforeAll(async () => {
  test.setTimeout(900_000);
  root = mkdtempSync(join(tmpdir(), 'cairn-e2e-transcript-'));
  const { home } = await buildFixtureHome(join(root, 'home'));
  const projects = join(home, '.claude', 'projects');
  long = await writeLongSession(join(projects, LONG_PROJECT), LONG_BYTES);
  if (MANY > 0) writeManySessions(projects, MANY, 100_000);
  const rel = `projects/${LONG_PROJECT}/${LONG_SESSION_ID}.jsonl`;
  const reader = readerFor('claude-code', rel)!;
  const files = localFiles(join(home, '.claude'));
  const [ref] = await reader.list(files, rel);
  expectedItems = (await readMeta(reader, files, ref!)).counts.items;
  app = await startApp({ home, tempRoot: root });
  await app.service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(root, 'vault') }, passphrase: PASSPHRASE, deviceName: 'Laptop' });
  const t0 = Date.now();
  await app.service.syncNow('manual');
  console.log(`[transcript-viewer] home: ${MANY} extra sessions + a ${(long.bytes / 1e6).toFixed(1)} MB transcript of ${expectedItems} items; first backup ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

test.afterAll(async () => {
  await app?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Where a file sits in the newest snapshot's tree (asked of the service). */
async function treePathOf(name: string): Promise<string> {
  const h = app.service.handlers;
  const [latest] = await h['snapshots.list']({});
  const seen: string[] = [];
  const walk = async (path: string, depth: number): Promise<string | undefined> => {
    for (const e of await h['snapshots.tree']({ snapshotId: latest!.id, path })) {
      seen.push(e.path);
      if (e.type === 'file' && e.name === name) return e.path;
      if (e.type === 'dir' && depth < 5 && (depth < 2 || /claude|projects|billing/.test(e.name))) {
        const found = await walk(e.path, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  const found = await walk('', 0);
  if (!found) throw new Error(`${name} is not in the snapshot; seen: ${seen.join(', ')}`);
  return found;
}

async function revealInTree(p: Page, path: string) {
  const parts = path.split('/');
  const tree = p.getByTestId('tree-browser');
  for (let i = 1; i < parts.length; i += 1) {
    const row = tree.locator(`[role="treeitem"][data-path="${parts.slice(0, i).join('/')}"]`);
    await expect(row).toBeVisible();
    if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
    await expect(row).toHaveAttribute('aria-expanded', 'true');
  }
  const target = tree.locator(`[role="treeitem"][data-path="${path}"]`);
  await target.scrollIntoViewIfNeeded();
  await expect(target).toBeVisible();
  return target;
}

/** Starts recording long tasks (> 50 ms) in the page, with their start times. */
async function watchLongTasks(p: Page): Promise<void> {
  await p.evaluate(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask' });
  });
}

interface Measured {
  ms: number;
  /** Long tasks that started between the action and the result (Playwright doesn't poll meanwhile). */
  longTasks: number[];
}

/**
 * Does `act` and measures, in the page, until an element matching `selector` (and holding `text`,
 * if given) is on screen. Nothing polls the page meanwhile, so the long tasks are the app's.
 */
async function measure(p: Page, act: () => Promise<void>, selector: string, text?: string): Promise<Measured> {
  await p.evaluate(
    ({ sel, txt }) => {
      const w = window as unknown as { __t0?: number; __t1?: Promise<number> };
      w.__t0 = undefined;
      const mark = () => (w.__t0 ??= performance.now());
      document.addEventListener('click', mark, { capture: true, once: true });
      document.addEventListener('keydown', mark, { capture: true, once: true });
      w.__t1 = new Promise((resolve) => {
        const check = () => {
          for (const el of document.querySelectorAll(sel)) {
            const r = el.getBoundingClientRect();
            if (r.height > 0 && r.bottom > 0 && r.top < innerHeight && (!txt || el.textContent?.includes(txt))) {
              resolve(performance.now());
              return true;
            }
          }
          return false;
        };
        const tick = () => {
          if (!check()) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
    },
    { sel: selector, txt: text },
  );
  await act();
  return p.evaluate(async () => {
    const w = window as unknown as { __t0?: number; __t1?: Promise<number>; __longTasks: { start: number; duration: number }[] };
    const t1 = await w.__t1!;
    const t0 = w.__t0 ?? t1;
    // Let a task that ends the measured action finish reporting.
    await new Promise((r) => setTimeout(r, 50));
    return { ms: t1 - t0, longTasks: w.__longTasks.filter((t) => t.start >= t0 - 1 && t.start <= t1).map((t) => Math.round(t.duration)) };
  });
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

function topFunctions(profile: CpuProfile): string {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byName = new Map<string, number>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}:${f.columnNumber}`;
    byName.set(key, (byName.get(key) ?? 0) + (self.get(n.id) ?? 0) / 1000);
  }
  return [...byName].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([k, v]) => `  ${v.toFixed(0)} ms ${k}`).join('\n');
}

const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;

/**
 * Samples memory every 100 ms while reading: the service's (it runs in this process, as main does
 * in the app) and the page's JS heap and DOM size (Chromium's Performance metrics).
 */
async function watchMemory(p: Page) {
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('Performance.enable');
  const rendererNow = async () => {
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
    return { heap: get('JSHeapUsedSize'), nodes: get('Nodes') };
  };
  const first = await rendererNow();
  const out = {
    mainHeapBefore: process.memoryUsage().heapUsed,
    mainRssBefore: process.memoryUsage().rss,
    mainHeapPeak: 0,
    mainRssPeak: 0,
    rendererHeapBefore: first.heap,
    rendererHeapPeak: first.heap,
    nodesPeak: first.nodes,
  };
  let busy = false;
  const sample = async () => {
    const m = process.memoryUsage();
    out.mainHeapPeak = Math.max(out.mainHeapPeak, m.heapUsed);
    out.mainRssPeak = Math.max(out.mainRssPeak, m.rss);
    if (busy) return;
    busy = true;
    const r = await rendererNow().catch(() => undefined);
    busy = false;
    if (!r) return;
    out.rendererHeapPeak = Math.max(out.rendererHeapPeak, r.heap);
    out.nodesPeak = Math.max(out.nodesPeak, r.nodes);
  };
  const timer = setInterval(() => void sample(), 100);
  return {
    async stop() {
      clearInterval(timer);
      await sample();
      await cdp.detach();
      return out;
    },
  };
}

/**
 * Runs one measured action. CAIRN_PROFILE=1 prints where the renderer spent its time meanwhile;
 * CAIRN_PROFILE=<folder> also writes the CPU profile and a Chromium performance trace (style,
 * layout, paint, script) of the action there (<phase>.cpuprofile, <phase>.trace.json).
 */
async function observed<T>(p: Page, phase: string, act: () => Promise<T>): Promise<T> {
  const want = process.env.CAIRN_PROFILE;
  if (!want) return act();
  const dir = want === '1' ? undefined : want;
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  const browser = dir ? p.context().browser() : null;
  await browser?.startTracing(p, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'toplevel', 'v8.execute'] });
  const result = await act();
  const trace = await browser?.stopTracing();
  const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
  console.log(`[transcript-viewer] ${phase}: renderer self time by function\n${topFunctions(profile)}`);
  if (dir) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${phase}.cpuprofile`), JSON.stringify(profile));
    if (trace) writeFileSync(join(dir, `${phase}.trace.json`), trace);
  }
  await cdp.detach();
  return result;
}

test('a 20 MB transcript is read whole, in pages, with markdown, find and jump to the end', async ({ page }) => {
  test.setTimeout(600_000);
  const path = await treePathOf(`${LONG_SESSION_ID}.jsonl`);
  const ipcBytes: number[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => ipcBytes.push(typeof f.payload === 'string' ? f.payload.length : f.payload.byteLength)));
  await page.goto(app.host?.url ?? '');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Snapshots' }).click();
  const row = await revealInTree(page, path);

  // The tree shows the transcript's title, not only its UUID.
  await expect(row.locator('.tree-session-title')).toHaveText(LONG_TITLE);

  await watchLongTasks(page);
  const memory = await watchMemory(page);
  const first_ = await observed(page, 'open', () => measure(page, () => row.click(), '[data-testid="session-viewer"] .msg'));
  const viewer = page.getByTestId('session-viewer');
  await expect(viewer.getByTestId('session-title')).toHaveText(LONG_TITLE);
  // Focus stays in the opened view.
  expect(await page.evaluate(() => document.activeElement?.closest('[data-testid="file-view"]') !== null)).toBe(true);

  // Markdown: headings, bold, inline code and a table, rendered as elements.
  const first = viewer.locator('[data-kind="message-assistant"]').first();
  await expect(first.locator('h2')).toHaveText('Step 0');
  await expect(first.locator('strong')).toHaveText('update');
  await expect(first.locator('code').first()).toHaveText('ledger_0');
  await expect(first.locator('table td').first()).toHaveText('ledger_0');

  // The whole session is counted, nothing is "unreadable".
  await expect(viewer).toHaveAttribute('data-total', String(expectedItems), { timeout: 120_000 });

  // Jump to the end: the last message.
  const end = await observed(page, 'end', () => measure(page, () => viewer.getByTestId('jump-end').click(), '[data-testid="session-viewer"] .msg', LAST_TEXT));
  await expect(viewer.getByText(LAST_TEXT)).toBeVisible();
  await expect(viewer.locator('[data-kind="malformed"]')).toHaveCount(0);

  // Find: a phrase said once, 80% of the way in, on a page never loaded.
  await viewer.getByTestId('session-find').fill(DEEP_PHRASE);
  const found = await observed(page, 'find', () => measure(page, () => viewer.getByTestId('session-find').press('Enter'), '[data-testid="session-viewer"] .is-hit', DEEP_PHRASE));
  await expect(viewer.getByTestId('find-count')).toHaveText('1 of 1');
  const hit = viewer.locator('.is-hit');
  await expect(hit).toContainText(DEEP_PHRASE);
  await expect(hit).toBeInViewport();
  // A word in every step: many hits, stepped through.
  await viewer.getByTestId('session-find').fill('psql');
  await viewer.getByTestId('session-find').press('Enter');
  // More hits than are listed: the count says so.
  await expect(viewer.getByTestId('find-count')).toHaveText('1 of 5,000+');
  await viewer.getByTestId('session-find').press('Enter');
  await expect(viewer.getByTestId('find-count')).toHaveText('2 of 5,000+');
  await expect(viewer.locator('.is-hit')).toContainText('psql');
  await expect(viewer.locator('.is-hit')).toBeInViewport();

  const mem = await memory.stop();
  const largestFrame = Math.max(...ipcBytes);
  const worst = (m: Measured) => (m.longTasks.length ? Math.max(...m.longTasks) : 0);
  console.log(
    `[transcript-viewer] ${(long.bytes / 1e6).toFixed(1)} MB transcript, ${expectedItems} items (whole session counted)\n` +
      `  first message on screen: ${first_.ms.toFixed(0)} ms after the click; long tasks meanwhile [${first_.longTasks.join(', ')}] ms\n` +
      `  jump to end: ${end.ms.toFixed(0)} ms; long tasks [${end.longTasks.join(', ')}] ms\n` +
      `  find through the whole session: ${found.ms.toFixed(0)} ms; long tasks [${found.longTasks.join(', ')}] ms\n` +
      `  longest task in these: ${Math.max(worst(first_), worst(end), worst(found))} ms; largest IPC message ${(largestFrame / 1024).toFixed(0)} kB\n` +
      `  memory: main (service process) heap ${mb(mem.mainHeapBefore)} before → peak ${mb(mem.mainHeapPeak)}, RSS peak ${mb(mem.mainRssPeak)} (${mb(mem.mainRssBefore)} before); ` +
      `renderer JS heap ${mb(mem.rendererHeapBefore)} before → peak ${mb(mem.rendererHeapPeak)}, DOM nodes peak ${mem.nodesPeak}`,
  );
  // Pages, never the file: no message over IPC comes near the transcript's size.
  expect(largestFrame).toBeLessThan(long.bytes / 4);

  // Back to the files: the same row, focused.
  await page.getByRole('button', { name: 'Files', exact: true }).click();
  await expect(page.locator(`[role="treeitem"][data-path="${path}"]`)).toBeFocused();
});

test('Sessions: a phrase deep in the long session is found, opened at its hit, and only the rows in view are in the DOM', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto(app.host?.url ?? '');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sessions' }).click();
  await page.getByLabel('Search sessions').fill(`"${DEEP_PHRASE}"`);
  const result = page.locator(`button[data-session-id="${LONG_SESSION_ID}"]`).filter({ has: page.locator('mark') });
  await expect(result).toBeVisible({ timeout: 60_000 });

  await watchLongTasks(page);
  const memory = await watchMemory(page);
  const opened = await measure(page, () => result.click(), '.conversation .is-hit', DEEP_PHRASE);
  const hit = page.locator('.conversation .is-hit');
  await expect(hit).toContainText(DEEP_PHRASE);
  await expect(hit).toBeInViewport();
  const loaded = await page.evaluate(() => document.querySelectorAll('.conversation .transcript-row').length);
  // The hit's page is read straight after main counts the session; a few dozen rows are drawn.
  expect(loaded).toBeGreaterThan(0);
  expect(loaded).toBeLessThan(60);

  // Scrolling on by keyboard keeps the DOM the same size.
  await page.locator('.conversation').focus();
  for (let i = 0; i < 20; i++) await page.keyboard.press('PageDown');
  const after = await page.evaluate(() => document.querySelectorAll('.conversation .transcript-row').length);
  expect(after).toBeLessThan(60);
  const mem = await memory.stop();
  console.log(
    `[transcript-viewer] Sessions screen, opened at a hit deep in the ${(long.bytes / 1e6).toFixed(1)} MB session: hit on screen ${opened.ms.toFixed(0)} ms after the click; ` +
      `long tasks [${opened.longTasks.join(', ')}] ms; rows in the DOM ${loaded} (after 20 PageDowns ${after}); ` +
      `renderer JS heap ${mb(mem.rendererHeapBefore)} → peak ${mb(mem.rendererHeapPeak)}, DOM nodes peak ${mem.nodesPeak}`,
  );
});

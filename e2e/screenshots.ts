// Saves a screenshot of the page in the light and the dark theme under docs/screenshots/. The
// app's theme setting is "system", so emulating the colour scheme switches it.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';

// Routine test runs keep their screenshots out of the work tree; `npm run screenshots` refreshes
// the ones the README shows.
export const SCREENSHOT_DIR = fileURLToPath(new URL(process.env.CAIRN_SCREENSHOTS === 'docs' ? '../docs/screenshots' : '../test-results/screenshots', import.meta.url));

export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${scheme}.png`), animations: 'disabled', caret: 'hide' });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The window sizes every screen is shot at: a laptop, and the smallest supported window. */
export const SIZES = [
  { width: 1280, height: 800 },
  { width: 900, height: 600 },
] as const;

/**
 * `shoot` at each of `sizes` (file names gain the width: `<name>-900-dark.png`), then back to
 * the first size.
 */
export async function shootSizes(page: Page, name: string, sizes: readonly { width: number; height: number }[] = SIZES): Promise<void> {
  for (const size of sizes) {
    await page.setViewportSize(size);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await shoot(page, `${name}-${size.width}`);
  }
  await page.setViewportSize(sizes[0] ?? SIZES[0]);
}

// The Electron-shell tests: the packaged app's main process, tray and window, driven through
// Playwright's Electron support. They need an Electron binary; where none is installed they skip
// and say so (see electron-binary.ts).

import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  fullyParallel: false,
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  outputDir: '../../test-results/e2e-electron',
});

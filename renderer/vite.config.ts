// Builds the renderer into dist/renderer with relative asset paths, so that Electron can load it
// from disk and the e2e host can serve it from any port.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  plugins: [react()],
  build: {
    outDir: here('../dist/renderer'),
    emptyOutDir: true,
    target: 'chrome130',
    sourcemap: false,
    // Inline assets would need `data:` in the CSP; keep everything as files from 'self'.
    assetsInlineLimit: 0,
  },
});

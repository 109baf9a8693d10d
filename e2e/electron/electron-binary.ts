// Finds the Electron executable the way the `electron` package would, without ever triggering its
// download (requiring `electron` in Node tries to download a missing binary). Where there is none
// (these build machines: the binary can't be downloaded), says why, for the tests to skip with.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

export function findElectronBinary(env: Readonly<Record<string, string | undefined>> = process.env): ElectronBinary {
  const explicit = env.CAIRN_ELECTRON_BINARY;
  if (explicit !== undefined && explicit !== '') {
    return existsSync(explicit) ? { found: true, path: explicit } : { found: false, reason: `no Electron binary installed: CAIRN_ELECTRON_BINARY=${explicit} does not exist` };
  }
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { found: false, reason: 'no Electron binary installed: the electron package is not installed' };
  }
  const pathFile = join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override !== undefined && override !== '') {
    const path = join(override, relative ?? 'electron');
    return existsSync(path) ? { found: true, path } : { found: false, reason: `no Electron binary installed: ${path} (ELECTRON_OVERRIDE_DIST_PATH) does not exist` };
  }
  if (relative === undefined) {
    return { found: false, reason: `no Electron binary installed: ${pathFile} is missing (the package was installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1 or its download failed)` };
  }
  const path = join(packageDir, 'dist', relative);
  return existsSync(path) ? { found: true, path } : { found: false, reason: `no Electron binary installed: ${path} does not exist` };
}

// The bundled CLI (dist/cli, what `bin.cairn` points at) must work like the sources: the bundle
// moves modules around, and the worker pool finds its entry relative to itself.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';

const BUILT = fileURLToPath(new URL('../../dist/cli/cairn.mjs', import.meta.url));
const built = existsSync(BUILT);
if (!built) console.warn(`[built-cli] skipping: ${BUILT} is missing; run 'npm run build:cli' (npm test builds first)`);

afterAll(() => removeTempDirs());

describe.skipIf(!built)('the built cairn CLI', () => {
  it('backs up with worker threads and restores', () => {
    const base = tempDir('cairn-built-');
    const home = join(base, 'home');
    mkdirSync(home);
    writeFileSync(join(home, 'a.jsonl'), '{"x":1}\n'.repeat(100_000));
    const env = { ...process.env, CAIRN_PASSPHRASE: 'built cli passphrase', CAIRN_STATE_DIR: join(base, 'state') };
    const run = (...args: string[]) => spawnSync(process.execPath, [BUILT, ...args], { env, encoding: 'utf8' });
    expect(run('init', '--repo', join(base, 'vault')).status).toBe(0);
    const backup = run('backup', '--repo', join(base, 'vault'), home);
    expect(backup.status, backup.stderr).toBe(0);
    const restore = run('restore', '--repo', join(base, 'vault'), '--snapshot', 'latest', '--target', join(base, 'out'));
    expect(restore.status, restore.stderr).toBe(0);
    expect(readFileSync(join(base, 'out', 'home', 'a.jsonl')).equals(readFileSync(join(home, 'a.jsonl')))).toBe(true);
  });

  it('keeps worker threads light: their modules do not pull in zod or the AWS SDK', () => {
    // Every worker loads these at start-up; zod alone measured ~30 ms per worker.
    const seen = new Set<string>();
    const load = (file: string): string => {
      if (seen.has(file)) return '';
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/from "(\.\/[^"]+)"|import "(\.\/[^"]+)"/g)].map((m) => join(dirname(file), (m[1] ?? m[2]) as string));
      return text + imports.map(load).join('');
    };
    const code = load(join(dirname(BUILT), 'worker-entry.mjs'));
    expect(code).toContain('compressAndSeal');
    expect(code).not.toContain('node_modules/zod');
    expect(code).not.toContain('@aws-sdk');
  });

  it("loads zod's mini API, not the classic one (~15 ms of every command's start-up)", () => {
    const files = readdirSync(dirname(BUILT)).filter((f) => f.endsWith('.mjs'));
    const code = files.map((f) => readFileSync(join(dirname(BUILT), f), 'utf8')).join('');
    expect(code).toContain('node_modules/zod/v4/mini');
    expect(code).not.toContain('node_modules/zod/v4/classic');
  });
});

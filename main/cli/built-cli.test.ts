// The bundled CLI (dist/cli, what `bin.cairn` points at) must work like the sources: the bundle
// moves modules around, and the worker pool finds its entry relative to itself.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';

const BUILT = fileURLToPath(new URL('../../dist/cli/cairn.mjs', import.meta.url));
const built = existsSync(BUILT);
if (!built) console.warn(`[built-cli] skipping: ${BUILT} is missing; run 'npm run build:cli' (npm test builds first)`);

afterAll(() => removeTempDirs());

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A Node older than the CLI needs: the npm package node@20 that scripts/bootstrap.sh installs
 * into .tools/node20, else an older `node` on PATH (Debian's default is 20).
 */
function olderNode(): { path: string; version: string } | undefined {
  const candidates = [join(ROOT, '.tools', 'node20', 'node_modules', '.bin', 'node'), ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'node'))];
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    try {
      const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
      if (Number(version.slice(1).split('.')[0]) < 22) return { path, version };
    } catch {
      // not runnable: try the next one
    }
  }
  return undefined;
}

describe('the runtime check', () => {
  it('asks for the Node that package.json declares', async () => {
    const { REQUIRED_NODE } = await import('./runtime.ts');
    const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe(`>=${REQUIRED_NODE.major}.${REQUIRED_NODE.minor}`);
  });

  const old = built ? olderNode() : undefined;
  if (built && !old) console.warn('[built-cli] skipping the Node 20 run: no Node older than 22 found (scripts/bootstrap.sh installs node@20 into .tools/node20)');
  it.skipIf(!old)('under Node 20 the built CLI exits with a clear message, not a crash', () => {
    const { path, version } = old as { path: string; version: string };
    const base = tempDir('cairn-old-node-');
    // A backup would load better-sqlite3 13, which crashes Node 20 (exit 139) if it gets that far.
    const r = spawnSync(path, [BUILT, 'backup', '--repo', join(base, 'vault')], { env: { ...process.env, CAIRN_STATE_DIR: join(base, 'state') }, encoding: 'utf8' });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`cairn needs Node.js 22.18 or newer, but this is Node.js ${version.slice(1)}`);
    expect(r.stderr).toContain('./cairn');
    expect(existsSync(join(base, 'state'))).toBe(false);
  });
});

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

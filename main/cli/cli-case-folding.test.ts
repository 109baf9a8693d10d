// A Linux machine's sessions on a Mac's disk, which takes `App` and `app` for one name: a real
// case-insensitive, case-preserving file system (testing/casefold-fs.py over FUSE), the built
// commands as a user runs them. Skipped, saying why, where FUSE is not available.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountCaseFolding, type CaseFoldingMount } from '../../testing/casefold-mount.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { EXIT_WARNINGS } from './output.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));

let mount: CaseFoldingMount | undefined;
let skip = '';
const base = tempDir('cairn-casefold-');

beforeAll(async () => {
  const m = await mountCaseFolding(join(base, 'fs'));
  if ('skip' in m) skip = m.skip;
  else mount = m;
});

afterAll(() => {
  mount?.unmount();
  removeTempDirs();
});

const session = (id: string, cwd: string, text: string) => `${JSON.stringify({ type: 'user', sessionId: id, cwd, uuid: `${id}-u1`, timestamp: '2026-12-07T10:00:00.000Z', message: { role: 'user', content: text } })}\n`;

/** Linux: two repositories whose paths differ only in case, each with a session and a memory file. */
function linuxHome(home: string): void {
  for (const [dir, id, text] of [
    ['-home-alice-App', '11111111-1111-4111-8111-111111111111', 'in App'],
    ['-home-alice-app', '22222222-2222-4222-8222-222222222222', 'in app'],
  ] as const) {
    mkdirSync(join(home, '.claude', 'projects', dir, 'memory'), { recursive: true });
    writeFileSync(join(home, '.claude', 'projects', dir, `${id}.jsonl`), session(id, `/home/alice/${dir.slice(12)}`, text));
    writeFileSync(join(home, '.claude', 'projects', dir, 'memory', 'MEMORY.md'), `# ${dir}: ${text}\n`);
  }
}

describe('sessions of a Linux machine on a disk that ignores case', () => {
  it('a sync pulls one of two folders whose names differ only in case, names the other, and makes no conflict of them', (ctx) => {
    if (!mount) {
      process.stdout.write(`[cli-case-folding] skipped: ${skip}\n`);
      return ctx.skip();
    }
    const homeA = join(base, 'linux');
    linuxHome(homeA);
    // The Mac's ~/.claude on the case-folding disk, reached through a symlink (dotfiles kept
    // elsewhere): the file system is probed where the link leads (before, at the link's own disk).
    const homeB = join(base, 'mac');
    mkdirSync(homeB);
    mkdirSync(join(mount.path, 'claude'));
    symlinkSync(join(mount.path, 'claude'), join(homeB, '.claude'));
    const env = (home: string, name: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: home, CAIRN_PASSPHRASE: 'a long enough passphrase', CAIRN_THREADS: '1', CAIRN_REPO: join(base, 'vault'), CAIRN_STATE_DIR: join(base, `state-${name}`) });
    const cairn = (args: string[], home: string, name: string) => spawnSync(process.execPath, [CLI, ...args, '--device-name', name], { env: env(home, name), encoding: 'utf8', timeout: 120_000 });
    expect(cairn(['init'], homeA, 'A').status).toBe(0);
    expect(cairn(['backup'], homeA, 'A').status).toBe(0);

    const b = cairn(['sync'], homeB, 'B');
    // Before: "1 conflict(s)": the second folder's MEMORY.md taken for an edit of the first's,
    // its session written into the first folder, and carried back to A by B's next backup.
    expect(b.status, b.stderr).toBe(EXIT_WARNINGS);
    expect(b.stdout).toMatch(/2 new or updated, 0 extended, 0 merged, 0 conflict\(s\)/);
    expect(b.stderr).toContain('warning: claude-code/config/projects/-home-alice-app of A was not pulled: its name differs only in case from -home-alice-App, which is pulled, and the file system here takes the two for one name');
    const stored = join(mount.source, 'claude', 'projects');
    expect(readdirSync(stored)).toEqual(['-home-alice-App']);
    expect(readdirSync(join(stored, '-home-alice-App')).sort()).toEqual(['11111111-1111-4111-8111-111111111111.jsonl', 'memory']);
    expect(readdirSync(join(stored, '-home-alice-App', 'memory'))).toEqual(['MEMORY.md']);
    expect(readFileSync(join(stored, '-home-alice-App', 'memory', 'MEMORY.md'), 'utf8')).toBe('# -home-alice-App: in App\n');

    // Round trips: B's backups carry nothing of one folder into the other back to A.
    expect(cairn(['sync'], homeB, 'B').status).toBe(EXIT_WARNINGS);
    const a = cairn(['sync'], homeA, 'A');
    expect(a.status, a.stderr).toBe(0);
    expect(readdirSync(join(homeA, '.claude', 'projects', '-home-alice-App')).sort()).toEqual(['11111111-1111-4111-8111-111111111111.jsonl', 'memory']);
    expect(readdirSync(join(homeA, '.claude', 'projects', '-home-alice-app')).sort()).toEqual(['22222222-2222-4222-8222-222222222222.jsonl', 'memory']);
  }, 120_000);

  it('a restore there keeps both under names of their own', (ctx) => {
    if (!mount) {
      process.stdout.write(`[cli-case-folding] skipped: ${skip}\n`);
      return ctx.skip();
    }
    const home = join(base, 'linux-2');
    linuxHome(home);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, CAIRN_PASSPHRASE: 'a long enough passphrase', CAIRN_THREADS: '1', CAIRN_REPO: join(base, 'vault-2'), CAIRN_STATE_DIR: join(base, 'state-2') };
    const cairn = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 120_000 });
    expect(cairn(['init']).status).toBe(0);
    expect(cairn(['backup']).status).toBe(0);
    const r = cairn(['restore', '--snapshot', 'latest', '--target', join(mount.path, 'restored')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/restored under another name/);
    const projects = join(mount.source, 'restored', 'claude-code', 'config', 'projects');
    expect(readdirSync(projects).sort()).toEqual(['-home-alice-App', '-home-alice-app (case conflict)']);
    expect(readFileSync(join(projects, '-home-alice-app (case conflict)', 'memory', 'MEMORY.md'), 'utf8')).toBe('# -home-alice-app: in app\n');
    expect(readFileSync(join(projects, '-home-alice-App', 'memory', 'MEMORY.md'), 'utf8')).toBe('# -home-alice-App: in App\n');
  }, 120_000);
});

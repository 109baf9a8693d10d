// A restore or a sync into folders some of which the user may not write (a folder an agent made
// while run with sudo belongs to root): everything else is written, and the end says which folders
// and files were left out. Permissions mean nothing to root, so the CLI runs as `nobody`
// (setpriv); skipped, saying why, where that can't be done.

import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { EXIT } from './output.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));
const NOBODY = 65534;

afterAll(() => removeTempDirs());

function chownTree(path: string): void {
  chownSync(path, NOBODY, NOBODY);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name));
}

const asNobody = (args: string[], env: NodeJS.ProcessEnv) =>
  spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI, ...args], { env, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });

/** Why Cairn can't run as `nobody` here, or undefined when it can. */
function cannotSwitchUser(env: NodeJS.ProcessEnv): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  const probe = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '-e', `require('node:fs').readFileSync(${JSON.stringify(CLI)})`], { env, encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return probe.error?.message ?? (probe.stderr.trim().split('\n')[0] || `exit ${String(probe.status)}`);
  return undefined;
}

describe('a restore to the original places when some folders are not writable', () => {
  it('restores everything else, leaves those folders as they are, and names them', (ctx) => {
    const base = tempDir('cairn-denied-');
    chmodSync(base, 0o755);
    const home = join(base, 'home');
    const projects = join(home, '.claude', 'projects');
    for (const project of ['-home-alice-app', '-home-alice-web']) {
      mkdirSync(join(projects, project), { recursive: true });
      writeFileSync(join(projects, project, 's1.jsonl'), `{"type":"user","message":{"role":"user","content":"hello from ${project}"}}\n`);
    }
    chownTree(base);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, CAIRN_PASSPHRASE: 'a long enough passphrase', CAIRN_THREADS: '1' };
    const why = cannotSwitchUser(env);
    if (why) {
      process.stdout.write(`[cli-restore-denied] skipped: can't run Cairn as another user here (${why})\n`);
      ctx.skip();
      return;
    }
    const backup = asNobody(['backup'], env);
    expect(backup.status, backup.stderr).toBe(0);

    // Both sessions go on after the backup; one project's folder then becomes read-only.
    const app = join(projects, '-home-alice-app', 's1.jsonl');
    const web = join(projects, '-home-alice-web', 's1.jsonl');
    const original = { app: readFileSync(app, 'utf8'), web: readFileSync(web, 'utf8') };
    appendFileSync(app, '{"type":"user","message":{"role":"user","content":"later, app"}}\n');
    appendFileSync(web, '{"type":"user","message":{"role":"user","content":"later, web"}}\n');
    const appNow = readFileSync(app, 'utf8');
    chmodSync(join(projects, '-home-alice-app'), 0o555);

    const restore = asNobody(['restore', '--snapshot', 'latest', '--original', '--overwrite'], env);
    // Before: "Cairn may not read …/.s1.jsonl.cairn-….tmp: permission denied", exit 2, and the
    // restore stopped there: the web project's session was not put back either.
    expect(restore.status).toBe(EXIT.config);
    expect(restore.stderr).toContain(`1 file(s) could not be restored: Cairn may not write into ${join(projects, '-home-alice-app')} (permission denied). Everything else was restored (1 file(s)).`);
    expect(restore.stderr).toMatch(/What it replaced is kept in safety snapshot [0-9a-f]{8}\./);
    expect(readFileSync(web, 'utf8')).toBe(original.web);
    expect(readFileSync(app, 'utf8')).toBe(appNow);
    expect(readdirSync(join(projects, '-home-alice-app'))).toEqual(['s1.jsonl']);
  }, 120_000);
});

describe('a sync when a project folder here is not writable', () => {
  it('pulls the other sessions, and names each one it could not write and the folder to fix', (ctx) => {
    const base = tempDir('cairn-denied-sync-');
    chmodSync(base, 0o755);
    const homeA = join(base, 'a');
    const homeB = join(base, 'b');
    for (const project of ['-home-alice-app', '-home-alice-web']) {
      mkdirSync(join(homeA, '.claude', 'projects', project), { recursive: true });
      writeFileSync(join(homeA, '.claude', 'projects', project, `${project}.jsonl`), `{"type":"user","message":{"role":"user","content":"hello from ${project}"}}\n`);
    }
    // Device B has the app project's folder, read-only to its user.
    const locked = join(homeB, '.claude', 'projects', '-home-alice-app');
    mkdirSync(locked, { recursive: true });
    mkdirSync(join(base, 'vault'));
    chownTree(base);
    chmodSync(locked, 0o555);
    const env = (home: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: home, CAIRN_PASSPHRASE: 'a long enough passphrase', CAIRN_THREADS: '1', CAIRN_REPO: join(base, 'vault') });
    const why = cannotSwitchUser(env(homeA));
    if (why) {
      process.stdout.write(`[cli-restore-denied] skipped: can't run Cairn as another user here (${why})\n`);
      ctx.skip();
      return;
    }
    expect(asNobody(['init'], env(homeA)).status).toBe(0);
    const a = asNobody(['backup', '--device-name', 'A'], env(homeA));
    expect(a.status, a.stderr).toBe(0);
    const b = asNobody(['sync', '--device-name', 'B'], env(homeB));
    // Before: "Cairn may not write …/-home-alice-app/.x.jsonl.cairn-sync-….tmp: permission denied",
    // exit 2, and the web project's session was not pulled either.
    expect(b.status, b.stderr).toBe(13);
    expect(b.stderr).toContain(`warning: claude-code/config/projects/-home-alice-app/-home-alice-app.jsonl of A was not pulled: Cairn was refused access to ${locked} (permission denied); nothing was written for it. Fix that folder's permissions and sync again.`);
    expect(readFileSync(join(homeB, '.claude', 'projects', '-home-alice-web', '-home-alice-web.jsonl'), 'utf8')).toContain('hello from -home-alice-web');
    expect(readdirSync(locked)).toEqual([]);
  }, 120_000);
});

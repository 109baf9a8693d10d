// A restore into folders some of which the user may not write (a folder an agent made while run
// with sudo belongs to root): everything else is restored, and the end says which folders and how
// many files were left out. Permissions mean nothing to root, so the CLI runs as `nobody`
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

describe('a restore to the original places when some folders are not writable', () => {
  const asNobody = (args: string[], env: NodeJS.ProcessEnv) =>
    spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI, ...args], { env, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });

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
    const probe = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '-e', `require('node:fs').readFileSync(${JSON.stringify(CLI)})`], { env, encoding: 'utf8' });
    if (probe.error || probe.status !== 0 || process.getuid?.() !== 0) {
      process.stdout.write(`[cli-restore-denied] skipped: can't run Cairn as another user here (${probe.error?.message ?? (probe.stderr.trim().split('\n')[0] || 'not root')})\n`);
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

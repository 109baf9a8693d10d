// `cairn backup` of a home it can't read all of: unreadable files and folders are left out with a
// warning, listed in --json, the exit status says "complete with warnings" (13), and the next
// backup takes them once they can be read. A PATH that doesn't exist or loops is an error.

import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));
const NOBODY = 65534;

afterAll(() => removeTempDirs());

/** Runs the CLI as an unprivileged user when we are root (root reads a chmod 000 file anyway). */
function cairnAs(uid: number | undefined, args: string[], env: NodeJS.ProcessEnv) {
  const command = uid === undefined ? [process.execPath, CLI, ...args] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', process.execPath, CLI, ...args];
  const r = spawnSync(command[0] as string, command.slice(1), { env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Who runs the CLI so that chmod 000 means unreadable, or why nobody can. */
function unprivileged(): { uid: number | undefined } | { skip: string } {
  if (process.getuid?.() !== 0) return { uid: undefined };
  const probe = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', process.execPath, '-e', 'process.exit(process.getuid() === 0 ? 1 : 0)']);
  if (probe.error || probe.status !== 0) return { skip: `running as root and can't drop privileges with setpriv (${probe.error?.message ?? `exit ${probe.status}`})` };
  return { uid: NOBODY };
}

describe('cairn backup of files it cannot read', () => {
  it('leaves out a chmod 000 file and folder with warnings, exits 13, lists them in --json, and takes them next time', (ctx) => {
    const who = unprivileged();
    if ('skip' in who) {
      console.log(`skipped: ${who.skip}`);
      ctx.skip();
      return;
    }
    const base = tempDir('cairn-cli-eacces-');
    chmodSync(base, 0o755);
    const home = join(base, 'home');
    mkdirSync(join(home, 'private'), { recursive: true });
    writeFileSync(join(home, 'a.jsonl'), '{"a":1}\n');
    writeFileSync(join(home, 'locked.txt'), 'locked\n');
    writeFileSync(join(home, 'private', 'inside.txt'), 'inside\n');
    for (const dir of ['vault', 'state', 'empty-home']) mkdirSync(join(base, dir));
    if (who.uid !== undefined) for (const p of [home, join(home, 'a.jsonl'), join(home, 'locked.txt'), join(home, 'private'), join(home, 'private', 'inside.txt'), join(base, 'vault'), join(base, 'state'), join(base, 'empty-home')]) chownSync(p, who.uid, who.uid);
    chmodSync(join(home, 'locked.txt'), 0o000);
    chmodSync(join(home, 'private'), 0o000);
    const env = { ...process.env, CAIRN_PASSPHRASE: 'cli warnings passphrase', CAIRN_STATE_DIR: join(base, 'state'), CAIRN_THREADS: '1', HOME: join(base, 'empty-home') };
    const vault = join(base, 'vault');

    const init = cairnAs(who.uid, ['init', '--repo', vault], env);
    expect(init.code, init.stderr).toBe(0);
    const first = cairnAs(who.uid, ['backup', '--repo', vault, '--json', home], env);
    expect(first.code, first.stderr).toBe(13);
    const result = JSON.parse(first.stdout) as { snapshot: string; stats: { files: number; warnings: number }; warnings: { path: string; reason: string; message: string }[] };
    expect(result.warnings.map((w) => [w.path, w.reason]).sort()).toEqual([
      [join(home, 'locked.txt'), 'unreadable'],
      [join(home, 'private'), 'unreadable'],
    ]);
    expect(result.warnings[0]?.message).toMatch(/permission denied.*next backup tries again/);
    expect(result.stats).toMatchObject({ files: 1, warnings: 2 });
    // On a terminal-less run the warnings still go to standard error, one line each.
    expect(first.stderr).toMatch(/warning: .*locked\.txt can't be read/);

    chmodSync(join(home, 'locked.txt'), 0o644);
    chmodSync(join(home, 'private'), 0o755);
    const second = cairnAs(who.uid, ['backup', '--repo', vault, '--json', home], env);
    expect(second.code, second.stderr).toBe(0);
    expect((JSON.parse(second.stdout) as { warnings: unknown[]; stats: { files: number } }).stats.files).toBe(3);
    const ls = cairnAs(who.uid, ['ls', '--repo', vault, '--snapshot', 'latest', '--json', '-r'], env);
    expect((JSON.parse(ls.stdout) as { path: string }[]).map((e) => e.path).sort()).toEqual(['home', 'home/a.jsonl', 'home/locked.txt', 'home/private', 'home/private/inside.txt']);
  }, 120_000);

  it('refuses a PATH that does not exist or is a symlink loop, and saves no snapshot', () => {
    const base = tempDir('cairn-cli-missing-');
    const env = { ...process.env, CAIRN_PASSPHRASE: 'cli warnings passphrase', CAIRN_STATE_DIR: join(base, 'state'), CAIRN_THREADS: '1', HOME: base };
    const vault = join(base, 'vault');
    expect(cairnAs(undefined, ['init', '--repo', vault], env).code).toBe(0);
    const real = join(base, 'real');
    mkdirSync(real);
    writeFileSync(join(real, 'x.txt'), 'x');

    const missing = cairnAs(undefined, ['backup', '--repo', vault, real, join(base, 'nope')], env);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/nope does not exist/);

    symlinkSync(join(base, 'loop-b'), join(base, 'loop-a'));
    symlinkSync(join(base, 'loop-a'), join(base, 'loop-b'));
    const loop = cairnAs(undefined, ['backup', '--repo', vault, join(base, 'loop-a')], env);
    expect(loop.code).toBe(4);
    expect(loop.stderr).toMatch(/loop-a does not exist \(or is a broken link\)/);

    const snapshots = cairnAs(undefined, ['snapshots', '--repo', vault, '--json'], env);
    expect(JSON.parse(snapshots.stdout)).toEqual([]);
  }, 60_000);
});

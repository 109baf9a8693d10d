// Bad input gets a clear message and its documented exit status (docs/CLI.md), never
// "Unexpected error": a malformed endpoint, a state folder or restore target that is a file,
// can't be written or sits on a read-only mount, a backup source that doesn't exist.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../shared/errors.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { describeSystemError } from './local-paths.ts';
import { cliMessage } from './output.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));
const isRoot = process.getuid?.() === 0;
let base: string;
let vault: string;
let state: string;
let env: NodeJS.ProcessEnv;

/**
 * Runs the CLI. `unprivileged`: as a user that permissions apply to (root ignores them, so as
 * root the command runs as `nobody`).
 */
function cairn(args: string[], { unprivileged = false, extraEnv = {} }: { unprivileged?: boolean; extraEnv?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    timeout: 300_000,
    ...(unprivileged && isRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectClear(r: { code: number | null; stderr: string }, code: number, message: RegExp): void {
  expect(r.stderr).not.toMatch(/Unexpected error/);
  expect(r.stderr).toMatch(message);
  expect(r.code, r.stderr).toBe(code);
}

beforeAll(() => {
  base = tempDir('cairn-cli-input-');
  chmodSync(base, 0o777); // the unprivileged runs read the vault and write their own state here
  vault = join(base, 'vault');
  state = join(base, 'state');
  const home = join(base, 'home');
  mkdirSync(home);
  writeFileSync(join(home, 'a.txt'), 'hello\n');
  env = { ...process.env, CAIRN_PASSPHRASE: 'input test passphrase', CAIRN_THREADS: '1', HOME: base, CAIRN_STATE_DIR: state };
  delete env.CAIRN_RECOVERY_KEY;
  expect(cairn(['init', '--repo', vault]).code).toBe(0);
  expect(cairn(['backup', '--repo', vault, home]).code).toBe(0);
});

afterAll(() => removeTempDirs());

describe('bad input', () => {
  it('a malformed --endpoint: exit 2, "not a valid URL"', () => {
    for (const endpoint of ['http//no-colon', 'not a url', 'ftp://example.com']) {
      expectClear(cairn(['snapshots', '--repo', 's3://my-bucket/cairn', '--endpoint', endpoint]), 2, /is not a valid URL/);
    }
  });

  it('a --map that is not two different absolute paths: exit 2, nothing synced', () => {
    // Before, `/a=` was taken: every project below /a mapped to the top of the disk.
    for (const map of ['/home/alice=', 'relative=/Users/alice', '/home/alice=Users/alice', '/same=/same', 'no-equals']) {
      expectClear(cairn(['sync', '--repo', vault, '--map', map]), 2, /A path mapping is THEIRS=MINE, two different absolute paths, e\.g\. \/home\/alice=\/Users\/alice; got '/);
    }
    expect(cairn(['sync', '--repo', vault, '--map', 'C:\\Users\\bob=/home/bob']).code).not.toBe(2);
  });

  it('--exclude: an absolute path inside a folder backed up leaves it out; an empty one or a whole folder is refused', () => {
    const tree = join(base, 'exclude-tree');
    mkdirSync(join(tree, 'keep'), { recursive: true });
    mkdirSync(join(tree, 'private'), { recursive: true });
    writeFileSync(join(tree, 'keep', 'a.txt'), 'kept\n');
    writeFileSync(join(tree, 'private', 'secret-notes.txt'), 'stay out\n');
    // Before: taken as a glob that matches nothing, so private/ was uploaded.
    const run = cairn(['backup', '--repo', vault, '--json', '--exclude', join(tree, 'private'), '--exclude', join(base, 'not-backed-up'), tree]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`warning: --exclude ${join(base, 'not-backed-up')} is not inside any folder this backup reads, so it leaves nothing out.`);
    const listed = cairn(['ls', '--repo', vault, '--snapshot', (JSON.parse(run.stdout) as { snapshot: string }).snapshot, '--recursive']).stdout;
    expect(listed).toContain('keep/a.txt');
    expect(listed).not.toContain('secret-notes');
    expectClear(cairn(['backup', '--repo', vault, '--exclude', '', tree]), 2, /--exclude takes a glob \(say '\*\*\/\*\.log'\) or a path inside a folder backed up; got an empty one\./);
    expectClear(cairn(['backup', '--repo', vault, '--exclude', tree, tree]), 2, /--exclude .*exclude-tree is a whole folder this backup reads/);
    // Everything excluded: before, an empty snapshot became the device's newest.
    const before = (JSON.parse(cairn(['snapshots', '--repo', vault, '--json']).stdout) as unknown[]).length;
    expectClear(cairn(['backup', '--repo', vault, '--exclude', '**', tree]), 2, /Every file was left out by --exclude: this snapshot would hold nothing.*Nothing was saved/);
    expect(JSON.parse(cairn(['snapshots', '--repo', vault, '--json']).stdout)).toHaveLength(before);
  });

  it('a --state-dir that is a file, or under a file: exit 2', () => {
    const file = join(base, 'a-file');
    writeFileSync(file, 'x');
    expectClear(cairn(['snapshots', '--repo', vault, '--state-dir', file]), 2, /state folder .*a-file is a file, not a folder/);
    expectClear(cairn(['snapshots', '--repo', vault, '--state-dir', join(file, 'sub')]), 2, /a-file is a file, not a folder/);
  });

  it('a restore --target that is a file: exit 2, nothing restored', () => {
    const file = join(base, 'target-file');
    writeFileSync(file, 'x');
    expectClear(cairn(['restore', '--repo', vault, '--snapshot', 'latest', '--target', file]), 2, /restore target .*target-file is a file/);
  });

  it('a backup source that does not exist: exit 4, and no snapshot is saved', () => {
    const before = (JSON.parse(cairn(['snapshots', '--repo', vault, '--json']).stdout) as unknown[]).length;
    expectClear(cairn(['backup', '--repo', vault, join(base, 'nope')]), 4, /nope does not exist.*Nothing was backed up/);
    expect(JSON.parse(cairn(['snapshots', '--repo', vault, '--json']).stdout)).toHaveLength(before);
  });

  it('--agent with folders named: exit 2, nothing saved (the folders were backed up and --agent ignored)', () => {
    const before = (JSON.parse(cairn(['snapshots', '--repo', vault, '--json']).stdout) as unknown[]).length;
    expectClear(cairn(['backup', '--repo', vault, '--agent', 'codex', join(base, 'home')]), 2, /--agent codex and the folders named .* can't be combined.*Nothing was backed up/);
    expect(JSON.parse(cairn(['snapshots', '--repo', vault, '--json']).stdout)).toHaveLength(before);
  });

  it('a restore into a folder the user may not write: exit 2, says so (not "no snapshots yet")', () => {
    const locked = join(base, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    chmodSync(locked, 0o555);
    const mine = join(base, 'state-unprivileged');
    mkdirSync(mine, { mode: 0o777 });
    chmodSync(mine, 0o777);
    const r = cairn(['restore', '--repo', vault, '--state-dir', mine, '--snapshot', 'latest', '--target', join(locked, 'out')], { unprivileged: true });
    expectClear(r, 2, /can't restore into .*locked.*permission denied/);
  });

  it('a state folder the user may not write: exit 2', () => {
    const locked = join(base, 'locked-state');
    mkdirSync(locked, { mode: 0o555 });
    chmodSync(locked, 0o555);
    expectClear(cairn(['snapshots', '--repo', vault, '--state-dir', locked], { unprivileged: true }), 2, /can't write its state folder .*locked-state: permission denied/);
  });

  it('a restore target or state folder on a read-only mount: exit 2, "read-only file system"', (ctx) => {
    const mnt = join(base, 'ro-mount');
    mkdirSync(mnt);
    const mount = isRoot ? spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mnt], { encoding: 'utf8' }) : undefined;
    if (!mount || mount.status !== 0) {
      console.warn(`[cli-input] skipping the read-only mount case: ${isRoot ? `mount failed: ${mount?.stderr.trim()}` : 'mounting needs root'}`);
      ctx.skip();
      return;
    }
    try {
      expectClear(cairn(['restore', '--repo', vault, '--snapshot', 'latest', '--target', join(mnt, 'out')]), 2, /can't restore into .*read-only file system/);
      expectClear(cairn(['snapshots', '--repo', vault, '--state-dir', join(mnt, 'state')]), 2, /state folder .*read-only file system/);
    } finally {
      spawnSync('umount', [mnt]);
      rmdirSync(mnt);
    }
  });

  it('an unreachable endpoint: exit 6, and the CLI does not promise to try again', () => {
    const r = cairn(['snapshots', '--repo', 's3://my-bucket/cairn', '--endpoint', 'http://127.0.0.1:9', '--path-style'], {
      extraEnv: { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', CAIRN_RETRIES: '1', CAIRN_STATE_DIR: join(base, 'state-dead') },
    });
    expectClear(r, 6, /127\.0\.0\.1:9/);
    expect(r.stderr).not.toMatch(/will try again/);
  });
});

describe('the CLI’s wording of errors', () => {
  it('turns the app’s "Cairn will try again" into what to do', () => {
    const e = new StorageError('unreachable', 'Could not reach http://x (ECONNREFUSED). Check the endpoint address and your network connection; Cairn will try again.', { retryable: true });
    expect(cliMessage(e.toRecord())).toBe('Could not reach http://x (ECONNREFUSED). Check the endpoint address and your network connection. Run the command again later.');
    expect(cliMessage({ code: 'config', message: 'Plain.', retryable: false })).toBe('Plain.');
  });

  it('describes file-system errors by path instead of "Unexpected error"', () => {
    const errno = (code: string, syscall: string, path: string) => Object.assign(new Error(`${code}: x, ${syscall} '${path}'`), { code, syscall, path });
    expect(describeSystemError(errno('EACCES', 'mkdir', '/s/v'))).toMatchObject({ code: 'config', message: expect.stringMatching(/may not write \/s\/v: permission denied/) });
    expect(describeSystemError(errno('EROFS', 'open', '/m/f'))).toMatchObject({ code: 'config', message: expect.stringMatching(/read-only file system/) });
    expect(describeSystemError(errno('ENOTDIR', 'mkdir', '/f/x'))).toMatchObject({ code: 'config' });
    expect(describeSystemError(errno('ENOENT', 'open', '/gone'))).toMatchObject({ code: 'not_found' });
    expect(describeSystemError(Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL', input: 'http//x' }))).toMatchObject({ code: 'config', message: expect.stringMatching(/'http\/\/x' is not a valid URL/) });
    expect(describeSystemError(new Error('a bug'))).toBeUndefined();
  });
});

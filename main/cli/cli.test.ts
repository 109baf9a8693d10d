// The `cairn` command as a user runs it: real processes, a local vault, exit codes and messages,
// and a backup killed with SIGKILL in the middle of its uploads.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAgentHome, rng } from '../../testing/agent-home.ts';
import { diffTrees, removeTempDirs, tempDir } from '../../testing/repo.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));
let vault: string;
let home: string;
let env: NodeJS.ProcessEnv;

function cairn(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const base = tempDir('cairn-cli-');
  vault = join(base, 'vault');
  home = join(base, 'home');
  generateAgentHome(home, { seed: 4, sizeMiB: 6, smallFiles: 100 });
  env = { ...process.env, CAIRN_PASSPHRASE: 'cli test passphrase', CAIRN_STATE_DIR: join(base, 'state'), CAIRN_THREADS: '2', HOME: join(base, 'empty-home') };
  mkdirSync(env.HOME as string);
});

afterAll(() => removeTempDirs());

describe('cairn', () => {
  it('init, backup, snapshots --json, ls, restore, check, key fingerprint', () => {
    const init = cairn(['init', '--repo', vault, '--json']);
    expect(init.code, init.stderr).toBe(0);
    const { fingerprint, recoveryKey } = JSON.parse(init.stdout) as { fingerprint: string; recoveryKey: string };
    expect(fingerprint).toMatch(/^[0-9a-f]{8}$/);
    expect(cairn(['init', '--repo', vault]).code).toBe(8); // a vault exists there already

    const backup = cairn(['backup', '--repo', vault, '--json', home]);
    expect(backup.code, backup.stderr).toBe(0);
    const snapshots = JSON.parse(cairn(['snapshots', '--repo', vault, '--json']).stdout) as { id: string; roots: { label: string }[] }[];
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]?.roots[0]?.label).toBe('home');

    const ls = cairn(['ls', '--repo', vault, '--snapshot', 'latest', '--json', 'home/.claude']);
    expect((JSON.parse(ls.stdout) as { path: string }[]).map((e) => e.path)).toContain('home/.claude/settings.json');

    const target = tempDir('cairn-cli-restore-');
    const restore = cairn(['restore', '--repo', vault, '--snapshot', snapshots[0]!.id.slice(0, 8), '--target', target]);
    expect(restore.code, restore.stderr).toBe(0);
    const skip = (rel: string) => /(-wal|-shm)$/.test(rel) || /\.credentials\.json$|auth\.json$|secrets\.yaml$|oauth_creds\.json$|(^|\/)\.env$/.test(rel);
    expect(diffTrees(home, join(target, 'home'), { skip })).toEqual([]);

    const one = tempDir('cairn-cli-one-');
    expect(cairn(['restore', '--repo', vault, '--snapshot', 'latest', '--target', one, '--path', '.claude/settings.json']).code).toBe(0);
    expect(readdirSync(one)).toEqual(['settings.json']);

    expect(cairn(['check', '--repo', vault, '--read-data']).code).toBe(0);
    expect(cairn(['key', 'fingerprint', '--repo', vault]).stdout.trim()).toBe(fingerprint);
    expect(cairn(['key', 'fingerprint', '--repo', vault], { CAIRN_PASSPHRASE: '', CAIRN_RECOVERY_KEY: recoveryKey }).stdout.trim()).toBe(fingerprint);
  });

  it('takes a safety snapshot before overwriting an agent folder', () => {
    const agentHome = tempDir('cairn-cli-agent-home-');
    const h = { HOME: agentHome };
    const claude = join(agentHome, '.claude', 'projects', '-p');
    mkdirSync(claude, { recursive: true });
    writeFileSync(join(claude, 's.jsonl'), '{"v":1}\n');
    expect(cairn(['backup', '--repo', vault, join(agentHome, '.claude')], h).code).toBe(0);
    writeFileSync(join(claude, 's.jsonl'), '{"v":2}\n');
    const before = (JSON.parse(cairn(['snapshots', '--repo', vault, '--json']).stdout) as unknown[]).length;
    // Without --overwrite: refused, nothing touched, and the refusal says which flag allows it.
    const refused = cairn(['restore', '--repo', vault, '--snapshot', 'latest', '--target', agentHome, '--path', '.claude'], h);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`A file already exists in the target: ${join(claude, 's.jsonl')}. Choose an empty folder or add --overwrite`);
    expect(readFileSync(join(claude, 's.jsonl'), 'utf8')).toBe('{"v":2}\n');
    const r = cairn(['restore', '--repo', vault, '--snapshot', 'latest', '--target', agentHome, '--path', '.claude', '--overwrite'], h);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(claude, 's.jsonl'), 'utf8')).toBe('{"v":1}\n');
    const after = JSON.parse(cairn(['snapshots', '--repo', vault, '--json']).stdout) as { reason: string }[];
    expect(after).toHaveLength(before + 1);
    expect(after.some((s) => s.reason === 'before-restore')).toBe(true);
  });

  it('changes the passphrase: the old one stops working here too (not kept by the key cache)', () => {
    const changed = cairn(['key', 'passwd', '--repo', vault], { CAIRN_NEW_PASSPHRASE: 'the new passphrase' });
    expect(changed.code, changed.stderr).toBe(0);
    expect(cairn(['snapshots', '--repo', vault]).code).toBe(3); // CAIRN_PASSPHRASE is the old one
    expect(cairn(['snapshots', '--repo', vault], { CAIRN_PASSPHRASE: 'the new passphrase' }).code).toBe(0);
    const back = cairn(['key', 'passwd', '--repo', vault], { CAIRN_PASSPHRASE: 'the new passphrase', CAIRN_NEW_PASSPHRASE: env.CAIRN_PASSPHRASE as string });
    expect(back.code, back.stderr).toBe(0);
    expect(cairn(['snapshots', '--repo', vault]).code).toBe(0);
  });

  it('a new recovery key in two steps: the old one works until --confirm, then only the new one does', () => {
    const repo = join(tempDir('cairn-cli-rotate-'), 'vault');
    const init = cairn(['init', '--repo', repo, '--json']);
    expect(init.code, init.stderr).toBe(0);
    const { recoveryKey: old } = JSON.parse(init.stdout) as { recoveryKey: string };
    const withKey = (key: string) => cairn(['key', 'fingerprint', '--repo', repo], { CAIRN_PASSPHRASE: '', CAIRN_RECOVERY_KEY: key });
    const added = cairn(['key', 'recovery', '--repo', repo, '--json']);
    expect(added.code, added.stderr).toBe(0);
    const { recoveryKey: fresh, confirmed } = JSON.parse(added.stdout) as { recoveryKey: string; confirmed: boolean };
    expect(confirmed).toBe(false);
    expect(withKey(old).code).toBe(0);
    expect(withKey(fresh).code).toBe(0);
    const confirm = cairn(['key', 'recovery', '--repo', repo, '--confirm'], { CAIRN_NEW_RECOVERY_KEY: fresh });
    expect(confirm.code, confirm.stderr).toBe(0);
    expect(confirm.stdout).toMatch(/previous one no longer works/);
    expect(withKey(old).code).toBe(3);
    expect(withKey(fresh).code).toBe(0);
    // --cancel drops an unconfirmed one and keeps the confirmed key.
    const { recoveryKey: third } = JSON.parse(cairn(['key', 'recovery', '--repo', repo, '--json']).stdout) as { recoveryKey: string };
    expect(cairn(['key', 'recovery', '--repo', repo, '--cancel'], { CAIRN_NEW_RECOVERY_KEY: third }).code).toBe(0);
    expect(withKey(third).code).toBe(3);
    expect(withKey(fresh).code).toBe(0);
  });

  it('says which links to folders it kept as links, whose content is not in the snapshot', () => {
    const base = tempDir('cairn-cli-links-');
    const tree = join(base, 'agent');
    mkdirSync(join(base, 'other-disk', 'projects'), { recursive: true });
    writeFileSync(join(base, 'other-disk', 'projects', 's.jsonl'), '{}\n');
    mkdirSync(tree);
    writeFileSync(join(tree, 'notes.txt'), 'x');
    symlinkSync(join(base, 'other-disk', 'projects'), join(tree, 'projects'));
    const run = cairn(['backup', '--repo', vault, tree]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Links to folders are kept as links; what they hold is not in this snapshot: ${join(tree, 'projects')} → ${join(base, 'other-disk', 'projects')}.`);
    const json = JSON.parse(cairn(['backup', '--repo', vault, '--json', '--force', tree]).stdout) as { linkedFolders?: unknown };
    expect(json.linkedFolders).toEqual([{ path: join(tree, 'projects'), target: join(base, 'other-disk', 'projects') }]);
  });

  it('fails with clear messages and distinct exit codes', () => {
    const wrong = cairn(['snapshots', '--repo', vault], { CAIRN_PASSPHRASE: 'wrong' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/passphrase does not unlock/);
    const none = cairn(['snapshots', '--repo', tempDir('cairn-empty-')]);
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/no Cairn vault/i);
    const dead = cairn(['snapshots', '--repo', 's3://bucket/cairn', '--endpoint', 'http://127.0.0.1:9', '--path-style'], { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_MAX_ATTEMPTS: '1' });
    expect(dead.code).toBe(6);
    expect(dead.stderr).toMatch(/127\.0\.0\.1:9/);
    const usage = cairn(['restore', '--repo', vault]);
    expect(usage.code).toBe(2);
    const agents = cairn(['agents', '--json']);
    expect(agents.code).toBe(0);
    expect(JSON.parse(agents.stdout)).toMatchObject({ detected: 0 });
    // A folder to scan that isn't there: saved (a disk not mounted now), and said (a typo).
    const typo = cairn(['agents', '--add-path', '/nonexistent/cairn-sr']);
    expect(typo.code).toBe(0);
    expect(typo.stderr).toContain('/nonexistent/cairn-sr does not exist (yet): it is saved, and looked in once it does.');
  });

  it('survives SIGKILL in the middle of a backup: earlier snapshots restore, the next run succeeds', async () => {
    type Snap = { id: string; time: string; roots: { label: string }[] };
    const list = () => JSON.parse(cairn(['snapshots', '--repo', vault, '--json']).stdout) as Snap[];
    const homeSnapshots = () => list().filter((x) => x.roots[0]?.label === 'home');
    const countBefore = list().length;
    const lastHome = homeSnapshots().sort((a, b) => a.time.localeCompare(b.time)).at(-1) as Snap;
    const r = rng(9);
    mkdirSync(join(home, 'big'), { recursive: true });
    for (let i = 0; i < 6; i++) writeFileSync(join(home, 'big', `b${i}.bin`), r.bytes(8 * 1024 * 1024));
    const child = spawn(process.execPath, [CLI, 'backup', '--repo', vault, home], { env, stdio: 'ignore' });
    // Kill it once its first packs are in the vault.
    const started = Date.now();
    const packs = () => (existsSync(join(vault, 'data')) ? readdirSync(join(vault, 'data'), { recursive: true }).length : 0);
    const before = packs();
    while (packs() < before + 3 && Date.now() - started < 60_000) await new Promise((res) => setTimeout(res, 20));
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    expect(packs()).toBeGreaterThan(before);

    expect(list()).toHaveLength(countBefore);
    const target = tempDir('cairn-cli-after-kill-');
    expect(cairn(['restore', '--repo', vault, '--snapshot', lastHome.id, '--target', target]).code).toBe(0);
    expect(existsSync(join(target, 'home', 'big'))).toBe(false);

    const again = cairn(['backup', '--repo', vault, '--json', home]);
    expect(again.code, again.stderr).toBe(0);
    expect(list()).toHaveLength(countBefore + 1);
    expect(cairn(['check', '--repo', vault, '--read-data']).code).toBe(0);
  });
});

// A first run on a fresh machine: `cairn backup` with no --repo, no CAIRN_REPO, no app set-up and
// no terminal creates Cairn's default local vault, keeps its generated key (keychain, else a
// 0600 file) and says so; later commands find that vault and its key by themselves.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { chooseVault } from './vault-choice.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from '../service/index.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));
const KEYRING = fileURLToPath(new URL('../../scripts/with-keyring.sh', import.meta.url));

afterAll(() => removeTempDirs());

/** The environment of a fresh login: no Cairn or XDG variables, a home of its own. */
function freshEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, CAIRN_THREADS: '2', ...extra };
  for (const name of Object.keys(env)) if (/^(CAIRN_(PASSPHRASE|RECOVERY_KEY|REPO|STATE_DIR)|XDG_|AWS_)/.test(name) && !(name in extra)) delete env[name];
  return env;
}

function cairn(args: string[], env: NodeJS.ProcessEnv) {
  // stdin is not a terminal: nothing may wait for a passphrase.
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function agentHome(): string {
  const home = tempDir('cairn-fresh-home-');
  mkdirSync(join(home, '.claude', 'projects', '-home-alice-app'), { recursive: true });
  writeFileSync(join(home, '.claude', 'projects', '-home-alice-app', 's1.jsonl'), '{"type":"user","message":"hello"}\n');
  return home;
}

describe('cairn backup on a fresh machine', () => {
  it('creates the default local vault, keeps its key in a 0600 file when there is no keychain, and uses both afterwards', () => {
    const home = agentHome();
    const env = freshEnv(home, { XDG_CONFIG_HOME: '', XDG_DATA_HOME: '' }); // empty counts as unset
    const first = cairn(['backup'], env);
    expect(first.code, first.stderr).toBe(0);
    const vault = join(home, '.local', 'share', 'cairn', 'vault');
    const stateDir = join(home, '.config', 'cairn');
    expect(first.stdout).toContain(`location:        ${vault}`);
    expect(first.stdout).toMatch(/key fingerprint: [0-9a-f]{8}/);
    expect(first.stdout).toMatch(/Recovery key[\s\S]*\n {4}([A-Z0-9]{5}-)+[A-Z0-9]{5}\n/);
    expect(first.stdout).toContain('Snapshot ');
    const keys = readdirSync(join(stateDir, 'keys'));
    expect(keys).toHaveLength(1);
    const keyPath = join(stateDir, 'keys', keys[0] as string);
    expect(first.stdout).toContain(`kept in ${keyPath}, a file only you can read (0600)`);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect((JSON.parse(readFileSync(join(stateDir, 'config.json'), 'utf8')) as { location: { path: string } }).location.path).toBe(vault);
    const recoveryKey = /\n {4}((?:[A-Z0-9]{5}-)+[A-Z0-9]{5})\n/.exec(first.stdout)?.[1] as string;

    writeFileSync(join(home, '.claude', 'projects', '-home-alice-app', 's1.jsonl'), '{"type":"user","message":"hello"}\n{"type":"assistant","message":"hi"}\n');
    const second = cairn(['backup'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toContain('Recovery key');
    expect(second.stderr).toContain(`Vault: ${vault} (set up in ${join(stateDir, 'config.json')}), key fingerprint`);
    const snapshots = JSON.parse(cairn(['snapshots', '--json'], env).stdout) as unknown[];
    expect(snapshots).toHaveLength(2);

    // The key file lost: no prompt without a terminal, the error names the way in; the recovery key opens it.
    rmSync(keyPath);
    const locked = cairn(['snapshots'], env);
    expect(locked.code).toBe(2);
    expect(locked.stderr).toContain('CAIRN_RECOVERY_KEY');
    const recovered = cairn(['snapshots', '--json'], { ...env, CAIRN_RECOVERY_KEY: recoveryKey });
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(JSON.parse(recovered.stdout)).toHaveLength(2);
  });

  it('key passwd makes the kept key the new passphrase, so this machine still opens its vault by itself', () => {
    const home = agentHome();
    const env = freshEnv(home, { XDG_CONFIG_HOME: '', XDG_DATA_HOME: '' });
    const first = cairn(['backup'], env);
    expect(first.code, first.stderr).toBe(0);
    const recoveryKey = /\n {4}((?:[A-Z0-9]{5}-)+[A-Z0-9]{5})\n/.exec(first.stdout)?.[1] as string;
    const keyPath = join(home, '.config', 'cairn', 'keys', readdirSync(join(home, '.config', 'cairn', 'keys'))[0] as string);

    // No new passphrase given, or the current one again: refused, nothing changed.
    const missing = cairn(['key', 'passwd'], { ...env, CAIRN_RECOVERY_KEY: recoveryKey });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('set CAIRN_NEW_PASSPHRASE');
    const generated = readFileSync(keyPath, 'utf8').trim();
    const same = cairn(['key', 'passwd'], { ...env, CAIRN_PASSPHRASE: generated, CAIRN_NEW_PASSPHRASE: generated });
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('The new passphrase is the same as the current one: nothing was changed.');

    const changed = cairn(['key', 'passwd'], { ...env, CAIRN_RECOVERY_KEY: recoveryKey, CAIRN_NEW_PASSPHRASE: 'the passphrase I chose' });
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain(`The passphrase Cairn keeps for this vault on this machine is the new one (${keyPath}).`);
    expect(readFileSync(keyPath, 'utf8').trim()).toBe('the passphrase I chose');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    // Before, the next backup said "The passphrase does not unlock this vault".
    const next = cairn(['backup', '--force'], env);
    expect(next.code, next.stderr).toBe(0);
  });

  it("is opened by the app on the same machine with the key file, where the keychain doesn't have it", async () => {
    const home = agentHome();
    const first = cairn(['backup', '--json'], freshEnv(home, { XDG_CONFIG_HOME: '', XDG_DATA_HOME: '' }));
    expect(first.code, first.stderr).toBe(0);
    const fingerprint = (JSON.parse(first.stdout) as { createdVault: { fingerprint: string } }).createdVault.fingerprint;
    // Before, the app found no secret in its keychain and asked for a passphrase nobody ever saw.
    const stateDir = join(home, '.config', 'cairn');
    const app = await createCairnService({ stateDir, secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    const keyPath = join(stateDir, 'keys', readdirSync(join(stateDir, 'keys'))[0] as string);
    try {
      expect(await app.handlers['key.fingerprint']({})).toEqual({ fingerprint });
      // A passphrase changed in the app: the key file the CLI reads first follows, so `cairn` still opens the vault here.
      await app.handlers['key.changePassphrase']({ current: readFileSync(keyPath, 'utf8').trim(), next: 'chosen in the app now' });
      expect(readFileSync(keyPath, 'utf8').trim()).toBe('chosen in the app now');
    } finally {
      await app.close();
    }
    const after = cairn(['snapshots'], freshEnv(home, { XDG_CONFIG_HOME: '', XDG_DATA_HOME: '' }));
    expect(after.code, after.stderr).toBe(0);
  });

  it('init with no --repo creates the default vault too, and refuses a second time', () => {
    const home = agentHome();
    const env = freshEnv(home);
    const init = cairn(['init', '--json'], env);
    expect(init.code, init.stderr).toBe(0);
    const created = JSON.parse(init.stdout) as { location: string; key: { where: string } };
    expect(created.location).toBe(join(home, '.local', 'share', 'cairn', 'vault'));
    expect(created.key.where).toBe('file');
    const again = cairn(['init'], env);
    expect(again.code).toBe(8);
    expect(again.stderr).toContain(`Cairn is set up with the vault at ${created.location} already`);
  });

  it('uses the vault named by CAIRN_REPO over the configured one, and refuses a relative CAIRN_STATE_DIR by name', () => {
    const home = agentHome();
    const base = tempDir('cairn-repo-env-');
    const env = freshEnv(home, { CAIRN_PASSPHRASE: 'a passphrase for the env vault' });
    expect(cairn(['init', '--repo', join(base, 'v')], env).code).toBe(0);
    // An init again there (one killed before it showed the recovery key, say): how to use the vault, and how to get a recovery key.
    const again = cairn(['init', '--repo', join(base, 'v')], { ...env, CAIRN_STATE_DIR: tempDir('cairn-repo-env-state-') });
    expect(again.code).toBe(8);
    expect(again.stderr).toContain(`A vault already exists at ${join(base, 'v')}. Use it (its passphrase opens it`);
    expect(again.stderr).toContain("make a new recovery key with 'cairn key recovery' and the same --repo as this init.");
    const backup = cairn(['backup', '--json'], { ...env, CAIRN_REPO: join(base, 'v') });
    expect(backup.code, backup.stderr).toBe(0);
    expect(existsSync(join(home, '.local', 'share', 'cairn', 'vault'))).toBe(false);

    const relative = cairn(['snapshots'], { ...env, CAIRN_STATE_DIR: 'state' });
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain("CAIRN_STATE_DIR must be an absolute path, not 'state'");
  });

  it('init --repo on a machine with no vault makes that vault the one later commands use, and says so', () => {
    const home = agentHome();
    const base = tempDir('cairn-init-remember-');
    const env = freshEnv(home, { CAIRN_PASSPHRASE: 'a passphrase for the nas vault' });
    const stateDir = join(home, '.config', 'cairn');
    const init = cairn(['init', '--repo', join(base, 'nas')], env);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(`Commands without --repo use it from now on on this machine (set up in ${join(stateDir, 'config.json')}).`);
    // Before: this backup created the default local vault beside the one just made, and went there.
    const backup = cairn(['backup'], env);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).toContain(`Vault: ${join(base, 'nas')} (set up in ${join(stateDir, 'config.json')})`);
    expect(existsSync(join(home, '.local', 'share', 'cairn', 'vault'))).toBe(false);
    expect(JSON.parse(cairn(['snapshots', '--json', '--repo', join(base, 'nas')], env).stdout)).toHaveLength(1);
    // A second vault made by name leaves the machine's vault as it is, and says how to use the new one.
    const other = cairn(['init', '--repo', join(base, 'other'), '--json'], env);
    expect(other.code, other.stderr).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({ usedWithoutRepo: false });
    expect(cairn(['init', '--repo', join(base, 'third')], env).stdout).toContain(`Commands without --repo still use ${join(base, 'nas')}`);
    expect(cairn(['backup'], env).stderr).toContain(`Vault: ${join(base, 'nas')} (set up in`);
  });

  const keyring = existsSync('/usr/bin/dbus-run-session') && existsSync('/usr/bin/gnome-keyring-daemon');
  if (!keyring) console.warn('[cli-default-vault] skipping the keychain case: dbus-run-session or gnome-keyring-daemon is not installed');
  it.skipIf(!keyring)('keeps the generated key in the OS keychain where there is one, and no key file', () => {
    const data = tempDir('cairn-keyring-data-');
    writeFileSync(join(data, 'notes.txt'), 'kept safe');
    const env = freshEnv(tempDir('cairn-unused-home-'));
    // with-keyring.sh gives the run a private keyring and a throwaway HOME of its own.
    const script = `set -e; "$NODE" "$CLI" backup "$DATA"; "$NODE" "$CLI" snapshots --json > "$DATA.json"; ls "$HOME/.config/cairn/keys" 2>/dev/null | wc -l`;
    const r = spawnSync(KEYRING, ['sh', '-c', script], { env: { ...env, NODE: process.execPath, CLI, DATA: data }, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kept in the OS keychain \(Secret Service[^)]*\)\), entry 'local:\/.*\/cairn\/vault:unlock'/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('0');
    expect(JSON.parse(readFileSync(`${data}.json`, 'utf8'))).toHaveLength(1);
  });
});

describe('chooseVault', () => {
  const stateDir = tempDir('cairn-choose-');
  it('takes --repo, then CAIRN_REPO, then the app configuration, then the default vault', () => {
    expect(chooseVault({ repo: '/a', stateDir }, { CAIRN_REPO: '/b' }).location.path).toBe('/a');
    expect(chooseVault({ stateDir }, { CAIRN_REPO: '/b' })).toMatchObject({ source: 'env', location: { path: '/b' } });
    expect(chooseVault({ stateDir }, {})).toMatchObject({ source: 'default', location: { path: join(stateDir, 'data', 'vault') } });
    writeFileSync(join(stateDir, 'config.json'), JSON.stringify({ version: 1, location: { provider: 's3', bucket: 'my-bucket', prefix: 'cairn', endpoint: 'https://s3.example' } }));
    expect(chooseVault({ stateDir }, {})).toMatchObject({ source: 'app', location: { provider: 's3', bucket: 'my-bucket' } });
  });
  it('resolves a relative --state-dir against the working folder', () => {
    expect(chooseVault({ stateDir: 'rel' }, { CAIRN_REPO: '/b' }).stateDir).toBe(join(process.cwd(), 'rel'));
  });
});

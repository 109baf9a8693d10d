// A backup whose state folder's disk fills up: the CLI says which disk (SQLite's "database or
// disk is full" names none), exits with disk_full's status, and backs up once there is room. Runs
// on a real, small tmpfs mounted in a private mount namespace of a child process (`unshare -m`:
// nothing outside the child sees it); skipped, saying why, where that is not allowed.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { EXIT } from './output.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));

afterAll(() => removeTempDirs());

/**
 * A Claude Code home, and an OpenCode database larger than the state disk: a database is copied
 * into the state folder (consistently, without its credentials) before it is stored.
 */
function agentHome(): string {
  const home = tempDir('cairn-full-home-');
  const project = join(home, '.claude', 'projects', '-home-alice-app');
  mkdirSync(project, { recursive: true });
  for (let i = 0; i < 6; i++) {
    const lines = Array.from({ length: 40 }, (_, n) => JSON.stringify({ type: n % 2 ? 'assistant' : 'user', uuid: `u${i}-${n}`, message: { role: n % 2 ? 'assistant' : 'user', content: randomBytes(4_000).toString('base64') } }));
    writeFileSync(join(project, `s${i}.jsonl`), `${lines.join('\n')}\n`);
  }
  const opencode = join(home, '.local', 'share', 'opencode');
  mkdirSync(opencode, { recursive: true });
  const db = new Database(join(opencode, 'opencode.db'));
  db.exec('CREATE TABLE blob (id INTEGER PRIMARY KEY, data BLOB)');
  const insert = db.prepare('INSERT INTO blob (data) VALUES (?)');
  for (let i = 0; i < 200; i++) insert.run(randomBytes(4_096));
  db.close();
  return home;
}

describe('a backup when the disk holding the state folder is full', () => {
  it('names that folder, exits disk_full, and backs up once the disk has room', () => {
    const base = tempDir('cairn-full-');
    const home = agentHome();
    const state = join(base, 'state');
    const vault = join(base, 'vault');
    mkdirSync(state);
    const out = (name: string) => join(base, name);
    const cli = (args: string, name: string) => `"$NODE" "$CLI" ${args} --repo "$VAULT" --state-dir "$STATE" >"${out(`${name}.out`)}" 2>"${out(`${name}.err`)}"; echo $? >"${out(`${name}.rc`)}"`;
    const script = [
      'mount -t tmpfs -o size=600k cairn-test "$STATE" || exit 97',
      cli('init', 'init'),
      cli('backup', 'full'),
      // Room again: the same state folder, the same vault.
      'mount -o remount,size=64m "$STATE" || exit 98',
      cli('backup', 'room'),
      cli('check --read-data', 'check'),
    ].join('\n');
    const env = { ...process.env, HOME: home, CAIRN_PASSPHRASE: 'a long enough passphrase', CAIRN_THREADS: '1', NODE: process.execPath, CLI, VAULT: vault, STATE: state };
    for (const name of Object.keys(env)) if (/^(CAIRN_(REPO|STATE_DIR|RECOVERY_KEY)|XDG_)/.test(name)) delete env[name as keyof typeof env];
    const run = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { env, encoding: 'utf8', timeout: 180_000 });
    if (run.error || run.status === 97 || (run.status !== 0 && /unshare|Operation not permitted/.test(run.stderr))) {
      process.stdout.write(`[cli-disk-full] skipped: no tmpfs mount for this test here (${run.error?.message ?? run.stderr.trim().split('\n')[0]})\n`);
      return;
    }
    expect(run.status).toBe(0);
    const read = (name: string) => readFileSync(out(name), 'utf8');
    expect(read('init.rc').trim(), read('init.err')).toBe('0');
    // Before: "cairn: The disk is full. Free some space and try again." — which disk?
    expect(read('full.rc').trim(), read('full.out') + read('full.err')).toBe(String(EXIT.disk_full));
    expect(read('full.err')).toMatch(/cairn: The disk (is full: Cairn could not write|holding Cairn's state folder \()/);
    expect(read('full.err')).toContain(state);
    expect(read('room.rc').trim()).toBe('0');
    expect(read('room.out')).toMatch(/Snapshot [0-9a-f]{8} saved/);
    expect(read('check.rc').trim()).toBe('0');
    expect(read('check.out')).toContain('No problems');
  }, 200_000);
});

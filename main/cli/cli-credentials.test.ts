// Files Cairn uploads without the credentials in them (keys taken out of a JSON file, rows out of a
// database's copy), through the `cairn` command: the backup says which, `ls` lists them with the
// keys they lack, a restore says which files come back without them, and an in-place restore says
// before it starts that it keeps the local files a safety snapshot could not hold (it said they
// "will be replaced", then kept them, after a safety snapshot of nothing).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { buildAllFixtures } from '../engine/agents/fixtures.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));

afterAll(() => removeTempDirs());

describe('files backed up without their credentials', () => {
  it('are named by the backup, ls and the restore; an in-place restore keeps them and says so first', { timeout: 300_000 }, async () => {
    const base = tempDir('cairn-credentials-');
    const home = join(base, 'home');
    await buildAllFixtures({ home, platform: 'linux' });
    const cairn = (args: string[]) => {
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, CAIRN_STATE_DIR: join(base, 'state'), CAIRN_PASSPHRASE: 'credentials test passphrase', CAIRN_THREADS: '1' };
      for (const name of ['CAIRN_REPO', 'CAIRN_RECOVERY_KEY', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME']) delete env[name];
      const r = spawnSync(process.execPath, [CLI, ...args, '--repo', join(base, 'vault')], { env, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
      return { code: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
    };
    expect(cairn(['init']).code).toBe(0);

    const backup = cairn(['backup', '--json']);
    expect(backup.code, backup.out).toBe(0);
    const scrubbed = (JSON.parse(backup.stdout) as { scrubbed: { path: string; removed: string[] }[] }).scrubbed;
    const byPath = new Map(scrubbed.map((s) => [s.path, s.removed]));
    expect(byPath.get('claude-code/config/settings.json')).toEqual(['env.ANTHROPIC_API_KEY']);
    expect(byPath.get('gemini-cli/home/settings.json')).toEqual(['mcpServers.github.env']);
    // A database's copy: its credential rows deleted, named by table.
    expect([...byPath.values()].flat().filter((r) => r.startsWith('table '))).not.toHaveLength(0);
    // Unchanged, and not read again: a scrubbed file is smaller than the file, and the file
    // cache's size check took it for changed in every backup.
    const again = JSON.parse(cairn(['backup', '--json']).stdout) as { unchanged: boolean; stats: { changedFiles: number; newFiles: number } };
    expect(again).toMatchObject({ unchanged: true, stats: { changedFiles: 0, newFiles: 0 } });

    const ls = cairn(['ls', '--snapshot', 'latest', 'claude-code/config']);
    expect(ls.out).toContain('In this snapshot without their credentials (removed before upload;');
    expect(ls.out).toContain('  claude-code/config/settings.json  (env.ANTHROPIC_API_KEY)');

    const target = join(base, 'restored');
    const restore = cairn(['restore', '--snapshot', 'latest', '--target', target, '--path', 'claude-code/config/settings.json']);
    expect(restore.code, restore.out).toBe(0);
    expect(restore.out).toContain(`1 file was restored without the credentials removed from it before upload, which never leave the computer they were on: ${join(target, 'settings.json')} (env.ANTHROPIC_API_KEY).`);
    expect(readFileSync(join(target, 'settings.json'), 'utf8')).not.toContain('ANTHROPIC_API_KEY');

    // In place: the local settings.json differs (it has the key); replacing it would lose the key.
    const settings = join(home, '.claude', 'settings.json');
    const before = readFileSync(settings, 'utf8');
    const original = cairn(['restore', '--snapshot', 'latest', '--original']);
    expect(original.code, original.out).toBe(0);
    expect(original.out).toMatch(/file\(s\) will be kept as they are, not replaced: a safety snapshot could not hold them as they are \(credentials never leave this computer/);
    expect(original.out).toContain(settings);
    expect(original.out).not.toContain('The 0 file(s) it replaced');
    // Everything else matches, but a file kept differing is not "already in its place".
    expect(original.out).not.toContain('Nothing to write');
    expect(original.out, original.out).toMatch(/Restored 0 files \(0 B\) from snapshot \w{8} to their places/);
    expect(readFileSync(settings, 'utf8')).toBe(before);
  });
});

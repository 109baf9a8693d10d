// `cairn ls` as people type it: without --snapshot it lists the newest snapshot (it stopped with
// "required option '--snapshot <id|latest>' not specified"), the folders Cairn makes for each
// agent show no date (they showed 1970-01-01 00:00:00), and counts read as English ("1 file").

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));

afterAll(() => removeTempDirs());

describe('cairn ls and restore, as typed', () => {
  it('lists the newest snapshot by default, without dates on the agent folders', { timeout: 120_000 }, () => {
    const base = tempDir('cairn-ls-');
    const home = join(base, 'home');
    mkdirSync(join(home, '.claude', 'projects', '-home-alice-app'), { recursive: true });
    writeFileSync(join(home, '.claude', 'projects', '-home-alice-app', 's1.jsonl'), '{"type":"user","message":{"role":"user","content":"hello"}}\n');
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, CAIRN_PASSPHRASE: 'a long enough passphrase', CAIRN_THREADS: '1', CAIRN_REPO: join(base, 'vault'), CAIRN_STATE_DIR: join(base, 'state') };
    const cairn = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 60_000 });
    expect(cairn(['init']).status).toBe(0);
    expect(cairn(['backup']).status).toBe(0);
    const ls = cairn(['ls']);
    expect(ls.status, ls.stderr).toBe(0);
    expect(ls.stdout.trim().split('\n')).toEqual(['d  755  0 B  -  claude-code/']);
    const restore = cairn(['restore', '--snapshot', 'latest', '--target', join(base, 'out'), '--path', 'claude-code/config/projects/-home-alice-app/s1.jsonl']);
    expect(restore.status, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/^Restored 1 file \(\d+ B\), 0 folders from snapshot/);
  });
});

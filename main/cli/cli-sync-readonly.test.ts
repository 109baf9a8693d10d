// A sync whose agent folder here is on a read-only file system (a mount made read-only, or a disk
// the kernel remounted read-only after errors): the other agents' sessions are pulled, and each
// file that could not be written is named with the folder to fix. The read-only folder is a real
// read-only bind mount in a private mount namespace of the CLI's process (`unshare -m`); skipped,
// saying why, where that is not allowed.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { EXIT_WARNINGS } from './output.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));

afterAll(() => removeTempDirs());

describe('a sync into an agent folder on a read-only file system', () => {
  it('pulls the other agents, and names each file it could not write', (ctx) => {
    const base = tempDir('cairn-sync-ro-');
    const homeA = join(base, 'a');
    const homeB = join(base, 'b');
    mkdirSync(join(homeA, '.claude', 'projects', '-home-alice-app'), { recursive: true });
    writeFileSync(join(homeA, '.claude', 'projects', '-home-alice-app', 's1.jsonl'), '{"type":"user","message":{"role":"user","content":"hello from claude"}}\n');
    mkdirSync(join(homeA, '.codex', 'sessions', '2026', '12', '07'), { recursive: true });
    const rollout = join('sessions', '2026', '12', '07', 'rollout-2026-12-07T10-00-00-019b2ea4-aaaa-bbbb-cccc-58208e1f0001.jsonl');
    writeFileSync(join(homeA, '.codex', rollout), '{"timestamp":"2026-12-07T10:00:00Z","type":"session_meta","payload":{"id":"019b2ea4-aaaa-bbbb-cccc-58208e1f0001","cwd":"/home/alice/app"}}\n');
    const claudeB = join(homeB, '.claude');
    mkdirSync(claudeB, { recursive: true });
    mkdirSync(join(homeB, '.codex'), { recursive: true });
    const env = (home: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: home, CAIRN_PASSPHRASE: 'a long enough passphrase', CAIRN_THREADS: '1', CAIRN_REPO: join(base, 'vault'), CAIRN_STATE_DIR: join(home, 'state') });
    const cairn = (args: string[], home: string) => spawnSync(process.execPath, [CLI, ...args], { env: env(home), encoding: 'utf8', timeout: 120_000 });
    expect(cairn(['init'], homeA).status).toBe(0);
    const a = cairn(['backup', '--device-name', 'A'], homeA);
    expect(a.status, a.stderr).toBe(0);

    const script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" || exit 97; shift; exec "$@"';
    const b = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', claudeB, process.execPath, CLI, 'sync', '--device-name', 'B'], { env: env(homeB), encoding: 'utf8', timeout: 120_000 });
    if (b.error || b.status === 97 || (b.status !== 0 && /unshare|Operation not permitted/.test(b.stderr))) {
      process.stdout.write(`[cli-sync-readonly] skipped: no read-only mount for this test here (${b.error?.message ?? b.stderr.trim().split('\n')[0]})\n`);
      ctx.skip();
      return;
    }
    // Before: "…/.claude/projects is on a read-only file system. Choose a place Cairn may write.",
    // exit 2, and the Codex session was not pulled either.
    expect(b.status, b.stderr).toBe(EXIT_WARNINGS);
    expect(b.stderr).toContain(`warning: claude-code/config/projects/-home-alice-app/s1.jsonl of A was not pulled: ${join(claudeB, 'projects')} is on a read-only file system; nothing was written for it. Make it writable and sync again.`);
    expect(readFileSync(join(homeB, '.codex', rollout), 'utf8')).toContain('019b2ea4-aaaa-bbbb-cccc-58208e1f0001');
    expect(readdirSync(claudeB)).toEqual([]);
  }, 120_000);
});

describe('a sync whose places here are too long a path', () => {
  it('pulls what fits, and names each file that does not', () => {
    const base = tempDir('cairn-sync-long-');
    const homeA = join(base, 'a');
    // A project folder with a long name (a deep repository's path, as Claude Code names them).
    const project = `-home-alice-${'p'.repeat(200)}`;
    mkdirSync(join(homeA, '.claude', 'projects', project), { recursive: true });
    writeFileSync(join(homeA, '.claude', 'projects', project, 's1.jsonl'), '{"type":"user","message":{"role":"user","content":"hello from claude"}}\n');
    const rollout = 'rollout-2026-12-07T10-00-00-019b2ea4-aaaa-bbbb-cccc-58208e1f0002.jsonl';
    mkdirSync(join(homeA, '.codex', 'sessions'), { recursive: true });
    writeFileSync(join(homeA, '.codex', 'sessions', rollout), '{"timestamp":"2026-12-07T10:00:00Z","type":"session_meta","payload":{"id":"019b2ea4-aaaa-bbbb-cccc-58208e1f0002","cwd":"/home/alice/app"}}\n');
    // B's home is ~3,950 characters deep: Codex's session fits in a path there, Claude Code's long project folder doesn't.
    const deep = [...Array.from({ length: 16 }, () => 'd'.repeat(240)), 'e'.repeat(4000 - base.length - 16 * 241 - 60)];
    const make = `const fs = require('node:fs'); process.chdir(process.argv[1]); for (const d of process.argv.slice(2)) { fs.mkdirSync(d); process.chdir(d); } fs.mkdirSync('.claude'); fs.mkdirSync('.codex');`;
    const homeB = join(base, ...deep);
    try {
      spawnSync(process.execPath, ['-e', make, base, ...deep], { encoding: 'utf8' });
      const env = (home: string, state: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: home, CAIRN_PASSPHRASE: 'a long enough passphrase', CAIRN_THREADS: '1', CAIRN_REPO: join(base, 'vault'), CAIRN_STATE_DIR: join(base, state) });
      const cairn = (args: string[], home: string, state: string) => spawnSync(process.execPath, [CLI, ...args], { env: env(home, state), encoding: 'utf8', timeout: 120_000 });
      expect(cairn(['init'], homeA, 'state-a').status).toBe(0);
      expect(cairn(['backup', '--device-name', 'A'], homeA, 'state-a').status).toBe(0);
      const b = cairn(['sync', '--device-name', 'B'], homeB, 'state-b');
      // Before: "Unexpected error: ENAMETOOLONG …", exit 1, and the Codex session was not pulled either.
      expect(b.status, b.stderr).toBe(EXIT_WARNINGS);
      expect(b.stderr).toContain(`warning: claude-code/config/projects/${project}/s1.jsonl of A was not pulled: its place here is too long a path for this file system; nothing was written for it.`);
      expect(spawnSync('sh', ['-c', `ls ${join(homeB, '.codex', 'sessions')}`], { encoding: 'utf8' }).stdout.trim()).toBe(rollout);
    } finally {
      spawnSync('rm', ['-rf', base]);
    }
  }, 120_000);
});

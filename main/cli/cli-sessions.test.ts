// Sessions through the `cairn` command on two machines: the laptop backs up real Claude Code and
// Codex samples; the desktop (which never synced) lists them from the catalog, finds one by a
// phrase, prints it as Markdown, and continues it: the files land in its own agent folders
// (path-mapped) and the agent's resume command is printed.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../testing/real-agents.ts';
import { cliMachine } from '../../testing/cli.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { shortIds } from './commands/session-commands.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));
afterAll(() => removeTempDirs());

const samples = realAgentsHome();
if (!samples) process.stderr.write(`[cli/sessions] ${REAL_AGENTS_MISSING}\n`);

describe.skipIf(!samples)('cairn sessions, show and continue', () => {
  it('finds a laptop session on the desktop by a phrase, shows it, and continues it there', () => {
    const base = tempDir('cairn-cli-sessions-');
    const machine = (name: string) => cliMachine(base, name, 'sessions everywhere');
    const laptop = machine('laptop');
    const desktop = machine('desktop');
    cpSync(join(samples as string, '.claude'), join(laptop.home, '.claude'), { recursive: true });
    cpSync(join(samples as string, '.codex'), join(laptop.home, '.codex'), { recursive: true });
    expect(laptop.run('init').code).toBe(0);
    const backed = laptop.run('backup', '--json');
    expect(backed.code, backed.stderr).toBe(0);

    // The desktop has never backed up or synced: it lists the laptop's sessions from the catalog.
    const listed = desktop.run('sessions', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const all = JSON.parse(listed.stdout) as { id: string; agent: string; deviceName: string; updatedAt?: string }[];
    expect(new Set(all.map((s) => s.agent))).toEqual(new Set(['claude-code', 'codex']));
    expect(all.every((s) => s.deviceName === 'laptop')).toBe(true);
    const times = all.map((s) => s.updatedAt ?? '');
    expect(times).toEqual([...times].sort().reverse());
    const codexOnly = JSON.parse(desktop.run('sessions', '--agent', 'codex', '--json').stdout) as { agent: string }[];
    expect(codexOnly.length).toBeGreaterThan(0);
    expect(codexOnly.every((s) => s.agent === 'codex')).toBe(true);
    // A name that is no agent's is said so (it listed nothing, as "No sessions. Back up an agent first"),
    // and filters that match nothing say that, not that there are no sessions.
    const unknown = desktop.run('sessions', '--agent', 'claude');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("'claude' is not an agent Cairn knows. Use one of: claude-code, codex,");
    expect(desktop.run('sessions', '--agent', 'aider').stdout.trim()).toBe('No session matches these filters.');

    // A phrase from the laptop's session, found on the desktop (indexed from the vault first).
    const found = desktop.run('sessions', '--search', '"repo search"');
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toContain('0a1b2c3d-4e5…');
    expect(found.stdout).toMatch(/\[repo search\]/i);

    const md = desktop.run('show', '0a1b2c3d', '--markdown');
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/^# /);
    expect(md.stdout).toContain('## User');
    expect(md.stdout).toMatch(/Delegate a repo search to a subagent/);
    // Looking writes nothing to the vault: the desktop is no device of it yet.
    expect((JSON.parse(laptop.run('devices', '--json').stdout) as { name: string }[]).map((d) => d.name)).toEqual(['laptop']);

    // Continue on the desktop, whose home is elsewhere: mapped into its own folders.
    const cont = desktop.run('continue', '0a1b2c3d', '--map', '/tmp=/srv/work', '--json');
    expect(cont.code, cont.stderr).toBe(0);
    const result = JSON.parse(cont.stdout) as { written: string[]; command: string; project?: string };
    const target = join(desktop.home, '.claude', 'projects', '-srv-work', '0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f.jsonl');
    expect(result.written).toContain(target);
    expect(readFileSync(target)).toEqual(readFileSync(join(samples as string, '.claude', 'projects', '-tmp', '0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f.jsonl')));
    expect(result.project).toBe('/srv/work');
    expect(result.command).toBe('cd /srv/work && claude --resume 0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f');
    // Again: nothing to do, same command.
    const again = JSON.parse(desktop.run('continue', '0a1b2c3d', '--map', '/tmp=/srv/work', '--json').stdout) as { written: string[]; unchanged: string[] };
    expect(again.written).toEqual([]);
    expect(again.unchanged).toContain(target);

    const codex = JSON.parse(desktop.run('continue', '019fc8be', '--json').stdout) as { written: string[]; command: string };
    expect(codex.written.some((f) => f.startsWith(join(desktop.home, '.codex', 'sessions', '2026', '08', '03')))).toBe(true);
    expect(codex.command).toMatch(/codex resume 019fc8be-3658-7ca3-9e29-000000000000$/);
    expect(existsSync(join(desktop.home, '.claude', '.credentials.json'))).toBe(false);
  });

  it('lists every session under an id that `show` takes: the real Cursor transcripts share their first 12 characters', () => {
    const base = tempDir('cairn-cli-short-ids-');
    const home = join(base, 'home');
    mkdirSync(home);
    cpSync(join(samples as string, '.cursor'), join(home, '.cursor'), { recursive: true });
    const env = { ...process.env, HOME: home, CAIRN_PASSPHRASE: 'short ids', CAIRN_STATE_DIR: join(base, 'state'), CAIRN_THREADS: '1' };
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--repo', join(base, 'vault')], { env, encoding: 'utf8', timeout: 120_000 });
    expect(run('init').status).toBe(0);
    expect(run('backup').status).toBe(0);
    const all = JSON.parse(run('sessions', '--json').stdout) as { id: string }[];
    const alike = all.filter((s) => s.id.startsWith('8e72ca80-0000'));
    expect(alike.length).toBe(3);
    const listed = run('sessions').stdout.split('\n').slice(1).filter(Boolean).map((line) => line.split(/\s+/)[0] as string);
    expect(new Set(listed).size).toBe(listed.length);
    for (const shown of listed.filter((id) => id.startsWith('8e72ca80'))) {
      const prefix = shown.replace(/…$/, '');
      const md = run('show', prefix, '--json');
      expect(md.status, md.stderr).toBe(0);
      expect((JSON.parse(md.stdout) as { session: { id: string } }).session.id.startsWith(prefix)).toBe(true);
    }
  });
});

describe('shortIds', () => {
  it('shows 12 characters, more where another id shares them, and an id whole when a prefix is as long', () => {
    const ids = ['8e72ca80-0000-4000-8000-00000000c001', '8e72ca80-0000-4000-8000-00000000c002', '019fc8be-3658-7ca3-9e29-000000000000', '1769053680585', 'abc', 'abcd', 'ABCDEFGHIJKLMNOP', 'abcdefghijklmnoq'];
    const short = shortIds(ids);
    expect(short(ids[0] as string)).toBe('8e72ca80-0000-4000-8000-00000000c001');
    expect(short('019fc8be-3658-7ca3-9e29-000000000000')).toBe('019fc8be-365…');
    expect(short('1769053680585')).toBe('1769053680585');
    // A whole id that is another's prefix is matched exactly by `show`.
    expect(short('abc')).toBe('abc');
    expect(short('abcd')).toBe('abcd');
    // SQLite's LIKE ignores ASCII case: these two differ only past the 15th character.
    expect(short('ABCDEFGHIJKLMNOP')).toBe('ABCDEFGHIJKLMNOP');
    expect(shortIds(['8e72ca80-0000-4000-8000-00000000c001', '8e72ca80-0000-4000-8000-00000000c002', '8e72ca80-0000-4000-8001-000000000000'])('8e72ca80-0000-4000-8001-000000000000')).toBe('8e72ca80-0000-4000-8001…');
  });
});

// Two devices through the `cairn` command, as on two headless machines: separate HOMEs (agent
// folders are found under HOME) and state folders, one vault. `cairn sync` on a new state folder
// joins the vault with CAIRN_PASSPHRASE and registers the device.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliMachine } from '../../testing/cli.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { skippedWarnings } from './commands/sync-commands.ts';

afterAll(() => removeTempDirs());

describe('cairn sync between two machines', () => {
  it('joins, registers, brings a session across, and reports conflicts', () => {
    const base = tempDir('cairn-cli-sync-');
    const machine = (name: string) => cliMachine(base, name, 'two machines, one vault');
    const laptop = machine('laptop');
    const desktop = machine('desktop');
    expect(laptop.run('init').code).toBe(0);

    const session = (home: string) => join(home, '.claude', 'projects', '-work-app', 'abc.jsonl');
    mkdirSync(join(session(laptop.home), '..'), { recursive: true });
    writeFileSync(session(laptop.home), '{"type":"user","message":{"content":"hello from the laptop"}}\n');
    writeFileSync(join(laptop.home, '.claude', '.credentials.json'), '{"secret":"never uploaded"}');

    const first = laptop.run('sync', '--json');
    expect(first.code, first.stderr).toBe(0);
    const second = desktop.run('sync', '--json');
    expect(second.code, second.stderr).toBe(0);
    expect(readFileSync(session(desktop.home), 'utf8')).toContain('hello from the laptop');
    expect(existsSync(join(desktop.home, '.claude', '.credentials.json'))).toBe(false);

    const devices = JSON.parse(desktop.run('devices', '--json').stdout) as { name: string; isThisDevice: boolean }[];
    expect(devices.map((d) => d.name).sort()).toEqual(['desktop', 'laptop']);
    expect(devices.find((d) => d.isThisDevice)?.name).toBe('desktop');

    // Both rewrite the session: the desktop gets a conflict it can list and resolve.
    writeFileSync(session(laptop.home), '{"laptop":"rewrote it"}\n');
    writeFileSync(session(desktop.home), '{"desktop":"rewrote it too"}\n');
    expect(laptop.run('sync').code).toBe(0);
    expect(desktop.run('sync').code).toBe(0);
    const conflicts = JSON.parse(desktop.run('conflicts', '--json').stdout) as { id: string; theirsPath: string }[];
    expect(conflicts).toHaveLength(1);
    expect(readFileSync((conflicts[0] as { theirsPath: string }).theirsPath, 'utf8')).toContain('laptop');
    const resolved = desktop.run('resolve', (conflicts[0] as { id: string }).id, '--keep', 'theirs', '--json');
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(readFileSync(session(desktop.home), 'utf8')).toContain('laptop');
    expect(JSON.parse(desktop.run('conflicts', '--json').stdout)).toEqual([]);
  });
});

describe("sync's warnings for files not pulled", () => {
  it('names the files one cause left out by the first and a count, one line per cause', () => {
    const blocked = '/home/b/.claude is a link to /mnt/disk/claude, which is not there; nothing was written for it';
    const lines = skippedWarnings([
      { path: 'claude-code/config/projects/p/a.jsonl', device: 'A', why: blocked },
      { path: 'claude-code/config/projects/p/b.jsonl', device: 'A', why: blocked },
      { path: 'claude-code/config/projects/q/c.jsonl', device: 'A', why: blocked },
      { path: 'codex/sessions/x.jsonl', device: 'A', why: 'it is damaged in the vault (bad tag)' },
      { path: 'claude-code/config/projects/p/a.jsonl', device: 'C', why: blocked },
    ]);
    expect(lines).toEqual([
      `claude-code/config/projects/p/a.jsonl and 2 more file(s) of A were not pulled: ${blocked}.`,
      'codex/sessions/x.jsonl of A was not pulled: it is damaged in the vault (bad tag).',
      `claude-code/config/projects/p/a.jsonl of C was not pulled: ${blocked}.`,
    ]);
  });
});

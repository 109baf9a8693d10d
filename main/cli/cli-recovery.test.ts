// The day the laptop dies, end to end through the `cairn` command: a machine backs up; its state
// folder and home are deleted; a new state folder on "the new machine" (same host name, same
// home path) finds the old machine's snapshots as `latest`, takes over its device, restores every
// agent folder to its place, and its next backup continues the same device's history.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateAgentHome } from '../../testing/agent-home.ts';
import { diffTrees, removeTempDirs, tempDir } from '../../testing/repo.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));

afterAll(() => removeTempDirs());

interface Snap {
  id: string;
  deviceId: string;
  deviceName: string;
  parent?: string;
  reason: string;
  roots?: { path: string }[];
}

describe('disaster recovery', () => {
  it('a new state folder restores everything and continues the same device', { timeout: 600_000 }, () => {
    const base = tempDir('cairn-recovery-');
    const vault = join(base, 'vault');
    const home = join(base, 'home');
    generateAgentHome(home, { seed: 13, sizeMiB: 3, smallFiles: 60 });
    const cairn = (state: string, args: string[]) => {
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, CAIRN_STATE_DIR: join(base, state), CAIRN_PASSPHRASE: 'recovery test passphrase', CAIRN_THREADS: '2' };
      for (const name of ['CAIRN_REPO', 'CAIRN_RECOVERY_KEY', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME']) delete env[name];
      const r = spawnSync(process.execPath, [CLI, ...args, '--repo', vault], { env, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const snapshots = (state: string) => JSON.parse(cairn(state, ['snapshots', '--json']).stdout) as Snap[];

    // The old machine: two backups of every agent it has.
    expect(cairn('old-state', ['init']).code).toBe(0);
    expect(cairn('old-state', ['backup']).code).toBe(0);
    writeFileSync(join(home, '.claude', 'projects', '-home-alice-src-app', 'late.jsonl'), '{"type":"user","message":"the last thing typed"}\n');
    expect(cairn('old-state', ['backup']).code).toBe(0);
    // And, last, a folder named by hand: a line of its own, not the device's `latest`.
    const notes = join(base, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'todo.md'), '- the billing test\n');
    expect(cairn('old-state', ['backup', notes]).code).toBe(0);
    const before = snapshots('old-state');
    expect(before).toHaveLength(3);
    const oldDevice = before[1] as Snap;
    const notesSnapshot = before.find((s) => s.roots?.some((r) => r.path === notes)) as Snap;
    const reference = join(base, 'reference');
    cpSync(home, reference, { recursive: true, preserveTimestamps: true });

    // The disk dies: Cairn's state folder and the home with the agents' folders are gone.
    rmSync(join(base, 'old-state'), { recursive: true });
    rmSync(home, { recursive: true });
    mkdirSync(home);

    // The new machine, same host name: 'latest' is the old machine's newest snapshot.
    const ls = cairn('new-state', ['ls', '--snapshot', 'latest', '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    expect((JSON.parse(ls.stdout) as { path: string }[]).map((e) => e.path)).toContain('claude-code');

    // It takes over the old device, restores everything to its place, and backs up.
    const adopt = cairn('new-state', ['devices', 'adopt', oldDevice.deviceName]);
    expect(adopt.code, adopt.stderr).toBe(0);
    expect(adopt.stdout).toContain(`This machine is now device ${oldDevice.deviceName} (id ${oldDevice.deviceId})`);
    expect(adopt.stdout).toContain(`./cairn restore --snapshot ${notesSnapshot.id.slice(0, 8)} --original    (${notes}, `);
    rmSync(notes, { recursive: true });
    const restore = cairn('new-state', ['restore', '--snapshot', 'latest', '--original']);
    expect(restore.code, restore.stderr).toBe(0);
    const skip = (rel: string) => /(-wal|-shm)$/.test(rel) || /\.credentials\.json$|auth\.json$|secrets\.yaml$|oauth_creds\.json$|(^|\/)\.env$/.test(rel);
    // Every agent folder is back (SQLite databases are copied consistently, not byte for byte).
    expect(restore.stdout).toMatch(/claude-code\/config: \d+ files .* into .*\/home\/\.claude\n/);
    expect(restore.stdout).not.toMatch(/: 0 files/);
    expect(diffTrees(join(reference, '.claude'), join(home, '.claude'), { skip }).slice(0, 5), restore.stdout).toEqual([]);
    expect(diffTrees(join(reference, '.codex'), join(home, '.codex'), { skip: (rel) => skip(rel) || rel.endsWith('.sqlite') })).toEqual([]);
    // The folder named by hand, back in its place with the command adopt printed.
    const notesBack = cairn('new-state', ['restore', '--snapshot', notesSnapshot.id.slice(0, 8), '--original']);
    expect(notesBack.code, notesBack.stderr).toBe(0);
    expect(readFileSync(join(notes, 'todo.md'), 'utf8')).toBe('- the billing test\n');

    writeFileSync(join(home, '.claude', 'projects', '-home-alice-src-app', 'new-machine.jsonl'), '{"type":"user","message":"first words on the new machine"}\n');
    const next = cairn('new-state', ['backup', '--json']);
    expect(next.code, next.stderr).toBe(0);
    const after = snapshots('new-state');
    expect(after).toHaveLength(4);
    expect(new Set(after.map((s) => s.deviceId))).toEqual(new Set([oldDevice.deviceId]));
    // Its history goes on from the old machine's last backup, whatever its line.
    expect(after[3]?.parent).toBe(notesSnapshot.id);
    const devices = JSON.parse(cairn('new-state', ['devices', '--json']).stdout) as { id: string; isThisDevice: boolean }[];
    expect(devices).toEqual([expect.objectContaining({ id: oldDevice.deviceId, isThisDevice: true })]);

    // Again, over what now matches: no line for a place it wrote nothing into (it listed each agent folder, "0 files").
    const again = cairn('new-state', ['restore', '--snapshot', 'latest', '--original']);
    expect(again.code, again.stderr).toBe(0);
    // Databases too are as the snapshot has them, compared as their consistent copies: nothing is replaced.
    expect(again.stdout).toMatch(/Nothing to write: all \d+ file\(s\) of snapshot \w{8} are already in their places as the snapshot holds them/);
    expect(again.stdout).not.toContain('differ');
    expect(again.stdout).not.toMatch(/: 0 files/);

    // Two more machines with this host name: a fresh state folder's 'latest' is ambiguous, and says why and what to do.
    const other = join(base, 'other-data');
    mkdirSync(other);
    writeFileSync(join(other, 'x.txt'), 'x');
    expect(cairn('second-state', ['backup', other]).code).toBe(0);
    const ambiguous = cairn('third-state', ['ls', '--snapshot', 'latest']);
    expect(ambiguous.code).toBe(4);
    expect(ambiguous.stderr).toContain(`2 of them have this machine's host name (${hostname()})`);
    expect(ambiguous.stderr).toContain(`--device ${oldDevice.deviceId}`);
    expect(ambiguous.stderr).toContain("'cairn devices adopt ID'");

    // A machine that has backed up on its own can't take over another device's history.
    const refused = cairn('second-state', ['devices', 'adopt', oldDevice.deviceId]);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toContain('snapshot(s) of its own already');
  });
});

describe('a safety snapshot is not a backup', () => {
  it("is never 'latest', nor the next backup's parent", { timeout: 300_000 }, () => {
    const base = tempDir('cairn-safety-latest-');
    const home = join(base, 'home');
    const src = join(base, 'src');
    mkdirSync(home);
    mkdirSync(src);
    for (const n of [1, 2, 3]) writeFileSync(join(src, `f${n}.txt`), `file ${n}\n`);
    const cairn = (args: string[]) => {
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, CAIRN_STATE_DIR: join(base, 'state'), CAIRN_PASSPHRASE: 'safety test passphrase', CAIRN_THREADS: '1' };
      for (const name of ['CAIRN_REPO', 'CAIRN_RECOVERY_KEY']) delete env[name];
      const r = spawnSync(process.execPath, [CLI, ...args, '--repo', join(base, 'vault')], { env, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout + r.stderr;
    };
    cairn(['init']);
    cairn(['backup', src]);
    const [backup] = JSON.parse(cairn(['snapshots', '--json'])) as Snap[];
    // A restore over a changed copy takes a safety snapshot of the file it replaces.
    const copy = join(base, 'copy');
    cairn(['restore', '--snapshot', 'latest', '--target', copy]);
    writeFileSync(join(copy, 'src', 'f1.txt'), 'changed in the copy\n');
    const overwrite = cairn(['restore', '--snapshot', 'latest', '--target', copy, '--overwrite']);
    expect(overwrite).toMatch(/2 file\(s\) in \S+ already match the snapshot: left as they are\./);
    expect(overwrite).toMatch(/1 file\(s\) in \S+ differ from the snapshot and will be replaced: taking a safety snapshot of them first\./);
    const after = JSON.parse(cairn(['snapshots', '--json'])) as Snap[];
    expect(after.map((s) => s.reason)).toEqual(['cli', 'before-restore']);

    // 'latest' is still the backup: restored, it is the three files, not safety/copy/src/f1.txt.
    const again = join(base, 'again');
    cairn(['restore', '--snapshot', 'latest', '--target', again]);
    expect(readdirSync(again)).toEqual(['src']);
    expect(readdirSync(join(again, 'src')).sort()).toEqual(['f1.txt', 'f2.txt', 'f3.txt']);
    expect(readFileSync(join(again, 'src', 'f1.txt'), 'utf8')).toBe('file 1\n');
    // Nothing changed since the backup, whatever the safety snapshot held.
    expect(cairn(['backup', src])).toContain(`Nothing changed since snapshot ${backup?.id.slice(0, 8)}`);
  });
});

// `cairn check --repair`, as a user meets it: a pack deleted from a folder vault (by hand, or a
// bucket's lifecycle rule) left every later snapshot unable to restore the files whose data was in
// it, though they were still on the machine, and no backup ever stored them again. `check` now
// names the missing pack once and says what to run; `--repair` takes it out of the index; the next
// backup stores the data again, and its snapshot restores whole.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));

afterAll(() => removeTempDirs());

/** A home with nothing in it yet, a vault beside it, and the CLI run against both. */
function setUp(prefix: string) {
  const base = tempDir(prefix);
  const vault = join(base, 'vault');
  const home = join(base, 'home');
  mkdirSync(home);
  const env: NodeJS.ProcessEnv = { ...process.env, CAIRN_PASSPHRASE: 'repair test passphrase', CAIRN_THREADS: '1', HOME: base, CAIRN_STATE_DIR: join(base, 'state') };
  delete env.CAIRN_RECOVERY_KEY;
  const cairn = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args, '--repo', vault], { env, encoding: 'utf8', timeout: 300_000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  return { base, vault, home, env, cairn };
}

describe('cairn check --repair', () => {
  it('names a missing pack, takes it out of the index, and the next backup restores whole', () => {
    const { base, vault, home, cairn } = setUp('cairn-cli-repair-');
    const packs = () => new Set((readdirSync(join(vault, 'data'), { recursive: true }) as string[]).filter((p) => /[0-9a-f]{64}$/.test(p)));

    expect(cairn('init').code).toBe(0);
    writeFileSync(join(home, 'a.bin'), randomBytes(600 * 1024));
    expect(cairn('backup', home).code).toBe(0);
    const first = [...packs()];
    expect(first).toHaveLength(1);
    writeFileSync(join(home, 'b.bin'), randomBytes(600 * 1024));
    expect(cairn('backup', home).code).toBe(0);
    // a.bin's data goes; the second backup's pack (b.bin and the newest folder listings) stays.
    rmSync(join(vault, 'data', first[0] as string));
    expect(cairn('backup', home).out).toMatch(/Nothing changed|0 new, 0 changed/);
    const broken = cairn('restore', '--snapshot', 'latest', '--target', join(base, 'out-before'));
    expect(broken.code).toBe(5);
    expect(broken.out).toMatch(/1 file\(s\) or folder\(s\) could not be restored: .*a\.bin/);

    const refused = cairn('prune');
    expect(refused.code).toBe(5);
    expect(refused.out).toMatch(/nothing was pruned, for prune can't tell what that snapshot still needs\. Run 'cairn check'; if it names packs missing from storage, 'cairn check --repair'/);

    const check = cairn('check');
    expect(check.code).toBe(5);
    expect(check.out).toMatch(/lists pack [0-9a-f]{12}…, which is missing from storage \(\d+ blobs? in it\)\./);
    expect(check.out).toContain("1 pack the index lists is missing: every later backup relies on it and never stores that data again. Run 'cairn check --repair'");

    const repair = cairn('check', '--repair');
    expect(repair.out).toMatch(/Repaired: 1 missing pack \(\d+ blobs?\) taken out of the index\./);
    expect(repair.out).toContain('The repair above is done.');

    // The lost pack held the first snapshot's folder listings: recorded, so prune works again.
    expect(repair.out).toMatch(/\d+ lost folder listings? recorded, so prune works again\./);

    const again = cairn('backup', home);
    expect(again.code, again.out).toBe(0);
    const pruned = cairn('prune');
    expect(pruned.code, pruned.out).toBe(0);
    expect(pruned.out).toMatch(/snapshot\(s\) kept\.\n\d+ folder listings? the snapshots reach (was lost \(its|were lost \(their) pack missing, or (its|their) bytes damaged/);
    const out = join(base, 'out-after');
    const restored = cairn('restore', '--snapshot', 'latest', '--target', out);
    expect(restored.code, restored.out).toBe(0);
    const where = join(out, readdirSync(out)[0] as string);
    for (const name of ['a.bin', 'b.bin']) expect(readFileSync(join(where, name)).equals(readFileSync(join(home, name)))).toBe(true);
  });

  it('names a damaged blob found by reading the data, takes it out of the index, and the snapshot made before restores whole', () => {
    const { base, vault, home, env, cairn } = setUp('cairn-cli-repair-blob-');
    expect(cairn('init').code).toBe(0);
    writeFileSync(join(home, 'a.bin'), randomBytes(900 * 1024));
    expect(cairn('backup', home).code).toBe(0);
    const [pack] = (readdirSync(join(vault, 'data'), { recursive: true }) as string[]).filter((p) => /[0-9a-f]{64}$/.test(p));
    const file = join(vault, 'data', pack as string);
    const bytes = readFileSync(file);
    const at = Math.floor(bytes.length / 3);
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x40, at);
    writeFileSync(file, bytes);

    const before = cairn('restore', '--snapshot', 'latest', '--target', join(base, 'out-before'));
    expect(before.code).toBe(5);
    const check = cairn('check', '--read-data');
    expect(check.code).toBe(5);
    expect(check.out).toMatch(/is damaged: it does not hash to its id, and 1 of its \d+ blobs fails authentication/);
    expect(check.out).toContain("1 blob the index lists is damaged in its pack: every later backup relies on it and never stores that data again. Run 'cairn check --read-data --repair'");
    // A day's share of the packs at a time: only the part holding that pack finds it, and says how to repair from it.
    const parts = ['1/2', '2/2'].map((part) => ({ part, run: cairn('check', '--read-data-subset', part) }));
    expect(parts.map((p) => p.run.code).sort()).toEqual([0, 5]);
    const finding = parts.find((p) => p.run.code === 5);
    expect(finding?.run.out).toContain(`Run 'cairn check --read-data-subset ${finding?.part} --repair'`);
    expect(cairn('check', '--read-data-subset', '3/2').out).toContain("--read-data-subset takes a part of the packs as N/M, with 1 ≤ N ≤ M (say 3/30: the third thirtieth), or 'next' (the part after the last one read here, of 30), not '3/2'.");
    // `next`: the parts in turn, remembered on this device (a daily cron job reads all of it each month).
    const next = [1, 2].map(() => cairn('check', '--read-data-subset', 'next', '--json'));
    expect(next.map((n) => (JSON.parse(n.out.slice(0, n.out.lastIndexOf('}') + 1)) as { readDataSubset: unknown }).readDataSubset)).toEqual([{ part: 1, of: 30 }, { part: 2, of: 30 }]);
    // Without reading the data the repair can't know which blobs: it says how to find them.
    expect(cairn('check', '--repair').out).not.toContain('Repaired');
    const repair = cairn('check', '--read-data', '--repair');
    expect(repair.out).toContain('Repaired: 1 damaged blob taken out of the index.');

    expect(cairn('backup', home).code).toBe(0);
    // The first snapshot, made before the damage: the same data stored again has the same id.
    const [first] = JSON.parse(spawnSync(process.execPath, [CLI, 'snapshots', '--json', '--repo', vault], { env, encoding: 'utf8' }).stdout) as { id: string; time: string }[];
    const out = join(base, 'out-after');
    const restored = cairn('restore', '--snapshot', first?.id as string, '--target', out);
    expect(restored.code, restored.out).toBe(0);
    expect(readFileSync(join(out, readdirSync(out)[0] as string, 'a.bin')).equals(readFileSync(join(home, 'a.bin')))).toBe(true);
    const healed = cairn('check', '--read-data');
    expect(healed.code, healed.out).toBe(0);
    expect(healed.out).toMatch(/note: .* holds a damaged blob no index lists/);
  });

  it('backs up and restores past a damaged index file, and rebuilds the index from the packs', () => {
    const base = tempDir('cairn-cli-reindex-');
    const vault = join(base, 'vault');
    const home = join(base, 'home');
    mkdirSync(home);
    const env: NodeJS.ProcessEnv = { ...process.env, CAIRN_PASSPHRASE: 'repair test passphrase', CAIRN_THREADS: '1', HOME: base };
    delete env.CAIRN_RECOVERY_KEY;
    const cairn = (state: string, ...args: string[]) => {
      const r = spawnSync(process.execPath, [CLI, ...args, '--repo', vault], { env: { ...env, CAIRN_STATE_DIR: join(base, state) }, encoding: 'utf8', timeout: 300_000 });
      return { code: r.status, out: `${r.stdout}${r.stderr}` };
    };
    expect(cairn('a', 'init', '--device-name', 'first').code).toBe(0);
    writeFileSync(join(home, 'a.bin'), randomBytes(600 * 1024));
    expect(cairn('a', 'backup', home).code).toBe(0);
    const [index] = readdirSync(join(vault, 'index'));
    const bytes = readFileSync(join(vault, 'index', index as string));
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 1;
    writeFileSync(join(vault, 'index', index as string), bytes);

    // A device that hasn't read the index: it backs up (storing the data again), with a warning.
    const backup = cairn('b', 'backup', home);
    expect(backup.code, backup.out).toBe(0);
    expect(backup.out).toContain(`index/${index as string} is damaged and was left out`);
    const check = cairn('c', 'check');
    expect(check.code).toBe(5);
    expect(check.out).toContain("1 index file is damaged: backups store again the data it lists, and restores leave out the files that need it. Run 'cairn check --repair'");
    expect(cairn('c', 'check', '--repair').out).toMatch(/Rebuilt the index: 1 damaged index file replaced by what \d+ packs?('s own header says|' own headers say)\./);
    expect(cairn('c', 'check', '--read-data').out).toMatch(/^No problems/m);
    const out = join(base, 'out');
    const restored = cairn('d', 'restore', '--snapshot', 'latest', '--device', 'first', '--target', out);
    expect(readFileSync(join(out, readdirSync(out)[0] as string, 'a.bin')).equals(readFileSync(join(home, 'a.bin')))).toBe(true);
    expect(restored.code, restored.out).toBe(0);
  });
});

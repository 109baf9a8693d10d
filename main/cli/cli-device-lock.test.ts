// Two backups of one device at once on one machine — the app's scheduled sync and `cairn backup`
// from a cron job or a terminal share the state folder. Before, both continued the same backup
// (two snapshots with one parent and one seq) and both uploaded what had changed (measured with
// a 40 MB file: the vault held 81 MB). Now the second waits for the first and finds nothing changed.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir, TEST_PASSPHRASE } from '../../testing/repo.ts';
import { runCli } from '../../testing/cli.ts';

afterAll(removeTempDirs);

function bytesUnder(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  return total;
}

describe('two backups of one device at once', () => {
  it('the second waits for the first, says so, and finds nothing changed: one snapshot, the data stored once', async () => {
    const base = tempDir('cairn-cli-device-lock-');
    const vault = join(base, 'vault');
    const work = join(base, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'small.jsonl'), '{"turn":1}\n');
    const env = { ...process.env, CAIRN_PASSPHRASE: TEST_PASSPHRASE, CAIRN_STATE_DIR: join(base, 'state'), HOME: base, CAIRN_THREADS: '1' };
    const repo = ['--repo', vault, '--device-name', 'laptop'];
    expect((await runCli(['init', ...repo], env)).code).toBe(0);
    expect((await runCli(['backup', ...repo, work], env)).code).toBe(0);
    // 24 MB that doesn't compress: each run takes a while to read and upload it.
    writeFileSync(join(work, 'big.bin'), randomBytes(24 << 20));

    const runs = await Promise.all([runCli(['backup', ...repo, work], env), runCli(['backup', ...repo, work], env)]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const saved = runs.find((r) => /^Snapshot [0-9a-f]{8} saved\./m.test(r.stdout));
    const waited = runs.find((r) => r !== saved);
    const id = /^Snapshot ([0-9a-f]{8}) saved/m.exec(saved?.stdout ?? '')?.[1];
    expect(waited?.stderr).toMatch(/Another backup of this device is running on this machine \(cairn backup, process \d+\): waiting up to 120 s for it to finish/);
    expect(waited?.stdout).toMatch(new RegExp(`^Nothing changed since snapshot ${id}`, 'm'));

    const snapshots = JSON.parse((await runCli(['snapshots', ...repo, '--json'], env)).stdout) as { seq?: number }[];
    expect(snapshots).toHaveLength(2);
    // Stored once (plus the small file, trees and records).
    expect(bytesUnder(join(vault, 'data'))).toBeLessThan(26 << 20);
  }, 120_000);
});

// A restore onto a disk that fills up: a clear `disk_full` error, no temporary file left behind,
// and every file that was restored complete. Needs a small tmpfs, so it runs as root (as CI does)
// and says why it skips otherwise.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../../testing/agent-home.ts';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import type { Repository } from '../repository.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import { restore } from './index.ts';

const mountPoint = tempDir('cairn-full-');
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  mounted = true;
} catch (error) {
  process.stderr.write(`[restore-disk-full] skipping: can't mount a 1 MiB tmpfs (${(error as Error).message.split('\n')[0]}); run as root to test a full disk\n`);
}

let repo: Repository;
let home: string;

beforeAll(async () => {
  if (!mounted) return;
  ({ repo } = await initRepo(new MemoryBlobStore()));
  home = tempDir('cairn-full-home-');
  const r = rng(11);
  mkdirSync(join(home, 'small'));
  for (let i = 0; i < 20; i++) writeFileSync(join(home, 'small', `f${i}.json`), JSON.stringify({ i, text: 'x'.repeat(2000) }));
  // Incompressible and several chunks each: together far more than the 1 MiB disk.
  for (let i = 0; i < 4; i++) writeFileSync(join(home, `big-${i}.bin`), r.bytes(700 * 1024));
  await backupOf(repo, [{ label: 'home', path: home }]);
});

afterAll(async () => {
  await repo?.close();
  if (mounted) execFileSync('umount', [mountPoint]);
  removeTempDirs();
});

describe.skipIf(!mounted)('restore onto a full disk', () => {
  it('fails with disk_full, leaves no temporary file, and what it restored is complete', async () => {
    const snapshot = (await repo.listSnapshots())[0]!;
    const target = join(mountPoint, 'out');
    // One small read at a time, so that some files are finished before the disk fills.
    const error = await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot, target, concurrency: 1, maxRead: 256 * 1024 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'disk_full', message: expect.stringMatching(/disk is full/) });
    const left: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else left.push(relative(join(target, 'home'), p));
      }
    };
    walk(target);
    expect(left.filter((name) => name.includes('.cairn-'))).toEqual([]);
    expect(left.length).toBeGreaterThan(0);
    for (const name of left) expect(readFileSync(join(target, 'home', name)).equals(readFileSync(join(home, name))), name).toBe(true);
  });
});

// Overwriting with names that are not valid UTF-8 (stored as bytes, shown escaped): the plan
// sees such a file where it is, so it is compared, kept in the safety snapshot and replaced like
// any other, never replaced unseen.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { contextFromProcess } from './agents/index.ts';
import { executeRestore, planRestore } from './restore-request.ts';
import type { RestoreRequest } from './restore-request.ts';
import { MemoryBlobStore } from './storage/index.ts';

afterAll(() => removeTempDirs());

/** `dir` joined with a name made of `head`, the given bytes, then `tail`. */
const bytesPath = (dir: string, head: string, bytes: number[], tail: string) => Buffer.concat([Buffer.from(`${dir}/${head}`), Buffer.from(bytes), Buffer.from(tail)]);

describe('restoring over names that are not UTF-8', () => {
  it('a differing file is kept in the safety snapshot and replaced; a matching one is left alone', async () => {
    const { repo } = await initRepo(new MemoryBlobStore());
    try {
      const home = tempDir('cairn-raw-home-');
      writeFileSync(bytesPath(home, 'caf', [0xe9], '.txt'), 'the snapshot\n');
      writeFileSync(bytesPath(home, 'na', [0xef], 've.txt'), 'unchanged\n');
      writeFileSync(join(home, 'plain.txt'), 'plain\n');
      const backed = await backupOf(repo, [{ label: 'raw', path: home }]);
      const snapshot = await repo.findSnapshot(backed.snapshotId as string);
      const target = tempDir('cairn-raw-target-');
      const request: RestoreRequest = { snapshot, paths: [], destination: { kind: 'folder', path: target }, existing: 'overwrite' };
      const ctx = contextFromProcess({ home, env: {}, platform: 'linux' });
      await executeRestore(repo, request, await planRestore(repo, request), { ctx });
      const cafe = bytesPath(join(target, 'raw'), 'caf', [0xe9], '.txt');
      expect(readFileSync(cafe, 'utf8')).toBe('the snapshot\n');

      writeFileSync(cafe, 'edited here\n');
      const plan = await planRestore(repo, request);
      expect(plan.existing).toEqual([join(target, 'raw', 'caf\\xE9.txt')]);
      expect(plan.unchanged.sort()).toEqual([join(target, 'raw', 'na\\xEFve.txt'), join(target, 'raw', 'plain.txt')]);
      const done = await executeRestore(repo, request, plan, { ctx });
      expect(done).toMatchObject({ files: 1, overwritten: 1, unchanged: 2, kept: 0 });
      expect(readFileSync(cafe, 'utf8')).toBe('the snapshot\n');
      expect(readdirSync(join(target, 'raw'), { encoding: 'buffer' })).toHaveLength(3);
      // The safety snapshot holds what was replaced, under its exact name.
      const safety = await repo.findSnapshot(done.safetySnapshotId as string);
      const reader = repo.reader();
      const held: string[] = [];
      for await (const r of reader.walk({ path: '', entry: reader.rootEntry(safety) })) {
        if (r.entry.type === 'file') held.push(`${r.path} ${Buffer.from(await reader.readFile(r.entry)).toString('utf8').trim()}`);
      }
      expect(held).toEqual([expect.stringMatching(/caf\\xE9\.txt edited here$/)]);
    } finally {
      await repo.close();
    }
  });

  it('restoring into a folder whose name is not UTF-8 that is already there merges into it, keeping its other files', async () => {
    const { repo } = await initRepo(new MemoryBlobStore());
    try {
      const home = tempDir('cairn-raw-dir-');
      const dir = bytesPath(home, 'dir-', [0xff], '');
      mkdirSync(dir);
      writeFileSync(Buffer.concat([dir, Buffer.from('/inner.txt')]), 'inner\n');
      const backed = await backupOf(repo, [{ label: 'raw', path: home }]);
      const snapshot = await repo.findSnapshot(backed.snapshotId as string);
      const target = tempDir('cairn-raw-dir-target-');
      const ctx = contextFromProcess({ home, env: {}, platform: 'linux' });
      const there = bytesPath(join(target, 'raw'), 'dir-', [0xff], '');
      const inside = (name: string) => Buffer.concat([there, Buffer.from(`/${name}`)]);
      const run = async (existing: 'overwrite' | 'keep') => {
        const request: RestoreRequest = { snapshot, paths: [], destination: { kind: 'folder', path: target }, existing };
        return executeRestore(repo, request, await planRestore(repo, request), { ctx });
      };
      await run('overwrite');
      expect(readFileSync(inside('inner.txt'), 'utf8')).toBe('inner\n');
      // The folder is there, without the snapshot's file and with one of this machine's.
      rmSync(inside('inner.txt'));
      writeFileSync(inside('mine.txt'), 'mine\n');
      expect(await run('keep')).toMatchObject({ files: 1, kept: 0 });
      expect(readFileSync(inside('inner.txt'), 'utf8')).toBe('inner\n');
      expect(readFileSync(inside('mine.txt'), 'utf8')).toBe('mine\n');
      // Everything matches now: nothing is written, nothing refused, nothing moved.
      expect(await run('overwrite')).toMatchObject({ files: 0, unchanged: 1, overwritten: 0 });
      expect(readdirSync(join(target, 'raw'), { encoding: 'buffer' })).toEqual([Buffer.from([0x64, 0x69, 0x72, 0x2d, 0xff])]);
      expect(readdirSync(there).sort()).toEqual(['inner.txt', 'mine.txt']);
    } finally {
      await repo.close();
    }
  });
});

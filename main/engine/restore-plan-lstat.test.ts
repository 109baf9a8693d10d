// A restore plan looks for what is already where each file would land, with one lstat each, but
// not below a folder that isn't there (or is a file): a restore into a new folder makes none
// per file. What it finds must not change: a folder that is a link is looked through.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { planRestore } from './restore-request.ts';
import { MemoryBlobStore } from './storage/index.ts';

const looked = vi.hoisted(() => ({ paths: [] as string[] }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    lstat: (async (path: Parameters<typeof fs.lstat>[0], ...rest: unknown[]) => {
      looked.paths.push(String(path));
      return (fs.lstat as (...args: unknown[]) => unknown)(path, ...rest);
    }) as typeof fs.lstat,
  };
});

afterAll(() => removeTempDirs());

describe('a restore plan', () => {
  it('makes no lstat per file below a folder that is not on the disk, and finds the same files as before', async () => {
    const { repo } = await initRepo(new MemoryBlobStore());
    const home = tempDir('cairn-lstat-home-');
    for (const dir of ['a/b', 'c', 'd']) mkdirSync(join(home, dir), { recursive: true });
    for (const file of ['a/x', 'a/y', 'a/z', 'a/b/1', 'a/b/2', 'c/1', 'c/2', 'd/1']) writeFileSync(join(home, file), file);
    const backed = await backupOf(repo, [{ label: 'home', path: home }]);
    const snapshot = await repo.findSnapshot(backed.snapshotId as string);
    try {
      // Into a new folder: the folder itself, and nothing below it.
      const fresh = join(tempDir('cairn-lstat-new-'), 'restored');
      looked.paths = [];
      const plan = await planRestore(repo, { snapshot, paths: ['home'], destination: { kind: 'folder', path: fresh }, existing: 'refuse' });
      expect(plan.files).toBe(8);
      expect(plan.existing).toEqual([]);
      expect(looked.paths).toEqual([join(fresh, 'home')]);

      // Into a folder holding some of it: a/x is there, a/b is not.
      const target = tempDir('cairn-lstat-target-');
      mkdirSync(join(target, 'home', 'a'), { recursive: true });
      writeFileSync(join(target, 'home', 'a', 'x'), 'changed');
      looked.paths = [];
      const some = await planRestore(repo, { snapshot, paths: ['home'], destination: { kind: 'folder', path: target }, existing: 'refuse' });
      expect(some.existing).toEqual([join(target, 'home', 'a', 'x')]);
      expect(looked.paths.filter((p) => p.startsWith(join(target, 'home', 'a', 'b') + '/'))).toEqual([]);

      // c is a file where the snapshot has a folder: nothing can land in it, and the plan says so.
      writeFileSync(join(target, 'home', 'c'), 'a file where a folder was');
      await expect(planRestore(repo, { snapshot, paths: ['home'], destination: { kind: 'folder', path: target }, existing: 'refuse' })).rejects.toMatchObject({ code: 'config', message: expect.stringContaining(`${join(target, 'home', 'c')} is in the way`) });
    } finally {
      await repo.close();
    }
  });
});

// A restore plan looks for what is already where each file would land, with one lstat each, but
// not below a folder that isn't there (or is a file): a restore into a new folder makes none
// per file. What it finds must not change: a folder that is a link is looked through.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
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

      // Into a folder holding some of it: a/x is there, a/b is not, c is a file, d is a link.
      const target = tempDir('cairn-lstat-target-');
      const elsewhere = tempDir('cairn-lstat-elsewhere-');
      mkdirSync(join(target, 'home', 'a'), { recursive: true });
      writeFileSync(join(target, 'home', 'a', 'x'), 'changed');
      writeFileSync(join(target, 'home', 'c'), 'a file where a folder was');
      writeFileSync(join(elsewhere, '1'), 'through the link');
      symlinkSync(elsewhere, join(target, 'home', 'd'));
      looked.paths = [];
      const some = await planRestore(repo, { snapshot, paths: ['home'], destination: { kind: 'folder', path: target }, existing: 'refuse' });
      expect(some.existing.sort()).toEqual([join(target, 'home', 'a', 'x'), join(target, 'home', 'd', '1')]);
      const below = (dir: string) => looked.paths.filter((p) => p.startsWith(join(target, 'home', dir) + '/'));
      expect(below('a/b')).toEqual([]);
      expect(below('c')).toEqual([]);
      expect(new Set(below('d'))).toEqual(new Set([join(target, 'home', 'd', '1')]));
    } finally {
      await repo.close();
    }
  });
});

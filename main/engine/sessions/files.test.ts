import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { localFiles } from './files.ts';

afterAll(() => removeTempDirs());

describe('localFiles', () => {
  it('lists and reads the same on a worker thread (synchronous calls) as on the main thread', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'a', 'b', 'deep'), { recursive: true });
    writeFileSync(join(root, 'a', 'b', 'deep', 'x.json'), '{"x":1}');
    writeFileSync(join(root, 'a', 'b', 'c.json'), 'c');
    writeFileSync(join(root, 'a', 'd.json'), 'd');
    writeFileSync(join(root, 'e.json'), 'é');
    // Links are not followed, nor listed: a folder listed is the agent's own.
    symlinkSync(join(root, 'e.json'), join(root, 'a', 'link.json'));
    symlinkSync(join(root, 'a', 'b'), join(root, 'a', 'linked-folder'));
    const dirs = ['', '.', 'a', 'a/b', 'a/b/', 'missing', 'e.json'];
    const read = ['a/d.json', 'e.json', 'a/link.json', 'missing.json'];
    const files = localFiles(root);
    const lists = await Promise.all(dirs.map((d) => files.list(d)));
    expect(lists).toEqual([
      ['a/b/c.json', 'a/b/deep/x.json', 'a/d.json', 'e.json'],
      ['a/b/c.json', 'a/b/deep/x.json', 'a/d.json', 'e.json'],
      ['a/b/c.json', 'a/b/deep/x.json', 'a/d.json'],
      ['a/b/c.json', 'a/b/deep/x.json'],
      ['a/b/c.json', 'a/b/deep/x.json'],
      [],
      [],
    ]);
    const texts = await Promise.all(read.map(async (p) => files.read(p).then((b) => b.toString('utf8'), (e: NodeJS.ErrnoException) => `error ${e.code}`)));
    expect(texts).toEqual(['d', 'é', 'é', 'error ENOENT']);
    const worker = new Worker(new URL('../../../testing/files-in-worker.ts', import.meta.url), { workerData: { root, dirs, read } });
    const [there] = (await once(worker, 'message')) as [{ lists: string[][]; texts: string[] }];
    expect(there).toEqual({ lists, texts });
    await worker.terminate();
  });
});

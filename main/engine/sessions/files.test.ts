import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { streamedThrough } from '../../../testing/sessions.ts';
import { chunksOf, localFiles } from './files.ts';

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

  it('streams a file the same on a worker thread (synchronous reads) as on the main thread', async () => {
    const root = tempDir();
    const big = randomBytes(600 * 1024); // more than two of a worker's 256 KiB reads
    writeFileSync(join(root, 'big.jsonl'), big);
    writeFileSync(join(root, 'small.jsonl'), 'one line\n');
    writeFileSync(join(root, 'empty.jsonl'), '');
    const streams = [
      { path: 'big.jsonl', start: 0 },
      { path: 'big.jsonl', start: 262_144 },
      { path: 'big.jsonl', start: 600_000 },
      { path: 'small.jsonl', start: 3 },
      { path: 'empty.jsonl', start: 0 },
      { path: 'big.jsonl', start: 10_000_000 },
      { path: 'missing.jsonl', start: 0 },
    ];
    const files = localFiles(root);
    const here: string[] = [];
    for (const { path, start } of streams) here.push(await streamedThrough(files, path, start));
    expect(here[0]).toBe(`${big.toString('hex')} ${big.length}`);
    expect(here[3]).toBe(`${Buffer.from(' line\n').toString('hex')} 9`);
    expect(here[6]).toBe('error ENOENT');
    const worker = new Worker(new URL('../../../testing/files-in-worker.ts', import.meta.url), { workerData: { root, dirs: [], read: [], streams } });
    const [there] = (await once(worker, 'message')) as [{ streamed: string[] }];
    expect(there.streamed).toEqual(here);
    await worker.terminate();
  });

  it('reads in pieces, sized to what was read, and closes the file when the reader stops early', async () => {
    const root = tempDir();
    const bytes = randomBytes(256 * 1024 + 1000);
    const path = join(root, 'session.jsonl');
    writeFileSync(path, bytes);
    const pieces: Buffer[] = [];
    for await (const piece of chunksOf(path, 0)) pieces.push(piece);
    expect(pieces.map((p) => p.length)).toEqual([256 * 1024, 1000]);
    // The short read has a buffer of its own size, not a 256 KiB one kept alive behind it.
    expect(pieces[1]?.buffer.byteLength).toBe(1000);
    expect(Buffer.concat(pieces).equals(bytes)).toBe(true);

    // Open files counted where the system lists them (Linux): one while reading, none after.
    const fds = () => (process.platform === 'linux' ? readdirSync('/proc/self/fd').length : 0);
    const before = fds();
    for await (const piece of chunksOf(path, 0)) {
      expect(piece.length).toBe(256 * 1024);
      if (process.platform === 'linux') expect(fds()).toBe(before + 1);
      break;
    }
    expect(fds()).toBe(before);
    // Opened at the first read: a missing file fails there, with its code.
    const missing = chunksOf(join(root, 'missing.jsonl'), 0);
    await expect(missing.next()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

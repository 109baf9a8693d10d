import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEMP_MARK, writeFileAtomic, writeFileAtomicSync, writeJsonAtomic } from './atomic-file.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['writeFileAtomic', (file: string, data: string, mode?: number) => writeFileAtomic(file, data, mode === undefined ? {} : { mode })],
  ['writeFileAtomicSync', async (file: string, data: string, mode?: number) => writeFileAtomicSync(file, data, mode === undefined ? {} : { mode })],
])('%s', (_name, write) => {
  it('replaces the file whole, private by default, with the exact mode asked for despite the umask', async () => {
    const file = join(dir, 'config.json');
    await writeFile(file, 'old contents that are longer than the new ones');
    await write(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const previous = process.umask(0o077);
    try {
      await write(file, 'shared', 0o644);
    } finally {
      process.umask(previous);
    }
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(await readdir(dir)).toEqual(['config.json']);
  });

  it('leaves the target untouched and no temporary file when the rename fails', async () => {
    const target = join(dir, 'taken');
    await mkdir(join(target, 'inside'), { recursive: true }); // a non-empty folder can't be renamed over
    await expect(write(target, 'data')).rejects.toThrow();
    expect((await readdir(dir)).filter((n) => n.includes(TEMP_MARK))).toEqual([]);
    expect(await readdir(target)).toEqual(['inside']);
  });
});

describe('writeJsonAtomic', () => {
  it('writes pretty JSON with a final newline', async () => {
    const file = join(dir, 'device.json');
    writeJsonAtomic(file, { id: 'd1' });
    expect(await readFile(file, 'utf8')).toBe('{\n  "id": "d1"\n}\n');
  });
});

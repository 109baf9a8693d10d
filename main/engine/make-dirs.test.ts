// makeDirs: folders made with their parents, and a failure that says its real cause. The
// read-only case runs on a real read-only tmpfs, mounted in a private mount namespace of a child
// process (`unshare -m`: nothing outside the child sees it, and it goes when the child ends); it
// is skipped, saying why, where the namespace or the mount is not allowed.

import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { toErrorRecord } from '../../shared/errors.ts';
import { makeDirs, makeDirsSync } from './make-dirs.ts';

afterAll(() => removeTempDirs());

describe('makeDirs', () => {
  it('makes a folder and its missing parents, and accepts one that exists', async () => {
    const root = tempDir('cairn-makedirs-');
    await makeDirs(join(root, 'a', 'b', 'c'), 0o700);
    expect(statSync(join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(statSync(join(root, 'a')).mode & 0o777).toBe(0o700);
    await makeDirs(join(root, 'a', 'b', 'c'));
    makeDirsSync(join(root, 'a', 'b', 'd'));
    expect(statSync(join(root, 'a', 'b', 'd')).isDirectory()).toBe(true);
  });

  it('fails with ENOTDIR, said as such, when a file is in the way', async () => {
    const root = tempDir('cairn-makedirs-');
    writeFileSync(join(root, 'file'), 'x');
    const error = await makeDirs(join(root, 'file', 'sub', 'deeper')).then(() => undefined, (e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    expect(toErrorRecord(error)).toMatchObject({ code: 'config', message: expect.stringContaining('part of this path is a file, not a folder') });
  });

  it('fails with EROFS on a read-only file system, where Node says ENOENT ("does not exist")', () => {
    const root = tempDir('cairn-makedirs-ro-');
    mkdirSync(join(root, 'mnt'));
    const module = fileURLToPath(new URL('./make-dirs.ts', import.meta.url));
    const probe = [
      `import { mkdir } from 'node:fs/promises';`,
      `import { makeDirs, makeDirsSync } from ${JSON.stringify(module)};`,
      `const dir = process.argv[1] + '/agent/projects/-repo';`,
      `const code = (p) => p.then(() => 'made', (e) => e.code);`,
      `const sync = (() => { try { makeDirsSync(dir); return 'made'; } catch (e) { return e.code; } })();`,
      `console.log(JSON.stringify({ node: await code(mkdir(dir, { recursive: true })), makeDirs: await code(makeDirs(dir)), makeDirsSync: sync }));`,
    ].join('\n');
    const script = `mount -t tmpfs -o ro,size=64k cairn-test "$1" || exit 97; exec "$2" --experimental-strip-types --no-warnings --input-type=module -e "$3" "$1"`;
    const run = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', join(root, 'mnt'), process.execPath, probe], { encoding: 'utf8' });
    if (run.error || run.status === 97 || (run.status !== 0 && /unshare|Operation not permitted/.test(run.stderr))) {
      process.stdout.write(`[make-dirs] skipped: no read-only mount for this test here (${run.error?.message ?? run.stderr.trim().split('\n')[0]})\n`);
      return;
    }
    expect(run.stderr).toBe('');
    // What makeDirs is there for: Node's own recursive mkdir misreports the read-only disk.
    expect(JSON.parse(run.stdout)).toEqual({ node: 'ENOENT', makeDirs: 'EROFS', makeDirsSync: 'EROFS' });
  });
});

// openWalkedFile's look at what it opened (/proc/self/fd on Linux). A file deleted in the instant
// between the open and that look is named "<path> (deleted)" there: it vanished, which is not a
// warning (outcome.ts); it used to be reported as "a folder on its way was replaced by a link".

import { writeFileSync, statSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const race = vi.hoisted(() => ({ deleteOnLook: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readlinkSync = ((path: Parameters<typeof fs.readlinkSync>[0], options?: unknown) => {
    const out = (fs.readlinkSync as (...a: unknown[]) => string | Buffer)(path, options);
    // What Linux says of a descriptor whose file was deleted after it was opened.
    if (race.deleteOnLook && String(path).startsWith('/proc/self/fd/') && Buffer.isBuffer(out)) return Buffer.concat([out, Buffer.from(' (deleted)')]);
    return out;
  }) as typeof fs.readlinkSync;
  return { ...fs, readlinkSync, default: { ...fs, readlinkSync } };
});

const { openWalkedFile, SourceFileError } = await import('./source-file.ts');
const { closeSync } = await import('node:fs');
const { removeTempDirs, tempDir } = await import('../../../testing/repo.ts');

afterAll(() => removeTempDirs());

describe.skipIf(process.platform !== 'linux')('openWalkedFile', () => {
  it('says a file deleted between its open and the look at what was opened vanished', () => {
    const dir = realpathSync(tempDir('cairn-srcfile-'));
    const path = join(dir, 's.jsonl');
    writeFileSync(path, 'x\n');
    const st = statSync(path, { bigint: true });
    const expected = { dev: st.dev.toString(), ino: st.ino.toString(), realPath: Buffer.from(path) };
    closeSync(openWalkedFile(path, expected));
    race.deleteOnLook = true;
    try {
      const error = (() => {
        try {
          closeSync(openWalkedFile(path, expected));
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(SourceFileError);
      expect((error as InstanceType<typeof SourceFileError>).reason).toBe('vanished');
    } finally {
      race.deleteOnLook = false;
    }
  });
});

// A local folder Cairn is to write into (a restore target, its state folder): found out before any
// work starts whether it is a folder or can be made one, and whether Cairn may write it, so the
// user is told what to fix instead of meeting a raw EEXIST or ENOTDIR halfway through.

import { accessSync, constants, statSync } from 'node:fs';
import { readlink, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CairnError } from '../../shared/errors.ts';

const errnoOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/** Why Cairn can't write into the existing folder `dir`, or undefined when it can. */
export function unwritable(dir: string): string | undefined {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    const code = errnoOf(error);
    return code === 'EROFS' ? 'it is on a read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (error as Error).message;
  }
}

/** The nearest folder at or above `path` that exists; a file on the way throws `onFile`. */
export function nearestFolder(path: string, onFile: (file: string) => Error): string {
  let at = path;
  for (;;) {
    try {
      if (statSync(at).isDirectory()) return at;
      throw onFile(at);
    } catch (error) {
      if (error instanceof CairnError) throw error;
      const code = errnoOf(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      const up = dirname(at);
      if (up === at) return at;
      at = up;
    }
  }
}

/** Where `path` points when it is a link to a place that is not there (a dotfiles link to a disk not mounted now); else undefined. */
export async function danglingLinkTarget(path: string): Promise<string | undefined> {
  const target = await readlink(path).catch(() => undefined);
  return target !== undefined && !(await stat(path).then(() => true, () => false)) ? target : undefined;
}

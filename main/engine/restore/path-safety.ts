// Names in a snapshot come from storage: whoever holds the key could have written anything. A
// restore refuses names that would leave the target folder, and never writes through a symlink.

import { lstat, mkdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UnsafePathError } from '../../../shared/errors.ts';

/** Throws unless `name` is one plain path component. */
export function assertSafeName(name: string, where: string): void {
  const bad =
    name === '' ? 'an empty name'
    : name === '.' || name === '..' ? `the name '${name}'`
    : name.includes('\0') ? 'a NUL character'
    : name.includes('/') || name.includes('\\') ? 'a path separator'
    : /^[a-zA-Z]:/.test(name) ? 'a drive letter'
    : undefined;
  if (bad) {
    throw new UnsafePathError(`Refusing to restore ${JSON.stringify(where)}: the snapshot entry has ${bad}, which could write outside the target folder. The snapshot may have been tampered with.`);
  }
}

/** True when `child` is `root` or inside it. */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Throws unless the symlink at `linkPath` pointing at `target` stays inside `root`. */
export function assertSafeSymlink(root: string, linkPath: string, target: string): void {
  if (target.includes('\0')) throw new UnsafePathError(`Refusing to restore the symlink ${linkPath}: its target contains a NUL character.`);
  if (isAbsolute(target) || /^[a-zA-Z]:[\\/]/.test(target)) {
    throw new UnsafePathError(`Refusing to restore the symlink ${linkPath} -> ${target}: an absolute target could point outside the restore folder.`);
  }
  const resolved = resolve(linkPath, '..', target);
  if (!isInside(root, resolved)) {
    throw new UnsafePathError(`Refusing to restore the symlink ${linkPath} -> ${target}: it would point outside the restore folder ${root}.`);
  }
}

/**
 * Creates `root/parts…` folder by folder, refusing to descend through an existing symlink or
 * non-folder, so a link planted in the target can't redirect the restore elsewhere.
 */
export async function mkdirInside(root: string, parts: readonly string[]): Promise<string> {
  let current = root;
  for (const part of parts) {
    current = join(current, part);
    const st = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!st) {
      await mkdir(current).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      const again = await lstat(current);
      if (!again.isDirectory()) throw new UnsafePathError(`Refusing to restore into ${current}: it is not a folder.`);
    } else if (st.isSymbolicLink()) {
      throw new UnsafePathError(`Refusing to restore into ${current}: it is a symbolic link, and following it could write outside ${root}.`);
    } else if (!st.isDirectory()) {
      throw new UnsafePathError(`Refusing to restore into ${current}: a file with that name is in the way.`);
    }
  }
  return current;
}

// Names in a snapshot come from storage: whoever holds the key could have written anything. A
// restore refuses names that would leave the target folder, and never writes through a symlink.

import { lstat, mkdir } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ConfigError, UnsafePathError } from '../../../shared/errors.ts';

/**
 * Throws unless `name` is one plain path component: not empty, `.` or `..`, and without `/` or
 * NUL, which no POSIX name can hold. Everything else a POSIX file system allows (a backslash, a
 * colon) is a legal name where it was backed up; on Windows, see restoredName.
 */
export function assertSafeName(name: string, where: string): void {
  const bad =
    name === '' ? 'an empty name'
    : name === '.' || name === '..' ? `the name '${name}'`
    : name.includes('\0') ? 'a NUL character'
    : name.includes('/') ? 'a path separator'
    : undefined;
  if (bad) {
    throw new UnsafePathError(`Refusing to restore ${JSON.stringify(where)}: the snapshot entry has ${bad}, which could write outside the target folder. The snapshot may have been tampered with.`);
  }
}

/** Characters Windows refuses in a name, and what a restore there writes instead (their full-width forms). */
const WINDOWS_MAP: Record<string, string> = { '\\': '\uFF3C', ':': '\uFF1A', '*': '\uFF0A', '?': '\uFF1F', '"': '\uFF02', '<': '\uFF1C', '>': '\uFF1E', '|': '\uFF5C' };

/**
 * The name a restore writes on `platform` for a (safe) snapshot name: itself, except on Windows,
 * where characters it refuses — a backslash from a Linux or macOS name, `:`, `*`, `?`, `"`, `<`,
 * `>`, `|`, control characters — become their full-width look-alikes (control characters U+FFFD),
 * and a trailing dot or space gets a U+FF3F after it; so does the stem of a device's name
 * (`con.txt`, `NUL`, `com1.log`: written as they are, their bytes go to the device, not a file).
 * The restore reports every mapped name.
 */
export function restoredName(name: string, platform: NodeJS.Platform = process.platform): string {
  if (platform !== 'win32') return name;
  // eslint-disable-next-line no-control-regex -- control characters are what is being replaced
  let mapped = name.replace(/[\\:*?"<>|]/g, (c) => WINDOWS_MAP[c] ?? c).replace(/[\u0000-\u001f]/g, '\uFFFD');
  if (/[. ]$/.test(mapped)) mapped += '\uFF3F';
  const device = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i.exec(mapped);
  if (device) mapped = `${device[1]}\uFF3F${mapped.slice((device[1] as string).length)}`;
  return mapped;
}

/** True when `child` is `root` or inside it. */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Throws unless `target` can be the text of a symbolic link. A link is restored as a link, where
 * it points (absolute or outside the restore folder included): it is data, like a file's bytes.
 * What keeps a restore inside its target is that it never writes *through* a link (mkdirInside,
 * files renamed over their place, links created after every file).
 */
export function assertSafeSymlink(linkPath: string, target: string): void {
  if (target.includes('\0')) throw new UnsafePathError(`Refusing to restore the symlink ${linkPath}: its target contains a NUL character.`);
  if (target === '') throw new UnsafePathError(`Refusing to restore the symlink ${linkPath}: its target is empty.`);
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
      throw new ConfigError(`Nothing was restored: ${current} is in the way, where the snapshot has a folder. Move or rename it, or restore into another folder.`);
    }
  }
  return current;
}

// `mkdir -p` that says why it failed. Node's recursive mkdir reports ENOENT ("no such file or
// directory") when the real cause is a read-only file system (measured on Linux with Node 22),
// so a pull into a read-only agent folder said "… does not exist". On ENOENT the missing folders
// are made one by one, which fails with the real error (EROFS, EACCES, ENOTDIR, ENOSPC).

import { lstatSync, mkdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/** Creates `path` and its missing parents; a failure carries its real cause. */
export async function makeDirs(path: string, mode?: number): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode });
    return;
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw error;
  }
  for (const dir of missingFolders(path)) {
    await mkdir(dir, { mode }).catch((error: unknown) => {
      if (codeOf(error) !== 'EEXIST') throw error;
    });
  }
}

/** makeDirs for the places that must stay synchronous (opening the state folder and database). */
export function makeDirsSync(path: string, mode?: number): void {
  try {
    mkdirSync(path, { recursive: true, mode });
    return;
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw error;
  }
  for (const dir of missingFolders(path)) {
    try {
      mkdirSync(dir, { mode });
    } catch (error) {
      if (codeOf(error) !== 'EEXIST') throw error;
    }
  }
}

/** `path` and those of its parents that don't exist, outermost first (only on the error path). */
function missingFolders(path: string): string[] {
  const missing: string[] = [];
  for (let p = path; dirname(p) !== p; p = dirname(p)) {
    try {
      lstatSync(p);
      break;
    } catch {
      missing.unshift(p);
    }
  }
  return missing;
}

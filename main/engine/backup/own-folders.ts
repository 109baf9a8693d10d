// Cairn's own folders are never backed up: its state folder, and a folder vault. Inside a folder
// being backed up (`cairn backup ~` with the default vault in the home, a folder vault chosen
// inside an agent's folder) they were: every backup stored the packs the one before it wrote, so
// no backup ever found "nothing changed" and the vault grew by the last upload on every run.

import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { literalGlob } from './rules.ts';
import type { BackupSource } from './source.ts';

/** A path with its links resolved, as far as it exists (the rest appended as given). */
function real(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return resolve(path);
  }
}


/**
 * `sources`, each with the folders of `own` that lie inside it excluded (by their path relative to
 * it, links resolved on both sides). A source that is one of them, or inside one, is left as it is.
 */
export function leaveOutOwnFolders(sources: readonly BackupSource[], own: readonly string[]): BackupSource[] {
  const folders = own.map(real);
  return sources.map((source) => {
    const base = real(source.path);
    const inside = folders.map((f) => relative(base, f)).filter((rel) => rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
    if (inside.length === 0) return source;
    return { ...source, exclude: [...(source.exclude ?? []), ...inside.map((rel) => literalGlob(rel.split(sep).join('/')))] };
  });
}

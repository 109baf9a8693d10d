// Cairn's own folders are never backed up: its state folder, and a folder vault. Inside a folder
// being backed up (`cairn backup ~` with the default vault in the home, a folder vault chosen
// inside an agent's folder) they were: every backup stored the packs the one before it wrote, so
// no backup ever found "nothing changed" and the vault grew by the last upload on every run.

import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../../../shared/errors.ts';
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

const isWithin = (rel: string) => rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);

/**
 * `sources`, each with the folders of `own` that lie inside it excluded (by their path relative to
 * it, links resolved on both sides). A source that is one of them, or inside one, is left as it
 * is — but one that is the folder vault `vault`, or inside it, is refused: it would back the
 * vault up into itself.
 */
export function leaveOutOwnFolders(sources: readonly BackupSource[], own: readonly string[], vault?: string): BackupSource[] {
  const folders = own.map(real);
  const vaultDir = vault === undefined ? undefined : real(vault);
  return sources.map((source) => {
    const base = real(source.path);
    if (vaultDir !== undefined && isWithin(relative(vaultDir, base))) {
      throw new ConfigError(`${source.path} is ${base === vaultDir ? '' : 'inside '}this vault's folder (${vault}): backing it up would store the vault in itself, again on every backup. Back up the agents' folders (or your own), not the vault.`);
    }
    const inside = folders.map((f) => relative(base, f)).filter((rel) => rel !== '' && isWithin(rel));
    if (inside.length === 0) return source;
    return { ...source, exclude: [...(source.exclude ?? []), ...inside.map((rel) => literalGlob(rel.split(sep).join('/')))] };
  });
}

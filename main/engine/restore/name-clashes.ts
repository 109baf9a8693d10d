// A snapshot made on Linux can hold names a Mac or Windows folder can't hold side by side:
// `README.md` and `readme.md`, or `café` composed and decomposed. Restored there as they are, the
// second file is written over the first. A restore gives every later one of such names a name of
// its own (`README (case conflict).md`, as Dropbox names them) and reports it (RestoreResult.renamed).

import { randomBytes } from 'node:crypto';
import { lstat, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TreeEntry } from '../vault/index.ts';
import { restoredName } from './path-safety.ts';

/** Which differences between two names the file system where a restore writes ignores. */
export interface NameFolding {
  /** `README.md` and `readme.md` are one name (macOS's and Windows' default). */
  case: boolean;
  /** A name's composed and decomposed Unicode forms are one name (macOS). */
  unicode: boolean;
}

/** The loosest key any file system folds names to: two names with different loose keys never clash. */
const looseKey = (name: string): string => name.normalize('NFC').toLowerCase();

function foldedKey(name: string, folding: NameFolding): string {
  const composed = folding.unicode ? name.normalize('NFC') : name;
  return folding.case ? composed.toLowerCase() : composed;
}

/** What makes two names one: their case, their Unicode form, or nothing (a name mapped for Windows equal to another, see restoredName). */
export type ConflictKind = 'case' | 'Unicode' | 'name';

/** The longest name (in UTF-8 bytes) the file systems a restore writes to hold. */
const NAME_MAX = 255;

/**
 * `README.md` → `README (case conflict).md`; a folder or a name without an extension gets it at
 * its end. A name that would be longer than a file system holds loses characters from its stem.
 */
export function conflictName(name: string, why: ConflictKind, n: number, isDir: boolean): string {
  const tag = ` (${why} conflict${n > 1 ? ` ${n}` : ''})`;
  const dot = isDir ? -1 : name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot) : '';
  let stem = dot > 0 ? name.slice(0, dot) : name;
  const room = NAME_MAX - Buffer.byteLength(tag + ext);
  // Whole characters only: a code point cut in half is not a name.
  while (Buffer.byteLength(stem) > room && stem.length > 0) stem = [...stem].slice(0, -1).join('');
  return `${stem}${tag}${ext}`;
}

const exists = (path: string) => lstat(path).then(() => true, () => false);

/**
 * How the file system holding `target` (or its nearest existing folder) compares names, found by
 * creating one empty file there and looking it up by its other case and its decomposed form.
 * Where no file can be created (a read-only or foreign folder), the platform's default.
 */
export async function probeNameFolding(target: string, platform: NodeJS.Platform = process.platform): Promise<NameFolding> {
  let dir = target;
  // Followed: a folder reached through a symlink (a dotfile folder kept on another disk) is on that disk.
  while (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // The restore's temporary-file pattern: a restore killed mid-probe leaves it to be swept.
  const id = randomBytes(4).toString('hex');
  const probe = join(dir, `.case-probe-\u00e4.cairn-${id}.tmp`);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch {
    return { case: platform === 'darwin' || platform === 'win32', unicode: platform === 'darwin' };
  }
  try {
    return {
      case: await exists(join(dir, `.CASE-PROBE-\u00e4.cairn-${id}.tmp`)),
      unicode: await exists(join(dir, `.case-probe-a\u0308.cairn-${id}.tmp`)),
    };
  } finally {
    await rm(probe, { force: true });
  }
}

/**
 * The names placed in each folder of a restore. `place` returns the name an entry is written
 * under: its own, or — when the folder already holds a name the file system takes for the same —
 * a conflict name free in that folder. The file system is probed once, on the first possible
 * clash (names equal but for case or Unicode form), so a restore without one never probes.
 */
export class NameClashes {
  /** By folder and loose key (`dir\0key`): the names placed under it, and their snapshot paths. */
  private readonly placed = new Map<string, { name: string; where: string }[]>();
  private folding?: Promise<NameFolding>;
  private readonly probe: () => Promise<NameFolding>;

  constructor(probe: () => Promise<NameFolding>) {
    this.probe = probe;
  }

  async place(dir: string, name: string, where: string, isDir: boolean): Promise<string> {
    const first = `${dir}\0${looseKey(name)}`;
    // Nearly always: the first name of its kind in its folder.
    if (!this.placed.has(first)) {
      this.placed.set(first, [{ name, where }]);
      return name;
    }
    const under = (candidate: string) => this.placed.get(`${dir}\0${looseKey(candidate)}`) ?? [];
    const others = under(name).filter((o) => o.where !== where);
    let chosen = name;
    if (others.length > 0) {
      const folding = await (this.folding ??= this.probe());
      const clashes = (candidate: string) => under(candidate).some((o) => o.where !== where && foldedKey(o.name, folding) === foldedKey(candidate, folding));
      if (clashes(name)) {
        const why: ConflictKind = others.some((o) => o.name === name) ? 'name' : others.some((o) => o.name.normalize('NFC') !== name.normalize('NFC')) ? 'case' : 'Unicode';
        let n = 1;
        while (clashes((chosen = conflictName(name, why, n, isDir)))) n++;
      }
    }
    const key = `${dir}\0${looseKey(chosen)}`;
    const list = this.placed.get(key);
    if (!list) this.placed.set(key, [{ name: chosen, where }]);
    else if (!list.some((o) => o.where === where)) list.push({ name: chosen, where });
    return chosen;
  }

  /**
   * For a sync, which can't give a file a name of its own (the agent would not find it, and the
   * next backup would carry it to every device): the earlier entry whose place here `name` in
   * `dir` is, by the file system's folding — then this one is not placed — or undefined.
   * Entries with the very same name (two of another device's folders mapped to one here) are not
   * a clash: they share the place, as before.
   */
  async claim(dir: string, name: string, where: string): Promise<{ name: string; where: string } | undefined> {
    const key = `${dir}\0${looseKey(name)}`;
    const list = this.placed.get(key);
    if (!list) {
      this.placed.set(key, [{ name, where }]);
      return undefined;
    }
    const others = list.filter((o) => o.where !== where && o.name !== name);
    if (others.length > 0) {
      const folding = await (this.folding ??= this.probe());
      const earlier = others.find((o) => foldedKey(o.name, folding) === foldedKey(name, folding));
      if (earlier) return earlier;
    }
    if (!list.some((o) => o.where === where)) list.push({ name, where });
    return undefined;
  }
}

/**
 * A restore's renaming of another device's names to this machine's (path mappings: its project
 * folder `-home-alice-app` is `-Users-bob-app` here); a name that isn't UTF-8 is kept.
 */
export type MapName = (name: string) => string;

/** The name an entry is meant to have here: the snapshot's, mapped (MapName). */
export function intendedName(entry: Pick<TreeEntry, 'name' | 'rawName'>, mapName: MapName | undefined): string {
  return mapName && entry.rawName === undefined ? mapName(entry.name) : entry.name;
}

/**
 * The name each entry of a restore into `target` is written under, in the folder it lands in
 * (its path there given): the snapshot's (mapped: intendedName), but on Windows (restoredName) or
 * where it clashes (NameClashes). The plan and the restore each ask it, entries in the same order,
 * and so look at and write the same places.
 */
export function restoreNamer(target: string, platform: NodeJS.Platform, folding?: NameFolding, mapName?: MapName): (dir: string, entry: Pick<TreeEntry, 'name' | 'type' | 'rawName'>, where: string) => Promise<string> {
  const clashes = new NameClashes(async () => folding ?? (await probeNameFolding(target, platform)));
  return (dir, entry, where) => clashes.place(dir, restoredName(intendedName(entry, mapName), platform), where, entry.type === 'dir');
}

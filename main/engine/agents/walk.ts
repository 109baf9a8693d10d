// The walker every reader of a source shares (detection, tests, the backup engine): yields the
// files a backup of the source would contain, one at a time, applying include / exclude /
// secret / always-excluded rules. It never follows a symbolic link, so it cannot leave the root.

import { lstat, readdir } from 'node:fs/promises';
import { Stats } from 'node:fs';
import { basename, join } from 'node:path';
import type { BackupSource } from '../backup/index.ts';
import { compileRules } from '../backup/index.ts';
import type { FileClass } from '../backup/index.ts';

export interface IncludedFile {
  /** Path relative to the source, `/`-separated (the file's name for a single-file source). */
  relPath: string;
  absPath: string;
  /** From lstat: size, mtime, ino, ctime for change detection. */
  stat: Stats;
  /** A SQLite database: copy it with `copySqliteConsistent`, never as bytes. */
  sqlite: boolean;
}

export type SkipReason = Exclude<FileClass, 'included' | 'not-included'> | 'symlink' | 'unreadable' | 'special';

export interface WalkOptions {
  /** Told about every file or folder left out for a reason worth counting (secrets, errors). */
  onSkip?: (relPath: string, reason: SkipReason) => void;
  signal?: AbortSignal;
}

/** How many files of one folder are stat'ed at once. */
const STAT_BATCH = 64;

type WalkSource = Pick<BackupSource, 'path' | 'include' | 'exclude' | 'secrets' | 'sqlite'> & { maxDepth?: number };

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Streams the files of `source` that a backup includes. A missing root yields nothing. Folders
 * are read in name order, files before subfolders, so the output is deterministic.
 */
export async function* listIncludedFiles(source: WalkSource, options: WalkOptions = {}): AsyncGenerator<IncludedFile> {
  const rules = compileRules(source);
  const { onSkip, signal } = options;
  let rootStat: Stats;
  try {
    rootStat = await lstat(source.path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return;
    throw error;
  }
  if (rootStat.isSymbolicLink()) {
    onSkip?.('', 'symlink');
    return;
  }
  if (rootStat.isFile()) {
    const relPath = basename(source.path);
    const cls = rules.classify(relPath);
    if (cls === 'included') yield { relPath, absPath: source.path, stat: rootStat, sqlite: rules.isSqlite(relPath) };
    else if (cls !== 'not-included') onSkip?.(relPath, cls);
    return;
  }
  if (!rootStat.isDirectory()) return;

  const maxDepth = source.maxDepth ?? Number.POSITIVE_INFINITY;
  // Depth-first with an explicit stack: deep trees can't overflow the call stack.
  const stack: Array<{ rel: string; depth: number }> = [{ rel: '', depth: 0 }];
  while (stack.length > 0) {
    signal?.throwIfAborted();
    const { rel, depth } = stack.pop() as { rel: string; depth: number };
    const dirAbs = rel === '' ? source.path : join(source.path, ...rel.split('/'));
    let entries;
    try {
      entries = await readdir(dirAbs, { withFileTypes: true });
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') onSkip?.(rel, 'unreadable');
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    const files: Array<{ rel: string; abs: string }> = [];
    for (const entry of entries) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isSymbolicLink()) {
        onSkip?.(childRel, 'symlink');
        continue;
      }
      if (entry.isDirectory()) {
        if (depth + 1 > maxDepth) continue;
        const why = rules.skipDir(childRel);
        if (why === 'secret' || why === 'excluded') onSkip?.(childRel, why);
        if (why === undefined) subdirs.push(childRel);
        continue;
      }
      if (!entry.isFile()) {
        onSkip?.(childRel, 'special');
        continue;
      }
      const cls = rules.classify(childRel);
      if (cls === 'included') files.push({ rel: childRel, abs: join(dirAbs, entry.name) });
      else if (cls !== 'not-included') onSkip?.(childRel, cls);
    }
    // Stat a folder's files concurrently, in bounded batches, and yield them in name order.
    for (let start = 0; start < files.length; start += STAT_BATCH) {
      const batch = files.slice(start, start + STAT_BATCH);
      const stats = await Promise.all(batch.map((f) => lstat(f.abs).catch((error: unknown) => error)));
      for (let i = 0; i < batch.length; i++) {
        const file = batch[i] as { rel: string; abs: string };
        const stat = stats[i];
        if (!(stat instanceof Stats)) {
          if (errnoOf(stat) !== 'ENOENT') onSkip?.(file.rel, 'unreadable');
          continue;
        }
        // Replaced by a link or a folder since readdir: left to the next backup.
        if (!stat.isFile()) continue;
        yield { relPath: file.rel, absPath: file.abs, stat, sqlite: rules.isSqlite(file.rel) };
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push({ rel: subdirs[i] as string, depth: depth + 1 });
  }
}

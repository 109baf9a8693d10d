// The roots of a backup, looked at before anything is read, and what a walked file must still be
// when it is read. A PATH the user named that doesn't exist, loops or can't be read is an error
// (not an empty snapshot); an adapter's root that vanished since it was listed is a warning.

import { lstatSync, realpathSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { danglingLinkTarget } from '../local-folder.ts';
import type { BigIntStats } from 'node:fs';
import { CairnError, ConfigError, NotFoundError } from '../../../shared/errors.ts';
import type { BackupWarningReason } from '../../../shared/models.ts';
import { SourceFileError, sourceFileErrorOf } from '../workers/index.ts';
import type { ExpectedFile } from '../workers/index.ts';
import type { BackupSource } from './source.ts';

export interface CheckedRoot extends BackupSource {
  isDirectory: boolean;
  /** The root's path with every link resolved (Linux only: see ExpectedFile.realPath). */
  real?: string;
}

/**
 * Stats every source's root. Returns the roots to walk, in order; reports an optional root that
 * is gone or unreadable through `onSkip`; throws for a required one, and for duplicate labels.
 */
export async function checkRoots(sources: readonly BackupSource[], onSkip: (path: string, reason: BackupWarningReason, message: string) => void, platform: NodeJS.Platform = process.platform): Promise<CheckedRoot[]> {
  const labels = new Set<string>();
  for (const source of sources) {
    if (labels.has(source.label)) throw new ConfigError(`Two backup sources share the label '${source.label}'.`);
    labels.add(source.label);
  }
  const checked = await Promise.all(
    sources.map(async (source): Promise<CheckedRoot | undefined> => {
      let isDirectory: boolean;
      try {
        const st = await stat(source.path);
        if (!st.isDirectory() && !st.isFile()) {
          if (source.required) throw new ConfigError(`${source.path} is not a file or a folder (a FIFO, socket or device has nothing to back up). Name a file or a folder.`);
          return undefined;
        }
        isDirectory = st.isDirectory();
      } catch (error) {
        if (error instanceof CairnError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        if (source.required) {
          if (code === 'ENOENT') throw new NotFoundError(`${source.path} does not exist. Check the path, or leave it out.`, { cause: error });
          if (code === 'ELOOP') throw new ConfigError(`${source.path} is a loop of symbolic links: it leads nowhere. Fix the link, or name the folder it should point to.`, { cause: error });
          if (code === 'ENOTDIR') throw new NotFoundError(`${source.path} does not exist: a part of it is a file, not a folder.`, { cause: error });
          if (code === 'EACCES' || code === 'EPERM') throw new ConfigError(`${source.path} can't be read: permission denied. Check its permissions, or leave it out.`, { cause: error });
          throw error;
        }
        const skipped = sourceFileErrorOf(source.path, error);
        if (!skipped) throw error;
        // A link to a place that is not there (a dotfiles link to a disk not mounted now): it did
        // not vanish during the backup, as the message for ENOENT says.
        const target = code === 'ENOENT' ? await danglingLinkTarget(source.path) : undefined;
        onSkip(source.path, skipped.reason, target === undefined ? skipped.message : `${source.path} is a link to ${target}, which is not there: it is left out of this backup. Make the link's target available (mount its disk), or remove the link.`);
        return undefined;
      }
      let real: string | undefined;
      if (platform === 'linux') {
        try {
          real = realpathSync(source.path);
        } catch {
          real = undefined; // gone again: its files fail to open and are reported one by one
        }
      }
      return { ...source, isDirectory, ...(real !== undefined ? { real } : {}) };
    }),
  );
  return checked.filter((r): r is CheckedRoot => r !== undefined);
}

/** What reading `rel` (a path below `root`, or the root's own name for a file root) must find. */
export function walkedFile(root: CheckedRoot, rel: string | Buffer, st: BigIntStats): ExpectedFile {
  const expected: ExpectedFile = { dev: st.dev.toString(), ino: st.ino.toString() };
  if (root.real !== undefined) {
    expected.realPath = root.isDirectory ? Buffer.concat([Buffer.from(`${root.real === '/' ? '' : root.real}/`), typeof rel === 'string' ? Buffer.from(rel) : rel]) : Buffer.from(root.real);
  }
  return expected;
}

/**
 * For reads by path that can't use openWalkedFile (SQLite opens its database itself): throws a
 * SourceFileError unless `abs` is still the regular file that was walked.
 */
export function sameAsWalked(abs: string, expected: ExpectedFile): void {
  let st: BigIntStats;
  try {
    st = lstatSync(abs, { bigint: true });
  } catch (error) {
    throw sourceFileErrorOf(abs, error) ?? error;
  }
  if (!st.isFile() || st.dev.toString() !== expected.dev || st.ino.toString() !== expected.ino) {
    throw new SourceFileError('changed', `${abs} was replaced while it was read; what was read is not in the snapshot. The next backup tries again.`);
  }
}

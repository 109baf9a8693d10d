// What a backup run reports besides its snapshot: the stats, the files it left out with a warning
// and the files it kept on this machine (credentials). The savers and the walk add to one of these.

import { CairnError } from '../../../shared/errors.ts';
import type { BackupWarning, BackupWarningReason, SnapshotStats } from '../../../shared/models.ts';
import { shortPath } from '../../../shared/format.ts';
import { showPath, SourceFileError, sourceFileErrorOf } from '../workers/index.ts';
import type { FsPath } from '../workers/index.ts';

/** A file that stayed on this machine because it holds (or may hold) a credential. */
export interface KeptLocal {
  /** `<root label>/<path in the root>`, as in the snapshot's tree. */
  path: string;
  why: string;
}

/**
 * A file uploaded without the credentials it held: keys removed from a JSON file, or rows deleted
 * (or emptied) from a database's copy. A restore brings it back without them.
 */
export interface Scrubbed {
  /** `<root label>/<path in the root>`, as in the snapshot's tree. */
  path: string;
  why: string;
  /** What was taken out: a JSON file's keys as dotted paths, a database's tables (names only). */
  removed: string[];
}

export function emptyStats(): SnapshotStats {
  return { files: 0, dirs: 0, bytes: 0, newBytes: 0, uploadedBytes: 0, newFiles: 0, changedFiles: 0, unchangedFiles: 0, secretsSkipped: 0, durationMs: 0 };
}

export class BackupOutcome {
  readonly stats: SnapshotStats = emptyStats();
  readonly warnings: BackupWarning[] = [];
  readonly keptLocal: KeptLocal[] = [];
  /** Files uploaded without their credentials (see Scrubbed). */
  readonly scrubbed: Scrubbed[] = [];
  /**
   * Links to folders, kept as links (Cairn never follows a link in a tree): what they hold is not
   * in the snapshot. A `~/.claude/projects` moved to another disk and linked back held every
   * session, and the backup said nothing (measured: 0 files, "Snapshot saved").
   */
  readonly linkedFolders: { path: string; target: string }[] = [];
  private readonly onWarning: ((warning: BackupWarning) => void) | undefined;

  constructor(onWarning?: (warning: BackupWarning) => void) {
    this.onWarning = onWarning;
  }

  warn(path: string, reason: BackupWarningReason, message: string): void {
    const w = { path: shortPath(path), reason, message };
    this.warnings.push(w);
    this.onWarning?.(w);
  }

  /** `rel` under the source labelled `label` stays local (empty `rel`: the source itself). */
  keep(label: string, rel: string, why: string): void {
    this.stats.secretsSkipped++;
    this.keptLocal.push({ path: rel ? `${label}/${rel}` : label, why });
  }

  /** `rel` under the source labelled `label` was uploaded without the credentials named in `removed`. */
  scrub(label: string, rel: string, why: string, removed: readonly string[]): void {
    this.scrubbed.push({ path: `${label}/${rel}`, why, removed: [...removed] });
  }

  /**
   * A file that can't be read as walked is left out with a warning; other errors fail the backup.
   * One deleted since it was listed is not there to keep: counted, not a warning (agents delete
   * and rename their files all the time; a warning every few backups taught people to ignore them).
   */
  skipFile(abs: FsPath, error: unknown): undefined {
    const skipped = sourceFileErrorOf(abs, error) ?? (error instanceof CairnError && error.code === 'not_found' ? new SourceFileError('vanished', error.message) : undefined);
    if (!skipped) throw error;
    if (skipped.reason === 'vanished') this.vanished();
    else this.warn(showPath(abs), skipped.reason, skipped.message);
    return undefined;
  }

  /** A file or folder the walk listed was gone when it was read. */
  vanished(): void {
    this.stats.vanished = (this.stats.vanished ?? 0) + 1;
  }
}

// How the CLI talks: exit codes per error code, JSON or human output, progress on a TTY only.

import { CairnError, ConfigError } from '../../shared/errors.ts';
import type { ErrorCode, ErrorRecord } from '../../shared/errors.ts';
import type { ProgressInfo } from '../../shared/models.ts';
import { formatBytes } from '../../shared/format.ts';
import { heldBackNote, renamedNote, withoutCredentialsNote } from '../engine/restore-request.ts';
import type { ExecutedRestore } from '../engine/restore-request.ts';
import { DEFAULT_BACKUP_LOCK_WAIT_MS } from '../engine/backup/index.ts';
import type { DeviceLockOptions } from '../engine/device-lock.ts';

/** Exit statuses, documented in docs/CLI.md. */
export const EXIT: Record<ErrorCode, number> & { ok: number } = {
  ok: 0,
  internal: 1,
  config: 2,
  ipc: 2,
  wrong_key: 3,
  not_found: 4,
  no_vault: 4,
  bucket_not_found: 4,
  integrity: 5,
  unsupported_version: 5,
  storage: 6,
  unreachable: 6,
  access_denied: 6,
  clock_skew: 6,
  checksum_refused: 6,
  locked: 7,
  exists: 8,
  vault_exists: 8,
  unsafe_path: 9,
  conflict: 10,
  disk_full: 11,
  keychain_unavailable: 12,
  cancelled: 130,
};

export { formatBytes };

/** A backup that completed but had to leave files out (vanished, unreadable, replaced while read). */
export const EXIT_WARNINGS = 13;

/** `--lock-wait SECONDS` as milliseconds (undefined: the engine's default). */
export function lockWaitMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) throw new ConfigError(`--lock-wait takes a number of seconds (0 or more); got '${value}'.`);
  return Math.round(seconds * 1000);
}

/** This device's backup lock for a CLI run (engine/device-lock.ts): says so when it waits for another run, the app's or another `cairn`'s. */
export function deviceLock(out: Output, what: string, waitMs: number | undefined): Partial<DeviceLockOptions> {
  const wait = waitMs ?? DEFAULT_BACKUP_LOCK_WAIT_MS;
  return {
    what,
    waitMs: wait,
    onWaiting: (h) => out.info(`Another backup of this device is running on this machine (${h.what}, process ${h.pid}): waiting up to ${Math.round(wait / 1000)} s for it to finish (--lock-wait)…`),
  };
}

/** The first line of a backup kept in the outbox: why it could not go to the vault now. */
export function outboxReason(cause: CairnError): string {
  return cause.code === 'locked' ? `Another device is pruning the vault, and this backup stopped waiting for it: ${cause.message}` : `The vault can't be reached: ${cause.message}`;
}

/** What a restore's plan says of the files already where it writes (`where`: "in /x", "in their places"). */
export function existingNotes(plan: { existing: readonly string[]; unchanged: readonly string[]; safetySnapshot: boolean; heldBack: readonly string[] }, where: string): string[] {
  const notes: string[] = [];
  if (plan.unchanged.length > 0) notes.push(`${plan.unchanged.length} file(s) ${where} already match the snapshot: left as they are.`);
  if (plan.safetySnapshot) notes.push(`${plan.existing.length - plan.heldBack.length} file(s) ${where} differ from the snapshot and will be replaced: taking a safety snapshot of them first.`);
  if (plan.heldBack.length > 0) notes.push(heldBackNote(plan.heldBack, true));
  return notes;
}

/** What a restore says when it is done: files kept that its plan didn't foresee, files written without their credentials. */
export function restoredNotes(plan: { heldBack: readonly string[] }, result: Pick<ExecutedRestore, 'heldBack' | 'withoutCredentials' | 'renamed'>): string[] {
  return [
    result.heldBack.length > plan.heldBack.length ? heldBackNote(result.heldBack) : '',
    result.withoutCredentials.length > 0 ? withoutCredentialsNote(result.withoutCredentials) : '',
    result.renamed.length > 0 ? renamedNote(result.renamed) : '',
  ].filter(Boolean);
}

/** `1 file`, `2 files`. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/**
 * A warning as one line: its message, which names the file when the engine wrote it so (a file
 * the backup left out), else after the file's path (a file whose sessions couldn't be read).
 */
export function warningText(w: { path: string; message: string }): string {
  return w.path === '' || w.message.includes(w.path) ? w.message : `${w.path}: ${w.message}`;
}

export interface Output {
  json: boolean;
  /** Prints the result: JSON as one document, or the human text. */
  result(value: unknown, human: () => string): void;
  info(line: string): void;
  warn(line: string): void;
  progress(p: ProgressInfo): void;
  endProgress(): void;
}

export function makeOutput(json: boolean, stream: NodeJS.WriteStream = process.stderr): Output {
  const tty = stream.isTTY === true && !json;
  let shown = false;
  return {
    json,
    result(value, human) {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
    },
    info(line) {
      if (!json) stream.write(`${line}\n`);
    },
    warn(line) {
      if (shown) this.endProgress();
      stream.write(`warning: ${line}\n`);
    },
    progress(p) {
      if (!tty) return;
      const total = p.bytesTotal ? ` of ${formatBytes(p.bytesTotal)}` : '';
      const files = p.filesTotal ? `${p.filesDone}/${p.filesTotal}` : `${p.filesDone}`;
      const up = p.uploadedBytes > 0 ? `, ${formatBytes(p.uploadedBytes)} uploaded` : '';
      const line = `${p.phase}: ${files} files, ${formatBytes(p.bytesDone)}${total}${up}`;
      stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 100) - 1)}`);
      shown = true;
    },
    endProgress() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}

export function printError(error: ErrorRecord, json: boolean, { reported = false }: { reported?: boolean } = {}): void {
  const record = { ...error, message: cliMessage(error) };
  if (json && !reported) process.stdout.write(`${JSON.stringify({ error: record }, null, 2)}\n`);
  process.stderr.write(`cairn: ${record.message}\n`);
}

/**
 * A failure whose details the command already printed as its result (`check` with problems):
 * main() exits with its code and a one-line message, and prints no second JSON document.
 */
export class ReportedError extends CairnError {
  readonly reported = true;
}

/** What a command that goes on past damaged objects says about each one. */
export function warnDamaged(out: Output): (key: string, error: Error) => void {
  return (key, error) => out.warn(`${key} is damaged and was left out: ${error.message.replace(/\.?$/, '.')} Run 'cairn check'.`);
}

/**
 * The message as the CLI says it. Storage errors are worded for the app, which retries on its
 * own ("Cairn will try again"); the CLI exits, so it says what to do instead.
 */
export function cliMessage(record: ErrorRecord): string {
  // The period the cut doubles, not a path's `..` (`'../../etc' is not in …`).
  const message = record.message.replace(/[;,]? Cairn will try again\.?/g, '.').replace(/\.\.(?=\s|$)/g, '.');
  return record.retryable && message !== record.message ? `${message} Run the command again later.` : message;
}

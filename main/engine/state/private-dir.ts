// Cairn's state folder holds file names, a copy of the vault's index, a key cache and, while a
// backup runs, unscrubbed copies of agents' databases (with their tokens). It is private: the
// folder and its subfolders 0700, its files 0600. Every run re-applies that (a folder made by an
// older Cairn, or by hand, may be 0755) and sweeps the temporary files a killed run left behind.

import { chmodSync, lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirsSync } from '../make-dirs.ts';

/** Temporary folders of a backup are named `backup-<pid>-<random>` (see backupTempPrefix). */
const TEMP_OF = /^backup-(\d+)-/;

/** What Cairn keeps in its state folder: vaults/<id>/{state.db,…}, headers/<key>.json, outbox/<key>/. */
const OWN_FOLDERS = ['vaults', 'headers', 'outbox'];

/** The prefix of this process's temporary folders under a vault's tmp folder. */
export function backupTempPrefix(): string {
  return `backup-${process.pid}-`;
}

/** Whether process `pid` runs on this machine (this one does). */
export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** chmod without following a link; a missing entry (removed meanwhile) is fine. */
function tighten(path: string, depth: number, maxDepth: number): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (st.isDirectory()) {
    if ((st.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
    if (depth >= maxDepth) return; // deeper entries are unreachable to others behind a 0700 folder
    for (const name of readdirSync(path)) tighten(join(path, name), depth + 1, maxDepth);
  } else if (st.isFile() && (st.mode & 0o077) !== 0) {
    chmodSync(path, st.mode & 0o700 & ~0o100);
  }
}

/**
 * Creates `stateDir` if needed and makes it private (see the header). Bounded: it looks into
 * Cairn's own folders three levels down (stateDir/vaults/<id>/state.db), not into the outbox's
 * spooled objects, and leaves anything else in `stateDir` as it is.
 */
export function makeStateDirPrivate(stateDir: string): void {
  makeDirsSync(stateDir, 0o700);
  if (process.platform === 'win32') return; // ACLs, not modes: the user's profile folder is private
  // The folder itself and Cairn's own subfolders only: --state-dir may name a folder that holds
  // other things too, whose modes are not Cairn's to change.
  tighten(stateDir, 3, 3);
  for (const name of OWN_FOLDERS) tighten(join(stateDir, name), 1, 3);
}

/**
 * Removes what killed runs left in a vault's tmp folder: temporary folders of processes that no
 * longer run, and anything not named as ours. A live run's folder (another process: the app
 * while the CLI runs) is left alone.
 */
export function sweepTemporaryFiles(tmpDir: string): number {
  let names: string[];
  try {
    names = readdirSync(tmpDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const pid = TEMP_OF.exec(name)?.[1];
    if (pid !== undefined && isAlive(Number(pid))) continue;
    rmSync(join(tmpDir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

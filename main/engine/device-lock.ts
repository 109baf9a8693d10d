// One backup of a device at a time on this machine. The app's scheduled sync and `cairn backup`
// (a cron job, a terminal) share the state folder, and so the device: run at once, both continued
// the same backup (two snapshots with one parent and one `seq`) and both uploaded what had
// changed (measured: a 40 MB file stored twice, the vault 81 MB for 40 until a prune). The
// vault's locks don't keep them apart: backups take shared ones, so that devices back up side by
// side. A backup, a sync and an outbox upload of this device now take a lock in the vault's state
// folder; a second waits for the first (it then finds nothing changed), up to its lock wait.
//
// A file created exclusively, naming its process. A lock whose process no longer runs (killed,
// power lost) is taken over at once: the state folder is this machine's.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CairnError } from '../../shared/errors.ts';
import { isAlive } from './state/index.ts';

export const DEVICE_LOCK_FILE = 'backup.lock';
const POLL_MS = 250;

export interface DeviceLockHolder {
  pid: number;
  hostname: string;
  /** ISO 8601. */
  since: string;
  /** What runs: 'the app', 'cairn backup', … */
  what: string;
}

export interface DeviceLockOptions {
  /** What this process runs, for the message another one shows while it waits. */
  what: string;
  /** How long to wait for another run to finish; then `locked`. */
  waitMs: number;
  /** Called once, when this run starts to wait. */
  onWaiting?: (holder: DeviceLockHolder) => void;
  signal?: AbortSignal;
}

function holderOf(path: string): DeviceLockHolder | undefined {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<DeviceLockHolder>;
    if (typeof raw.pid !== 'number') return undefined;
    return { pid: raw.pid, hostname: String(raw.hostname ?? ''), since: String(raw.since ?? ''), what: String(raw.what ?? 'Cairn') };
  } catch {
    return undefined; // gone meanwhile, or half written: looked at again at the next try
  }
}

/** Whether the lock's process no longer runs on this machine (a state folder on another machine's disk: never). */
function stale(holder: DeviceLockHolder): boolean {
  return holder.hostname === hostname() && !isAlive(holder.pid);
}

function describe(holder: DeviceLockHolder): string {
  const since = holder.since ? `, since ${holder.since.replace('T', ' ').slice(0, 19)} UTC` : '';
  // A state folder two machines share (a network home): the other one's run, named as such.
  const where = holder.hostname && holder.hostname !== hostname() ? ` on ${holder.hostname}` : '';
  return `${holder.what}, process ${holder.pid}${where}${since}`;
}

/** Runs `fn` holding this device's backup lock in `vaultDir` (see the header). */
export async function withDeviceLock<T>(vaultDir: string, options: DeviceLockOptions, fn: () => Promise<T>): Promise<T> {
  const path = join(vaultDir, DEVICE_LOCK_FILE);
  const mine: DeviceLockHolder = { pid: process.pid, hostname: hostname(), since: new Date().toISOString(), what: options.what };
  const deadline = Date.now() + options.waitMs;
  let told = false;
  for (;;) {
    try {
      writeFileSync(path, JSON.stringify(mine), { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = holderOf(path);
    if (holder && stale(holder)) {
      // Looked at again just before removing: another waiter may have taken it over meanwhile.
      const again = holderOf(path);
      if (again && again.pid === holder.pid && again.since === holder.since) rmSync(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new CairnError('locked', `Another backup of this device is running (${holder ? describe(holder) : 'starting'}). Nothing was backed up by this run: the other one is backing up the same files. Run it again once that one has finished.`, { retryable: true });
    }
    if (holder && !told) {
      told = true;
      options.onWaiting?.(holder);
    }
    if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new CairnError('cancelled', 'Cancelled while waiting for another backup of this device.');
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
  }
  try {
    return await fn();
  } finally {
    // Ours still (nobody takes over a live process's lock).
    if (holderOf(path)?.pid === process.pid) rmSync(path, { force: true });
  }
}

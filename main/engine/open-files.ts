// Which other programs have files open. A file replaced (a new file renamed over it) while a
// program holds it open goes on being written by that program, into the old file, which nobody
// sees again: an agent's database or transcript replaced under a running agent loses what the
// agent writes next. Linux says it in /proc/<pid>/fd; elsewhere this finds nothing.

import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { LockedError } from '../../shared/errors.ts';
import { mapLimit } from './concurrency.ts';

export interface Opener {
  pid: number;
  /** The program's name (/proc/<pid>/comm). */
  command: string;
  /** The file it holds, as the caller named it. */
  path: string;
}

/**
 * Every file other processes hold open, by its real path, with the processes holding it.
 * Processes this user may not look into are passed over (another user's programs can't be
 * writing this user's agent files unless they run as root). Empty on systems without /proc.
 */
async function openFiles(platform: NodeJS.Platform): Promise<Map<string, number[]>> {
  const open = new Map<string, number[]>();
  if (platform !== 'linux') return open;
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
  await mapLimit(pids, 16, async (pid) => {
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => undefined);
      if (target?.startsWith('/')) open.set(target, [...(open.get(target) ?? []), Number(pid)]);
    }
  });
  return open;
}

/** /proc names files by their real path: a folder reached through a link is named by its target. */
const realPathOf = (path: string): Promise<string> => realpath(path).catch(() => path);

/** Other processes that hold any of `paths` open. */
export async function openersOf(paths: readonly string[], platform: NodeJS.Platform = process.platform): Promise<Opener[]> {
  if (platform !== 'linux' || paths.length === 0) return [];
  const open = await openFiles(platform);
  const out: Opener[] = [];
  for (const path of paths) {
    for (const pid of open.get(await realPathOf(path)) ?? []) {
      out.push({ pid, command: (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim(), path });
    }
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/**
 * Whether another process holds a file open, the processes looked at once, for a caller that
 * then asks about many files (a pull: it replaces files in agents' folders).
 */
export async function openByOthers(platform: NodeJS.Platform = process.platform): Promise<(path: string) => Promise<boolean>> {
  const open = await openFiles(platform);
  return async (path) => open.has(await realPathOf(path));
}

/** Refuses to replace files programs hold open, naming them: `unchanged` is what was (not) done, `then` what to do once they are closed. */
export function heldOpenError(open: readonly Opener[], unchanged: string, then: string): LockedError {
  const shown = open.slice(0, 3).map((o) => `${o.command} (pid ${o.pid}) has ${o.path} open`);
  const programs = [...new Set(open.map((o) => o.command))].join(', ');
  return new LockedError(
    `${shown.join('; ')}${open.length > shown.length ? `; and ${open.length - shown.length} more` : ''}. Replacing a file a program holds open loses what it writes next (it goes on writing the old file). ${unchanged}: close ${programs}, then ${then}.`,
  );
}

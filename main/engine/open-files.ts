// Which other programs have files open. A file replaced (a new file renamed over it) while a
// program holds it open goes on being written by that program, into the old file, which nobody
// sees again: an agent's database or transcript replaced under a running agent loses what the
// agent writes next. Linux says it in /proc/<pid>/fd; elsewhere this finds nothing.

import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { mapLimit } from './concurrency.ts';

export interface Opener {
  pid: number;
  /** The program's name (/proc/<pid>/comm). */
  command: string;
  /** The file it holds, as the caller named it. */
  path: string;
}

/**
 * Other processes that hold any of `paths` open. Processes this user may not look into are
 * passed over (another user's programs can't be writing this user's agent files unless they run
 * as root). Empty on systems without /proc.
 */
export async function openersOf(paths: readonly string[], platform: NodeJS.Platform = process.platform): Promise<Opener[]> {
  if (platform !== 'linux' || paths.length === 0) return [];
  // /proc names files by their real path: a folder reached through a link is named by its target.
  const wanted = new Map<string, string>();
  await mapLimit(paths, 16, async (p) => wanted.set(await realpath(p).catch(() => p), p));
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
  const out: Opener[] = [];
  await mapLimit(pids, 16, async (pid) => {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => undefined);
      const path = target === undefined ? undefined : wanted.get(target);
      if (path === undefined) continue;
      const command = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
      out.push({ pid: Number(pid), command, path });
    }
  });
  return out.sort((a, b) => a.pid - b.pid);
}

/**
 * Every file other processes hold open (their real paths), looked at once, for a caller that
 * then asks about many files (a pull: it replaces files in agents' folders). Empty without /proc.
 */
export async function openByOthers(platform: NodeJS.Platform = process.platform): Promise<(path: string) => Promise<boolean>> {
  if (platform !== 'linux') return async () => false;
  const open = new Set<string>();
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
  await mapLimit(pids, 16, async (pid) => {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => undefined);
      if (target?.startsWith('/')) open.add(target);
    }
  });
  return async (path) => open.has(await realpath(path).catch(() => path));
}

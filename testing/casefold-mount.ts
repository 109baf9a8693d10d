// A folder that compares names as a Mac's disk does (testing/casefold-fs.py over FUSE), for tests
// of what lands on one: `README.md` and `readme.md` are one name there, and so are `café`
// composed and decomposed. Where FUSE or Debian's python3-fusepy is missing, the reason to skip.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./casefold-fs.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

export interface CaseFoldingMount {
  /** The mounted folder: names compared case-insensitively, case preserved. */
  path: string;
  /** The folder that holds what is written there, names as given. */
  source: string;
  unmount(): void;
}

const mounted = (path: string) => readFileSync('/proc/mounts', 'utf8').split('\n').some((line) => line.split(' ')[1] === path);

/** Mounts a case-folding folder under `base`, or says why it can't here. */
export async function mountCaseFolding(base: string): Promise<CaseFoldingMount | { skip: string }> {
  if (process.platform !== 'linux') return { skip: 'FUSE mounts are tested on Linux only' };
  if (!existsSync('/dev/fuse')) return { skip: 'no /dev/fuse here' };
  const probe = spawnSync(PYTHON, ['-c', 'import fusepy'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { skip: "Debian's python3-fusepy is not installed (scripts/bootstrap.sh installs it)" };
  const source = join(base, 'source');
  const path = join(base, 'mnt');
  mkdirSync(source, { recursive: true });
  mkdirSync(path, { recursive: true });
  const child: ChildProcess = spawn(PYTHON, [SCRIPT, source, path], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; i < 100 && !mounted(path); i++) {
    if (child.exitCode !== null) return { skip: `the FUSE mount failed: ${stderr.trim().split('\n').pop() ?? `exit ${child.exitCode}`}` };
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!mounted(path)) {
    child.kill();
    return { skip: `the FUSE mount did not appear within 5 s${stderr ? `: ${stderr.trim()}` : ''}` };
  }
  return {
    path,
    source,
    unmount: () => {
      spawnSync('fusermount', ['-u', path]);
      if (mounted(path)) spawnSync('umount', ['-l', path]);
      child.kill();
    },
  };
}

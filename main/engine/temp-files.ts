// The temporary files this process is writing into folders that aren't Cairn's (a pull's
// `.NAME.cairn-sync-….tmp` beside an agent's file), so that a run interrupted by Ctrl-C removes
// them on its way out. Left behind, one stayed in the agent's folder — as large as the file it
// was for (176 MB, measured) — until a pull into that folder swept it, 10 minutes later at best.
// A killed process (SIGKILL, power loss) still leaves them to that sweep.

import { rmSync } from 'node:fs';

const live = new Set<string>();

export function tempFileStarted(path: string): void {
  live.add(path);
}

export function tempFileEnded(path: string): void {
  live.delete(path);
}

/** Removes every temporary file this process is writing; returns how many. Synchronous: for the way out. */
export function removeLiveTempFiles(): number {
  const paths = [...live];
  for (const path of paths) {
    try {
      rmSync(path, { force: true });
    } catch {
      // a folder gone or not writable: the next pull's sweep, then
    }
    live.delete(path);
  }
  return paths.length;
}

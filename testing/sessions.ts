// For the session readers' tests: every page of a session, a session read in a small heap, and a
// file streamed through SessionFiles.

import { spawnSync } from 'node:child_process';
import { readPage } from '../main/engine/sessions/index.ts';
import type { SessionFiles, SessionItem, SessionMeta, SessionReader, SessionRef } from '../main/engine/sessions/index.ts';

/** The session's items as a viewer pages through them, `limit` at a time. */
export async function allPages(reader: SessionReader, files: SessionFiles, ref: SessionRef, limit: number): Promise<SessionItem[]> {
  const out: SessionItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await readPage(reader, files, ref, { limit, cursor });
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

/**
 * Reads the session of `path` (an `agent` file below `root`) in a separate process whose
 * JavaScript heap is `heapMb`: its first page of 50 items, then the metadata pass over all of it.
 */
export function readInHeap(heapMb: number, root: string, agent: string, path: string): { status: number | null; stderr: string; page?: number; counts?: SessionMeta['counts'] } {
  const script = `
    import { localFiles, readerFor, readMeta, readPage } from ${JSON.stringify(new URL('../main/engine/sessions/index.ts', import.meta.url).href)};
    const files = localFiles(${JSON.stringify(root)});
    const reader = readerFor(${JSON.stringify(agent)}, ${JSON.stringify(path)});
    const [ref] = await reader.list(files, ${JSON.stringify(path)});
    const page = await readPage(reader, files, ref, { limit: 50 });
    const meta = await readMeta(reader, files, ref);
    console.log(JSON.stringify({ page: page.items.length, counts: meta.counts }));`;
  const run = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, '--input-type=module', '-e', script], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr, ...(run.status === 0 ? (JSON.parse(run.stdout) as { page: number; counts: SessionMeta['counts'] }) : {}) };
}

/** A file's bytes from `start` through `files.open`, as hex, and its size through `files.stat`; or the error's code. */
export async function streamedThrough(files: SessionFiles, path: string, start: number): Promise<string> {
  try {
    const parts: Buffer[] = [];
    for await (const chunk of files.open(path, start)) parts.push(chunk);
    return `${Buffer.concat(parts).toString('hex')} ${(await files.stat(path))?.size}`;
  } catch (error) {
    return `error ${(error as NodeJS.ErrnoException).code}`;
  }
}

// A worker thread that reads sessions' metadata for the catalog (see prefetch.ts): JSON parsing
// of transcripts is CPU work, and a backup's calling thread has the walk and the packs to run.
// One request at a time, in order; each names a file of an agent's folder and gets back the
// metadata of the sessions it defines, or the reason it couldn't be read.

import { parentPort } from 'node:worker_threads';
import { localFiles, readerFor, readMeta } from '../sessions/index.ts';
import type { SessionMeta } from '../sessions/index.ts';

export interface MetaRequest {
  task: number;
  agent: string;
  /** The agent folder (absolute) and the file in it. */
  root: string;
  path: string;
}

export type MetaResponse = { task: number; metas: SessionMeta[] } | { task: number; error: string };

const port = parentPort;
if (!port) throw new Error('meta-worker.ts runs only as a worker thread (see prefetch.ts).');

async function read(request: MetaRequest): Promise<SessionMeta[]> {
  const reader = readerFor(request.agent, request.path);
  if (!reader) return [];
  const files = localFiles(request.root);
  const metas: SessionMeta[] = [];
  for (const ref of await reader.list(files, request.path)) metas.push(await readMeta(reader, files, ref));
  return metas;
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (request: MetaRequest) => {
  queue = queue.then(async () => {
    let reply: MetaResponse;
    try {
      reply = { task: request.task, metas: await read(request) };
    } catch (error) {
      reply = { task: request.task, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
});

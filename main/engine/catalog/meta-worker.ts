// A worker thread that reads the sessions of files a backup stores (see prefetch.ts): JSON parsing
// of transcripts is CPU work, and a backup's calling thread has the walk and the packs to run.
// One read per file (read.ts) gives the catalog its metadata and writes the sessions' text into
// the search index through this thread's own connection to the state database (pending until
// the catalog step names each session's version). One request at a time, in order; each names a
// file of an agent's folder and gets back the metadata of the sessions it defines and the sids
// of their pending text, or the reason it couldn't be read.

import Database from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import { readFileSessions } from './read.ts';
import type { FileSessions } from './read.ts';
import type { ReadFrom } from './resume.ts';
import { SessionDb } from './session-db.ts';

export interface MetaRequest {
  task: number;
  agent: string;
  /** The agent folder (absolute) and the file in it. */
  root: string;
  path: string;
  /** The state database to write the text into (none: metadata only), and the file's time (seconds). */
  db?: string;
  at: number;
  /** This worker's sids (see SessionDb.textWriter). */
  lane?: { k: number; n: number };
  /** A file of many sessions: where its last read stopped (readFileSessions). */
  from?: ReadFrom;
}

export type MetaResponse = ({ task: number } & FileSessions) | { task: number; error: string };

const port = parentPort;
if (!port) throw new Error('meta-worker.ts runs only as a worker thread (see prefetch.ts).');

/** Text per write transaction here: short, so the backup's own writes to the database wait little. */
const WORKER_BATCH_CHARS = 4 * 2 ** 20;

const open = new Map<string, SessionDb>();
function indexOf(file: string): SessionDb {
  let s = open.get(file);
  if (!s) {
    const db = new Database(file);
    db.pragma('synchronous = NORMAL');
    open.set(file, (s = new SessionDb(db)));
  }
  return s;
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (request: MetaRequest) => {
  queue = queue.then(async () => {
    let reply: MetaResponse;
    try {
      const index = request.db ? { sessions: indexOf(request.db), at: request.at, batchChars: WORKER_BATCH_CHARS, ...(request.lane ? { lane: request.lane } : {}) } : undefined;
      const read = await readFileSessions(request.agent, request.root, request.path, index, undefined, request.from);
      reply = { task: request.task, ...read };
    } catch (error) {
      reply = { task: request.task, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
});

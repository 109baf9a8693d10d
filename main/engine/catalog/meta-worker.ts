// A worker thread that reads the sessions of files a backup stores (see prefetch.ts): JSON parsing
// of transcripts is CPU work, and a backup's calling thread has the walk and the packs to run.
// One read per file (read.ts) gives the catalog its metadata and writes the sessions' text into
// the search index through this thread's own connection to the state database (pending until
// the catalog step names each session's version). One request at a time, in order; each names a
// file of an agent's folder and gets back the metadata of the sessions it defines and the sids
// of their pending text, or the reason it couldn't be read.

import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { CairnError } from '../../../shared/errors.ts';
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

/** Asks the worker to stop: it ends the read under way, closes its databases and exits. */
export interface MetaStop {
  stop: true;
}

/** Asks the worker to take the schema steps an older Cairn's index in this state database lacks (upgrade.ts). */
export interface MetaUpgrade {
  upgrade: string;
}

export type MetaUpgraded = { upgraded: true } | { upgraded: false; error: string };

export type MetaResponse = ({ task: number } & FileSessions) | { task: number; error: string; code?: string };

/** What the worker is started with: a flag (an Int32Array's first element) set to 1 when it must stop. */
export interface MetaWorkerData {
  stop: SharedArrayBuffer;
}

const port = parentPort;
if (!port) throw new Error('meta-worker.ts runs only as a worker thread (see prefetch.ts).');

/**
 * Text per write transaction here (about): the text of many sessions goes into one
 * (SessionDb.shareWrites), short enough that the backup's own writes to the database wait little.
 */
const WORKER_BATCH_CHARS = 4 * 2 ** 20;
/**
 * A reply waits for the write of its sessions' text (their sids are final then): at most this
 * long (milliseconds) after its read, so that the text of the files read meanwhile shares the write.
 */
const SETTLE_MS = 100;
/** While another connection writes: tries SETTLE_TRIES times, this far apart (ms), then waits its turn. */
const SETTLE_TRIES = 20;
const SETTLE_RETRY_MS = 5;

/**
 * Set by the backup's thread when it stops the worker (a cancelled backup, or the catalog done
 * with it). Reads check it between records: a worker ended by Worker.terminate() in the middle of a
 * call into better-sqlite3 can abort the whole process ("terminate called after throwing an
 * instance of 'Napi::Error'"), so it is asked to stop, and is terminated only if it doesn't.
 */
const stopFlag = new Int32Array((workerData as MetaWorkerData | undefined)?.stop ?? new SharedArrayBuffer(4));
const stopping = () => Atomics.load(stopFlag, 0) !== 0;
const stopCheck = {
  throwIfAborted(): void {
    if (stopping()) throw new CairnError('cancelled', 'The session worker was stopped.');
  },
};

const open = new Map<string, SessionDb>();
function indexOf(file: string): SessionDb {
  let s = open.get(file);
  if (!s) {
    const db = new Database(file);
    db.pragma('synchronous = NORMAL');
    open.set(file, (s = new SessionDb(db)));
    s.shareWrites(WORKER_BATCH_CHARS);
  }
  return s;
}

/** Replies whose text is buffered (with the database it goes to), posted once it is written. */
const waiting: { reply: MetaResponse; sessions?: SessionDb }[] = [];
let settleTimer: NodeJS.Timeout | undefined;

/** Sids whose text a failed write lost (SessionDb.discardShared). */
const lostSids = new Set<number>();

/** Tries to write the buffered text at once, and again a little later while another connection writes. */
let tries = 0;

function settle(): void {
  clearTimeout(settleTimer);
  settleTimer = undefined;
  const failed = new Map<SessionDb, { error: string; lost: Set<number> }>();
  const last = tries >= SETTLE_TRIES;
  for (const sessions of open.values()) {
    try {
      if (!sessions.flushShared(last)) {
        tries += 1;
        settleTimer = setTimeout(settle, SETTLE_RETRY_MS);
        return;
      }
    } catch (error) {
      // The text not written is forgotten (and what was written of those sessions removed).
      const lost = sessions.discardShared();
      for (const sid of lost) lostSids.add(sid);
      failed.set(sessions, { error: error instanceof Error ? error.message : String(error), lost });
    }
  }
  tries = 0;
  for (const { reply, sessions } of waiting.splice(0)) {
    const lost = sessions && failed.get(sessions);
    if ('error' in reply || !sessions) port?.postMessage(reply);
    else if (lost && reply.texts.some((sid) => sid !== undefined && lost.lost.has(sid))) {
      // Some of its text is not in the index: the read fails (the rest of its text goes too).
      for (const sid of reply.texts) if (sid !== undefined && !lost.lost.has(sid)) sessions.dropPending(sid);
      port?.postMessage({ task: reply.task, error: lost.error });
    } else {
      // A read that was under way when a write failed has no text in the index for what was lost
      // (its session is indexed after the snapshot, as any the index doesn't hold).
      port?.postMessage({ ...reply, texts: reply.texts.map((sid) => (sid === undefined || lostSids.has(sid) ? undefined : sessions.sharedSid(sid))) });
    }
  }
}

/** Ends the worker: no transaction is open between reads; the text it buffered is dropped (the backup's thread drops what it wrote). */
function stop(): void {
  clearTimeout(settleTimer);
  settleTimer = undefined;
  waiting.length = 0;
  for (const sessions of open.values()) sessions.db.close();
  open.clear();
  process.exit(0);
}

/** Opens the state database once, which takes the index's schema steps (SessionDb's constructor). */
function upgrade(file: string): MetaUpgraded {
  try {
    const db = new Database(file);
    try {
      new SessionDb(db);
    } finally {
      db.close();
    }
    return { upgraded: true };
  } catch (error) {
    return { upgraded: false, error: error instanceof Error ? error.message : String(error) };
  }
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (request: MetaRequest | MetaStop | MetaUpgrade) => {
  if ('stop' in request) {
    queue = queue.then(stop, stop);
    return;
  }
  if ('upgrade' in request) {
    queue = queue.then(() => port.postMessage(upgrade(request.upgrade)));
    return;
  }
  queue = queue.then(async () => {
    // A turn of the event loop before each file: with synchronous reads (sessions/files.ts) a
    // queue of files would otherwise run as one task, the settle timer and V8's collection tasks
    // waiting for its end (peak RSS +25-35 MB on the 1,000-session home's first backup).
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Stopping: the backup's thread no longer waits for any reply.
    if (stopping()) return;
    let reply: MetaResponse;
    const sessions = request.db ? indexOf(request.db) : undefined;
    try {
      const index = sessions ? { sessions, at: request.at, ...(request.lane ? { lane: request.lane } : {}) } : undefined;
      const read = await readFileSessions(request.agent, request.root, request.path, index, stopCheck, request.from);
      reply = { task: request.task, ...read };
    } catch (error) {
      // The errno code goes along: a file deleted since the walk stored it is not a warning (build.ts).
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      reply = { task: request.task, error: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) };
    }
    if (stopping()) return;
    waiting.push({ reply, ...(sessions ? { sessions } : {}) });
    if (waiting.every((w) => !w.sessions?.unwritten)) settle();
    else settleTimer ??= setTimeout(settle, SETTLE_MS);
  });
});

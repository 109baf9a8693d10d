// An older Cairn's search index is converted the first time this one opens it (SessionDb's schema
// steps: its text compressed, then VACUUM): 2.2 s for a 114 MB index, about 25 s for 1.3 GB
// (docs/BENCHMARKS.md, nineteenth session). On the desktop app's main process that froze every
// window for as long, once. It runs in a session worker thread instead, while the repository
// opens; if the thread can't do it, the first SessionDb on the calling thread still does.

import type Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import type { MetaStop, MetaUpgrade, MetaUpgraded, MetaWorkerData } from './meta-worker.ts';
import { META_WORKER_URL } from './prefetch.ts';
import { sessionIndexBehind } from './session-db.ts';

/**
 * Takes the schema steps the index in `db`'s file lacks, in a worker thread (nothing to do for a
 * current index, or none). Returns whether it did; never throws. `db` must hold no transaction open.
 */
export async function upgradeSessionIndex(db: Database.Database, url: URL = META_WORKER_URL): Promise<boolean> {
  if (db.memory || !sessionIndexBehind(db)) return false;
  let worker: Worker;
  try {
    worker = new Worker(url, { workerData: { stop: new SharedArrayBuffer(4) } satisfies MetaWorkerData });
  } catch {
    return false;
  }
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const done = await new Promise<boolean>((resolve) => {
    worker.once('message', (m: MetaUpgraded) => resolve(m.upgraded));
    worker.once('error', () => resolve(false));
    worker.once('exit', () => resolve(false));
    worker.postMessage({ upgrade: db.name } satisfies MetaUpgrade);
  });
  worker.postMessage({ stop: true } satisfies MetaStop);
  await exited;
  return done;
}

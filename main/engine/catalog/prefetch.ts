// Reading sessions while the backup walks, not after it: the backup reports each file it has
// stored (BackupOptions.onFileWalked); a file that defines sessions and whose content the build
// cache doesn't hold is handed at once to a worker thread (meta-worker.ts), which reads it once
// for both the catalog (metadata) and the search index (text, written there by the worker), so by
// the time the walk ends the catalog step mostly collects results. Unchanged files cost a hash each.
//
// The worker starts only once the files to read add up to more than INLINE_BYTES: starting it
// loads every session reader into a fresh isolate (0.3 s on a quiet machine, 3 s under a load
// of 18), which a backup where one session grew would otherwise wait for — that start was most
// of the catalog's share of such a backup. Below the budget, files are read on this thread.

import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResourceLimits } from 'node:worker_threads';
import { CairnError } from '../../../shared/errors.ts';
import type { BackupSource } from '../backup/index.ts';
import type { FileCacheEntry } from '../state/index.ts';
import { readerFor } from '../sessions/index.ts';
import type { SessionMeta } from '../sessions/index.ts';
import { sessionDigest } from './entry.ts';
import type { MetaRequest, MetaResponse, MetaStop, MetaWorkerData } from './meta-worker.ts';
import { mtimeSeconds, readFileSessions } from './read.ts';
import type { FileSessions } from './read.ts';
import { resumeFileSessions } from './resume.ts';
import type { ReadFrom } from './resume.ts';
import { BUSY_TIMEOUT_MS } from './session-db.ts';
import type { BuildCacheEntry, SessionDb } from './session-db.ts';

/** meta-worker beside this file, with this file's extension: .ts from source, .js/.mjs when built. */
export const META_WORKER_URL = new URL(`./meta-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** What a read needs to know of the file: its size (which thread reads it) and mtime (index order). */
export interface FileFacts {
  size: number;
  mtimeNs: string;
}

/** The sessions a file defines, read once: metadata, and their text pending in the index (`from`: see readFileSessions). */
export type SessionSource = (agent: string, root: string, path: string, file?: FileFacts, from?: ReadFrom) => Promise<FileSessions>;

/**
 * Session workers a backup starts. Two even on two cores: once the walk ends the chunk workers
 * are idle, and the catalog step waits only for the session workers' tail (measured in
 * docs/BENCHMARKS.md); their index writes take turns on the database (short transactions).
 */
export const SESSION_WORKERS = 2;

/**
 * A session worker's young generation: 8 MiB, not V8's default (up to 48 MiB here). Its reads make
 * short-lived strings by the million; a smaller nursery is collected sooner and the process's
 * peak stays lower. First backup of a 1,000-session home, built CLI, 3 alternating runs each:
 * peak RSS 342-349 -> 306-321 MB, wall 4.4-4.7 s both (4 MiB: 320 MB but slower, 4.6-4.9 s).
 */
export const SESSION_WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 } as const;

/**
 * How long a session worker asked to stop has to end its read and exit (it checks between
 * records) before it is terminated. Terminating one in the middle of a call into better-sqlite3
 * can abort the whole process (meta-worker.ts): longer than the longest such call, a write
 * waiting out another connection's (SQLite's busy timeout), which 5 s was not.
 */
export const STOP_MS = BUSY_TIMEOUT_MS + 5_000;

/** Bytes of session files a backup reads on the calling thread before it starts the worker. */
export const INLINE_BYTES = 2 * 2 ** 20;

/** Metadata only, read on the calling thread. */
export async function readMetasHere(agent: string, root: string, path: string): Promise<SessionMeta[]> {
  return (await readFileSessions(agent, root, path)).metas;
}

/**
 * The sessions of a file that changed since the build cache's `hit`: read on from where the last
 * read stopped when it left a resume point and the file only grew (resume.ts, on this thread:
 * only the appended part is parsed), else read whole by `read`.
 */
export function readOrResume(read: SessionSource, agent: string, root: string, path: string, file: FileFacts, hit: BuildCacheEntry | undefined): Promise<FileSessions> {
  // A file of many sessions read before: those as they were are kept, so the read costs what
  // changed (and a scan), not the file's size, and that is what decides whether a worker is
  // started for it (0.3 s and more, most of such a backup's catalog step): what was appended
  // to a file of runs, one session's share of a database.
  const many = hit?.resume;
  const entries = hit?.entries ?? [];
  if (many?.kind === 'runs' || many?.kind === 'stamps') {
    const size = many.kind === 'runs' ? file.size - many.offset : file.size / Math.max(1, entries.length);
    return read(agent, root, path, { ...file, size: Math.max(0, Math.round(size)) }, { point: many, keys: entries.map((e) => e.key ?? '') });
  }
  const point = entries.length === 1 ? many : undefined;
  if (!point) return read(agent, root, path, file);
  return resumeFileSessions(agent, root, path, point).then(
    (resumed) => resumed ?? read(agent, root, path, file),
    () => read(agent, root, path, file),
  );
}

/** Reads on the calling thread, writing the text into `sessions`' index. */
export function readHere(sessions: SessionDb): SessionSource {
  return (agent, root, path, file, from) => readFileSessions(agent, root, path, { sessions, at: mtimeSeconds(file?.mtimeNs) }, undefined, from);
}

/** A worker thread reading sessions; if it can't start or dies, reads fall back to this thread. */
class MetaWorker {
  private worker: Worker | undefined;
  /** Set to 1 (by close) when the worker must stop: it reads the same memory. */
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));
  /** How the last worker ended: 0 when it stopped as asked, 1 when it had to be terminated. */
  exitCode: number | undefined;
  private broken = false;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (m: FileSessions) => void; reject: (e: Error) => void; request: MetaRequest }>();

  private readonly url: URL;
  private readonly here: SessionSource;
  /** The state database file the worker writes text into (none for an in-memory one). */
  private readonly dbFile: string | undefined;

  /** Its sids are those ≡ lane.k (mod lane.n): workers writing at once don't contend for the same ones. */
  private readonly lane: { k: number; n: number };
  /** Bytes of files sent and not answered yet (the pool sends to the least busy worker). */
  queued = 0;

  private readonly sessions: SessionDb;

  constructor(url: URL, sessions: SessionDb, lane: { k: number; n: number }) {
    this.url = url;
    this.sessions = sessions;
    this.here = readHere(sessions);
    this.dbFile = sessions.db.memory ? undefined : sessions.db.name;
    this.lane = lane;
  }

  read: SessionSource = (agent, root, path, file, from) => {
    if (this.broken) return this.here(agent, root, path, file, from);
    const worker = this.start();
    const bytes = file?.size ?? 0;
    const request: MetaRequest = { task: this.next++, agent, root, path, at: mtimeSeconds(file?.mtimeNs), lane: this.lane, ...(this.dbFile ? { db: this.dbFile } : {}), ...(from ? { from } : {}) };
    this.queued += bytes;
    const done = () => void (this.queued -= bytes);
    return new Promise<FileSessions>((resolve, reject) => {
      this.pending.set(request.task, { resolve, reject, request });
      worker.ref();
      worker.postMessage(request);
    }).finally(done);
  };

  /** What Node reports of the running worker's limits (none before it starts or once it stops). */
  get limits(): ResourceLimits | undefined {
    return this.worker?.resourceLimits;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const workerData: MetaWorkerData = { stop: this.stopFlag.buffer as SharedArrayBuffer };
    const worker = new Worker(this.url, { resourceLimits: SESSION_WORKER_LIMITS, workerData });
    const thread = worker.threadId;
    worker.on('message', (m: MetaResponse) => {
      const p = this.pending.get(m.task);
      if (!p) return;
      this.pending.delete(m.task);
      if (this.pending.size === 0) worker.unref();
      if ('error' in m) p.reject(Object.assign(new Error(m.error), m.code === undefined ? {} : { code: m.code }));
      else {
        const { task: _task, ...read } = m;
        p.resolve(read);
      }
    });
    const fallBack = () => {
      // The worker is gone: what it had not answered is read here instead.
      this.broken = true;
      this.worker = undefined;
      this.sessions.dropPendingOf(thread);
      const left = [...this.pending.values()];
      this.pending.clear();
      for (const p of left) this.here(p.request.agent, p.request.root, p.request.path, undefined, p.request.from).then(p.resolve, p.reject);
    };
    worker.on('error', fallBack);
    worker.on('exit', (code) => {
      this.exitCode = code;
      if (this.worker === worker) this.worker = undefined;
      if (this.pending.size > 0) fallBack();
    });
    this.worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.broken = true;
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const p of left) p.reject(new CairnError('cancelled', 'The session reader was shut down before it finished.'));
    if (w) {
      const thread = w.threadId;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      Atomics.store(this.stopFlag, 0, 1);
      w.ref();
      w.postMessage({ stop: true } satisfies MetaStop);
      const late = setTimeout(() => void w.terminate(), STOP_MS);
      await exited;
      clearTimeout(late);
      // Text it was writing when stopped stays pending, with no one left to commit or drop it.
      this.sessions.dropPendingOf(thread);
    }
  }
}

type BuildCache = Map<string, BuildCacheEntry>;

/**
 * What the catalog step of one backup reads: the build cache of each agent source (loaded once)
 * and the metadata of files read ahead during the walk.
 */
export class CatalogPrefetch {
  private readonly sources = new Map<string, BackupSource>();
  private readonly caches = new Map<string, BuildCache>();
  private readonly ahead = new Map<string, { content: string; read: Promise<FileSessions> }>();
  /** Digests computed during the walk, with the content ids they were computed from. */
  private readonly digests = new Map<string, { ids: readonly string[]; content: string }>();
  private readonly workers: MetaWorker[];
  private readonly sessions: SessionDb;
  private readonly here: SessionSource;
  /** Bytes still to be read here before the worker is started. */
  private inline: number;
  private started = false;
  /** Time the walk spent handing files over (milliseconds): the catalog's cost inside the walk. */
  walkMs = 0;

  constructor(sessions: SessionDb, sources: readonly BackupSource[], options: { worker?: URL | false; workers?: number; inlineBytes?: number } = {}) {
    this.sessions = sessions;
    for (const s of sources) if (s.agent) this.sources.set(s.label, s);
    const n = options.worker === false ? 0 : Math.max(1, options.workers ?? SESSION_WORKERS);
    this.workers = Array.from({ length: n }, (_, k) => new MetaWorker(options.worker || META_WORKER_URL, sessions, { k, n }));
    this.here = readHere(sessions);
    this.inline = options.inlineBytes ?? INLINE_BYTES;
  }

  /** Whether the worker thread was asked to read anything (started). */
  get workerStarted(): boolean {
    return this.started;
  }

  /** How each session worker that ran ended: 0 when it stopped as asked, 1 when it was terminated. */
  get workerExitCodes(): (number | undefined)[] {
    return this.workers.map((w) => w.exitCode);
  }

  /** The limits the running session workers were started with (what Node reports for each). */
  get workerLimits(): ResourceLimits[] {
    return this.workers.flatMap((w) => w.limits ?? []);
  }

  /** Reads here while the files are few and small; in the worker (started now) once they aren't. */
  readonly read: SessionSource = (agent, root, path, file, from) => {
    const bytes = file?.size ?? 0;
    if (this.workers.length === 0 || (!this.started && bytes <= this.inline)) {
      this.inline -= bytes;
      return this.here(agent, root, path, file, from);
    }
    this.started = true;
    const least = this.workers.reduce((a, b) => (b.queued < a.queued ? b : a));
    return least.read(agent, root, path, file, from);
  };

  /** The build cache of a source (see build.ts). */
  cache(label: string): BuildCache {
    let c = this.caches.get(label);
    if (!c) this.caches.set(label, (c = this.sessions.buildCache(label)));
    return c;
  }

  /** The backup stored `rel` of source `label`: read its sessions now if the cache can't serve them. */
  fileWalked(label: string, rel: string, file: FileCacheEntry): void {
    const started = performance.now();
    try {
      const source = this.sources.get(label);
      if (!source?.agent || !readerFor(source.agent, rel)) return;
      const content = sessionDigest([rel], () => file.content);
      this.digests.set(`${label}\0${rel}`, { ids: file.content, content });
      const hit = this.cache(label).get(rel);
      if (hit?.content === content) return;
      const read = readOrResume(this.read, source.agent, source.path, rel, file, hit);
      // Failures are reported when the catalog step takes the result.
      read.catch(() => undefined);
      this.ahead.set(`${label}\0${rel}`, { content, read });
    } finally {
      this.walkMs += performance.now() - started;
    }
  }

  /** The digest of a session file (entry.ts sessionDigest of it alone), as computed during the walk. */
  digestOf(label: string, rel: string, file: FileCacheEntry): string | undefined {
    const d = this.digests.get(`${label}\0${rel}`);
    return d && d.ids.length === file.content.length && d.ids.every((id, i) => id === file.content[i]) ? d.content : undefined;
  }

  /** The sessions read ahead for this version of the file, if any (taken: asked once). */
  take(label: string, rel: string, content: string): Promise<FileSessions> | undefined {
    const key = `${label}\0${rel}`;
    const hit = this.ahead.get(key);
    this.ahead.delete(key);
    if (hit && hit.content !== content) this.dropText(hit.read);
    return hit?.content === content ? hit.read : undefined;
  }

  /** Drops the pending text of a read no one will take. */
  private dropText(read: Promise<FileSessions>): void {
    read.then(
      (r) => {
        for (const sid of r.texts) if (sid !== undefined) this.sessions.dropPending(sid);
      },
      () => undefined,
    );
  }

  /** Stops the worker (reads not taken yet are dropped, with their pending text). */
  async close(): Promise<void> {
    const left = [...this.ahead.values()];
    this.ahead.clear();
    await Promise.all(this.workers.map((w) => w.close()));
    for (const a of left) this.dropText(a.read);
  }
}

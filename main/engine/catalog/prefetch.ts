// Reading sessions' metadata while the backup walks, not after it: the backup reports each file
// it has stored (BackupOptions.onFileWalked); a file that defines sessions and whose content the
// build cache doesn't hold is handed at once to a worker thread (meta-worker.ts), so by the time
// the walk ends the catalog step mostly collects results. Unchanged files cost a hash each.
//
// The worker starts only once the files to read add up to more than INLINE_BYTES: starting it
// loads every session reader into a fresh isolate (0.3 s on a quiet machine, 3 s under a load
// of 18), which a backup where one session grew would otherwise wait for — that start was most
// of the catalog's share of such a backup. Below the budget, files are read on this thread.

import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CairnError } from '../../../shared/errors.ts';
import type { BackupSource } from '../backup/index.ts';
import type { FileCacheEntry } from '../state/index.ts';
import { localFiles, readerFor, readMeta } from '../sessions/index.ts';
import type { SessionMeta } from '../sessions/index.ts';
import { sessionDigest } from './entry.ts';
import type { CatalogEntry } from './entry.ts';
import type { MetaRequest, MetaResponse } from './meta-worker.ts';
import type { SessionDb } from './session-db.ts';

/** meta-worker beside this file, with this file's extension: .ts from source, .js/.mjs when built. */
export const META_WORKER_URL = new URL(`./meta-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** The metadata of the sessions a file defines (of `bytes` bytes); read in the worker when there is one. */
export type MetaSource = (agent: string, root: string, path: string, bytes?: number) => Promise<SessionMeta[]>;

/** Bytes of session files a backup reads on the calling thread before it starts the worker. */
export const INLINE_BYTES = 2 * 2 ** 20;

/** Reads on the calling thread (no worker). */
export const readMetasHere: MetaSource = async (agent, root, path) => {
  const reader = readerFor(agent, path);
  if (!reader) return [];
  const files = localFiles(root);
  const metas: SessionMeta[] = [];
  for (const ref of await reader.list(files, path)) metas.push(await readMeta(reader, files, ref));
  return metas;
};

/** A worker thread reading metadata; if it can't start or dies, reads fall back to this thread. */
class MetaWorker {
  private worker: Worker | undefined;
  private broken = false;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (m: SessionMeta[]) => void; reject: (e: Error) => void; request: MetaRequest }>();

  private readonly url: URL;

  constructor(url: URL) {
    this.url = url;
  }

  read: MetaSource = (agent, root, path) => {
    if (this.broken) return readMetasHere(agent, root, path);
    const worker = this.start();
    const request: MetaRequest = { task: this.next++, agent, root, path };
    return new Promise<SessionMeta[]>((resolve, reject) => {
      this.pending.set(request.task, { resolve, reject, request });
      worker.ref();
      worker.postMessage(request);
    });
  };

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.url);
    worker.on('message', (m: MetaResponse) => {
      const p = this.pending.get(m.task);
      if (!p) return;
      this.pending.delete(m.task);
      if (this.pending.size === 0) worker.unref();
      if ('error' in m) p.reject(new Error(m.error));
      else p.resolve(m.metas);
    });
    const fallBack = () => {
      // The worker is gone: what it had not answered is read here instead.
      this.broken = true;
      this.worker = undefined;
      const left = [...this.pending.values()];
      this.pending.clear();
      for (const p of left) readMetasHere(p.request.agent, p.request.root, p.request.path).then(p.resolve, p.reject);
    };
    worker.on('error', fallBack);
    worker.on('exit', () => {
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
    if (w) await w.terminate();
  }
}

type BuildCache = Map<string, { content: string; entries: CatalogEntry[] }>;

/**
 * What the catalog step of one backup reads: the build cache of each agent source (loaded once)
 * and the metadata of files read ahead during the walk.
 */
export class CatalogPrefetch {
  private readonly sources = new Map<string, BackupSource>();
  private readonly caches = new Map<string, BuildCache>();
  private readonly ahead = new Map<string, { content: string; metas: Promise<SessionMeta[]> }>();
  private readonly worker: MetaWorker | undefined;
  private readonly sessions: SessionDb;
  /** Bytes still to be read here before the worker is started. */
  private inline: number;
  private started = false;
  /** Time the walk spent handing files over (milliseconds): the catalog's cost inside the walk. */
  walkMs = 0;

  constructor(sessions: SessionDb, sources: readonly BackupSource[], options: { worker?: URL | false; inlineBytes?: number } = {}) {
    this.sessions = sessions;
    for (const s of sources) if (s.agent) this.sources.set(s.label, s);
    this.worker = options.worker === false ? undefined : new MetaWorker(options.worker ?? META_WORKER_URL);
    this.inline = options.inlineBytes ?? INLINE_BYTES;
  }

  /** Whether the worker thread was asked to read anything (started). */
  get workerStarted(): boolean {
    return this.started;
  }

  /** Reads here while the files are few and small; in the worker (started now) once they aren't. */
  readonly read: MetaSource = (agent, root, path, bytes = 0) => {
    if (!this.worker || (!this.started && bytes <= this.inline)) {
      this.inline -= bytes;
      return readMetasHere(agent, root, path);
    }
    this.started = true;
    return this.worker.read(agent, root, path);
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
      if (this.cache(label).get(rel)?.content === content) return;
      const metas = this.read(source.agent, source.path, rel, file.size);
      // Failures are reported when the catalog step takes the result.
      metas.catch(() => undefined);
      this.ahead.set(`${label}\0${rel}`, { content, metas });
    } finally {
      this.walkMs += performance.now() - started;
    }
  }

  /** The metadata read ahead for this version of the file, if any (taken: asked once). */
  take(label: string, rel: string, content: string): Promise<SessionMeta[]> | undefined {
    const key = `${label}\0${rel}`;
    const hit = this.ahead.get(key);
    this.ahead.delete(key);
    return hit?.content === content ? hit.metas : undefined;
  }

  /** Stops the worker (reads not taken yet are dropped). */
  async close(): Promise<void> {
    this.ahead.clear();
    await this.worker?.close();
  }
}

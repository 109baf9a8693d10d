// Building a snapshot's catalog during backup, from the files it stores: every file a session
// reader recognises is read once (read.ts), in one streaming pass that yields both the catalog
// entry and the text for the search index (written pending during the read, given its session's
// version here). A file whose content (and every other file of its sessions) is unchanged since
// the last backup is not read again: its entries come from the build cache.

import type { BlobId } from '../../../shared/ids.ts';
import { turn } from '../concurrency.ts';
import type { BackupSource, CatalogInput, CatalogReads } from '../backup/index.ts';
import type { AgentBackupSource } from '../agents/index.ts';
import type { FileCacheEntry } from '../state/index.ts';
import { localFiles, readerFor, readerForFormat, streamItems } from '../sessions/index.ts';
import type { SessionFiles, SessionFormat, SessionMeta, SessionReader, SessionRef } from '../sessions/index.ts';
import { writeCatalog } from './catalog-tree.ts';
import type { CatalogPage } from './catalog-tree.ts';
import { canonicalEntry, sessionDigest } from './entry.ts';
import type { CatalogEntry } from './entry.ts';
import { readHere, readOrResume } from './prefetch.ts';
import { withFolderProjects } from './project-folders.ts';
import type { CatalogPrefetch } from './prefetch.ts';
import { itemText } from './read.ts';
import type { FileSessions } from './read.ts';
import type { BuildCacheEntry, SessionDb } from './session-db.ts';
import { TextChunker } from './session-db.ts';

export interface BuildStats {
  sessions: number;
  /** Sessions read this time (the others came from the build cache). */
  read: number;
  /** Sessions whose text went into the search index: in the same read as their metadata, or after the snapshot was saved. */
  indexed: number;
  /** Time spent building the catalog during the backup, in milliseconds. */
  buildMs: number;
  /** Time the walk spent handing session files to the catalog (milliseconds; see prefetch.ts). */
  walkMs: number;
  /** Time spent indexing text after the snapshot was saved, in milliseconds. */
  indexMs: number;
  /** Files whose sessions could not be read (a warning each). */
  failed: number;
  /** Of the sessions read, those read on from where the last read stopped (only what was appended; resume.ts). */
  resumed: number;
  /** Sessions of a file of many that are as they were, not read again (resume.ts RunsPoint, StampsPoint). */
  kept: number;
}

export interface BuildOptions {
  sessions: SessionDb;
  /** A file whose sessions can't be read: reported, and left out of the catalog. */
  onWarning?: (path: string, message: string) => void;
  signal?: AbortSignal;
  /** The build cache and metadata read during the walk (and the worker to read the rest). */
  prefetch?: CatalogPrefetch;
}

export interface BuiltCatalog {
  root: BlobId;
  pages: CatalogPage[];
  stats: BuildStats;
}

/** A session's time for the index's order (seconds; now when it has none). */
export function timeSeconds(iso: string | undefined): number {
  const t = iso === undefined ? Number.NaN : Date.parse(iso);
  return (Number.isNaN(t) ? Date.now() : t) / 1000;
}

function isoOfNs(ns: string): string {
  return new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
}

/** The catalog entry for a session read from `root`'s files. */
export function entryOf(root: string, meta: SessionMeta, files: ReadonlyMap<string, FileCacheEntry>): CatalogEntry {
  const paths = meta.files.length > 0 ? meta.files : [meta.ref.path];
  const bytes = paths.reduce((n, p) => n + (files.get(p)?.size ?? 0), 0);
  const newestNs = paths.reduce<string | undefined>((max, p) => {
    const t = files.get(p)?.mtimeNs;
    return t !== undefined && (max === undefined || BigInt(t) > BigInt(max)) ? t : max;
  }, undefined);
  const entry: CatalogEntry = {
    agent: meta.agent,
    format: meta.format,
    id: meta.id,
    root,
    path: meta.ref.path,
    files: paths,
    messages: meta.counts.messages,
    toolCalls: meta.counts.toolCalls,
    bytes,
    digest: sessionDigest(paths, (p) => files.get(p)?.content),
  };
  if (meta.ref.key !== undefined) entry.key = meta.ref.key;
  if (meta.title) entry.title = meta.title;
  if (meta.project) entry.project = meta.project;
  if (meta.startedAt) entry.startedAt = meta.startedAt;
  const updated = meta.updatedAt ?? (newestNs ? isoOfNs(newestNs) : undefined);
  if (updated) entry.updatedAt = updated;
  if (meta.model) entry.model = meta.model;
  if (meta.parentId) entry.parentId = meta.parentId;
  if (meta.role) entry.role = meta.role;
  return canonicalEntry(entry);
}

/** A session's entry as it was, at its files' current version (size and digest). */
function reversioned(entry: CatalogEntry, files: ReadonlyMap<string, FileCacheEntry>): CatalogEntry {
  const bytes = entry.files.reduce((n, p) => n + (files.get(p)?.size ?? 0), 0);
  return canonicalEntry({ ...entry, bytes, digest: sessionDigest(entry.files, (p) => files.get(p)?.content) });
}

/**
 * Writes one session's text into the search index, read in one streaming pass (memory stays
 * bounded by one chunk and the writer's batch), replacing the version the index held.
 */
export async function indexSessionText(sessions: SessionDb, reader: SessionReader, files: SessionFiles, ref: SessionRef, version: { agent: string; id: string; digest: string; updatedAt?: string }, signal?: AbortSignal): Promise<void> {
  const chunker = new TextChunker();
  const text = sessions.textWriter({ at: timeSeconds(version.updatedAt) });
  try {
    for await (const { item } of streamItems(reader, files, ref, { signal })) {
      chunker.add(item.seq, itemText(item));
      text.add(chunker.take());
    }
    text.add(chunker.finish());
    text.commit(version.agent, version.id, version.digest);
  } catch (error) {
    text.discard();
    throw error;
  }
}

export interface IndexLocalOptions {
  /** This device: only its sessions are read (from this disk). */
  device: string;
  /** Where each source label is on this disk. */
  roots: ReadonlyMap<string, string>;
  signal?: AbortSignal;
  /** A session whose text can't be read (it is left out of the index, and tried again next time). */
  onWarning?: (path: string, message: string) => void;
}

/**
 * Indexes the text of this device's listed sessions that the index doesn't hold at their
 * current version, read from this disk. Runs after a backup's snapshot is saved (off the
 * backup's critical path); returns how many sessions were indexed.
 */
export async function indexLocalSessions(sessions: SessionDb, options: IndexLocalOptions): Promise<number> {
  let done = 0;
  // Oldest first: a session indexed later gets higher rowids, and search ranks the newest
  // matching rowids (SessionDb.search), so newer sessions are the ones a common word finds.
  for (const row of sessions.unindexed(Number.MAX_SAFE_INTEGER, options.device).reverse()) {
    options.signal?.throwIfAborted();
    const root = options.roots.get(row.root);
    if (root === undefined) continue;
    const reader = readerForFormat(row.format as SessionFormat);
    const ref: SessionRef = { agent: reader.agent, format: reader.format, path: row.path, ...(row.key !== undefined ? { key: row.key } : {}) };
    try {
      await indexSessionText(sessions, reader, localFiles(root), ref, row, options.signal);
      done++;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      options.onWarning?.(`${root}/${row.path}`, `Its text is not in the search index: ${(error as Error).message}`);
    }
  }
  // The text of versions replaced by this backup goes now, a slice at a time.
  await sessions.dropRetired(options.signal);
  return done;
}

/** Files whose sessions are written into the index and catalog in one transaction, at most. */
const COMMIT_FILES = 256;

/** A file of an agent's folder the build cache couldn't serve, and its read. */
interface Miss {
  source: BackupSource & { agent: string };
  files: ReadonlyMap<string, FileCacheEntry>;
  path: string;
  content: string;
  hit: BuildCacheEntry | undefined;
  read: Promise<FileSessions>;
  settled?: { got: FileSessions } | { error: unknown };
}

/**
 * The catalog of a backup's sources (those of an agent), written through `input`'s stores. A
 * file that can't be read is warned about and left out; the backup goes on.
 */
export async function buildCatalog(input: CatalogInput, options: BuildOptions): Promise<BuiltCatalog> {
  const { sessions, prefetch } = options;
  const started = performance.now();
  const stats: BuildStats = { sessions: 0, read: 0, resumed: 0, kept: 0, indexed: 0, failed: 0, buildMs: 0, walkMs: 0, indexMs: 0 };
  const entries: CatalogEntry[] = [];
  const cacheUpdates: ({ label: string; path: string } & BuildCacheEntry)[] = [];
  const misses: Miss[] = [];
  const read = prefetch?.read ?? readHere(sessions);
  for (const source of input.sources) {
    if (!source.agent) continue;
    const files = input.files.get(source.label);
    if (!files) continue;
    const cached = prefetch ? prefetch.cache(source.label) : sessions.buildCache(source.label);
    for (const [path, file] of files) {
      if (!readerFor(source.agent, path)) continue;
      for (let t = turn(); t; t = turn()) await t;
      options.signal?.throwIfAborted();
      const content = prefetch?.digestOf(source.label, path, file) ?? sessionDigest([path], () => file.content);
      const hit = cached.get(path);
      // Reuse only when the file and every other file its sessions read are as they were.
      // A session of this file alone has this file's digest: nothing to hash again.
      if (hit && hit.content === content && hit.entries.every((e) => (e.files.length === 1 && e.files[0] === path ? content : sessionDigest(e.files, (p) => files.get(p)?.content)) === e.digest)) {
        entries.push(...hit.entries);
        continue;
      }
      // Read during the walk when the backup reported the file (see prefetch.ts), else now.
      const got = prefetch?.take(source.label, path, content) ?? readOrResume(read, source.agent, source.path, path, file, hit);
      got.catch(() => undefined);
      misses.push({ source: source as BackupSource & { agent: string }, files, path, content, hit, read: got });
    }
  }
  // Roots kept from the parent as they were (BackupOptions.keepOtherAgents): their sessions as the
  // build cache has them from the last build that read them — the parent's entries, read from this
  // machine, so a backup into the outbox keeps them too.
  for (const label of input.kept ?? []) for (const hit of sessions.buildCache(label).values()) entries.push(...hit.entries);
  await takeMisses(misses, sessions, { stats, entries, cacheUpdates }, options, input.onRead);
  stats.sessions = entries.length;
  const known = [...new Set(input.sources.flatMap((s) => (s as AgentBackupSource).projects ?? []))];
  const { root, pages } = await writeCatalog(withFolderProjects(entries, known), { data: input.storeData, tree: input.storeTree });
  // The snapshot's file maps answer "is it still there" as they are (a Set of every file of a
  // source was most of this step's time in a 10,000-session next backup).
  const none: ReadonlySet<string> = new Set();
  sessions.updateBuildCache(input.sources.filter((s) => s.agent).map((s) => s.label), cacheUpdates, (label) => input.files.get(label) ?? none);
  stats.buildMs = Math.round(performance.now() - started);
  stats.walkMs = Math.round(prefetch?.walkMs ?? 0);
  return { root, pages, stats };
}

/** What the catalog step collects: its stats, the catalog's entries and the build cache's updates. */
interface Collected {
  stats: BuildStats;
  entries: CatalogEntry[];
  cacheUpdates: ({ label: string; path: string } & BuildCacheEntry)[];
}

/**
 * Marks each miss settled as its read ends and, given `onRead`, reports how many have: the reads
 * that ended during the walk first, counted together and reported as one.
 */
async function watchReads(misses: readonly Miss[], onRead: CatalogInput['onRead']): Promise<void> {
  const sizeOf = (miss: Miss) => miss.files.get(miss.path)?.size ?? 0;
  const reads: CatalogReads = { files: 0, filesTotal: misses.length, bytes: 0, bytesTotal: misses.reduce((n, m) => n + sizeOf(m), 0) };
  let reporting = false;
  const ended = (miss: Miss, settled: NonNullable<Miss['settled']>) => {
    miss.settled = settled;
    reads.files++;
    reads.bytes += sizeOf(miss);
    if (reporting) onRead?.({ ...reads });
  };
  for (const miss of misses) {
    miss.read.then(
      (got) => ended(miss, { got }),
      (error: unknown) => ended(miss, { error }),
    );
  }
  // The reads that ended during the walk are counted first, and reported as one.
  if (onRead && misses.length > 0) {
    await new Promise((resolve) => setImmediate(resolve));
    reporting = true;
    onRead({ ...reads });
  }
}

/**
 * Takes the reads of the files the build cache couldn't serve, in order: each file's sessions
 * become the catalog's entries and the index's versions of their text. A file that can't be
 * read is warned about and left out.
 */
async function takeMisses(misses: readonly Miss[], sessions: SessionDb, out: Collected, options: BuildOptions, onRead: CatalogInput['onRead']): Promise<void> {
  const { stats, entries, cacheUpdates } = out;
  await watchReads(misses, onRead);
  /** A file's sessions made the index's and catalog's versions (in the caller's transaction). */
  const commit = (miss: Miss, got: FileSessions) => {
    const read = got.metas.map((meta) => entryOf(miss.source.label, meta, miss.files));
    const keep = new Set(got.kept ?? []);
    let indexed = 0;
    let resumed = 0;
    // The text read with the metadata becomes the index's version of each session.
    read.forEach((e, i) => {
      const sid = got.texts[i];
      const appended = got.appended?.[i];
      if (sid !== undefined) {
        sessions.commitPending(sid, e.agent, e.id, e.digest);
        indexed++;
      } else if (appended) {
        resumed++;
        // The index goes on from the version it holds; else the session is indexed whole after the snapshot.
        const from = miss.hit?.entries[0]?.digest;
        if (from !== undefined && sessions.appendText(e.agent, e.id, from, e.digest, appended)) indexed++;
      }
    });
    // Sessions of a file of many that are as they were (read.ts ReadFrom): at the file's new version.
    const kept = (miss.hit?.entries.filter((e) => keep.has(e.key ?? '')) ?? []).map((old) => {
      const e = reversioned(old, miss.files);
      sessions.reversion(e.agent, e.id, old.digest, e.digest);
      return e;
    });
    return { read, kept, indexed, resumed };
  };
  const failed = (miss: Miss, error: unknown) => {
    if (options.signal?.aborted) throw error;
    stats.failed++;
    // Deleted since the walk stored it (the agent removed the session): nothing to warn about.
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return;
    options.onWarning?.(`${miss.source.path}/${miss.path}`, `Its sessions are not in the catalog: ${(error as Error).message}`);
  };
  for (let next = 0; next < misses.length; ) {
    options.signal?.throwIfAborted();
    await (misses[next] as Miss).read.catch(() => undefined);
    // A worker's replies come together (meta-worker.ts), one message event each: let them in.
    await new Promise((resolve) => setImmediate(resolve));
    // This file and the ones after it already read are written in one transaction, waited for
    // without holding the event loop while a session worker writes (SessionDb.writing): one a
    // file was a thousand turns on the database at the end of a first backup.
    const group: { miss: Miss; got: FileSessions }[] = [];
    for (; next < misses.length && group.length < COMMIT_FILES; next++) {
      const miss = misses[next] as Miss;
      if (!miss.settled) break;
      if ('got' in miss.settled) group.push({ miss, got: miss.settled.got });
      else failed(miss, miss.settled.error);
    }
    if (group.length === 0) continue;
    let done: (ReturnType<typeof commit> | undefined)[];
    try {
      done = await sessions.writing(() => group.map((g) => commit(g.miss, g.got)), options.signal);
    } catch {
      // Each on its own, as the one that failed is left out alone.
      done = [];
      for (const g of group) {
        try {
          done.push(await sessions.writing(() => commit(g.miss, g.got), options.signal));
        } catch (error) {
          failed(g.miss, error);
          done.push(undefined);
        }
      }
    }
    group.forEach(({ miss, got }, i) => {
      const d = done[i];
      if (!d) return;
      stats.indexed += d.indexed;
      stats.resumed += d.resumed;
      stats.kept += d.kept.length;
      stats.read += got.metas.length;
      const found = [...d.kept, ...d.read];
      entries.push(...found);
      const resume = got.point ?? (found.length === 1 ? got.resume?.[0] : undefined);
      cacheUpdates.push({ label: miss.source.label, path: miss.path, content: miss.content, entries: found, ...(resume ? { resume } : {}) });
    });
  }
}

// Building a snapshot's catalog during backup, from the files it stores: every file a session
// reader recognises is read once, in one streaming pass that yields both the catalog entry and
// the text for the search index. A file whose content (and every other file of its sessions) is
// unchanged since the last backup is not read again: its entries come from the build cache.

import type { BlobId } from '../../../shared/ids.ts';
import type { BackupSource, CatalogInput } from '../backup/index.ts';
import type { FileCacheEntry } from '../state/index.ts';
import { localFiles, readerFor, readerForFormat, streamItems } from '../sessions/index.ts';
import type { SessionFiles, SessionFormat, SessionItem, SessionMeta, SessionReader, SessionRef } from '../sessions/index.ts';
import { writeCatalog } from './catalog-tree.ts';
import type { CatalogPage } from './catalog-tree.ts';
import { canonicalEntry, sessionDigest } from './entry.ts';
import type { CatalogEntry } from './entry.ts';
import { readMetasHere } from './prefetch.ts';
import type { CatalogPrefetch } from './prefetch.ts';
import type { SessionDb } from './session-db.ts';
import { TextChunker } from './session-db.ts';

/** Longest text an item contributes to the search index (tool output can be a whole file). */
const MAX_ITEM_TEXT = 4096;
const MAX_SIDE_TEXT = 1024;

export interface BuildStats {
  sessions: number;
  /** Sessions read this time (the others came from the build cache). */
  read: number;
  /** Sessions whose text went into the search index (after the snapshot was saved). */
  indexed: number;
  /** Time spent building the catalog during the backup, in milliseconds. */
  buildMs: number;
  /** Time the walk spent handing session files to the catalog (milliseconds; see prefetch.ts). */
  walkMs: number;
  /** Time spent indexing text after the snapshot was saved, in milliseconds. */
  indexMs: number;
  /** Files whose sessions could not be read (a warning each). */
  failed: number;
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

/** What the search index takes from an item: the words a user would look for. */
export function itemText(item: SessionItem): string {
  const cut = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);
  switch (item.kind) {
    case 'message':
      return item.text;
    case 'thinking':
      return cut(item.text, MAX_ITEM_TEXT);
    case 'tool-call':
      return [item.name, item.summary, cut(item.input, MAX_SIDE_TEXT), item.result ? cut(item.result.text, MAX_SIDE_TEXT) : ''].join('\n');
    case 'tool-result':
      return cut(item.result.text, MAX_SIDE_TEXT);
    case 'attachment':
      return `${item.label}\n${cut(item.text, MAX_SIDE_TEXT)}`;
    case 'note':
      return `${item.label}\n${cut(item.text, MAX_SIDE_TEXT)}`;
    case 'subagent':
      return item.title ?? '';
    case 'not-shown':
    case 'unreadable':
      return '';
    default: {
      const never: never = item;
      return never;
    }
  }
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

/**
 * Writes one session's text into the search index, read in one streaming pass (memory stays
 * bounded by one chunk and the writer's batch), replacing the version the index held.
 */
export async function indexSessionText(sessions: SessionDb, reader: SessionReader, files: SessionFiles, ref: SessionRef, version: { agent: string; id: string; digest: string }, signal?: AbortSignal): Promise<void> {
  const chunker = new TextChunker();
  const text = sessions.textWriter();
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
  return done;
}

/**
 * The catalog of a backup's sources (those of an agent), written through `input`'s stores. A
 * file that can't be read is warned about and left out; the backup goes on.
 */
export async function buildCatalog(input: CatalogInput, options: BuildOptions): Promise<BuiltCatalog> {
  const { sessions, prefetch } = options;
  const started = performance.now();
  const stats: BuildStats = { sessions: 0, read: 0, indexed: 0, failed: 0, buildMs: 0, walkMs: 0, indexMs: 0 };
  const entries: CatalogEntry[] = [];
  const cacheUpdates: { label: string; path: string; content: string; entries: CatalogEntry[] }[] = [];
  const misses: { source: BackupSource & { agent: string }; files: ReadonlyMap<string, FileCacheEntry>; path: string; content: string; metas: Promise<SessionMeta[]> }[] = [];
  const read = prefetch?.read ?? readMetasHere;
  for (const source of input.sources) {
    if (!source.agent) continue;
    const files = input.files.get(source.label);
    if (!files) continue;
    const cached = prefetch ? prefetch.cache(source.label) : sessions.buildCache(source.label);
    for (const [path, file] of files) {
      if (!readerFor(source.agent, path)) continue;
      options.signal?.throwIfAborted();
      const content = sessionDigest([path], () => file.content);
      const hit = cached.get(path);
      // Reuse only when the file and every other file its sessions read are as they were.
      if (hit && hit.content === content && hit.entries.every((e) => sessionDigest(e.files, (p) => files.get(p)?.content) === e.digest)) {
        entries.push(...hit.entries);
        continue;
      }
      // Read during the walk when the backup reported the file (see prefetch.ts), else now.
      const metas = prefetch?.take(source.label, path, content) ?? read(source.agent, source.path, path, file.size);
      metas.catch(() => undefined);
      misses.push({ source: source as BackupSource & { agent: string }, files, path, content, metas });
    }
  }
  for (const miss of misses) {
    options.signal?.throwIfAborted();
    let found: CatalogEntry[];
    try {
      found = (await miss.metas).map((meta) => entryOf(miss.source.label, meta, miss.files));
    } catch (error) {
      if (options.signal?.aborted) throw error;
      stats.failed++;
      options.onWarning?.(`${miss.source.path}/${miss.path}`, `Its sessions are not in the catalog: ${(error as Error).message}`);
      continue;
    }
    stats.read += found.length;
    entries.push(...found);
    cacheUpdates.push({ label: miss.source.label, path: miss.path, content: miss.content, entries: found });
  }
  stats.sessions = entries.length;
  const { root, pages } = await writeCatalog(entries, { data: input.storeData, tree: input.storeTree });
  sessions.updateBuildCache(input.sources.filter((s) => s.agent).map((s) => s.label), cacheUpdates, (label) => new Set(input.files.get(label)?.keys() ?? []));
  stats.buildMs = Math.round(performance.now() - started);
  stats.walkMs = Math.round(prefetch?.walkMs ?? 0);
  return { root, pages, stats };
}

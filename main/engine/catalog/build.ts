// Building a snapshot's catalog during backup, from the files it stores: every file a session
// reader recognises is read once, in one streaming pass that yields both the catalog entry and
// the text for the search index. A file whose content (and every other file of its sessions) is
// unchanged since the last backup is not read again: its entries come from the build cache.

import type { BlobId } from '../../../shared/ids.ts';
import type { CatalogInput } from '../backup/index.ts';
import type { FileCacheEntry } from '../state/index.ts';
import { localFiles, MetaBuilder, readerFor, streamItems } from '../sessions/index.ts';
import type { SessionFiles, SessionItem, SessionMeta, SessionReader, SessionRef } from '../sessions/index.ts';
import { writeCatalog } from './catalog-tree.ts';
import type { CatalogPage } from './catalog-tree.ts';
import { canonicalEntry, sessionDigest } from './entry.ts';
import type { CatalogEntry } from './entry.ts';
import type { SessionDb } from './session-db.ts';
import { TextChunker } from './session-db.ts';

/** Longest text an item contributes to the search index (tool output can be a whole file). */
const MAX_ITEM_TEXT = 4096;
const MAX_SIDE_TEXT = 1024;

export interface BuildStats {
  sessions: number;
  /** Sessions read this time (the others came from the build cache). */
  read: number;
  /** Sessions whose text went into the search index. */
  indexed: number;
  /** Files whose sessions could not be read (a warning each). */
  failed: number;
}

export interface BuildOptions {
  sessions: SessionDb;
  /** A file whose sessions can't be read: reported, and left out of the catalog. */
  onWarning?: (path: string, message: string) => void;
  signal?: AbortSignal;
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
 * Reads one session: its metadata and, unless the index already holds this version, its text
 * into the search index (written as it is read: memory stays bounded by one chunk).
 */
export async function readForCatalog(
  reader: SessionReader,
  files: SessionFiles,
  ref: SessionRef,
  digestOf: (meta: SessionMeta) => string,
  sessions: SessionDb,
  signal?: AbortSignal,
): Promise<{ meta: SessionMeta; indexed: boolean }> {
  const builder = new MetaBuilder(ref);
  const chunker = new TextChunker();
  const text = sessions.textWriter();
  for await (const { item } of streamItems(reader, files, ref, { signal }, (m) => builder.patch(m))) {
    builder.item(item);
    chunker.add(item.seq, itemText(item));
    text.add(chunker.take());
  }
  text.add(chunker.finish());
  const meta = builder.build();
  const digest = digestOf(meta);
  if (sessions.indexedDigest(meta.agent, meta.id) === digest) {
    text.discard();
    return { meta, indexed: false };
  }
  text.commit(meta.agent, meta.id, digest);
  return { meta, indexed: true };
}

/**
 * The catalog of a backup's sources (those of an agent), written through `input`'s stores. A
 * file that can't be read is warned about and left out; the backup goes on.
 */
export async function buildCatalog(input: CatalogInput, options: BuildOptions): Promise<BuiltCatalog> {
  const { sessions } = options;
  const stats: BuildStats = { sessions: 0, read: 0, indexed: 0, failed: 0 };
  const entries: CatalogEntry[] = [];
  const cacheUpdates: { label: string; path: string; content: string; entries: CatalogEntry[] }[] = [];
  for (const source of input.sources) {
    if (!source.agent) continue;
    const files = input.files.get(source.label);
    if (!files) continue;
    const local = localFiles(source.path);
    const cached = sessions.buildCache(source.label);
    for (const [path, file] of files) {
      const reader = readerFor(source.agent, path);
      if (!reader) continue;
      options.signal?.throwIfAborted();
      const content = sessionDigest([path], () => file.content);
      const hit = cached.get(path);
      // Reuse only when the file and every other file its sessions read are as they were.
      if (hit && hit.content === content && hit.entries.every((e) => sessionDigest(e.files, (p) => files.get(p)?.content) === e.digest)) {
        entries.push(...hit.entries);
        continue;
      }
      const found: CatalogEntry[] = [];
      try {
        for (const ref of await reader.list(local, path)) {
          const { meta, indexed } = await readForCatalog(reader, local, ref, (m) => entryOf(source.label, m, files).digest, sessions, options.signal);
          found.push(entryOf(source.label, meta, files));
          stats.read++;
          if (indexed) stats.indexed++;
        }
      } catch (error) {
        if (options.signal?.aborted) throw error;
        stats.failed++;
        options.onWarning?.(`${source.path}/${path}`, `Its sessions are not in the catalog: ${(error as Error).message}`);
        continue;
      }
      entries.push(...found);
      cacheUpdates.push({ label: source.label, path, content, entries: found });
    }
  }
  stats.sessions = entries.length;
  const { root, pages } = await writeCatalog(entries, { data: input.storeData, tree: input.storeTree });
  sessions.updateBuildCache(input.sources.filter((s) => s.agent).map((s) => s.label), cacheUpdates, (label) => new Set(input.files.get(label)?.keys() ?? []));
  return { root, pages, stats };
}

// One read of a file that defines sessions gives everything the catalog and the search index take
// from it: each session's metadata and its text, written into the index as it is read (pending
// until the catalog step knows the session's version, see SessionDb.commitPending). Used on the
// backup's calling thread and in the session worker (meta-worker.ts) alike.

import { localFiles, MetaBuilder, readerFor, streamItems } from '../sessions/index.ts';
import type { SessionItem, SessionMeta, SessionRef, StopCheck } from '../sessions/index.ts';
import { canResume, pointAfter, ReadTrack, tee } from './resume.ts';
import type { ReadFrom, ResumePoint, RunsPoint, StampsPoint } from './resume.ts';
import type { SessionDb, TextChunk, TextWriter } from './session-db.ts';
import { TextChunker } from './session-db.ts';

/** Longest text an item contributes to the search index (tool output can be a whole file). */
const MAX_ITEM_TEXT = 4096;
/** Tool calls' input and results, attachments: what a user searches is the first lines. */
const MAX_SIDE_TEXT = 1024;

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

export interface FileSessions {
  metas: SessionMeta[];
  /** Per meta: the sid of its text, pending in the index (when an index was given). */
  texts: (number | undefined)[];
  /** Per meta, from a read resumed where the last one stopped: the text of what was appended. */
  appended?: TextChunk[][];
  /** Per meta: where this read stopped, when the next can go on from there (resume.ts). */
  resume?: (ResumePoint | undefined)[];
  /**
   * A file of many sessions read on from its last point (`ReadFrom`): the keys of the sessions not
   * read again, as they were (`metas` are the others).
   */
  kept?: string[];
  /** Such a file's point for the next read. */
  point?: RunsPoint | StampsPoint;
}

export interface IndexTarget {
  sessions: SessionDb;
  /** The sessions' time for the index's order (seconds): the file's mtime. */
  at: number;
  /** The sids to take (see SessionDb.textWriter). */
  lane?: { k: number; n: number };
}

/**
 * The sessions a file of an agent's folder defines: metadata, and with `index` their text written
 * there (pending), all from one streaming pass per session. With `from` (a file of many sessions
 * read before), the sessions that are as they were then are not read again: for a file whose
 * sessions are appended one after another (RunsPoint), those it held but its last, when it has
 * only grown since; for a database (StampsPoint), those whose stamp is the same.
 */
export async function readFileSessions(agent: string, root: string, path: string, index?: IndexTarget, signal?: StopCheck, from?: ReadFrom): Promise<FileSessions> {
  const reader = readerFor(agent, path);
  const out: FileSessions = { metas: [], texts: [] };
  if (!reader) return out;
  const local = localFiles(root);
  try {
    // Such a file's listing reads it whole, once: hashed on the way (and its old point's prefix checked).
    const runs = from?.point.kind === 'runs' ? from.point : undefined;
    const runTrack = reader.appendsSessions ? new ReadTrack(undefined, { firstOnly: true, mark: runs?.offset }) : undefined;
    const listed = runTrack ? tee(local, path, 0, runTrack) : local;
    // A database's stamps are taken before its sessions are read: a session changed meanwhile has another stamp next time.
    const stamps = reader.stamps ? await reader.stamps(local, path) : undefined;
    const refs = await reader.list(listed, path);
    const kept = new Set(runs && runTrack && from ? keptRuns(runs, from.keys, runTrack, refs) : stamps && from?.point.kind === 'stamps' ? keptStamped(from.point, from.keys, stamps, refs) : []);
    // A file whose one session can go on later is read through a tee that hashes what it reads.
    const track = !runTrack && refs.length === 1 && refs[0] && (await canResume(reader, local, refs[0])) ? new ReadTrack() : undefined;
    const files = track ? tee(local, path, 0, track) : listed;
    if (kept.size > 0) out.kept = [...kept];
    // Only after a listing that read to the end of a whole line, and that alone.
    if (runTrack && runTrack.opens === 1 && runTrack.last === 0x0a) out.point = { kind: 'runs', offset: runTrack.bytes, prefix: runTrack.hash.copy().digest('hex'), sessions: refs.length };
    if (stamps) out.point = { kind: 'stamps', stamps: Object.fromEntries(stamps) };
    for (const ref of refs) {
      if (kept.has(ref.key ?? '')) continue;
      const builder = new MetaBuilder(ref);
      const chunker = index ? new TextChunker() : undefined;
      const writer: TextWriter | undefined = index?.sessions.textWriter({ at: index.at, ...(index.lane ? { lane: index.lane } : {}) });
      const state: Record<string, unknown> = {};
      let seq = 0;
      try {
        for await (const { item } of streamItems(reader, files, ref, { signal, state }, (m) => builder.patch(m))) {
          builder.item(item);
          seq = item.seq + 1;
          if (chunker && writer) {
            chunker.add(item.seq, itemText(item));
            writer.add(chunker.take());
          }
        }
        if (chunker && writer) writer.add(chunker.finish());
        out.metas.push(builder.build());
        out.texts.push(writer?.park());
        if (track) (out.resume ??= []).push(pointAfter(track, { offset: 0, line: 1 }, seq, builder, ref, state));
      } catch (error) {
        writer?.discard();
        throw error;
      }
    }
  } catch (error) {
    // The file is left out whole (as its metadata is): its other sessions' text goes too.
    for (const sid of out.texts) if (sid !== undefined) index?.sessions.dropPending(sid);
    throw error;
  }
  return out;
}

/**
 * The keys of a file's first sessions that are as they were at `point`: all it held then but the
 * last, when the file's first bytes are the ones read then (it only grew) and the same sessions
 * begin them; else none.
 */
function keptRuns(point: RunsPoint, keys: readonly string[], track: ReadTrack, refs: readonly SessionRef[]): string[] {
  if (track.marked !== point.prefix || keys.length !== point.sessions || refs.length < point.sessions) return [];
  const kept = refs.slice(0, point.sessions - 1).map((r) => r.key ?? '');
  return kept.every((k, i) => k === keys[i]) ? kept : [];
}

/** The keys of a database's sessions whose stamp is the one they had at `point` (and that the cache holds). */
function keptStamped(point: StampsPoint, keys: readonly string[], stamps: ReadonlyMap<string, string>, refs: readonly SessionRef[]): string[] {
  const cached = new Set(keys);
  return refs.map((r) => r.key ?? '').filter((k) => {
    const stamp = stamps.get(k);
    return stamp !== undefined && cached.has(k) && point.stamps[k] === stamp;
  });
}

/** The time of a file for the index's order: its mtime in seconds. */
export function mtimeSeconds(mtimeNs: string | undefined): number {
  if (!mtimeNs) return Date.now() / 1000;
  try {
    return Number(BigInt(mtimeNs) / 1_000_000_000n);
  } catch {
    return Date.now() / 1000;
  }
}

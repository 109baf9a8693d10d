// Reading only what was appended. A session someone is working in grows by a few lines between
// two backups, and reading it whole again each time (metadata and search text) cost 0.5–0.8 s per
// backup for a 20 MB transcript. A read of a file whose one session can resume (its reader says
// so: Claude Code transcripts, Codex rollouts) that reached the end of the file's last line leaves
// a resume point: the bytes read and a SHA-256 of them, the line and item number it stopped at,
// the metadata fold so far and the reader's own state. The next read hashes that prefix again
// and, when the hash is the same (the file only grew), reads on from the point: the metadata
// comes out as a whole read's would, and only the new text goes into the search index.

import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { localFiles, MetaBuilder, readerFor, streamItems } from '../sessions/index.ts';
import type { MetaBuilderState, SessionFiles, SessionReader, SessionRef } from '../sessions/index.ts';
import { itemText } from './read.ts';
import type { FileSessions } from './read.ts';
import { TextChunker } from './session-db.ts';

export interface ResumePoint {
  kind?: undefined;
  /** Bytes read: the file up to and with its last line break. */
  offset: number;
  /** The number of the line after the last. */
  line: number;
  /** The next item's number. */
  seq: number;
  /** SHA-256 (hex) of the first `offset` bytes. */
  prefix: string;
  builder: MetaBuilderState;
  /** The reader's state (ReadOptions.state) at the end. */
  reader: Record<string, unknown>;
}

/**
 * Where a read of a file whose sessions are appended one after another (SessionReader
 * appendsSessions: Aider's runs) stopped: the file's first `offset` bytes, a SHA-256 of them, and
 * the number of sessions they held. When the file has only grown, the first `sessions - 1` are
 * as they were; the last may have grown, and any after it are new.
 */
export interface RunsPoint {
  kind: 'runs';
  offset: number;
  prefix: string;
  sessions: number;
}

/**
 * Where a read of a database of many sessions (SessionReader.stamps) stopped: each session's stamp
 * then, by key. When the file changed, a session whose stamp is the same is as it was.
 */
export interface StampsPoint {
  kind: 'stamps';
  stamps: Record<string, string>;
}

/** A read of a file of many sessions going on from its point: the keys of the sessions the cache holds, in order. */
export interface ReadFrom {
  point: RunsPoint | StampsPoint;
  keys: readonly string[];
}

/** What a read that can resume keeps track of, fed by `tee`. */
export class ReadTrack {
  readonly hash: Hash;
  bytes = 0;
  newlines = 0;
  last = -1;
  opens = 0;
  /** Only the first open of the file is tracked; later ones (a session further on) pass through. */
  readonly firstOnly: boolean;
  /** Where to take the hash of the bytes so far on the way (`marked`): a resume point's offset. */
  readonly mark: number | undefined;
  marked: string | undefined;
  constructor(hash: Hash = createHash('sha256'), options: { firstOnly?: boolean; mark?: number } = {}) {
    this.hash = hash;
    this.firstOnly = options.firstOnly ?? false;
    this.mark = options.mark;
  }

  /** Hashes and counts a chunk read. */
  add(chunk: Buffer): void {
    const cut = this.mark !== undefined && this.marked === undefined ? this.mark - this.bytes : -1;
    if (cut >= 0 && cut <= chunk.length) {
      this.hash.update(chunk.subarray(0, cut));
      this.marked = this.hash.copy().digest('hex');
      this.hash.update(chunk.subarray(cut));
    } else this.hash.update(chunk);
    this.bytes += chunk.length;
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) this.newlines++;
    if (chunk.length > 0) this.last = chunk[chunk.length - 1] as number;
  }
}

/**
 * `files`, with the reads of `path` (opened at `start`) hashed and counted into `track`. A second
 * open of the file makes the track useless (opens > 1): no resume point is left then; unless the
 * track is `firstOnly`, when later opens are not tracked at all.
 */
export function tee(files: SessionFiles, path: string, start: number, track: ReadTrack): SessionFiles {
  return {
    ...files,
    open(p, from = 0) {
      if (p !== path || (track.firstOnly && track.opens > 0)) return files.open(p, from);
      track.opens += from === start ? 1 : 2;
      return (async function* () {
        for await (const chunk of files.open(p, from)) {
          track.add(chunk);
          yield chunk;
        }
      })();
    },
  };
}

/** Whether a read of `ref` (the only session of its file) may leave a resume point. */
export async function canResume(reader: SessionReader, files: SessionFiles, ref: SessionRef): Promise<boolean> {
  return (await reader.resumable?.(files, ref)) ?? false;
}

/** The resume point of a read that went from `start` (line `line`, hash so far in `track`) to the end. */
export function pointAfter(track: ReadTrack, start: { offset: number; line: number }, seq: number, builder: MetaBuilder, ref: SessionRef, state: Record<string, unknown>): ResumePoint | undefined {
  const saved = builder.saved();
  // Only when the file ended with a whole line, was read once, and is the session's only file.
  if (track.opens !== 1 || track.last !== 0x0a || saved.files.length !== 1 || saved.files[0] !== ref.path) return undefined;
  return { offset: start.offset + track.bytes, line: start.line + track.newlines, seq, prefix: track.hash.copy().digest('hex'), builder: saved, reader: structuredClone(state) };
}

/** The hash of the first `length` bytes of `path`, or undefined when the file is shorter. */
async function hashPrefix(files: SessionFiles, path: string, length: number): Promise<Hash | undefined> {
  const hash = createHash('sha256');
  let left = length;
  if (left === 0) return hash;
  for await (const chunk of files.open(path, 0)) {
    const take = Math.min(left, chunk.length);
    hash.update(take === chunk.length ? chunk : chunk.subarray(0, take));
    left -= take;
    if (left === 0) return hash;
  }
  return undefined;
}

/** The sessions of a file read from `point` on, with the text of what was appended. */
export interface ResumedSessions extends FileSessions {
  /** The search text of the appended part (SessionDb.appendText). */
  appended: NonNullable<FileSessions['appended']>;
}

/**
 * The sessions of `path` read on from `point`, or undefined when they can't be: the file's first
 * `point.offset` bytes are not the ones read then (it was rewritten, not grown), or the session
 * no longer resumes (a sub-agent folder appeared). The caller then reads the file whole.
 */
export async function resumeFileSessions(agent: string, root: string, path: string, point: ResumePoint, signal?: AbortSignal): Promise<ResumedSessions | undefined> {
  const reader = readerFor(agent, path);
  if (!reader?.resumable) return undefined;
  const files = localFiles(root);
  const refs = await reader.list(files, path);
  const ref = refs[0];
  if (refs.length !== 1 || !ref || !(await canResume(reader, files, ref))) return undefined;
  if (point.builder.files.length !== 1 || point.builder.files[0] !== path) return undefined;
  const stat = await files.stat(path);
  if (!stat || stat.size < point.offset) return undefined;
  const hash = await hashPrefix(files, path, point.offset);
  if (!hash || hash.copy().digest('hex') !== point.prefix) return undefined;
  const track = new ReadTrack(hash);
  const builder = new MetaBuilder(ref, point.builder);
  const state = structuredClone(point.reader);
  const chunker = new TextChunker();
  const chunks = [];
  let seq = point.seq;
  const from = { offset: point.offset, line: point.line };
  for await (const { item } of streamItems(reader, tee(files, path, point.offset, track), ref, { from, seq, state, ...(signal ? { signal } : {}) }, (m) => builder.patch(m))) {
    builder.item(item);
    seq = item.seq + 1;
    chunker.add(item.seq, itemText(item));
    chunks.push(...chunker.take());
  }
  chunks.push(...chunker.finish());
  const next = pointAfter(track, from, seq, builder, ref, state);
  // Nothing was appended past a whole line (a line still being written): the old point stands.
  return { metas: [builder.build()], texts: [undefined], appended: [chunks], resume: [next ?? (track.bytes === 0 ? point : undefined)] };
}

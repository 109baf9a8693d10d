// Sessions: one reader per agent file format, each turning an agent's files into one session
// model (model.ts) — metadata for catalogs and lists, items for the conversation view, read
// incrementally so any transcript is paged with bounded memory. Readers work on files relative
// to an agent root (the adapters' roots in ../agents) through `SessionFiles`, so they read this
// machine's disk (`localFiles`) or a snapshot's files alike.
//
//   const reader = readerFor('claude-code', 'projects/-home-a-app/5f1c….jsonl');
//   const [ref] = await reader.list(files, path);
//   const meta = await readMeta(reader, files, ref);              // one pass, nothing kept
//   const page = await readPage(reader, files, ref, { limit: 200 }); // then { cursor: page.next }

import picomatch from 'picomatch';
import type { SessionAgent, SessionFormat, SessionRef } from './model.ts';
import type { SessionFiles } from './files.ts';
import { localFiles } from './files.ts';
import type { SessionReader } from './reader.ts';
import { claudeCodeReader } from './readers/claude-code.ts';
import { codexReader } from './readers/codex.ts';
import { antigravityReader, geminiJsonlReader, geminiJsonReader } from './readers/gemini.ts';
import { opencodeDbReader, opencodeStorageReader } from './readers/opencode.ts';
import { clineReader, rooReader } from './readers/cline.ts';
import { aiderReader } from './readers/aider.ts';
import { gooseDbReader, gooseJsonlReader } from './readers/goose.ts';
import { cursorChatReader, cursorCliReader, cursorComposerReader, cursorTextTranscriptReader, cursorTranscriptReader } from './readers/cursor.ts';

export * from './model.ts';
export type { SessionFiles, SessionFileStat } from './files.ts';
export { localFiles } from './files.ts';
export type { DraftItem, MetaBuilderState, MetaPatch, Position, ReaderEvent, ReadOptions, SessionReader, StopCheck, StreamedItem, StreamOptions } from './reader.ts';
export { MetaBuilder, PAIRING_WINDOW, pageCursors, readMeta, readPage, readSession, streamItems } from './reader.ts';
export { readLines, MAX_LINE_BYTES } from './lines.ts';

/** Every reader, by format. */
export const READERS: readonly SessionReader[] = [claudeCodeReader, codexReader, geminiJsonReader, geminiJsonlReader, antigravityReader, opencodeDbReader, opencodeStorageReader, gooseDbReader, gooseJsonlReader, cursorComposerReader, cursorChatReader, cursorTranscriptReader, cursorTextTranscriptReader, cursorCliReader, clineReader, rooReader, aiderReader];

const matchers = new Map<SessionReader, (path: string) => boolean>(READERS.map((r) => [r, picomatch(r.patterns as string[], { dot: true })]));

/** The reader for a file of an agent's root (path relative to that root), if it starts sessions. */
export function readerFor(agent: string, path: string): SessionReader | undefined {
  for (const reader of READERS) {
    if (reader.agent !== agent) continue;
    if (matchers.get(reader)?.(path)) return reader;
  }
  return undefined;
}

export function readerForFormat(format: SessionFormat): SessionReader {
  const reader = READERS.find((r) => r.format === format);
  if (!reader) throw new Error(`No session reader for format '${format}'`);
  return reader;
}

/**
 * How many sessions a file of an agent's root (`root` on this disk) holds, as its reader lists
 * them (what the catalog and the Sessions screen show); undefined for a file that starts none, 0
 * for one that can't be read.
 */
export async function countFileSessions(agent: string, root: string, path: string): Promise<number | undefined> {
  const reader = readerFor(agent, path);
  if (!reader) return undefined;
  try {
    return (await reader.list(localFiles(root), path)).length;
  } catch {
    return 0;
  }
}

/** The sessions among a root's files (root-relative paths, e.g. from a walk or a snapshot tree). */
export async function findSessions(agent: SessionAgent | string, files: SessionFiles, paths: Iterable<string>): Promise<SessionRef[]> {
  const refs: SessionRef[] = [];
  for (const path of paths) {
    const reader = readerFor(agent, path);
    if (reader) refs.push(...(await reader.list(files, path)));
  }
  return refs;
}
export { summarizeTranscriptLines, type LineSummary } from './line-summaries.ts';

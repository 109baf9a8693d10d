// Line-by-line reading of JSONL (and Markdown) transcripts with bounded memory: only the current
// line is held, whatever the file's size. Each line reports its byte offset, so a page can resume
// there without reading what came before. `.zst` files are decompressed as they stream (the
// offset is then into the decompressed bytes, and resuming decompresses and skips).

import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type * as Zstd from 'zstd-napi';
import type { SessionFiles } from './files.ts';

const zstd = createRequire(import.meta.url)('zstd-napi') as typeof Zstd;

export interface Line {
  /** The line's text without its line break (and without a leading BOM on line 1). */
  text: string;
  /** Byte offset of the line's first byte (in the decompressed stream for `.zst`). */
  offset: number;
  /** 1-based line number. */
  line: number;
}

export interface LinePosition {
  offset: number;
  line: number;
}

/** Lines longer than this are cut (the record then fails to parse and is reported unreadable). */
export const MAX_LINE_BYTES = 64 * 2 ** 20;

export async function* readLines(files: SessionFiles, path: string, from: LinePosition = { offset: 0, line: 1 }): AsyncGenerator<Line> {
  const compressed = path.endsWith('.zst');
  const source = compressed ? Readable.from(files.open(path)).pipe(new zstd.DecompressStream()) : files.open(path, from.offset);
  let skip = compressed ? from.offset : 0;
  let offset = from.offset;
  let line = from.line;
  let parts: Buffer[] = [];
  let partBytes = 0;
  const emit = (): Line => {
    const buf = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    let end = buf.length;
    if (end > 0 && buf[end - 1] === 0x0d) end -= 1;
    let text = buf.toString('utf8', 0, end);
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const out = { text, offset, line };
    offset += partBytes + 1;
    line += 1;
    parts = [];
    partBytes = 0;
    return out;
  };
  for await (const raw of source as AsyncIterable<Buffer>) {
    let chunk = raw;
    if (skip > 0) {
      if (chunk.length <= skip) {
        skip -= chunk.length;
        continue;
      }
      chunk = chunk.subarray(skip);
      skip = 0;
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      parts.push(chunk.subarray(start, nl));
      partBytes += nl - start;
      yield emit();
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (partBytes < MAX_LINE_BYTES) parts.push(Buffer.from(rest));
      partBytes += rest.length;
    }
  }
  if (partBytes > 0) yield emit();
}

/**
 * The lines that begin with `prefix` (compared as UTF-8 bytes, after a BOM on line 1), with their
 * positions as readLines gives them; the other lines are only counted, never decoded. For a scan
 * of a long log for a few marker lines (Aider's run headers): a fraction of readLines' time.
 */
export async function* linesStartingWith(files: SessionFiles, path: string, prefix: string): AsyncGenerator<Line> {
  if (path.endsWith('.zst')) {
    for await (const line of readLines(files, path)) if (line.text.startsWith(prefix)) yield line;
    return;
  }
  const want = Buffer.from(prefix, 'utf8');
  const bom = (b: Buffer, at: number) => b[at] === 0xef && b[at + 1] === 0xbb && b[at + 2] === 0xbf;
  /** Whether the line in `b` from `at` to `end` begins with the prefix. */
  const begins = (b: Buffer, at: number, end: number, first: boolean): boolean => {
    const from = first && bom(b, at) ? at + 3 : at;
    return end - from >= want.length && b.compare(want, 0, want.length, from, from + want.length) === 0;
  };
  let chunkOffset = 0;
  let line = 1;
  let lineStart = 0;
  // A line that runs on past a chunk: its bytes so far while it may match (or matches), and whether it does.
  let parts: Buffer[] = [];
  let partBytes = 0;
  let keep: boolean | undefined;
  const decide = (): boolean => {
    const joined = Buffer.concat(parts);
    return begins(joined, 0, joined.length, line === 1);
  };
  const emit = (): Line => {
    let buf = Buffer.concat(parts);
    if (line === 1 && bom(buf, 0)) buf = buf.subarray(3);
    const end = buf.length > 0 && buf[buf.length - 1] === 0x0d ? buf.length - 1 : buf.length;
    return { text: buf.toString('utf8', 0, end), offset: lineStart, line };
  };
  for await (const chunk of files.open(path) as AsyncIterable<Buffer>) {
    let at = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, at);
      if (nl < 0) {
        // The line runs on into the next chunk: keep its bytes only while they may matter.
        if (keep !== false && at < chunk.length && partBytes < MAX_LINE_BYTES) {
          parts.push(Buffer.from(chunk.subarray(at)));
          partBytes += chunk.length - at;
          if (keep === undefined && partBytes >= want.length + 3) keep = decide();
          if (keep === false) parts = [];
        }
        break;
      }
      if (parts.length === 0 && keep === undefined) {
        // The whole line is in this chunk (almost always): decoded only when it matches.
        if (begins(chunk, at, nl, line === 1)) {
          parts.push(chunk.subarray(at, nl));
          yield emit();
        }
      } else if (keep !== false) {
        parts.push(chunk.subarray(at, nl));
        if (keep ?? decide()) yield emit();
      }
      line += 1;
      lineStart = chunkOffset + nl + 1;
      parts = [];
      partBytes = 0;
      keep = undefined;
      at = nl + 1;
    }
    chunkOffset += chunk.length;
  }
  if (parts.length > 0 && (keep ?? decide())) yield emit();
}

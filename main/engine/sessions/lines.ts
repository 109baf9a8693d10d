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

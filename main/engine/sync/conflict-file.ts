// Reading one side of a conflict for the compare view: the end of the file (the two versions
// share their start and differ at the end), as text. A `.zst` file (Codex's compressed sessions)
// is decompressed as it streams, so both sides compare as the text they hold instead of as
// "binary"; only the last `maxBytes` are kept, whatever the file's size.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import type * as Zstd from 'zstd-napi';

const zstd = createRequire(import.meta.url)('zstd-napi') as typeof Zstd;

export interface FileTail {
  /** The last bytes (decompressed for `.zst`). */
  bytes: Buffer;
  /** The whole (decompressed) size. */
  size: number;
  /** True when `bytes` is only the end of it. */
  truncated: boolean;
  /** The file was zstd-compressed and is shown decompressed. */
  decompressed: boolean;
}

export const isCompressedName = (path: string): boolean => /\.zst$/i.test(path);

/** The last `maxBytes` of what `source` streams, and how much it streamed in all. */
async function collectTail(source: NodeJS.ReadableStream, compressed: boolean, maxBytes: number): Promise<{ bytes: Buffer; streamed: number }> {
  let parts: Buffer[] = [];
  let held = 0;
  let streamed = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      streamed += chunk.length;
      parts.push(chunk);
      held += chunk.length;
      // Drop whole chunks that lie entirely before the last maxBytes.
      while (parts.length > 1 && held - (parts[0] as Buffer).length >= maxBytes) {
        held -= (parts[0] as Buffer).length;
        parts = parts.slice(1);
      }
      done();
    },
  });
  if (compressed) await pipeline(source, new zstd.DecompressStream(), sink);
  else await pipeline(source, sink);
  const all = Buffer.concat(parts);
  return { bytes: all.length > maxBytes ? all.subarray(all.length - maxBytes) : all, streamed };
}

/** The last `maxBytes` of `path`, decompressed when it is a `.zst` file. Throws when it can't be read. */
export async function readFileTail(path: string, maxBytes: number): Promise<FileTail> {
  const compressed = isCompressedName(path);
  const { bytes, streamed } = await collectTail(createReadStream(path, compressed ? {} : { start: Math.max(0, (await stat(path)).size - maxBytes) }), compressed, maxBytes);
  const whole = compressed ? streamed : (await stat(path)).size;
  return { bytes, size: whole, truncated: whole > bytes.length, decompressed: compressed };
}

/** The same of a file's bytes held in memory (read from a snapshot), named `name`. */
export async function bytesTail(data: Uint8Array, name: string, maxBytes: number): Promise<FileTail> {
  const compressed = isCompressedName(name);
  const { bytes, streamed } = await collectTail(Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]), compressed, maxBytes);
  return { bytes, size: streamed, truncated: streamed > bytes.length, decompressed: compressed };
}

// Content-defined chunking with FastCDC (Xia et al., USENIX ATC 2016; IEEE TPDS 2020): a gear
// rolling hash (h = (h << 1) + gear[byte]), cut-point skipping (no hashing before `min`), and
// normalized chunking — a stricter mask before `avg` and a looser one after — so chunk sizes
// cluster around `avg`. Boundaries depend only on content, so appending to a JSONL file changes
// only its last chunk or two, and an insertion re-synchronises within a chunk.
//
// Details that are part of the vault format (changing them changes every boundary):
// - 32-bit hash; masks select the TOP bits, since bit k of the hash depends on the last k + 1
//   bytes (the top bits see a 32-byte window); normalization level 2: maskS has log2(avg) + 2
//   bits, maskL log2(avg) − 2 bits.
// - The hash restarts at 0 for each chunk and runs from byte `min`; a cut after byte i means
//   the chunk ends with byte i; a chunk that reaches `max` bytes is cut there.
//
// The chunker is streaming: push() carries the hash state across calls, so the boundaries are
// the same however the input is split into pushes.

import { ConfigError } from '../../../shared/errors.ts';
import type { GearTable } from './gear.ts';

export interface ChunkParams {
  /** No boundary before this many bytes. */
  min: number;
  /** Target average: a power of two. */
  avg: number;
  /** A chunk is cut here if no boundary was found before. */
  max: number;
}

export const NORMALIZATION_LEVEL = 2;
const MIN_AVG = 2 ** 8;
const MAX_AVG = 2 ** 24;
const MAX_MAX = 2 ** 26;

export interface Chunker {
  /**
   * Feeds the next bytes of the stream; returns the chunks completed by them, in order. Each
   * chunk is a fresh array that owns its whole ArrayBuffer (safe to keep or transfer), unless the
   * chunker was made with `{ views: true }`. `bytes` is not retained after the call returns, so
   * the caller may reuse its buffer.
   */
  push(bytes: Uint8Array): Uint8Array[];
  /** Ends the stream: returns the last chunk, or undefined when nothing is pending. */
  finish(): Uint8Array | undefined;
}

/** Throws ConfigError unless `params` are usable. */
export function validateChunkParams(params: ChunkParams): void {
  const { min, avg, max } = params;
  const ok =
    Number.isSafeInteger(min) &&
    Number.isSafeInteger(avg) &&
    Number.isSafeInteger(max) &&
    avg >= MIN_AVG &&
    avg <= MAX_AVG &&
    (avg & (avg - 1)) === 0 &&
    min >= 64 &&
    min <= avg &&
    avg <= max &&
    max <= MAX_MAX;
  if (!ok) {
    throw new ConfigError(
      `Invalid chunking parameters ${JSON.stringify(params)}: need 64 ≤ min ≤ avg ≤ max ≤ ${MAX_MAX}, with avg a power of two between ${MIN_AVG} and ${MAX_AVG}.`,
    );
  }
}

/** The two masks for `avg` (exported for tests and the benchmark). */
export function chunkMasks(avg: number): { maskS: number; maskL: number } {
  const bits = Math.round(Math.log2(avg));
  return { maskS: topBits(bits + NORMALIZATION_LEVEL), maskL: topBits(bits - NORMALIZATION_LEVEL) };
}

function topBits(count: number): number {
  return count <= 0 ? 0 : (-1 << (32 - count)) | 0;
}

export interface ChunkerOptions {
  /**
   * Chunks are views (of `bytes` itself, or of one buffer the chunker reuses for a chunk that
   * began in an earlier push), valid only until the caller changes `bytes` or calls push() or
   * finish() again: for a caller that consumes each chunk at once (seals it) and keeps none,
   * so no chunk-sized garbage is left per chunk.
   */
  views?: boolean;
}

export function createChunker(params: ChunkParams, gear: GearTable, options: ChunkerOptions = {}): Chunker {
  validateChunkParams(params);
  if (gear.length !== 256) throw new ConfigError(`A gear table has 256 entries, got ${gear.length}.`);
  return new FastCdcChunker(params, gear, options.views === true);
}

class FastCdcChunker implements Chunker {
  private readonly min: number;
  private readonly avg: number;
  private readonly max: number;
  private readonly maskS: number;
  private readonly maskL: number;
  private readonly gear: GearTable;
  /** Bytes of the unfinished chunk; grows on demand up to `max` (most agent files are small). */
  private pending: Uint8Array;
  private pendingLength = 0;
  private hash = 0;
  /** With `views`: where a chunk that began in an earlier push is joined (grows up to `max`). */
  private joined: Uint8Array | undefined;

  private readonly views: boolean;

  constructor(params: ChunkParams, gear: GearTable, views: boolean) {
    this.views = views;
    this.min = params.min;
    this.avg = params.avg;
    this.max = params.max;
    ({ maskS: this.maskS, maskL: this.maskL } = chunkMasks(params.avg));
    this.gear = gear;
    // Not `max` bytes up front: a chunker per file, zero-filled at 512 KiB each, was measured at
    // ~0.2 s of CPU and heavy GC per 2,700 small files.
    this.pending = new Uint8Array(Math.min(params.max, 16 * 1024));
  }

  push(input: Uint8Array): Uint8Array[] {
    const chunks: Uint8Array[] = [];
    const n = input.length;
    const { min, avg, max, maskS, maskL, gear } = this;
    let h = this.hash;
    // Index in `input` where the current chunk starts: negative when it began in an earlier push.
    let base = -this.pendingLength;
    // Bytes before `scanned` have been hashed (or skipped) already.
    let scanned = 0;

    for (;;) {
      let p = Math.max(scanned, base + min);
      let cut = -1;
      const normalEnd = Math.min(base + avg, n);
      for (; p < normalEnd; p++) {
        h = ((h << 1) + gear[input[p]!]!) | 0;
        if ((h & maskS) === 0) {
          cut = p + 1;
          break;
        }
      }
      if (cut < 0) {
        const maxEnd = Math.min(base + max, n);
        for (; p < maxEnd; p++) {
          h = ((h << 1) + gear[input[p]!]!) | 0;
          if ((h & maskL) === 0) {
            cut = p + 1;
            break;
          }
        }
        if (cut < 0 && base + max <= n) cut = base + max;
      }
      if (cut < 0) break;

      chunks.push(this.take(input, base, cut));
      base = cut;
      scanned = cut;
      h = 0;
    }

    // Keep the unfinished chunk's bytes from this input: the caller may reuse its buffer.
    if (base >= 0) {
      this.reserve(n - base);
      this.pending.set(input.subarray(base, n), 0);
      this.pendingLength = n - base;
    } else {
      this.reserve(this.pendingLength + n);
      this.pending.set(input, this.pendingLength);
      this.pendingLength += n;
    }
    this.hash = h;
    return chunks;
  }

  /** Makes `pending` hold at least `size` bytes (never more than `max` are pending). */
  private reserve(size: number): void {
    if (size <= this.pending.length) return;
    const grown = new Uint8Array(Math.min(this.max, Math.max(size, this.pending.length * 2)));
    grown.set(this.pending.subarray(0, this.pendingLength), 0);
    this.pending = grown;
  }

  finish(): Uint8Array | undefined {
    const length = this.pendingLength;
    this.pendingLength = 0;
    this.hash = 0;
    if (length === 0) return undefined;
    return this.views ? this.pending.subarray(0, length) : this.pending.slice(0, length);
  }

  /** The chunk from `base` (negative: continues the pending bytes) to `cut` in `input`: a copy, or with `views` a view. */
  private take(input: Uint8Array, base: number, cut: number): Uint8Array {
    if (this.views && base >= 0) return input.subarray(base, cut);
    const chunk = this.views ? this.joinedView(cut - base) : new Uint8Array(cut - base);
    if (base < 0) {
      chunk.set(this.pending.subarray(0, this.pendingLength), 0);
      chunk.set(input.subarray(0, cut), this.pendingLength);
      this.pendingLength = 0;
    } else {
      chunk.set(input.subarray(base, cut), 0);
    }
    return chunk;
  }

  /** Only one chunk per push can begin in an earlier push, so one buffer serves them all. */
  private joinedView(size: number): Uint8Array {
    if (!this.joined || this.joined.length < size) this.joined = new Uint8Array(Math.min(this.max, Math.max(size, 2 * (this.joined?.length ?? 0), 64 * 1024)));
    return this.joined.subarray(0, size);
  }
}

/** Chunks a whole stream (file reads, a network body, …). */
export async function* chunkStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, params: ChunkParams, gear: GearTable): AsyncGenerator<Uint8Array> {
  const chunker = createChunker(params, gear);
  for await (const bytes of source) yield* chunker.push(bytes);
  const last = chunker.finish();
  if (last) yield last;
}

/** Chunks bytes already in memory. */
export function chunkBuffer(bytes: Uint8Array, params: ChunkParams, gear: GearTable): Uint8Array[] {
  const chunker = createChunker(params, gear);
  const chunks = chunker.push(bytes);
  const last = chunker.finish();
  if (last) chunks.push(last);
  return chunks;
}

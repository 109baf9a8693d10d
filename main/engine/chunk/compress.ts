// Blob compression before sealing: zstd (zstd-napi, native) with a 1-byte codec header.
//
//   0x00 | raw bytes           stored: compression would not save at least MIN_SAVING
//   0x01 | one zstd frame      with the content size in the frame header
//
// Contexts are created once per thread and reused (a zstd context allocates megabytes).
// Decompression is bounded by the caller's expected size, so a hostile or corrupt object can't
// expand into gigabytes: the output buffer is allocated at the expected size and zstd refuses
// to write past it.

import { createRequire } from 'node:module';
import type * as ZstdBinding from 'zstd-napi/binding.js';
import { CairnError, IntegrityError } from '../../../shared/errors.ts';

// The low-level binding: its DCtx decompresses into a buffer we size, unlike the high-level
// Decompressor, which trusts the frame's declared size.
// Loaded on first use, so a thread that only reads this folder's constants (the vault, on the
// main thread) never loads the native module.
let binding: typeof ZstdBinding | undefined;
function zstdBinding(): typeof ZstdBinding {
  return (binding ??= createRequire(import.meta.url)('zstd-napi/binding') as typeof ZstdBinding);
}

export const CODEC_RAW = 0;
export const CODEC_ZSTD = 1;
/**
 * New vaults' zstd level, chosen by measurement (docs/CHUNKING.md). Defined here, the lowest
 * layer that uses it; vault/defaults.ts re-exports it beside the other vault defaults.
 */
export const DEFAULT_COMPRESSION_LEVEL = 3;
/** Compressed output must be at most this fraction of the input, or the blob is stored raw. */
export const MIN_SAVING = 0.03;
/** Largest blob a caller may ask to decompress. */
export const MAX_BLOB_SIZE = 256 * 2 ** 20;

let compressionContext: ZstdBinding.CCtx | undefined;
let decompressionContext: ZstdBinding.DCtx | undefined;
let scratch = new Uint8Array(0);
const MAX_SCRATCH = 4 * 2 ** 20;

export interface CompressOptions {
  /**
   * The result is a view (of this thread's scratch buffer, valid until the next call; of a buffer
   * of its own for a blob larger than that): for a caller that seals it at once and keeps
   * nothing, so no blob-sized garbage is left per blob.
   */
  view?: boolean;
}

/** Compresses `data` and prefixes the codec byte. The result owns its whole ArrayBuffer, unless `view` is asked for. */
export function compressWithHeader(data: Uint8Array, level: number = DEFAULT_COMPRESSION_LEVEL, options: CompressOptions = {}): Uint8Array {
  const zstd = zstdBinding();
  if (!Number.isInteger(level) || level < zstd.minCLevel() || level > zstd.maxCLevel()) {
    throw new CairnError('config', `Invalid zstd level ${level}: use ${zstd.minCLevel()}…${zstd.maxCLevel()}.`);
  }
  // The codec byte, then zstd's output (at most its bound) or the raw bytes (no more than that).
  const size = 1 + Math.max(zstd.compressBound(data.length), data.length);
  // Keep a scratch buffer for chunk-sized inputs; a rare large blob gets a buffer of its own.
  let target = scratch;
  if (target.length < size) {
    target = new Uint8Array(size);
    if (size <= MAX_SCRATCH) scratch = target;
  }
  compressionContext ??= new zstd.CCtx();
  let length = compressionContext.compress(target.subarray(1), data, level);
  if (length > data.length * (1 - MIN_SAVING)) {
    target[0] = CODEC_RAW;
    target.set(data, 1);
    length = data.length;
  } else {
    target[0] = CODEC_ZSTD;
  }
  const result = target.subarray(0, 1 + length);
  return options.view ? result : result.slice();
}

/**
 * Reverses compressWithHeader(). `expectedSize` (known from the index or tree that points at the
 * blob) bounds the output; any other size is an IntegrityError. With `into` (at least
 * `expectedSize` long) the plaintext is written there and the result is a view of it.
 */
export function decompressWithHeader(bytes: Uint8Array, expectedSize: number, into?: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(expectedSize) || expectedSize < 0 || expectedSize > MAX_BLOB_SIZE) {
    throw new IntegrityError(`A blob claims a size of ${expectedSize} bytes, outside 0…${MAX_BLOB_SIZE}: its index entry is corrupt.`);
  }
  if (bytes.length === 0) throw new IntegrityError('A blob is empty: it lacks its codec byte.');
  const body = bytes.subarray(1);
  switch (bytes[0]) {
    case CODEC_RAW: {
      if (body.length !== expectedSize) throw sizeMismatch(body.length, expectedSize);
      if (into && into.length >= expectedSize) {
        into.set(body);
        return into.subarray(0, expectedSize);
      }
      return new Uint8Array(body); // a copy that owns its buffer (Buffer#slice would be a view)
    }
    case CODEC_ZSTD: {
      const declared = frameContentSize(body);
      if (declared !== null && declared !== expectedSize) throw sizeMismatch(declared, expectedSize);
      const out = into && into.length >= expectedSize ? into.subarray(0, expectedSize) : new Uint8Array(expectedSize);
      decompressionContext ??= new (zstdBinding().DCtx)();
      let written: number;
      try {
        written = decompressionContext.decompress(out, body);
      } catch (error) {
        throw new IntegrityError(`A compressed blob does not decompress to its expected ${expectedSize} bytes: ${(error as Error).message}.`, { cause: error });
      }
      if (written !== expectedSize) throw sizeMismatch(written, expectedSize);
      return out;
    }
    default:
      throw new IntegrityError(`A blob has unknown codec ${bytes[0]}: it is corrupt or was written by a newer Cairn.`);
  }
}

/**
 * The size a compressWithHeader() result declares for its content (a zstd frame's content size),
 * for a caller that didn't keep it; decompressWithHeader() still checks it and bounds it by
 * MAX_BLOB_SIZE.
 */
export function declaredSize(bytes: Uint8Array): number {
  if (bytes.length === 0) throw new IntegrityError('A blob is empty: it lacks its codec byte.');
  if (bytes[0] !== CODEC_ZSTD) return bytes.length - 1;
  const declared = frameContentSize(bytes.subarray(1));
  if (declared === null) throw new IntegrityError('A compressed blob does not declare its size.');
  return declared;
}

function frameContentSize(frame: Uint8Array): number | null {
  try {
    return zstdBinding().getFrameContentSize(frame);
  } catch (error) {
    throw new IntegrityError(`A compressed blob has a malformed zstd frame header: ${(error as Error).message}.`, { cause: error });
  }
}

function sizeMismatch(actual: number, expected: number): IntegrityError {
  return new IntegrityError(`A blob decompresses to ${actual} bytes where ${expected} were expected: it is corrupt.`);
}

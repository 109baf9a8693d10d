// Default vault parameters. Chunker sizes and compression level were chosen by measurement:
// see docs/CHUNKING.md. They are stored in vault.json, so changing them affects new vaults only.

// 128 KiB average: in the append measurements (docs/CHUNKING.md) it uploads no more than 64 KiB
// per append on large transcripts and a few KB more on small ones, while per-chunk zstd gets more
// context (84.0 vs 85.7 MiB stored on the benchmark home) and there are half as many chunks.
// 256 KiB stores less still (81.4 MiB) but re-uploads ~60 KB per append: not what Cairn is for.
export const DEFAULT_CHUNKER = { min: 32 * 1024, avg: 128 * 1024, max: 512 * 1024 } as const;
export { DEFAULT_COMPRESSION_LEVEL } from '../chunk/index.ts';
/** Target pack size: large enough to keep request counts low, small enough to bound memory. */
export const DEFAULT_PACK_SIZE = 8 * 1024 * 1024;

// Default vault parameters. Chunker sizes and compression level were chosen by measurement:
// see docs/CHUNKING.md. They are stored in vault.json, so changing them affects new vaults only.

// 256 KiB average (not the 64 KiB first chosen): per-chunk zstd compresses better with more
// context (stored 81.4 vs 85.7 MiB on the benchmark home) and fewer chunks cost less CPU, while an
// append still re-uploads about one chunk. docs/CHUNKING.md has the measurements.
export const DEFAULT_CHUNKER = { min: 64 * 1024, avg: 256 * 1024, max: 1024 * 1024 } as const;
export const DEFAULT_COMPRESSION_LEVEL = 3;
/** Target pack size: large enough to keep request counts low, small enough to bound memory. */
export const DEFAULT_PACK_SIZE = 8 * 1024 * 1024;

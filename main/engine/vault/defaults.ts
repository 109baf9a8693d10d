// Default vault parameters. Chunker sizes and compression level were chosen by measurement:
// see docs/CHUNKING.md. They are stored in vault.json, so changing them affects new vaults only.

export const DEFAULT_CHUNKER = { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 } as const;
export const DEFAULT_COMPRESSION_LEVEL = 3;
/** Target pack size: large enough to keep request counts low, small enough to bound memory. */
export const DEFAULT_PACK_SIZE = 8 * 1024 * 1024;

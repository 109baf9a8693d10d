// Turning file content into blobs: content-defined chunking (FastCDC with a per-vault gear table,
// so an appended JSONL file uploads only its new tail) and zstd compression with a codec byte.
// Blob ids and sealing live in crypto/; running this off the main thread lives in workers/.

export { chunkBuffer, chunkMasks, chunkStream, createChunker, validateChunkParams } from './fastcdc.ts';
export type { Chunker, ChunkParams } from './fastcdc.ts';
export { createGearTable } from './gear.ts';
export type { GearTable } from './gear.ts';
export { CODEC_RAW, CODEC_ZSTD, compressWithHeader, declaredSize, decompressWithHeader, DEFAULT_COMPRESSION_LEVEL, MAX_BLOB_SIZE, MIN_SAVING } from './compress.ts';

// Worker threads for the CPU-heavy steps of backup and restore (chunking, blob ids, zstd,
// sealing and their reverse), so that they never block the calling thread — in the app, the
// Electron main process.

export { DEFAULT_IDLE_MS, DEFAULT_WORKER_URL, WorkerPool } from './worker-pool.ts';
export type { WorkerPoolOptions } from './worker-pool.ts';
export type { Chunk, ChunkFileOptions, ChunkStream, ChunkOptions, OpenOptions, SealedBlob, SealedItem, SealOptions } from './protocol.ts';
export { createWorkerCodec } from './vault-codec.ts';
export type { WorkerCodecOptions } from './vault-codec.ts';
export { fsArg, openWalkedFile, showPath, SourceFileError, sourceFileErrorOf } from './source-file.ts';
export type { ExpectedFile, FsPath, SourceFileReason } from './source-file.ts';

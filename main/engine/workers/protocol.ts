// Messages between the WorkerPool (calling thread) and worker-entry.ts (worker threads). Every
// request carries a task number; a worker runs many tasks at once (a chunkFile stream waiting
// for credit must not stop a compressAndSeal behind it), so replies name their task too.

import type { ErrorRecord } from '../../../shared/errors.ts';
import type { ChunkParams } from '../chunk/index.ts';
import type { BlobTarget, Chunk, ChunkFileExtras, ChunkStream, SealedChunk as SealedBlob, SealedItem, TailMark, WriteItem, WriteResult } from '../vault/index.ts';
import type { FsPath, SourceFileReason } from './source-file.ts';

// The data the codec carries is the vault's (vault/codec.ts): the workers implement that contract.
export type { BlobTarget, Chunk, ChunkFileExtras, ChunkStream, SealedBlob, SealedItem, TailMark, WriteItem, WriteResult };

export interface ChunkOptions {
  params: ChunkParams;
  /** The vault's chunker seed (crypto deriveSubkeys().chunkerSeed). */
  chunkerSeed: Uint8Array;
  /** The vault's id key (crypto deriveSubkeys().idKey). */
  idKey: Uint8Array;
}

export interface ChunkFileOptions extends ChunkOptions {
  /** A batch is sent once it holds this many bytes (so it may exceed it by one chunk). */
  maxBatchBytes: number;
}

export interface SealOptions {
  encKey: Uint8Array;
  /** zstd level (chunk/ DEFAULT_COMPRESSION_LEVEL). */
  level: number;
}

export interface OpenOptions {
  encKey: Uint8Array;
  idKey: Uint8Array;
}

export type WorkerRequest =
  /** With `seal`, every chunk is sent sealed (SealedBlob), never as plaintext. */
  | ({ type: 'chunkFile'; task: number; path: FsPath; options: ChunkFileOptions; credit: number; seal?: SealOptions } & ChunkFileExtras)
  | { type: 'chunkBytes'; task: number; bytes: Uint8Array; options: ChunkOptions }
  | { type: 'compressAndSeal'; task: number; blobs: Chunk[]; options: SealOptions }
  | { type: 'openAndDecompress'; task: number; items: SealedItem[]; options: OpenOptions }
  | { type: 'openAndWrite'; task: number; items: WriteItem[]; options: OpenOptions }
  /** The consumer took `batches` batches off a chunkFile stream: the worker may send as many more. */
  | { type: 'credit'; task: number; batches: number }
  | { type: 'cancel'; task: number };

/**
 * Asks a worker to exit once the task it is running returns (WorkerPool.stop): it calls
 * process.exit() from JavaScript, never in the middle of a call into zstd-napi.
 */
export interface WorkerExit {
  type: 'exit';
}

/** A chunkFile stream's end. `size`: the file's bytes, resumed prefix included; `resumedAt`: 0 unless only bytes from there were chunked. */
export interface StreamEnd {
  size: number;
  resumedAt: number;
  tail?: TailMark;
}

export type WorkerResponse =
  /** With `end`, the stream's last batch: a small file's whole stream is this one message (no credit comes back for it). */
  | { type: 'batch'; task: number; chunks: Chunk[] | SealedBlob[]; end?: StreamEnd }
  /** The end of a stream whose last batch went before it (or that had none). */
  | ({ type: 'end'; task: number } & StreamEnd)
  | { type: 'chunks'; task: number; chunks: Chunk[] }
  | { type: 'sealed'; task: number; blobs: SealedBlob[] }
  | { type: 'opened'; task: number; plaintexts: Uint8Array[] }
  /** openAndWrite finished: every target of every item is written. `buffers`: the items' buffers, handed back. */
  | { type: 'written'; task: number; bytes: number; buffers: ArrayBuffer[] }
  /** `skip`: a walked file that could not be read as walked (a SourceFileError). */
  | { type: 'error'; task: number; error: ErrorRecord; stack?: string; skip?: SourceFileReason };

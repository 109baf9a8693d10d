// Messages between the WorkerPool (calling thread) and worker-entry.ts (worker threads). Every
// request carries a task number; a worker runs many tasks at once (a chunkFile stream waiting
// for credit must not stop a compressAndSeal behind it), so replies name their task too.

import type { ErrorRecord } from '../../../shared/errors.ts';
import type { BlobId } from '../../../shared/ids.ts';
import type { ChunkParams } from '../chunk/index.ts';

/** One chunk of content and its keyed id. */
export interface Chunk {
  id: BlobId;
  data: Uint8Array;
}

/** Batches of chunks in file order; `size` is the number of bytes read once iteration ends. */
export interface ChunkStream extends AsyncIterable<Chunk[]> {
  /** Bytes chunked so far; the file's total size (as read, resumed prefix included) once iteration has completed. */
  readonly size: number;
  /** Once iteration has completed: 0, or the offset a verified prefix was skipped to (the stream held only later chunks). */
  readonly resumedAt: number;
  /** Once iteration has completed, with `markTail`: the file's TailMark. */
  readonly tail: TailMark | undefined;
}

export interface ChunkOptions {
  params: ChunkParams;
  /** The vault's chunker seed (crypto deriveSubkeys().chunkerSeed). */
  chunkerSeed: Uint8Array;
  /** The vault's id key (crypto deriveSubkeys().idKey). */
  idKey: Uint8Array;
}

/**
 * Where a file's last chunk starts, and the SHA-256 of every byte before it. Chunk boundaries
 * depend only on the bytes since the previous boundary, so a file whose bytes up to `offset`
 * are unchanged (a transcript that grew by appends) can be chunked again from `offset` alone.
 */
export interface TailMark {
  offset: number;
  digest: Uint8Array;
}

/** Extras of one chunkFile stream. */
export interface ChunkFileExtras {
  /** Verify the file's first `resume.offset` bytes against `resume.digest` and, if they match, chunk only what follows. */
  resume?: TailMark;
  /** Compute the file's TailMark (costs a SHA-256 pass over the file). */
  markTail?: boolean;
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

export interface SealedBlob {
  id: BlobId;
  /** Length of the plaintext: the index records it so decompression can be bounded. */
  rawLength: number;
  /** seal(encKey, { kind: 'blob', name: id }, compressWithHeader(plaintext)). */
  sealed: Uint8Array;
}

export interface OpenOptions {
  encKey: Uint8Array;
  idKey: Uint8Array;
}

export interface SealedItem {
  id: BlobId;
  sealed: Uint8Array;
  rawLength: number;
}

/**
 * Where a restored blob's plaintext goes. `file`: it is the whole file: create `tmp` (a fresh
 * temporary name), write, set mode and mtime (seconds for utimes), rename over `dest`. `part`:
 * write at `offset` into `path`, a temporary file the caller created and finishes itself.
 */
export type BlobTarget = { kind: 'file'; tmp: string; dest: string; mode: number; mtime: number } | { kind: 'part'; path: string; offset: number };

export interface WriteItem extends SealedItem {
  targets: BlobTarget[];
}

export type WorkerRequest =
  | ({ type: 'chunkFile'; task: number; path: string; options: ChunkFileOptions; credit: number } & ChunkFileExtras)
  | { type: 'chunkBytes'; task: number; bytes: Uint8Array; options: ChunkOptions }
  | { type: 'compressAndSeal'; task: number; blobs: Chunk[]; options: SealOptions }
  | { type: 'openAndDecompress'; task: number; items: SealedItem[]; options: OpenOptions }
  | { type: 'openAndWrite'; task: number; items: WriteItem[]; options: OpenOptions }
  /** The consumer took `batches` batches off a chunkFile stream: the worker may send as many more. */
  | { type: 'credit'; task: number; batches: number }
  | { type: 'cancel'; task: number };

export type WorkerResponse =
  | { type: 'batch'; task: number; chunks: Chunk[] }
  /** `size`: the file's bytes, resumed prefix included; `resumedAt`: 0 unless only bytes from there were chunked. */
  | { type: 'end'; task: number; size: number; resumedAt: number; tail?: TailMark }
  | { type: 'chunks'; task: number; chunks: Chunk[] }
  | { type: 'sealed'; task: number; blobs: SealedBlob[] }
  | { type: 'opened'; task: number; plaintexts: Uint8Array[] }
  /** openAndWrite finished: every target of every item is written. */
  | { type: 'written'; task: number; bytes: number }
  | { type: 'error'; task: number; error: ErrorRecord; stack?: string };

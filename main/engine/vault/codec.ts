// What the backup and restore pipelines need from the CPU-heavy side (chunk, hash, compress,
// seal, open), with the vault's keys and parameters already bound. The worker pool implements
// it off the calling thread; see createWorkerCodec in ../workers.

import type { BlobId } from '../../../shared/ids.ts';

/** One chunk of content and its keyed id. */
export interface Chunk {
  id: BlobId;
  data: Uint8Array;
}

/** The plaintext bytes a chunk, or a sealed chunk, stands for. */
export function plainLength(c: Chunk | SealedBlob): number {
  return 'sealed' in c ? c.rawLength : c.data.length;
}

/** Batches of chunks (or, from chunkAndSeal, of sealed chunks) in file order; `size` is the number of bytes read once iteration ends. */
export interface ChunkStream<T extends Chunk | SealedBlob = Chunk> extends AsyncIterable<T[]> {
  /** Bytes chunked so far; the file's total size (as read, resumed prefix included) once iteration has completed. */
  readonly size: number;
  /** Once iteration has completed: 0, or the offset a verified prefix was skipped to (the stream held only later chunks). */
  readonly resumedAt: number;
  /** Once iteration has completed, with `markTail`: the file's TailMark. */
  readonly tail: TailMark | undefined;
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

/** What a backup's walk saw of a file: the descriptor opened for reading must be the same file. */
export interface ExpectedFile {
  /** st_dev and st_ino from the walk's lstat, as decimal strings (they may exceed 2^53). */
  dev: string;
  ino: string;
  /**
   * The file's absolute path with every link resolved (its root's realpath plus its relative
   * path), as bytes; compared with /proc/self/fd/N where the system has it.
   */
  realPath?: Uint8Array;
}

/** Extras of one chunkFile stream. */
export interface ChunkFileExtras {
  /** Verify the file's first `resume.offset` bytes against `resume.digest` and, if they match, chunk only what follows. */
  resume?: TailMark;
  /** Compute the file's TailMark (costs a SHA-256 pass over the file). */
  markTail?: boolean;
  /**
   * The file as the walk saw it: opened without following a link, and the open descriptor must
   * be this file, or the stream fails with a SourceFileError (see ../workers/source-file.ts).
   */
  expect?: ExpectedFile;
}

export interface SealedBlob {
  id: BlobId;
  /** Length of the plaintext: the index records it so decompression can be bounded. */
  rawLength: number;
  /** seal(encKey, { kind: 'blob', name: id }, compressWithHeader(plaintext)). */
  sealed: Uint8Array;
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

/** A chunkFile stream; its properties are final once iteration has completed. */
export type FileChunks = ChunkStream;
export type SealedChunk = SealedBlob;

/** What openAndWrite did: the bytes written, and (with `transfer`) the buffers handed back. */
export interface WriteResult {
  bytes: number;
  buffers: ArrayBuffer[];
}

export interface BlobCodec {
  /**
   * Streams a file through the chunker: batches of chunks with their ids, in file order. With
   * `resume`, a file whose bytes before `resume.offset` still hash to `resume.digest` is chunked
   * from there only (see the stream's resumedAt); `markTail` asks for the file's TailMark.
   */
  chunkFile(path: string | Uint8Array, extras?: ChunkFileExtras): FileChunks;
  /**
   * chunkFile, with every chunk compressed and sealed in the worker that cut it: the batches
   * hold sealed chunks, and no plaintext crosses to the calling thread (or back to be sealed).
   * For content that is new almost surely (a file never backed up): a chunk the vault already
   * holds is sealed for nothing, which costs CPU, never bytes (the caller drops it).
   */
  chunkAndSeal(path: string | Uint8Array, extras?: ChunkFileExtras): ChunkStream<SealedChunk>;
  /** Chunks in-memory bytes (tree blobs use `idOf` instead: one blob each). */
  idOf(bytes: Uint8Array): BlobId;
  compressAndSeal(blobs: readonly Chunk[]): Promise<SealedChunk[]>;
  /**
   * Opens sealed blobs, decompresses and verifies each against its id. With `transfer`, the
   * caller gives up the buffers the items view (they are moved to a worker, not copied).
   */
  openAndVerify(items: readonly SealedItem[], options?: { transfer?: boolean }): Promise<Uint8Array[]>;
  /**
   * Like openAndVerify, but the plaintexts are written to their targets off the calling thread
   * (restore's writes). `transfer` as for openAndVerify; the buffers given up come back in the
   * result, for the caller to read into again.
   */
  openAndWrite(items: readonly WriteItem[], options?: { transfer?: boolean }): Promise<WriteResult>;
  /** Starts worker threads ahead of the tasks about to come (see WorkerPool.warm). */
  warm?(): void;
  /** Stops worker threads. */
  close?(): Promise<void>;
}

// What the backup and restore pipelines need from the CPU-heavy side (chunk, hash, compress,
// seal, open), with the vault's keys and parameters already bound. The worker pool implements
// it off the calling thread; see createWorkerCodec in ../workers.

import type { BlobId } from '../../../shared/ids.ts';
import type { BlobTarget, Chunk, ChunkFileExtras, ChunkStream, SealedBlob, SealedItem, TailMark, WriteItem } from '../workers/protocol.ts';

export type { BlobTarget, Chunk, ChunkFileExtras, TailMark };
/** A chunkFile stream; its properties are final once iteration has completed. */
export type FileChunks = ChunkStream;
export type SealedChunk = SealedBlob;

export interface BlobCodec {
  /**
   * Streams a file through the chunker: batches of chunks with their ids, in file order. With
   * `resume`, a file whose bytes before `resume.offset` still hash to `resume.digest` is chunked
   * from there only (see the stream's resumedAt); `markTail` asks for the file's TailMark.
   */
  chunkFile(path: string, extras?: ChunkFileExtras): FileChunks;
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
   * (restore's writes); resolves to the bytes written. `transfer` as for openAndVerify.
   */
  openAndWrite(items: readonly WriteItem[], options?: { transfer?: boolean }): Promise<number>;
  /** Stops worker threads. */
  close?(): Promise<void>;
}

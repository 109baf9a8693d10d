// Binds a vault's keys and parameters to the worker pool: the BlobCodec the backup, restore and
// check pipelines use, with all chunking, hashing, compression and sealing off the caller's thread.

import { availableParallelism } from 'node:os';
import type { BlobId } from '../../../shared/ids.ts';
import { blobId } from '../crypto/index.ts';
import type { BlobCodec, Chunk, SealedChunk, Vault } from '../vault/index.ts';
import { WorkerPool } from './worker-pool.ts';

export interface WorkerCodecOptions {
  /** Worker threads; default: every core for the CLI-style caller that mostly waits. */
  threads?: number;
  /** Batch size of chunkFile streams. */
  maxBatchBytes?: number;
  /** See WorkerPoolOptions.idleMs. */
  idleMs?: number;
}

export function createWorkerCodec(vault: Vault, options: WorkerCodecOptions = {}): BlobCodec {
  const pool = new WorkerPool({ size: options.threads ?? Math.max(1, availableParallelism()), ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }) });
  const { encKey, idKey, chunkerSeed } = vault.subkeys;
  const params = vault.config.chunker;
  const level = vault.config.compression.level;
  // Small batches bound memory (files in flight × read-ahead × batch) and keep workers fed.
  const maxBatchBytes = options.maxBatchBytes ?? 1024 * 1024;
  return {
    chunkFile: (path, extras) => pool.chunkFile(path, { params, chunkerSeed, idKey, maxBatchBytes }, extras),
    chunkAndSeal: (path, extras) => pool.chunkAndSeal(path, { params, chunkerSeed, idKey, maxBatchBytes }, { encKey, level }, extras),
    idOf: (bytes: Uint8Array): BlobId => blobId(idKey, bytes),
    compressAndSeal: (blobs: readonly Chunk[]): Promise<SealedChunk[]> => pool.compressAndSeal(blobs, { encKey, level }),
    openAndVerify: (items, opts) => pool.openAndDecompress(items, { encKey, idKey }, opts),
    openAndWrite: (items, opts) => pool.openAndWrite(items, { encKey, idKey }, opts),
    warm: () => pool.warm(),
    close: () => pool.close(),
  };
}

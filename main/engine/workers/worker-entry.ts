// Entry point of a pool worker thread: chunking, hashing, compression and sealing, away from the
// thread that owns the UI. Loaded by WorkerPool as .ts from source (Node strips the types) or
// as .js from the build. Results own their ArrayBuffers and are transferred, not copied.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { closeSync, fchmodSync, futimesSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { MessagePort, TransferListItem } from 'node:worker_threads';
import { IntegrityError, toErrorRecord } from '../../../shared/errors.ts';
import type { BlobId } from '../../../shared/ids.ts';
import { chunkBuffer, compressWithHeader, createChunker, createGearTable, decompressWithHeader } from '../chunk/index.ts';
import type { GearTable } from '../chunk/index.ts';
// The crypto modules themselves, not crypto/index.ts: that also loads the key-slot schemas and
// with them zod, ~30 ms of start-up in every worker.
// eslint-disable-next-line cairn/layers -- measured: see the comment above
import { blobId } from '../crypto/keys.ts';
// eslint-disable-next-line cairn/layers -- measured: see the comment above
import { open, seal } from '../crypto/seal.ts';
import { openWalkedFile, SourceFileError, sourceFileErrorOf } from './source-file.ts';
import type { FsPath } from './source-file.ts';
import type { BlobTarget, Chunk, ChunkFileExtras, ChunkFileOptions, ChunkOptions, OpenOptions, SealedBlob, SealedItem, SealOptions, StreamEnd, TailMark, WorkerExit, WorkerRequest, WorkerResponse, WriteItem } from './protocol.ts';

const READ_SIZE = 512 * 1024;
/**
 * Read buffers of files finished, for the next files: a fresh 512 KiB buffer per file was
 * 1.5 GB of zero-filled garbage per 3,000 files, freed only when this thread's collector ran.
 * A file waiting for credit keeps its buffer, so a few files may hold one each at once.
 */
const spareReadBuffers: Uint8Array[] = [];
const MAX_SPARE_READ_BUFFERS = 4;

interface StreamState {
  credit: number;
  cancelled: boolean;
  wake: (() => void) | undefined;
}

const port = parentPort;
if (!port) throw new Error('worker-entry.ts runs only as a worker thread (see WorkerPool).');
const streams = new Map<number, StreamState>();
const gears = new Map<string, GearTable>();

// Asked to exit (WorkerPool.stop): between tasks, so no call into zstd-napi is under way.
port.on('message', (request: WorkerRequest | WorkerExit) => (request.type === 'exit' ? process.exit(0) : handle(port, request)));

function handle(port: MessagePort, request: WorkerRequest): void {
  const reply = (message: WorkerResponse, transfer: TransferListItem[] = []): void => port.postMessage(message, transfer);
  const fail = (caught: unknown): void => {
    // A read that fails after the open (a failing disk's EIO) is the file's, like a failed open.
    const error = request.type === 'chunkFile' ? (sourceFileErrorOf(request.path, caught) ?? caught) : caught;
    const stack = error instanceof Error ? error.stack : undefined;
    const skip = error instanceof SourceFileError ? { skip: error.reason } : {};
    reply({ type: 'error', task: request.task, error: toErrorRecord(error), ...(stack ? { stack } : {}), ...skip });
  };
  try {
    switch (request.type) {
      case 'chunkFile':
        chunkFile(request.task, request.path, request.options, request.credit, reply, request, request.seal).catch(fail);
        return;
      case 'chunkBytes': {
        const chunks = chunkBytes(request.bytes, request.options);
        reply({ type: 'chunks', task: request.task, chunks }, chunks.map((c) => c.data.buffer as ArrayBuffer));
        return;
      }
      case 'compressAndSeal': {
        const blobs = compressAndSeal(request.blobs, request.options);
        reply({ type: 'sealed', task: request.task, blobs }, blobs.map((b) => b.sealed.buffer as ArrayBuffer));
        return;
      }
      case 'openAndDecompress': {
        const plaintexts = openAndDecompress(request.items, request.options);
        reply({ type: 'opened', task: request.task, plaintexts }, plaintexts.map((p) => p.buffer as ArrayBuffer));
        return;
      }
      case 'openAndWrite': {
        const bytes = openAndWrite(request.items, request.options);
        // The sealed bytes came in buffers of the caller's (a restore's read buffers): give them back for its next reads.
        const buffers = [...new Set(request.items.map((i) => i.sealed.buffer as ArrayBuffer))];
        reply({ type: 'written', task: request.task, bytes, buffers }, buffers);
        return;
      }
      case 'credit': {
        const stream = streams.get(request.task);
        if (stream) {
          stream.credit += request.batches;
          stream.wake?.();
        }
        return;
      }
      case 'cancel': {
        const stream = streams.get(request.task);
        if (stream) {
          stream.cancelled = true;
          stream.wake?.();
        }
        return;
      }
    }
  } catch (error) {
    fail(error);
  }
}

function gearFor(seed: Uint8Array): GearTable {
  const key = Buffer.from(seed).toString('hex');
  let gear = gears.get(key);
  if (!gear) {
    if (gears.size >= 4) gears.clear();
    gear = createGearTable(seed);
    gears.set(key, gear);
  }
  return gear;
}

async function chunkFile(
  task: number,
  path: FsPath,
  options: ChunkFileOptions,
  credit: number,
  reply: (message: WorkerResponse, transfer?: TransferListItem[]) => void,
  extras: ChunkFileExtras,
  // Seal each chunk here, as it is cut: the plaintext never leaves this thread.
  sealWith?: SealOptions,
): Promise<void> {
  const state: StreamState = { credit, cancelled: false, wake: undefined };
  streams.set(task, state);
  let fd: number | undefined;
  let buffer: Uint8Array | undefined;
  // Synchronous file calls: blocking is what this thread is for, and each asynchronous call
  // was a round trip through the libuv pool plus a promise (measured: open, read and close
  // were ~1.1 s of the two workers' 7 s of CPU in an initial backup of 2,700 files).
  // Never through a link, and only the file the walk saw (see source-file.ts).
  const openForReading = (): number => openWalkedFile(path, extras.expect);
  try {
    // Sealing here, each chunk is sealed as soon as it is cut and never kept: views, not copies.
    const chunker = createChunker(options.params, gearFor(options.chunkerSeed), { views: sealWith !== undefined });
    fd = openForReading();
    buffer = spareReadBuffers.pop() ?? new Uint8Array(READ_SIZE);
    let size = 0;
    let resumedAt = 0;
    // SHA-256 of everything chunked so far, and a copy taken before the latest chunk.
    let hash: Hash | undefined = extras.markTail ? createHash('sha256') : undefined;
    let beforeLast: Hash | undefined;
    let lastLength = 0;

    if (extras.resume && extras.resume.offset > 0) {
      const prefix = readPrefix(fd, buffer, extras.resume, state);
      if (state.cancelled) return;
      if (prefix) {
        resumedAt = size = extras.resume.offset;
        if (hash) hash = prefix;
      } else {
        // Not an append: chunk the whole file from its start.
        closeSync(fd);
        fd = undefined;
        fd = openForReading();
      }
    }

    let batch: (Chunk | SealedBlob)[] = [];
    let batchBytes = 0;
    const send = async (end?: StreamEnd): Promise<void> => {
      // Back-pressure: wait until the consumer has taken enough batches.
      while (state.credit <= 0 && !state.cancelled) await new Promise<void>((resolve) => (state.wake = resolve));
      state.wake = undefined;
      if (state.cancelled) return;
      state.credit--;
      reply({ type: 'batch', task, chunks: batch as Chunk[] | SealedBlob[], ...(end ? { end } : {}) }, batch.map((c) => ('sealed' in c ? c.sealed : c.data).buffer as ArrayBuffer));
      batch = [];
      batchBytes = 0;
    };
    const add = async (data: Uint8Array): Promise<void> => {
      if (hash) {
        beforeLast = hash.copy();
        hash.update(data);
      }
      lastLength = data.length;
      const id = blobId(options.idKey, data);
      batch.push(sealWith ? sealChunk(id, data, sealWith) : { id, data });
      batchBytes += data.length;
      if (batchBytes >= options.maxBatchBytes) await send();
    };

    for (;;) {
      // Sequential reads (position null): works for pipes too, and follows a file being appended to.
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0 || state.cancelled) break;
      size += bytesRead;
      // The chunker copies what it keeps, so the read buffer can be reused.
      for (const chunk of chunker.push(buffer.subarray(0, bytesRead))) await add(chunk);
    }
    if (state.cancelled) return;
    const last = chunker.finish();
    if (last) await add(last);
    if (state.cancelled) return;
    // No chunk after a resumed prefix: where the prefix's own last chunk starts isn't known here.
    const tail: TailMark | undefined = beforeLast ? { offset: size - lastLength, digest: new Uint8Array(beforeLast.digest()) } : undefined;
    const end: StreamEnd = { size, resumedAt, ...(tail ? { tail } : {}) };
    // The end rides on the last batch: one message for a small file's whole stream, not two.
    if (batch.length > 0) await send(end);
    else reply({ type: 'end', task, ...end });
  } finally {
    streams.delete(task);
    if (fd !== undefined) closeSync(fd);
    if (buffer && spareReadBuffers.length < MAX_SPARE_READ_BUFFERS) spareReadBuffers.push(buffer);
  }
}

/**
 * Reads the file's first `resume.offset` bytes (hashing is ~3× faster than chunking and keyed
 * ids) and returns their running SHA-256 when they hash to `resume.digest`: the file grew by
 * appends, and chunking resumes there.
 */
function readPrefix(fd: number, buffer: Uint8Array, resume: TailMark, state: StreamState): Hash | undefined {
  const prefix = createHash('sha256');
  let left = resume.offset;
  while (left > 0 && !state.cancelled) {
    const n = readSync(fd, buffer, 0, Math.min(buffer.length, left), null);
    if (n === 0) break;
    prefix.update(buffer.subarray(0, n));
    left -= n;
  }
  const carried = prefix.copy();
  return left === 0 && sameDigest(prefix.digest(), resume.digest) ? carried : undefined;
}

function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function chunkBytes(bytes: Uint8Array, options: ChunkOptions): Chunk[] {
  return chunkBuffer(bytes, options.params, gearFor(options.chunkerSeed)).map((data) => ({ id: blobId(options.idKey, data), data }));
}

function compressAndSeal(blobs: readonly Chunk[], options: SealOptions): SealedBlob[] {
  return blobs.map(({ id, data }) => sealChunk(id, data, options));
}

/** Only the sealed bytes are new memory: `data` is not kept, and compression goes through a scratch buffer. */
function sealChunk(id: BlobId, data: Uint8Array, options: SealOptions): SealedBlob {
  return { id, rawLength: data.length, sealed: seal(options.encKey, { kind: 'blob', name: id }, compressWithHeader(data, options.level, { view: true })) };
}

/** Reused by openAndWrite for every blob up to MAX_SCRATCH bytes (chunks are 512 KiB at most by default); a larger one gets buffers of its own. */
const MAX_SCRATCH = 8 * 2 ** 20;
const scratches = { opened: new Uint8Array(0), plain: new Uint8Array(0) };

function scratchFor(which: keyof typeof scratches, size: number): Uint8Array | undefined {
  if (size > MAX_SCRATCH) return undefined;
  if (scratches[which].length < size) scratches[which] = new Uint8Array(Math.min(MAX_SCRATCH, Math.max(size, 2 * scratches[which].length, 64 * 1024)));
  return scratches[which];
}

function openAndDecompress(items: readonly SealedItem[], options: OpenOptions): Uint8Array[] {
  return items.map((item) => openAndVerify(item, options));
}

/** With `scratch`, the result is a view of this thread's scratch buffers, valid until the next call. */
function openAndVerify({ id, sealed, rawLength }: SealedItem, options: OpenOptions, scratch = false): Uint8Array {
  const opened = open(options.encKey, { kind: 'blob', name: id }, sealed, scratch ? scratchFor('opened', sealed.length) : undefined);
  const plaintext = decompressWithHeader(opened, rawLength, scratch ? scratchFor('plain', rawLength) : undefined);
  if (blobId(options.idKey, plaintext) !== id) {
    throw new IntegrityError(`The blob ${id} decrypted to content with another id: the vault is corrupt or was tampered with.`);
  }
  return plaintext;
}

/**
 * Restore's writes, here rather than on the calling thread: the plaintext never travels back,
 * and the many small file-system calls don't hold up the app's event loop. Each blob is verified
 * before any of its bytes are written. A file this writes whole is complete or absent.
 */
function openAndWrite(items: readonly WriteItem[], options: OpenOptions): number {
  let bytes = 0;
  // A large file's blobs come one after another in a read: its file stays open between them
  // (a 30 MB transcript is ~240 blobs), and is closed before the caller finishes it.
  const parts: OpenPart = { path: undefined, fd: undefined };
  try {
    for (const item of items) {
      // Written, then dropped: the plaintext goes through this thread's scratch buffers.
      const plaintext = openAndVerify(item, options, true);
      for (const target of item.targets) {
        writeTarget(target, plaintext, parts);
        bytes += plaintext.length;
      }
    }
  } finally {
    if (parts.fd !== undefined) closeSync(parts.fd);
  }
  return bytes;
}

interface OpenPart {
  path: FsPath | undefined;
  fd: number | undefined;
}

function writeTarget(target: BlobTarget, bytes: Uint8Array, parts: OpenPart): void {
  try {
    writeTargetOnce(target, bytes, parts);
  } catch (error) {
    // A failed write names no file (a failing disk's EIO): the error says which one it was.
    const e = error as NodeJS.ErrnoException;
    if (typeof e.code === 'string' && e.path === undefined) e.path = target.kind === 'file' ? target.dest : target.path;
    throw error;
  }
}

function writeTargetOnce(target: BlobTarget, bytes: Uint8Array, parts: OpenPart): void {
  if (target.kind === 'part') {
    if (parts.path !== target.path || parts.fd === undefined) {
      if (parts.fd !== undefined) {
        closeSync(parts.fd);
        parts.fd = undefined; // not closed again by the caller if the next open fails
      }
      parts.fd = openSync(target.path, 'r+');
      parts.path = target.path;
    }
    writeAll(parts.fd, bytes, target.offset);
    return;
  }
  const fd = openSync(target.tmp, 'w', target.mode);
  try {
    try {
      writeAll(fd, bytes, 0);
      fchmodSync(fd, target.mode);
      futimesSync(fd, target.mtime, target.mtime);
    } finally {
      closeSync(fd);
    }
    renameSync(target.tmp, target.dest);
  } catch (error) {
    rmSync(target.tmp, { force: true });
    throw error;
  }
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

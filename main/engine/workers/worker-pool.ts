// A small pool of worker threads for the CPU-heavy steps of backup and restore — chunking,
// hashing, compression, sealing and their reverse — so they never block the calling thread
// (in the app, the Electron main process). Workers start on demand, each runs several tasks at
// once (a chunkFile stream waiting for its consumer must not hold up a compressAndSeal that the
// consumer is waiting for), and a task goes to the worker with the fewest tasks.
//
// Ownership: byte arrays passed in are transferred to a worker when they own their whole
// ArrayBuffer (and are detached afterwards) and copied otherwise; do not use them after the
// call. Arrays handed back own their ArrayBuffers.

import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  CairnError,
  ConfigError,
  ConflictError,
  IntegrityError,
  LockedError,
  NotFoundError,
  StorageError,
  UnsafePathError,
  WrongKeyError,
} from '../../../shared/errors.ts';
import type { ErrorRecord } from '../../../shared/errors.ts';
import { SourceFileError } from './source-file.ts';
import type { FsPath, SourceFileReason } from './source-file.ts';
import { plainLength } from '../vault/index.ts';
import type { Chunk, ChunkFileExtras, ChunkFileOptions, ChunkOptions, ChunkStream, OpenOptions, SealedBlob, SealedItem, SealOptions, StreamEnd, TailMark, WorkerExit, WorkerRequest, WorkerResponse, WriteItem, WriteResult } from './protocol.ts';

/** worker-entry beside this file, with this file's extension: .ts from source, .js when built. */
export const DEFAULT_WORKER_URL = new URL(`./worker-entry${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

export interface WorkerPoolOptions {
  /** Number of worker threads; default max(1, availableParallelism() − 1). */
  size?: number;
  /** The worker script; default DEFAULT_WORKER_URL. */
  workerUrl?: URL;
  /** Batches a chunkFile() worker may have sent ahead of its consumer; default 2. */
  readAhead?: number;
  /**
   * A worker with no task for this long exits (its V8 isolate and heap go with it) and
   * the next task starts a fresh one; default DEFAULT_IDLE_MS. The app keeps its pool open all
   * day between scheduled backups: idle threads must not hold memory. `Infinity` keeps them.
   */
  idleMs?: number;
  /** How long a worker asked to exit may take before it is terminated; default EXIT_MS. */
  exitMs?: number;
}

/** Long enough that a backup or restore never waits for a restart between tasks (a start loads the worker's modules). */
export const DEFAULT_IDLE_MS = 5000;

/**
 * How long a worker asked to exit (stop()) has to return from the task it is running before it
 * is terminated. A task is one synchronous batch (a few MiB compressed and sealed, or opened and
 * written): milliseconds.
 */
export const EXIT_MS = 10_000;


interface Task {
  onMessage(message: WorkerResponse): void;
  fail(error: CairnError): void;
}

interface TaskHandle {
  post(message: DistributiveOmit<WorkerRequest, 'task'>): void;
  end(): void;
}

interface Slot {
  worker: Worker;
  tasks: Map<number, Task>;
  /** Set by an 'error' event, reported when the worker exits. */
  crash?: Error;
  /** Armed while the worker has no task: stops it after idleMs (stop()). */
  idle?: NodeJS.Timeout;
  /** Stopped for idleness: not a crash, and no longer picked. */
  retired?: boolean;
  /** Set when the thread has exited. */
  exited?: boolean;
}

export class WorkerPool {
  readonly size: number;
  private readonly workerUrl: URL;
  private readonly readAhead: number;
  private readonly idleMs: number;
  private readonly exitMs: number;
  private readonly slots: Slot[] = [];
  private nextTask = 1;
  private closed = false;

  constructor(options: WorkerPoolOptions = {}) {
    this.size = options.size ?? Math.max(1, availableParallelism() - 1);
    if (!Number.isInteger(this.size) || this.size < 1) throw new ConfigError(`A worker pool needs at least one thread, got ${options.size}.`);
    this.workerUrl = options.workerUrl ?? DEFAULT_WORKER_URL;
    this.readAhead = options.readAhead ?? 2;
    if (!Number.isInteger(this.readAhead) || this.readAhead < 1) throw new ConfigError(`readAhead must be a positive integer, got ${options.readAhead}.`);
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    if (!(this.idleMs >= 0)) throw new ConfigError(`idleMs must be zero or more, got ${options.idleMs}.`);
    this.exitMs = options.exitMs ?? EXIT_MS;
  }

  /**
   * Streams the file at `path` through the chunker in a worker and yields batches of chunks
   * with their blob ids. The worker reads with bounded memory and stays at most `readAhead`
   * batches ahead of the consumer. Work starts when iteration starts; breaking out of the loop
   * stops the worker's task and closes the file.
   */
  chunkFile(path: FsPath, options: ChunkFileOptions, extras: ChunkFileExtras = {}): ChunkStream {
    const request = this.chunkRequest(path, options, extras);
    return new FileChunkStream<Chunk>((task) => this.start(request, [], task));
  }

  /** chunkFile, with each chunk compressed and sealed in the worker that cut it (see BlobCodec.chunkAndSeal). */
  chunkAndSeal(path: FsPath, options: ChunkFileOptions, seal: SealOptions, extras: ChunkFileExtras = {}): ChunkStream<SealedBlob> {
    const request = { ...this.chunkRequest(path, options, extras), seal: { encKey: new Uint8Array(seal.encKey), level: seal.level } };
    return new FileChunkStream<SealedBlob>((task) => this.start(request, [], task));
  }

  private chunkRequest(path: FsPath, options: ChunkFileOptions, extras: ChunkFileExtras) {
    if (!(options.maxBatchBytes > 0)) throw new ConfigError(`maxBatchBytes must be positive, got ${options.maxBatchBytes}.`);
    return {
      type: 'chunkFile',
      path,
      options: { ...copyKeys(options), maxBatchBytes: options.maxBatchBytes },
      credit: this.readAhead,
      ...(extras.resume ? { resume: { offset: extras.resume.offset, digest: new Uint8Array(extras.resume.digest) } } : {}),
      ...(extras.markTail ? { markTail: true } : {}),
      ...(extras.expect ? { expect: extras.expect } : {}),
    } as const;
  }

  /** Chunks content already in memory (small things such as tree blobs) and computes blob ids. */
  chunkBytes(bytes: Uint8Array, options: ChunkOptions): Promise<Chunk[]> {
    const [data, transfer] = transferable(bytes);
    return this.call({ type: 'chunkBytes', bytes: data, options: copyKeys(options) }, transfer, 'chunks', (m) => m.chunks);
  }

  /** For each blob: seal(encKey, { kind: 'blob', name: id }, compressWithHeader(data, level)). */
  compressAndSeal(blobs: readonly Chunk[], options: SealOptions): Promise<SealedBlob[]> {
    const transfer = new Set<ArrayBuffer>();
    const sent = blobs.map(({ id, data }) => {
      const [copy, buffers] = transferable(data);
      for (const b of buffers) transfer.add(b);
      return { id, data: copy };
    });
    return this.call({ type: 'compressAndSeal', blobs: sent, options: { encKey: new Uint8Array(options.encKey), level: options.level } }, [...transfer], 'sealed', (m) => m.blobs);
  }

  /**
   * Opens and decompresses sealed blobs and checks that each plaintext hashes to its id.
   * Throws IntegrityError for any blob that fails; plaintexts come back in the order given.
   * With `transfer`, the caller gives up the buffers behind the items (see sealedForWorker).
   */
  openAndDecompress(items: readonly SealedItem[], options: OpenOptions, { transfer = false }: { transfer?: boolean } = {}): Promise<Uint8Array[]> {
    const [sent, buffers] = sealedForWorker(items, transfer);
    return this.call({ type: 'openAndDecompress', items: sent, options: copyOpenKeys(options) }, buffers, 'opened', (m) => m.plaintexts);
  }

  /**
   * Opens, decompresses and verifies each blob like openAndDecompress, then writes its plaintext
   * to each of its targets from the worker (see BlobTarget); resolves to the bytes written.
   * Throws at the first blob that fails verification or a write that fails; earlier items'
   * targets are written by then.
   */
  openAndWrite(items: readonly WriteItem[], options: OpenOptions, { transfer = false }: { transfer?: boolean } = {}): Promise<WriteResult> {
    const [sent, buffers] = sealedForWorker(items, transfer);
    const withTargets = sent.map((s, i) => ({ ...s, targets: (items[i] as WriteItem).targets }));
    return this.call({ type: 'openAndWrite', items: withTargets, options: copyOpenKeys(options) }, buffers, 'written', (m) => ({ bytes: m.bytes, buffers: m.buffers }));
  }

  /** Stops every worker (stop()); tasks still running fail with a `cancelled` CairnError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const slot of slots) clearTimeout(slot.idle);
    const error = new CairnError('cancelled', 'The background workers were shut down before the operation finished.');
    for (const slot of slots) for (const task of slot.tasks.values()) task.fail(error);
    await Promise.all(slots.map((slot) => this.stop(slot)));
  }

  /**
   * Ends a worker by asking it to exit: it does so once the task it is running returns. Never
   * Worker.terminate() first: a thread terminated in the middle of a call into zstd-napi aborts
   * the whole process ("terminate called after throwing an instance of 'Napi::Error'", SIGABRT;
   * 2 of 5 stress runs of 300 pools closed at random moments, and once in CI). Terminated only
   * if it hasn't exited within exitMs (EXIT_MS). The thread is held (ref) until it is gone, so that the
   * process doesn't end first and tear it down from outside.
   */
  private stop(slot: Slot): Promise<void> {
    if (slot.exited) return Promise.resolve();
    const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
    slot.worker.ref();
    slot.worker.postMessage({ type: 'exit' } satisfies WorkerExit);
    const late = setTimeout(() => void slot.worker.terminate(), this.exitMs);
    late.unref();
    return exited.finally(() => clearTimeout(late));
  }

  /**
   * Starts worker threads now, up to `n` (the pool's size by default), for tasks an operation is
   * about to give: a thread takes 0.15–0.3 s to load, which a short restore otherwise waits for
   * at its first write. Threads nothing uses retire as idle ones do.
   */
  warm(n = this.size): void {
    if (this.closed) return;
    while (this.slots.length < Math.min(n, this.size)) this.rest(this.spawn());
  }

  /** Number of live worker threads (they start on demand). */
  get threads(): number {
    return this.slots.length;
  }

  /** Starts a task on the least busy worker; returns how to message it and how to end it. */
  private start(request: DistributiveOmit<WorkerRequest, 'task'>, transfer: ArrayBuffer[], task: Task): TaskHandle {
    if (this.closed) throw new CairnError('cancelled', 'The background workers have been shut down.');
    const slot = this.pick();
    const id = this.nextTask++;
    slot.tasks.set(id, task);
    clearTimeout(slot.idle);
    slot.idle = undefined;
    slot.worker.ref();
    try {
      slot.worker.postMessage({ ...request, task: id }, transfer);
    } catch (error) {
      if (slot.tasks.delete(id) && slot.tasks.size === 0) this.rest(slot);
      throw new CairnError('internal', `Could not hand a ${request.type} task to a worker: ${(error as Error).message}`, { cause: error });
    }
    return {
      post: (message) => {
        if (slot.tasks.has(id)) slot.worker.postMessage({ ...message, task: id });
      },
      end: () => {
        if (slot.tasks.delete(id) && slot.tasks.size === 0) this.rest(slot);
      },
    };
  }

  /** A worker whose last task ended: it must not keep the process alive, nor its memory for long. */
  private rest(slot: Slot): void {
    slot.worker.unref();
    if (this.idleMs === Infinity || this.closed) return;
    clearTimeout(slot.idle);
    slot.idle = setTimeout(() => this.retire(slot), this.idleMs);
    slot.idle.unref();
  }

  private retire(slot: Slot): void {
    slot.idle = undefined;
    if (slot.tasks.size > 0 || slot.retired) return;
    slot.retired = true;
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    void this.stop(slot);
  }

  private call<K extends WorkerResponse['type'], R>(
    request: DistributiveOmit<WorkerRequest, 'task'>,
    transfer: ArrayBuffer[],
    expect: K,
    result: (message: Extract<WorkerResponse, { type: K }>) => R,
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const handle = this.start(request, transfer, {
        onMessage: (message) => {
          handle.end();
          if (message.type === expect) resolve(result(message as Extract<WorkerResponse, { type: K }>));
          else if (message.type === 'error') reject(reviveError(message.error, message.stack));
          else reject(new CairnError('internal', `A worker answered "${message.type}" to a ${request.type} request.`));
        },
        fail: (error) => {
          handle.end();
          reject(error);
        },
      });
    });
  }

  private pick(): Slot {
    let best: Slot | undefined;
    for (const slot of this.slots) if (!best || slot.tasks.size < best.tasks.size) best = slot;
    if (best && (best.tasks.size === 0 || this.slots.length >= this.size)) return best;
    return this.spawn();
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerUrl, { name: 'cairn-engine' });
    const slot: Slot = { worker, tasks: new Map() };
    worker.unref();
    worker.on('message', (message: WorkerResponse) => slot.tasks.get(message.task)?.onMessage(message));
    worker.on('error', (error) => {
      slot.crash = error;
    });
    worker.on('messageerror', (error) => {
      slot.crash = error;
      void this.stop(slot);
    });
    worker.on('exit', (code) => {
      slot.exited = true;
      clearTimeout(slot.idle);
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1); // the next task starts a replacement
      if (this.closed || slot.tasks.size === 0) return;
      const reason = slot.crash ? `: ${slot.crash.message}` : ` with exit code ${code}`;
      const error = new CairnError('internal', `A background worker stopped unexpectedly${reason}. The operation was cancelled; try again.`, { retryable: true, cause: slot.crash });
      for (const task of [...slot.tasks.values()]) task.fail(error);
      slot.tasks.clear();
    });
    this.slots.push(slot);
    return slot;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

class FileChunkStream<T extends Chunk | SealedBlob> implements ChunkStream<T> {
  private readonly begin: (task: Task) => TaskHandle;
  private consumed = 0;
  private total: number | undefined;
  private started = false;
  resumedAt = 0;
  tail: TailMark | undefined;

  constructor(begin: (task: Task) => TaskHandle) {
    this.begin = begin;
  }

  get size(): number {
    return this.total ?? this.consumed;
  }

  [Symbol.asyncIterator](): AsyncIterator<T[]> {
    if (this.started) throw new CairnError('internal', 'A chunkFile() stream can be iterated only once.');
    this.started = true;
    const queue: T[][] = [];
    let ended = false;
    let failure: CairnError | undefined;
    let waiter: (() => void) | undefined;
    const wake = (): void => {
      waiter?.();
      waiter = undefined;
    };

    const endWith = (end: StreamEnd): void => {
      ended = true;
      this.total = end.size;
      this.resumedAt = end.resumedAt;
      this.tail = end.tail;
      handle.end();
    };
    const handle = this.begin({
      onMessage: (message) => {
        // The request says which kind of batch this stream gets (chunkFile or chunkAndSeal).
        if (message.type === 'batch') {
          queue.push(message.chunks as T[]);
          if (message.end) endWith(message.end);
        } else if (message.type === 'end') {
          endWith(message);
        } else {
          failure = message.type === 'error' ? reviveError(message.error, message.stack, message.skip) : new CairnError('internal', `A worker answered "${message.type}" to a chunkFile request.`);
          handle.end();
        }
        wake();
      },
      fail: (error) => {
        failure = error;
        handle.end();
        wake();
      },
    });

    const finish = (): void => {
      if (!ended && !failure) handle.post({ type: 'cancel' });
      ended = true;
      queue.length = 0;
      handle.end();
    };

    return {
      next: async (): Promise<IteratorResult<T[]>> => {
        for (;;) {
          const batch = queue.shift();
          if (batch) {
            // A stream that has ended sends nothing more: no credit to give it.
            if (!ended) handle.post({ type: 'credit', batches: 1 });
            this.consumed += batch.reduce((n, c) => n + plainLength(c), 0);
            return { value: batch, done: false };
          }
          if (failure) {
            const error = failure;
            finish();
            throw error;
          }
          if (ended) return { value: undefined, done: true };
          await new Promise<void>((resolve) => (waiter = resolve));
        }
      },
      return: async (): Promise<IteratorResult<T[]>> => {
        finish();
        return { value: undefined, done: true };
      },
    };
  }
}

/** Rebuilds a worker's error as the matching CairnError subclass, with the worker's stack as cause. */
export function reviveError(record: ErrorRecord, stack?: string, skip?: SourceFileReason): CairnError {
  const cause = stack ? Object.assign(new Error(record.message), { stack }) : undefined;
  const options = { retryable: record.retryable, cause };
  if (skip) return new SourceFileError(skip, record.message, { cause });
  switch (record.code) {
    case 'integrity':
      return new IntegrityError(record.message, options);
    case 'wrong_key':
      return new WrongKeyError(record.message, options);
    case 'not_found':
      return new NotFoundError(record.message, options);
    case 'config':
      return new ConfigError(record.message, options);
    case 'conflict':
      return new ConflictError(record.message, options);
    case 'unsafe_path':
      return new UnsafePathError(record.message, options);
    case 'locked':
      return new LockedError(record.message, options);
    case 'storage':
    case 'bucket_not_found':
    case 'access_denied':
    case 'clock_skew':
    case 'unreachable':
    case 'checksum_refused':
    case 'disk_full':
      // A worker that wrote to a full disk (or met a storage refusal) stays a StorageError, so the
      // retry rules and the UI's wording (disk_full → "the disk is full") see what it was.
      return new StorageError(record.code, record.message, options);
    default:
      return new CairnError(record.code, record.message, options);
  }
}

/** The array itself when it owns its whole ArrayBuffer (to transfer), else an exact copy. */
function transferable(bytes: Uint8Array): [Uint8Array, ArrayBuffer[]] {
  const buffer = bytes.buffer;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength && buffer.byteLength > 0) return [bytes, [buffer]];
  const copy = new Uint8Array(bytes); // not bytes.slice(): on a Buffer that is a view, not a copy
  return [copy, copy.byteLength > 0 ? [copy.buffer] : []];
}

/** Keys are copied, never transferred: the caller keeps using them. */
function copyKeys<T extends { chunkerSeed: Uint8Array; idKey: Uint8Array }>(options: T): T {
  return { ...options, chunkerSeed: new Uint8Array(options.chunkerSeed), idKey: new Uint8Array(options.idKey) };
}

/**
 * Sealed items as sent to a worker, with the buffers to transfer. With `handOver`, the caller
 * gives up the ArrayBuffers behind the items: views into one large buffer (a ranged read of a
 * pack) move to the worker in one transfer instead of a copy each.
 */
function sealedForWorker(items: readonly SealedItem[], handOver: boolean): [SealedItem[], ArrayBuffer[]] {
  const transfer = new Set<ArrayBuffer>();
  const sent = items.map(({ id, sealed, rawLength }) => {
    if (handOver && sealed.buffer instanceof ArrayBuffer && sealed.buffer.byteLength > 0) {
      transfer.add(sealed.buffer);
      return { id, sealed, rawLength };
    }
    const [copy, buffers] = transferable(sealed);
    for (const b of buffers) transfer.add(b);
    return { id, sealed: copy, rawLength };
  });
  return [sent, [...transfer]];
}

function copyOpenKeys(options: OpenOptions): OpenOptions {
  return { encKey: new Uint8Array(options.encKey), idKey: new Uint8Array(options.idKey) };
}

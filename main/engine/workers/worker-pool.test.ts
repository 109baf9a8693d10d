import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CairnError, ConfigError, IntegrityError, StorageError } from '../../../shared/errors.ts';
import type { BlobId } from '../../../shared/ids.ts';
import { chunkBuffer, createGearTable, decompressWithHeader } from '../chunk/index.ts';
import type { ChunkParams } from '../chunk/index.ts';
import { blobId, deriveSubkeys, generateMasterKey, open, SEAL_OVERHEAD } from '../crypto/index.ts';
import { utimesSeconds } from '../file-times.ts';
import type { Chunk } from './protocol.ts';
import { DEFAULT_WORKER_URL, reviveError, WorkerPool } from './worker-pool.ts';
import { SourceFileError } from './source-file.ts';

const keys = deriveSubkeys(generateMasterKey());
const PARAMS: ChunkParams = { min: 4096, avg: 16384, max: 65536 };
const CHUNK_OPTIONS = { params: PARAMS, chunkerSeed: keys.chunkerSeed, idKey: keys.idKey };

/** Text-like content: compressible, with enough variety for content-defined boundaries. */
function transcript(bytes: number): Uint8Array {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const line = JSON.stringify({ i, type: i % 3 ? 'assistant' : 'user', text: `${randomBytes(16).toString('hex')} ${'lorem ipsum '.repeat(i % 50)}` });
    lines.push(line);
    length += line.length + 1;
  }
  return new TextEncoder().encode(lines.join('\n')).subarray(0, bytes);
}

function expectedChunks(data: Uint8Array): Chunk[] {
  return chunkBuffer(data, PARAMS, createGearTable(keys.chunkerSeed)).map((c) => ({ id: blobId(keys.idKey, c), data: c }));
}

async function collect<T = Chunk>(stream: AsyncIterable<T[]>): Promise<T[][]> {
  const batches: T[][] = [];
  for await (const batch of stream) batches.push(batch);
  return batches;
}

const run = promisify(execFile);
const summary = (chunks: readonly Chunk[]): string[] => chunks.map((c) => `${c.id}:${c.data.length}`);
const errorOf = async (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

let dir: string;
let pool: WorkerPool;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-workers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await pool?.close();
});

describe('WorkerPool', () => {
  it('sizes itself to the cores but one, and starts threads on demand', async () => {
    pool = new WorkerPool();
    expect(pool.size).toBe(Math.max(1, availableParallelism() - 1));
    expect(pool.threads).toBe(0);
    await pool.chunkBytes(new Uint8Array(10), CHUNK_OPTIONS);
    expect(pool.threads).toBe(1);
    expect(() => new WorkerPool({ size: 0 })).toThrow(ConfigError);
  });

  it('starts its threads ahead of the tasks when warmed, hands them the tasks, and retires them when none come', async () => {
    pool = new WorkerPool({ size: 2, idleMs: 300 });
    pool.warm();
    expect(pool.threads).toBe(2);
    pool.warm(); // already warm: no more threads
    expect(pool.threads).toBe(2);
    expect(await Promise.all([1, 2, 3].map(() => pool.chunkBytes(new Uint8Array(10), CHUNK_OPTIONS)))).toHaveLength(3);
    expect(pool.threads).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(pool.threads).toBe(0);
    pool.warm(1);
    expect(pool.threads).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(pool.threads).toBe(0);
  });

  it('retires a worker idle for idleMs (the next task starts a fresh one), never one with a task open', async () => {
    pool = new WorkerPool({ size: 1, idleMs: 100 });
    await pool.chunkBytes(new Uint8Array(10), CHUNK_OPTIONS);
    expect(pool.threads).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(pool.threads).toBe(0);
    expect(await pool.chunkBytes(new Uint8Array(10), CHUNK_OPTIONS)).toHaveLength(1);
    expect(pool.threads).toBe(1);

    // A stream waiting for its consumer (read-ahead spent) is a task: its worker stays.
    const data = transcript(1 << 20);
    const path = join(dir, 'idle.jsonl');
    await writeFile(path, data);
    const iterator = pool.chunkFile(path, { ...CHUNK_OPTIONS, maxBatchBytes: 64 * 1024 })[Symbol.asyncIterator]();
    const batches: Chunk[][] = [];
    const first = await iterator.next();
    if (!first.done) batches.push(first.value);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(pool.threads).toBe(1);
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) batches.push(r.value);
    expect(summary(batches.flat())).toEqual(summary(expectedChunks(data)));

    expect(() => new WorkerPool({ idleMs: -1 })).toThrow(ConfigError);
    const keeping = new WorkerPool({ size: 1, idleMs: Infinity });
    try {
      await keeping.chunkBytes(new Uint8Array(10), CHUNK_OPTIONS);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(keeping.threads).toBe(1);
    } finally {
      await keeping.close();
    }
  });

  it('loads its worker from source with the .ts extension of this file', () => {
    expect(DEFAULT_WORKER_URL.pathname.endsWith('/worker-entry.ts')).toBe(true);
  });

  it('runs from the tsc build too, loading worker-entry.js', async () => {
    // Build this folder the way tsconfig.build.json does (type-checking is tsc's job elsewhere),
    // then use the pool from plain Node on the emitted .js files.
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const out = join(dir, 'build');
    const config = {
      extends: join(root, 'tsconfig.build.json'),
      compilerOptions: { outDir: join(out, 'dist'), rootDir: root, sourceMap: false, noCheck: true, typeRoots: [join(root, 'node_modules/@types')] },
      files: [join(root, 'main/engine/workers/index.ts'), join(root, 'main/engine/workers/worker-entry.ts')],
      include: [],
    };
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'tsconfig.json'), JSON.stringify(config));
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(out, 'tsconfig.json')]);
    await writeFile(join(out, 'dist/package.json'), '{"type":"module"}');
    await symlink(join(root, 'node_modules'), join(out, 'dist/node_modules'));
    const script = `
      import { WorkerPool, DEFAULT_WORKER_URL } from ${JSON.stringify(pathToFileURL(join(out, 'dist/main/engine/workers/index.js')).href)};
      const pool = new WorkerPool({ size: 1 });
      const key = new Uint8Array(32).fill(1);
      const chunks = await pool.chunkBytes(new TextEncoder().encode('hello'), { params: { min: 1024, avg: 4096, max: 16384 }, chunkerSeed: key, idKey: key });
      const [sealed] = await pool.compressAndSeal(chunks, { encKey: key, level: 3 });
      const [plain] = await pool.openAndDecompress([sealed], { encKey: key, idKey: key });
      console.log(JSON.stringify({ worker: DEFAULT_WORKER_URL.pathname, id: chunks[0].id, plain: new TextDecoder().decode(plain) }));
      await pool.close();`;
    await writeFile(join(out, 'use-build.mjs'), script);
    const { stdout } = await run(process.execPath, [join(out, 'use-build.mjs')], { cwd: out });
    const result = JSON.parse(stdout) as { worker: string; id: string; plain: string };
    expect(result.worker.endsWith('/dist/main/engine/workers/worker-entry.js')).toBe(true);
    expect(result.id).toBe(blobId(new Uint8Array(32).fill(1), new TextEncoder().encode('hello')));
    expect(result.plain).toBe('hello');
  });

  describe('chunkFile', () => {
    it('streams a large file in batches that equal the in-thread chunker', async () => {
      pool = new WorkerPool({ size: 2 });
      const data = transcript(3 * 2 ** 20);
      const path = join(dir, 'big.jsonl');
      await writeFile(path, data);
      const maxBatchBytes = 256 * 1024; // the file is 12× that
      const stream = pool.chunkFile(path, { ...CHUNK_OPTIONS, maxBatchBytes });
      const batches = await collect(stream);

      expect(batches.length).toBeGreaterThan(4);
      for (const batch of batches.slice(0, -1)) {
        const bytes = batch.reduce((n, c) => n + c.data.length, 0);
        expect(bytes).toBeGreaterThanOrEqual(maxBatchBytes);
        expect(bytes).toBeLessThan(maxBatchBytes + PARAMS.max);
      }
      expect(summary(batches.flat())).toEqual(summary(expectedChunks(data)));
      expect(Buffer.compare(Buffer.concat(batches.flat().map((c) => c.data)), data)).toBe(0);
      expect(stream.size).toBe(data.length);
    });

    it('with chunkAndSeal, sends every chunk sealed: they open to the chunker’s chunks, ids and sizes the same', async () => {
      pool = new WorkerPool({ size: 2 });
      const data = transcript(2 * 2 ** 20);
      const path = join(dir, 'sealed.jsonl');
      await writeFile(path, data);
      const stream = pool.chunkAndSeal(path, { ...CHUNK_OPTIONS, maxBatchBytes: 256 * 1024 }, { encKey: keys.encKey, level: 3 }, { markTail: true });
      const sealed = (await collect(stream)).flat();
      const expected = expectedChunks(data);
      expect(sealed.map((s) => [s.id, s.rawLength])).toEqual(expected.map((c) => [c.id, c.data.length]));
      // Sealed, not plaintext: smaller than the text (it compresses) and no chunk's bytes in the clear.
      expect(sealed.every((s) => !('data' in s))).toBe(true);
      expect(sealed.reduce((n, s) => n + s.sealed.length, 0)).toBeLessThan(data.length);
      const opened = await pool.openAndDecompress(sealed, { encKey: keys.encKey, idKey: keys.idKey });
      expect(Buffer.compare(Buffer.concat(opened), data)).toBe(0);
      expect(stream.size).toBe(data.length);
      expect(stream.tail?.offset).toBe(data.length - (expected.at(-1)?.data.length ?? 0));
    });

    it('marks a tail and resumes a grown file there: the same chunks as chunking it whole, prefix skipped', async () => {
      pool = new WorkerPool({ size: 1 });
      const old = transcript(600_000);
      const path = join(dir, 'grows.jsonl');
      await writeFile(path, old);
      const first = pool.chunkFile(path, { ...CHUNK_OPTIONS, maxBatchBytes: 1 << 20 }, { markTail: true });
      const oldChunks = (await collect(first)).flat();
      const lastOld = oldChunks.at(-1)!;
      expect(first.tail?.offset).toBe(old.length - lastOld.data.length);
      expect(Buffer.from(first.tail!.digest).equals(createHash('sha256').update(old.subarray(0, first.tail!.offset)).digest())).toBe(true);

      const grown = Buffer.concat([old, transcript(300_000)]);
      await writeFile(path, grown);
      const second = pool.chunkFile(path, { ...CHUNK_OPTIONS, maxBatchBytes: 1 << 20 }, { resume: first.tail!, markTail: true });
      const tailChunks = (await collect(second)).flat();
      expect(second.resumedAt).toBe(first.tail!.offset);
      expect(second.size).toBe(grown.length);
      // The old chunks but the last, then what the stream sent: exactly the whole file's chunks.
      expect([...summary(oldChunks.slice(0, -1)), ...summary(tailChunks)]).toEqual(summary(expectedChunks(grown)));
      // And the new tail mark is the one a whole pass computes.
      const whole = pool.chunkFile(path, { ...CHUNK_OPTIONS, maxBatchBytes: 1 << 20 }, { markTail: true });
      await collect(whole);
      expect(second.tail?.offset).toBe(whole.tail?.offset);
      expect(Buffer.from(second.tail!.digest).equals(Buffer.from(whole.tail!.digest))).toBe(true);
    });

    it('chunks the whole file when its prefix changed or it shrank below the mark', async () => {
      pool = new WorkerPool({ size: 1 });
      const old = transcript(600_000);
      const path = join(dir, 'edited.jsonl');
      await writeFile(path, old);
      const first = pool.chunkFile(path, { ...CHUNK_OPTIONS, maxBatchBytes: 1 << 20 }, { markTail: true });
      await collect(first);
      const mark = first.tail!;

      const edited = Buffer.concat([old, transcript(1000)]);
      edited[10] = edited[10]! ^ 1; // one byte changed near the start, file grown
      await writeFile(path, edited);
      const second = pool.chunkFile(path, { ...CHUNK_OPTIONS, maxBatchBytes: 1 << 20 }, { resume: mark });
      expect(summary((await collect(second)).flat())).toEqual(summary(expectedChunks(edited)));
      expect(second.resumedAt).toBe(0);

      const shrunk = old.subarray(0, mark.offset - 10);
      await writeFile(path, shrunk);
      const third = pool.chunkFile(path, { ...CHUNK_OPTIONS, maxBatchBytes: 1 << 20 }, { resume: mark });
      expect(summary((await collect(third)).flat())).toEqual(summary(expectedChunks(shrunk)));
      expect(third.resumedAt).toBe(0);
      expect(third.size).toBe(shrunk.length);
    });

    it('handles an empty file and a file smaller than min', async () => {
      pool = new WorkerPool({ size: 1 });
      const empty = join(dir, 'empty');
      await writeFile(empty, '');
      const stream = pool.chunkFile(empty, { ...CHUNK_OPTIONS, maxBatchBytes: 1024 });
      expect(await collect(stream)).toEqual([]);
      expect(stream.size).toBe(0);
      const tiny = join(dir, 'tiny');
      await writeFile(tiny, 'hello\n');
      const batches = await collect(pool.chunkFile(tiny, { ...CHUNK_OPTIONS, maxBatchBytes: 1024 }));
      expect(summary(batches.flat())).toEqual(summary(expectedChunks(new TextEncoder().encode('hello\n'))));
    });

    it('streams a small file in one message each way: its start, then its chunks with its end (no credit back)', async () => {
      pool = new WorkerPool({ size: 1 });
      const files = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const path = join(dir, `small-${i}.jsonl`);
          const data = transcript(2000 + i * 100);
          await writeFile(path, data);
          return { path, data };
        }),
      );
      const posted = vi.spyOn(Worker.prototype, 'postMessage');
      try {
        for (const { path, data } of files) {
          const stream = pool.chunkFile(path, { ...CHUNK_OPTIONS, maxBatchBytes: 64 * 1024 });
          const batches = await collect(stream);
          expect(summary(batches.flat())).toEqual(summary(expectedChunks(data)));
          expect(stream.size).toBe(data.length);
        }
        const types = posted.mock.calls.map(([message]) => (message as { type: string }).type);
        expect(types.filter((t) => t === 'chunkFile')).toHaveLength(20);
        expect(types.filter((t) => t === 'credit')).toEqual([]);
      } finally {
        posted.mockRestore();
      }
    });

    it('applies back-pressure: the worker stops reading while the consumer does not take batches', async () => {
      pool = new WorkerPool({ size: 1, readAhead: 2 });
      const fifo = join(dir, 'pipe');
      execFileSync('mkfifo', [fifo]);
      const data = transcript(16 * 2 ** 20);
      const maxBatchBytes = 64 * 1024;
      const iterator = pool.chunkFile(fifo, { ...CHUNK_OPTIONS, maxBatchBytes })[Symbol.asyncIterator]();

      // Write into the pipe as fast as the reader takes it, counting what it took.
      const writer = createWriteStream(fifo, { highWaterMark: 64 * 1024 });
      let accepted = 0;
      let writing = true;
      const written = (async () => {
        for (let at = 0; at < data.length && writing; at += 64 * 1024) {
          const piece = data.subarray(at, at + 64 * 1024);
          if (!writer.write(piece)) await new Promise<void>((resolve) => writer.once('drain', () => resolve()));
          accepted = at + piece.length;
        }
        writer.end();
      })();

      const received: Chunk[] = [];
      const first = await iterator.next();
      received.push(...(first.value as Chunk[]));
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Read ahead is bounded by the batches in flight, the read buffer, the chunker's pending
      // bytes and the pipe's own buffers: far below the 16 MiB on offer.
      expect(accepted).toBeLessThan(2.5 * 2 ** 20);

      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        received.push(...next.value);
      }
      writing = false;
      await written;
      expect(accepted).toBe(data.length);
      expect(summary(received)).toEqual(summary(expectedChunks(data)));
    });

    it('stops reading and closes the file when the consumer breaks out of the loop', async () => {
      pool = new WorkerPool({ size: 1 });
      const fifo = join(dir, 'pipe-break');
      execFileSync('mkfifo', [fifo]);
      const writer = createWriteStream(fifo);
      const broken = new Promise<NodeJS.ErrnoException>((resolve) => writer.on('error', resolve));
      const feed = setInterval(() => writer.write(randomBytes(64 * 1024)), 5);
      try {
        for await (const batch of pool.chunkFile(fifo, { ...CHUNK_OPTIONS, maxBatchBytes: 64 * 1024 })) {
          expect(batch.length).toBeGreaterThan(0);
          break;
        }
        // The worker closed its end of the pipe: the writer gets EPIPE.
        expect((await broken).code).toBe('EPIPE');
      } finally {
        clearInterval(feed);
      }
      // The pool is still usable.
      expect(await pool.chunkBytes(new Uint8Array(5), CHUNK_OPTIONS)).toHaveLength(1);
    });

    it('reports a missing file as a vanished SourceFileError and bad parameters as ConfigError', async () => {
      pool = new WorkerPool({ size: 1 });
      const missing = await errorOf(collect(pool.chunkFile(join(dir, 'nope.jsonl'), { ...CHUNK_OPTIONS, maxBatchBytes: 1024 })));
      // A walked file that is gone: the backup records it as a warning (see source-file.ts).
      expect(missing).toBeInstanceOf(SourceFileError);
      expect((missing as SourceFileError).reason).toBe('vanished');
      expect((missing as CairnError).code).toBe('not_found');
      expect((missing as CairnError).message).toMatch(/nope\.jsonl was deleted or moved before it could be read/);

      const path = join(dir, 'x');
      await writeFile(path, 'x');
      const bad = await errorOf(collect(pool.chunkFile(path, { ...CHUNK_OPTIONS, params: { min: 1, avg: 3, max: 2 }, maxBatchBytes: 1024 })));
      expect(bad).toBeInstanceOf(ConfigError);
      expect((bad as CairnError).code).toBe('config');
      expect(() => pool.chunkFile(path, { ...CHUNK_OPTIONS, maxBatchBytes: 0 })).toThrow(ConfigError);
    });

    it('reports a read that fails after the open (a failing disk’s EIO) as an unreadable SourceFileError, not an unexpected error', async (ctx) => {
      // Reading /proc/self/mem at offset 0 (never mapped) is a real EIO from the kernel, as a
      // failing disk's sector gives: the open succeeds, the read fails.
      if (!existsSync('/proc/self/mem')) {
        process.stdout.write('skipped: no /proc/self/mem on this system to make a read fail with EIO\n');
        ctx.skip();
      }
      pool = new WorkerPool({ size: 1 });
      const failed = await errorOf(collect(pool.chunkFile('/proc/self/mem', { ...CHUNK_OPTIONS, maxBatchBytes: 1024 })));
      expect(failed).toBeInstanceOf(SourceFileError);
      expect((failed as SourceFileError).reason).toBe('unreadable');
      expect((failed as CairnError).message).toMatch(/^\/proc\/self\/mem can't be read: the disk reported an input\/output error \(EIO\)\. The disk may be failing/);
      // The pool is still usable.
      expect(await pool.chunkBytes(new Uint8Array(5), CHUNK_OPTIONS)).toHaveLength(1);
    });

    it('reads only the walked file: a link, a FIFO or another file in its place is a changed SourceFileError, never followed', async () => {
      pool = new WorkerPool({ size: 1 });
      const walked = join(dir, 'walked.txt');
      await writeFile(walked, 'walked');
      const st = statSync(walked, { bigint: true });
      const expect0 = { dev: st.dev.toString(), ino: st.ino.toString() };
      // The walked file itself reads fine.
      expect(summary((await collect(pool.chunkFile(walked, { ...CHUNK_OPTIONS, maxBatchBytes: 1024 }, { expect: expect0 }))).flat())).toEqual(summary(expectedChunks(new TextEncoder().encode('walked'))));

      const outside = join(dir, 'outside-secret');
      await writeFile(outside, 'secret');
      const link = join(dir, 'swapped-link');
      await symlink(outside, link);
      const viaLink = await errorOf(collect(pool.chunkFile(link, { ...CHUNK_OPTIONS, maxBatchBytes: 1024 }, { expect: expect0 })));
      expect(viaLink).toBeInstanceOf(SourceFileError);
      expect((viaLink as SourceFileError).reason).toBe('changed');
      // Even with the link target's own identity: O_NOFOLLOW refuses the link itself.
      const os = statSync(outside, { bigint: true });
      const sameInode = await errorOf(collect(pool.chunkFile(link, { ...CHUNK_OPTIONS, maxBatchBytes: 1024 }, { expect: { dev: os.dev.toString(), ino: os.ino.toString() } })));
      expect((sameInode as SourceFileError).reason).toBe('changed');

      const other = await errorOf(collect(pool.chunkFile(outside, { ...CHUNK_OPTIONS, maxBatchBytes: 1024 }, { expect: expect0 })));
      expect((other as SourceFileError).reason).toBe('changed');

      // A FIFO in its place: no writer ever comes, and the open must not wait for one.
      const fifo = join(dir, 'swapped-fifo');
      execFileSync('mkfifo', [fifo]);
      const started = Date.now();
      const viaFifo = await errorOf(collect(pool.chunkFile(fifo, { ...CHUNK_OPTIONS, maxBatchBytes: 1024 }, { expect: expect0 })));
      expect((viaFifo as SourceFileError).reason).toBe('changed');
      expect(Date.now() - started).toBeLessThan(5000);

      // A folder above the file swapped for a link: same inode, but not the walked path (Linux).
      if (process.platform === 'linux') {
        const realPath = new TextEncoder().encode(join(dir, 'elsewhere', 'walked.txt'));
        const moved = await errorOf(collect(pool.chunkFile(walked, { ...CHUNK_OPTIONS, maxBatchBytes: 1024 }, { expect: { ...expect0, realPath } })));
        expect((moved as SourceFileError).reason).toBe('changed');
      }
    });

    it('can be iterated only once', async () => {
      pool = new WorkerPool({ size: 1 });
      const path = join(dir, 'once');
      await writeFile(path, 'once');
      const stream = pool.chunkFile(path, { ...CHUNK_OPTIONS, maxBatchBytes: 1024 });
      await collect(stream);
      await expect(collect(stream)).rejects.toThrow(/only once/);
    });
  });

  describe('chunkBytes', () => {
    it('equals the in-thread chunker and leaves a non-owning input usable', async () => {
      pool = new WorkerPool({ size: 1 });
      const data = transcript(500_000);
      const view = Buffer.from(data).subarray(10); // a view: copied, not transferred
      const chunks = await pool.chunkBytes(view, CHUNK_OPTIONS);
      expect(summary(chunks)).toEqual(summary(expectedChunks(data.subarray(10))));
      expect(view.length).toBe(data.length - 10);
      for (const c of chunks) expect(c.data.buffer.byteLength).toBe(c.data.length);
    });

    it('transfers (detaches) an input that owns its buffer', async () => {
      pool = new WorkerPool({ size: 1 });
      const data = transcript(100_000).slice();
      const expected = summary(expectedChunks(data));
      expect(summary(await pool.chunkBytes(data, CHUNK_OPTIONS))).toEqual(expected);
      expect(data.byteLength).toBe(0);
    });
  });

  describe('compressAndSeal / openAndDecompress', () => {
    it('round-trips and produces seal(encKey, blob/<id>, compressWithHeader(data))', async () => {
      pool = new WorkerPool({ size: 2 });
      const data = transcript(1_000_000);
      const chunks = expectedChunks(data);
      const copies = chunks.map((c) => ({ id: c.id, data: c.data.slice() }));
      const sealed = await pool.compressAndSeal(copies, { encKey: keys.encKey, level: 3 });

      expect(sealed.map((s) => s.id)).toEqual(chunks.map((c) => c.id));
      sealed.forEach((s, i) => {
        expect(s.rawLength).toBe(chunks[i]!.data.length);
        expect(s.sealed.length).toBeLessThan(s.rawLength); // compressed
        const inner = open(keys.encKey, { kind: 'blob', name: s.id }, s.sealed);
        expect(decompressWithHeader(inner, s.rawLength)).toEqual(chunks[i]!.data);
      });

      const opened = await pool.openAndDecompress(sealed, keys);
      expect(Buffer.compare(Buffer.concat(opened), data)).toBe(0);
    });

    it('stores incompressible blobs raw', async () => {
      pool = new WorkerPool({ size: 1 });
      const data = new Uint8Array(randomBytes(50_000));
      const [sealed] = await pool.compressAndSeal([{ id: blobId(keys.idKey, data), data: data.slice() }], { encKey: keys.encKey, level: 3 });
      expect(sealed!.sealed.length).toBe(data.length + 1 + SEAL_OVERHEAD);
      expect(await pool.openAndDecompress([sealed!], keys)).toEqual([data]);
    });

    it('accepts sealed items that are views into one larger buffer (a downloaded pack)', async () => {
      pool = new WorkerPool({ size: 1 });
      const chunks = expectedChunks(transcript(200_000));
      const sealed = await pool.compressAndSeal(chunks.map((c) => ({ id: c.id, data: c.data.slice() })), { encKey: keys.encKey, level: 1 });
      const pack = Buffer.concat(sealed.map((s) => s.sealed));
      let at = 0;
      const items = sealed.map((s) => {
        const item = { id: s.id, rawLength: s.rawLength, sealed: pack.subarray(at, at + s.sealed.length) };
        at += s.sealed.length;
        return item;
      });
      const opened = await pool.openAndDecompress(items, keys);
      expect(opened.map((p) => p.length)).toEqual(chunks.map((c) => c.data.length));
      expect(pack.length).toBe(at); // the pack was copied from, not detached
    });

    it('fails with IntegrityError on a tampered blob, a blob under another name, or content with another id', async () => {
      pool = new WorkerPool({ size: 1 });
      const data = transcript(20_000);
      const id = blobId(keys.idKey, data);
      const [sealed] = await pool.compressAndSeal([{ id, data: data.slice() }], { encKey: keys.encKey, level: 3 });

      const tampered = sealed!.sealed.slice();
      tampered[40]! ^= 1;
      const e1 = await errorOf(pool.openAndDecompress([{ ...sealed!, sealed: tampered }], keys));
      expect(e1).toBeInstanceOf(IntegrityError);
      expect((e1 as Error).message).toMatch(`object blob/${id} failed authentication`);

      // Inputs are handed over to the worker (transferred): pass copies to reuse them.
      const otherId = blobId(keys.idKey, new Uint8Array([1])) as BlobId;
      const e2 = await errorOf(pool.openAndDecompress([{ ...sealed!, id: otherId, sealed: sealed!.sealed.slice() }], keys));
      expect(e2).toBeInstanceOf(IntegrityError);

      // A blob sealed under a wrong id (a bug or a forger with the key) is caught by the id check.
      const [mislabelled] = await pool.compressAndSeal([{ id: otherId, data: data.slice() }], { encKey: keys.encKey, level: 3 });
      const e3 = await errorOf(pool.openAndDecompress([mislabelled!], keys));
      expect(e3).toBeInstanceOf(IntegrityError);
      expect((e3 as Error).message).toMatch(/decrypted to content with another id/);

      const e4 = await errorOf(pool.openAndDecompress([{ ...sealed!, sealed: sealed!.sealed.slice(), rawLength: sealed!.rawLength + 1 }], keys));
      expect(e4).toBeInstanceOf(IntegrityError);
    });

    it('openAndWrite writes whole files atomically with mode and mtime, and parts at their offsets', async () => {
      pool = new WorkerPool({ size: 2 });
      const out = await mkdtemp(join(dir, 'write-'));
      const a = transcript(30_000);
      const b = transcript(50_000);
      const [sa, sb] = await pool.compressAndSeal([a, b].map((d) => ({ id: blobId(keys.idKey, d), data: d.slice() })), { encKey: keys.encKey, level: 3 });
      const parts = join(out, '.big.tmp');
      await writeFile(parts, '');
      const mtime = utimesSeconds(1_795_256_787_948_500_000n);
      const written = await pool.openAndWrite(
        [
          { ...sa!, targets: [{ kind: 'file', tmp: join(out, '.a.tmp'), dest: join(out, 'a'), mode: 0o640, mtime }, { kind: 'part', path: parts, offset: b.length }] },
          { ...sb!, targets: [{ kind: 'part', path: parts, offset: 0 }] },
        ],
        keys,
      );
      expect(written.bytes).toBe(2 * a.length + b.length);
      expect(readFileSync(join(out, 'a')).equals(a)).toBe(true);
      const st = statSync(join(out, 'a'), { bigint: true });
      expect(Number(st.mode) & 0o777).toBe(0o640);
      expect(st.mtimeNs / 1000n).toBe(1_795_256_787_948_500n);
      expect(readFileSync(parts).equals(Buffer.concat([b, a]))).toBe(true);
      expect(readdirSync(out).sort()).toEqual(['.big.tmp', 'a']);
    });

    it('openAndWrite that meets a failing disk (EIO) names the file it could not write, not an unexpected error', async (ctx) => {
      // Writing /proc/self/mem at offset 0 (never mapped) is a real EIO from the kernel, as a
      // failing disk's sector gives: the open succeeds, the write fails (and names no file).
      if (!existsSync('/proc/self/mem')) {
        process.stdout.write('skipped: no /proc/self/mem on this system to make a write fail with EIO\n');
        ctx.skip();
      }
      pool = new WorkerPool({ size: 1 });
      const data = transcript(1000);
      const [sealed] = await pool.compressAndSeal([{ id: blobId(keys.idKey, data), data: data.slice() }], { encKey: keys.encKey, level: 3 });
      const failed = await errorOf(pool.openAndWrite([{ ...sealed!, targets: [{ kind: 'part', path: '/proc/self/mem', offset: 0 }] }], keys));
      expect((failed as CairnError).code).toBe('storage');
      expect((failed as CairnError).message).toMatch(/^Could not write \/proc\/self\/mem: the disk reported an input\/output error \(EIO\)\. The disk may be failing/);
      expect(await pool.chunkBytes(new Uint8Array(5), CHUNK_OPTIONS)).toHaveLength(1);
    });

    it('openAndWrite hands the buffer it was given back, and its reused scratch never mixes one blob into the next', async () => {
      pool = new WorkerPool({ size: 1 });
      const out = await mkdtemp(join(dir, 'write-'));
      // Sizes that shrink and grow, so a reused buffer longer than the blob would show stale bytes; an incompressible one is stored raw.
      const blobs = [transcript(200_000), transcript(3_000), new Uint8Array(randomBytes(70_000)), transcript(90_000), transcript(1)];
      const sealed = await pool.compressAndSeal(blobs.map((d) => ({ id: blobId(keys.idKey, d), data: d.slice() })), { encKey: keys.encKey, level: 3 });
      // One buffer holding every sealed blob, as a restore's ranged read holds a pack's.
      const read = new Uint8Array(sealed.reduce((n, b) => n + b.sealed.length, 0) + 1000);
      let at = 0;
      const spans = sealed.map((b) => {
        read.set(b.sealed, at);
        at += b.sealed.length;
        return [at - b.sealed.length, at] as const;
      });
      const itemsIn = (buffer: Uint8Array, from: number, to: number) =>
        sealed.slice(from, to).map((b, k) => {
          const i = from + k;
          const [start, end] = spans[i]!;
          return { id: b.id, rawLength: b.rawLength, sealed: buffer.subarray(start, end), targets: [{ kind: 'file' as const, tmp: join(out, `.${i}.tmp`), dest: join(out, `f${i}`), mode: 0o644, mtime: 1_700_000_000 }] };
        });
      const first = await pool.openAndWrite(itemsIn(read, 0, 3), keys, { transfer: true });
      expect(read.byteLength).toBe(0); // handed over
      expect(first.buffers.map((b) => b.byteLength)).toEqual([at + 1000]);
      // The same buffer again, for the rest.
      const second = await pool.openAndWrite(itemsIn(new Uint8Array(first.buffers[0]!), 3, 5), keys, { transfer: true });
      expect(second.bytes).toBe(blobs[3]!.length + blobs[4]!.length);
      blobs.forEach((d, i) => expect(readFileSync(join(out, `f${i}`)).equals(d), `file ${i}`).toBe(true));
    });

    it('openAndWrite writes the parts of two files that take turns in one call each at its place', async () => {
      pool = new WorkerPool({ size: 1 });
      const out = await mkdtemp(join(dir, 'write-'));
      const d = [transcript(20_000), transcript(30_000), transcript(25_000), transcript(5_000)];
      const sealed = await pool.compressAndSeal(d.map((x) => ({ id: blobId(keys.idKey, x), data: x.slice() })), { encKey: keys.encKey, level: 3 });
      const [x, y] = [join(out, '.x.tmp'), join(out, '.y.tmp')];
      await writeFile(x, '');
      await writeFile(y, '');
      // x = d0 d2, y = d1 d3, the blobs arriving x, y, x, y (the open file changes at every blob).
      const part = (path: string, offset: number) => ({ kind: 'part' as const, path, offset });
      const { bytes } = await pool.openAndWrite(
        [
          { ...sealed[0]!, targets: [part(x, 0)] },
          { ...sealed[1]!, targets: [part(y, 0)] },
          { ...sealed[2]!, targets: [part(x, d[0]!.length)] },
          { ...sealed[3]!, targets: [part(y, d[1]!.length), part(x, d[0]!.length + d[2]!.length)] },
        ],
        keys,
      );
      expect(bytes).toBe(d[0]!.length + d[1]!.length + d[2]!.length + 2 * d[3]!.length);
      expect(readFileSync(x).equals(Buffer.concat([d[0]!, d[2]!, d[3]!]))).toBe(true);
      expect(readFileSync(y).equals(Buffer.concat([d[1]!, d[3]!]))).toBe(true);
    });

    it('openAndWrite verifies each blob before writing it: a tampered one writes nothing and leaves no temporary file', async () => {
      pool = new WorkerPool({ size: 1 });
      const out = await mkdtemp(join(dir, 'write-'));
      const good = transcript(10_000);
      const bad = transcript(12_000);
      const [sg, sbad] = await pool.compressAndSeal([good, bad].map((d) => ({ id: blobId(keys.idKey, d), data: d.slice() })), { encKey: keys.encKey, level: 3 });
      sbad!.sealed[30]! ^= 1;
      const target = (name: string) => ({ kind: 'file' as const, tmp: join(out, `.${name}.tmp`), dest: join(out, name), mode: 0o644, mtime: 1_700_000_000 });
      const error = await errorOf(pool.openAndWrite([{ ...sg!, targets: [target('good')] }, { ...sbad!, targets: [target('bad')] }], keys));
      expect(error).toBeInstanceOf(IntegrityError);
      // The blob before the tampered one is complete; nothing of the tampered one exists.
      expect(readdirSync(out)).toEqual(['good']);
    });

    it('openAndWrite removes its temporary file when a write fails', async () => {
      pool = new WorkerPool({ size: 1 });
      const out = await mkdtemp(join(dir, 'write-'));
      const data = transcript(10_000);
      const [sealed] = await pool.compressAndSeal([{ id: blobId(keys.idKey, data), data: data.slice() }], { encKey: keys.encKey, level: 3 });
      // The rename fails: its destination is a non-empty folder.
      await mkdir(join(out, 'dest', 'inside'), { recursive: true });
      const error = await errorOf(pool.openAndWrite([{ ...sealed!, targets: [{ kind: 'file', tmp: join(out, '.dest.tmp'), dest: join(out, 'dest'), mode: 0o644, mtime: 1_700_000_000 }] }], keys));
      expect(error).toBeInstanceOf(CairnError);
      expect(readdirSync(out)).toEqual(['dest']);
    });

    it('keeps the calling thread responsive while workers compress and seal', async () => {
      pool = new WorkerPool({ size: 1 });
      const data = transcript(24 * 2 ** 20);
      const blobs: Chunk[] = [];
      for (let at = 0; at < data.length; at += 64 * 1024) {
        const piece = data.slice(at, at + 64 * 1024);
        blobs.push({ id: blobId(keys.idKey, piece), data: piece });
      }
      await pool.chunkBytes(new Uint8Array(1), CHUNK_OPTIONS); // start the thread first
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const start = performance.now();
      const sealed = await pool.compressAndSeal(blobs, { encKey: keys.encKey, level: 6 });
      const elapsed = performance.now() - start;
      delay.disable();
      expect(sealed).toHaveLength(blobs.length);
      // Real work happened (several of the monitor's 10 ms ticks; an idle machine seals the 24 MiB
      // in ~95 ms, so a 100 ms floor failed there)…
      expect(elapsed).toBeGreaterThan(30);
      expect(delay.max / 1e6).toBeLessThan(Math.max(60, elapsed / 4)); // …without stalling this thread
    });
  });

  describe('failures', () => {
    async function crashingWorker(): Promise<URL> {
      // Wraps the real worker: exits on a 13-byte chunkBytes, throws on a 13-byte blob to seal.
      const path = join(dir, `crashing-${Math.random().toString(16).slice(2)}.mjs`);
      await writeFile(
        path,
        `import { parentPort } from 'node:worker_threads';
parentPort.on('message', (m) => {
  if (m.type === 'chunkBytes' && m.bytes.length === 13) process.exit(7);
  if (m.type === 'compressAndSeal' && m.blobs[0]?.data.length === 13) {
    m.type = 'ignored'; // listeners share the message: keep the real one from answering first
    throw new Error('boom in worker');
  }
});
await import(${JSON.stringify(DEFAULT_WORKER_URL.href)});
`,
      );
      return new URL(`file://${path}`);
    }

    it('fails the pending tasks of a crashed worker with a clear error and replaces the worker', async () => {
      pool = new WorkerPool({ size: 1, readAhead: 1, workerUrl: await crashingWorker() });
      expect(await pool.chunkBytes(new Uint8Array(5), CHUNK_OPTIONS)).toHaveLength(1);

      // A stream left waiting for its consumer (read-ahead 1) is pending when the worker dies.
      const path = join(dir, 'crash.jsonl');
      await writeFile(path, transcript(2 * 2 ** 20));
      const iterator = pool.chunkFile(path, { ...CHUNK_OPTIONS, maxBatchBytes: 64 * 1024 })[Symbol.asyncIterator]();
      expect((await iterator.next()).done).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 50));

      const crash = await errorOf(pool.chunkBytes(new Uint8Array(13), CHUNK_OPTIONS));
      expect(crash).toBeInstanceOf(CairnError);
      expect((crash as CairnError).code).toBe('internal');
      expect((crash as CairnError).retryable).toBe(true);
      expect((crash as CairnError).message).toBe('A background worker stopped unexpectedly with exit code 7. The operation was cancelled; try again.');
      const streamError = await errorOf((async () => {
        while (!(await iterator.next()).done);
      })());
      expect((streamError as CairnError).message).toMatch(/stopped unexpectedly/);

      // A replacement worker takes the next task.
      expect(await pool.chunkBytes(new Uint8Array(5), CHUNK_OPTIONS)).toHaveLength(1);
      const thrown = await errorOf(pool.compressAndSeal([{ id: blobId(keys.idKey, new Uint8Array(13)), data: new Uint8Array(13) }], { encKey: keys.encKey, level: 3 }));
      expect((thrown as CairnError).message).toBe('A background worker stopped unexpectedly: boom in worker. The operation was cancelled; try again.');
      expect(await pool.chunkBytes(new Uint8Array(5), CHUNK_OPTIONS)).toHaveLength(1);
    });

    it('ends its workers by asking them to exit between tasks, never by terminate() while a compression runs (that aborts the process)', async () => {
      const terminate = vi.spyOn(Worker.prototype, 'terminate');
      try {
        // Idle retirement.
        pool = new WorkerPool({ size: 1, idleMs: 50 });
        await pool.chunkBytes(new Uint8Array(10), CHUNK_OPTIONS);
        await vi.waitFor(() => expect(pool.threads).toBe(0), { timeout: 5000 });
        // close() with a large blob handed over: the thread takes the request to exit after it,
        // once the compression returns (the caller's task fails at once, as before).
        const data = transcript(24 * 2 ** 20);
        const sealing = errorOf(pool.compressAndSeal([{ id: blobId(keys.idKey, data), data: new Uint8Array(data) }], { encKey: keys.encKey, level: 3 }));
        await pool.close();
        expect(((await sealing) as CairnError).code).toBe('cancelled');
        expect(terminate).not.toHaveBeenCalled();
      } finally {
        terminate.mockRestore();
      }
    });

    it('terminates a worker that does not exit within exitMs of being asked', async () => {
      // A worker stuck in a task: its thread never returns to take the request to exit.
      const path = join(dir, `stuck-${Math.random().toString(16).slice(2)}.mjs`);
      await writeFile(path, `import { parentPort } from 'node:worker_threads';
parentPort.on('message', (m) => { if (m.type === 'chunkBytes' && m.bytes.length === 13) for (;;); });
await import(${JSON.stringify(DEFAULT_WORKER_URL.href)});
`);
      pool = new WorkerPool({ size: 1, exitMs: 200, workerUrl: new URL(`file://${path}`) });
      const stuck = errorOf(pool.chunkBytes(new Uint8Array(13), CHUNK_OPTIONS));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      await pool.close();
      expect(Date.now() - started).toBeLessThan(5000);
      expect(((await stuck) as CairnError).code).toBe('cancelled');
    });

    it('close() fails running tasks with `cancelled` and refuses new ones', async () => {
      pool = new WorkerPool({ size: 1 });
      const path = join(dir, 'close.jsonl');
      await writeFile(path, transcript(2 * 2 ** 20));
      const iterator = pool.chunkFile(path, { ...CHUNK_OPTIONS, maxBatchBytes: 64 * 1024 })[Symbol.asyncIterator]();
      expect((await iterator.next()).done).toBe(false);
      const streaming = errorOf((async () => {
        while (!(await iterator.next()).done);
      })());
      await pool.close();
      const error = await streaming;
      expect((error as CairnError).code).toBe('cancelled');
      await expect(pool.chunkBytes(new Uint8Array(1), CHUNK_OPTIONS)).rejects.toThrow(/shut down/);
    });
  });
});

describe('reviveError', () => {
  it('keeps a storage failure from a worker a StorageError with its code (a full disk stays disk_full)', () => {
    for (const code of ['disk_full', 'unreachable', 'access_denied'] as const) {
      const revived = reviveError({ code, message: `it was ${code}`, retryable: code === 'unreachable' }, 'Error: x\n    at worker');
      expect(revived).toBeInstanceOf(StorageError);
      expect(revived).toMatchObject({ code, message: `it was ${code}`, retryable: code === 'unreachable' });
    }
    expect(reviveError({ code: 'integrity', message: 'bad', retryable: false })).toBeInstanceOf(IntegrityError);
    expect(reviveError({ code: 'internal', message: 'odd', retryable: false })).not.toBeInstanceOf(StorageError);
  });
});

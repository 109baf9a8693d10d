// The one behaviour every BlobStore must have, as a Vitest suite (after restic's backend/test).
// Each store's test file calls describeBlobStoreConformance with a factory that returns a store
// over a fresh, empty namespace (a new folder, a new key prefix); the suite closes it after each
// test. Not re-exported from index.ts: it imports vitest, which production code must not load.

import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CairnError, NotFoundError } from '../../../shared/errors.ts';
import type { BlobStore, ObjectInfo } from './blob-store.ts';

export interface ConformanceOptions {
  /** Size of the large round-trip object; big enough to make S3 stores upload in parts. Default 20 MiB. */
  largeSize?: number;
  /** Objects in the listing test; more than 1,000 makes S3 stores page. Default 1,100. */
  manyKeys?: number;
  /**
   * Awaited before every listing the suite checks: for stores whose listings lag writes and
   * deletes (LaggingBlobStore, Swift), wait the lag out. Reads are never waited for.
   */
  settle?: () => Promise<void>;
  /** The store reads ranges into a buffer it is given (ByteRange.into) rather than one of its own. */
  readsInto?: boolean;
}

/** Keys with characters that are legal everywhere (S3, Windows, macOS, Linux) but easy to mangle. */
export const UNUSUAL_KEYS: readonly string[] = [
  'odd/with space',
  'odd/plus+sign',
  'odd/percent%20encoded',
  'odd/unicode-é-日本語-🙂',
  'odd/amp&eq=semi;comma,',
  "odd/quote'paren(1)[2]{3}",
  'odd/tilde~at@dollar$bang!',
  'odd/#hash',
  'odd/.dotfile',
  'odd/inner.dot.s',
  'odd/-dash_under',
  'odd/ leading space',
];

export function describeBlobStoreConformance(name: string, makeStore: () => BlobStore | Promise<BlobStore>, options: ConformanceOptions = {}): void {
  const largeSize = options.largeSize ?? 20 * 1024 * 1024;
  const manyKeys = options.manyKeys ?? 1100;
  const settle = options.settle ?? (async () => undefined);
  const infosOf = async (iterable: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> => {
    await settle();
    return infosNow(iterable);
  };
  const keysOf = async (iterable: AsyncIterable<ObjectInfo>): Promise<string[]> => (await infosOf(iterable)).map((info) => info.key);

  describe(`BlobStore conformance: ${name}`, () => {
    let open: BlobStore[] = [];
    async function fresh(): Promise<BlobStore> {
      const store = await makeStore();
      open.push(store);
      return store;
    }
    afterEach(async () => {
      await Promise.all(open.map((store) => store.close()));
      open = [];
    });

    it('has a location to show in messages', async () => {
      const store = await fresh();
      expect(typeof store.location).toBe('string');
      expect(store.location.length).toBeGreaterThan(0);
    });

    it('round-trips an empty object, one byte and a few KiB', async () => {
      const store = await fresh();
      const objects: Array<[string, Uint8Array]> = [
        ['empty', new Uint8Array(0)],
        ['one', Uint8Array.of(0xa5)],
        ['some', bytes(5000)],
      ];
      for (const [key, data] of objects) await store.put(key, data);
      for (const [key, data] of objects) {
        expect(equal(await store.get(key), data), key).toBe(true);
        expect(await store.stat(key)).toMatchObject({ key, size: data.length });
      }
    });

    it(`round-trips a ${Math.round(largeSize / 1024 / 1024)} MiB object and reads ranges of it`, async () => {
      const store = await fresh();
      const data = bytes(largeSize);
      await store.put('large', data);
      expect(equal(await store.get('large'), data)).toBe(true);
      expect(await store.stat('large')).toMatchObject({ key: 'large', size: largeSize });
      // Ranges across the 5 and 8 MiB boundaries where S3 stores may have split parts.
      for (const offset of [0, 5 * 1024 * 1024 - 10, 8 * 1024 * 1024 - 10, largeSize - 100]) {
        const range = { offset, length: 100 };
        expect(equal(await store.get('large', range), data.subarray(offset, offset + 100)), `offset ${offset}`).toBe(true);
      }
    });

    it('stores exactly the bytes of a view, and keeps nothing of the buffer behind it once put settles', async () => {
      const store = await fresh();
      // What the packer hands over: a view at the start of a larger buffer it reuses for the next pack.
      const buffer = bytes(64 * 1024);
      const view = buffer.subarray(0, 40_000);
      const expected = Uint8Array.from(view);
      await store.put('view', view);
      buffer.fill(0x5a);
      expect(equal(await store.get('view'), expected)).toBe(true);
      expect(await store.stat('view')).toMatchObject({ key: 'view', size: 40_000 });
    });

    it('replaces an object on overwrite', async () => {
      const store = await fresh();
      await store.put('key', bytes(3000));
      const second = bytes(1000);
      await store.put('key', second);
      expect(equal(await store.get('key'), second)).toBe(true);
      expect(await store.stat('key')).toMatchObject({ key: 'key', size: 1000 });
      expect(await keysOf(store.list(''))).toEqual(['key']);
    });

    it('keeps stored bytes apart from the caller’s buffers', async () => {
      const store = await fresh();
      const data = Uint8Array.of(1, 2, 3);
      await store.put('key', data);
      data[0] = 9;
      const read = await store.get('key');
      expect([...read]).toEqual([1, 2, 3]);
      read[1] = 9;
      expect([...(await store.get('key'))]).toEqual([1, 2, 3]);
    });

    it('reads ranges at the start, the middle and the end', async () => {
      const store = await fresh();
      const data = bytes(10_000);
      await store.put('r', data);
      const cases = [
        { offset: 0, length: 1 },
        { offset: 0, length: 100 },
        { offset: 4321, length: 1234 },
        { offset: 9_900, length: 100 },
        { offset: 9_999, length: 1 },
        { offset: 0, length: 10_000 },
      ];
      for (const range of cases) {
        const read = await store.get('r', range);
        expect(equal(read, data.subarray(range.offset, range.offset + range.length)), JSON.stringify(range)).toBe(true);
      }
      expect((await store.get('r', { offset: 5000, length: 0 })).length).toBe(0);
      expect((await store.get('r', { offset: 10_000, length: 0 })).length).toBe(0);
    });

    it('reads a range into a buffer it is given, or returns one of its own: the bytes are the same', async () => {
      const store = await fresh();
      const data = bytes(10_000);
      await store.put('into', data);
      const into = new Uint8Array(8_000).fill(7);
      const read = await store.get('into', { offset: 1234, length: 5000, into });
      expect(equal(read, data.subarray(1234, 6234))).toBe(true);
      if (options.readsInto) {
        expect(read.buffer).toBe(into.buffer);
        expect(read.byteOffset).toBe(0);
        // Past the range, the buffer is as it was.
        expect([...into.subarray(5000)].every((b) => b === 7)).toBe(true);
      }
      // A buffer too small for the range is not used.
      const small = new Uint8Array(10);
      const whole = await store.get('into', { offset: 0, length: 10_000, into: small });
      expect(equal(whole, data)).toBe(true);
      expect(whole.buffer).not.toBe(small.buffer);
    });

    it('refuses a range that runs past the end as an integrity error', async () => {
      const store = await fresh();
      await store.put('r', bytes(100));
      await expectCode(store.get('r', { offset: 50, length: 51 }), 'integrity');
      await expectCode(store.get('r', { offset: 100, length: 1 }), 'integrity');
      await expectCode(store.get('r', { offset: 500, length: 10 }), 'integrity');
    });

    it('throws NotFoundError for a missing object, whole or ranged', async () => {
      const store = await fresh();
      const whole = store.get('missing/key');
      await expect(whole).rejects.toBeInstanceOf(NotFoundError);
      await expectCode(whole, 'not_found');
      await expectCode(store.get('missing/key', { offset: 0, length: 10 }), 'not_found');
      await expectCode(store.get('missing', { offset: 0, length: 0 }), 'not_found');
    });

    it('stats present and missing objects', async () => {
      const store = await fresh();
      await store.put('a/b', bytes(42));
      expect(await store.stat('a/b')).toMatchObject({ key: 'a/b', size: 42 });
      expect(await store.stat('a/c')).toBeUndefined();
      expect(await store.stat('a')).toBeUndefined(); // a "folder" is not an object
      await expectCode(store.get('a'), 'not_found');
      expect(await store.stat('never')).toBeUndefined();
    });

    it('lists by prefix, with sizes', async () => {
      const store = await fresh();
      await Promise.all([
        store.put('a/1', bytes(1)),
        store.put('a/2', bytes(2)),
        store.put('ab/3', bytes(3)),
        store.put('b/4', bytes(4)),
        store.put('top', bytes(5)),
      ]);
      expect((await infosOf(store.list(''))).map(({ key, size }) => ({ key, size }))).toEqual([
        { key: 'a/1', size: 1 },
        { key: 'a/2', size: 2 },
        { key: 'ab/3', size: 3 },
        { key: 'b/4', size: 4 },
        { key: 'top', size: 5 },
      ]);
      expect(await keysOf(store.list('a/'))).toEqual(['a/1', 'a/2']);
      expect(await keysOf(store.list('a'))).toEqual(['a/1', 'a/2', 'ab/3']);
      expect(await keysOf(store.list('a/1'))).toEqual(['a/1']);
      expect(await keysOf(store.list('t'))).toEqual(['top']);
      expect(await keysOf(store.list('zzz/'))).toEqual([]);
      expect(await keysOf(store.list('zzz'))).toEqual([]);
    });

    it('handles nested keys', async () => {
      const store = await fresh();
      const keys = ['x/y/z/deep', 'x/y/z/deeper/still', 'x/y/other', 'x/flat'];
      for (const key of keys) await store.put(key, new TextEncoder().encode(key));
      for (const key of keys) expect(new TextDecoder().decode(await store.get(key))).toBe(key);
      expect(await keysOf(store.list('x/y/'))).toEqual(['x/y/other', 'x/y/z/deep', 'x/y/z/deeper/still']);
      expect(await keysOf(store.list('x/y/z/d'))).toEqual(['x/y/z/deep', 'x/y/z/deeper/still']);
      expect(await keysOf(store.list('x/'))).toEqual([...keys].sort());
    });

    it(`lists ${manyKeys} objects (past one page of an S3 listing)`, async () => {
      const store = await fresh();
      const keys = Array.from({ length: manyKeys }, (_, i) => `many/${String(i).padStart(5, '0')}`);
      await mapConcurrent(keys, 32, (key) => store.put(key, Uint8Array.of(key.length % 256)));
      await store.put('other/0', Uint8Array.of(0));
      const listed = await infosOf(store.list('many/'));
      expect(listed.length).toBe(manyKeys);
      expect(listed.map((info) => info.key)).toEqual(keys);
      expect(listed.every((info) => info.size === 1)).toBe(true);
      expect((await keysOf(store.list(''))).length).toBe(manyKeys + 1);
    });

    it('deletes, idempotently', async () => {
      const store = await fresh();
      await store.put('d/1', bytes(10));
      await store.put('d/2', bytes(10));
      await store.delete('d/1');
      await expectCode(store.get('d/1'), 'not_found');
      expect(await store.stat('d/1')).toBeUndefined();
      expect(await keysOf(store.list('d/'))).toEqual(['d/2']);
      await store.delete('d/1');
      await store.delete('never/existed');
      expect(await keysOf(store.list(''))).toEqual(['d/2']);
      await store.put('d/1', Uint8Array.of(7)); // a deleted key can be written again
      expect([...(await store.get('d/1'))]).toEqual([7]);
    });

    it('round-trips and lists keys with unusual but legal characters', async () => {
      const store = await fresh();
      for (const key of UNUSUAL_KEYS) await store.put(key, new TextEncoder().encode(key));
      for (const key of UNUSUAL_KEYS) {
        expect(new TextDecoder().decode(await store.get(key)), key).toBe(key);
        expect(await store.stat(key), key).toMatchObject({ key, size: new TextEncoder().encode(key).length });
      }
      expect(await keysOf(store.list('odd/'))).toEqual([...UNUSUAL_KEYS].sort());
      expect(await keysOf(store.list('odd/with '))).toEqual(['odd/with space']);
      expect(await keysOf(store.list('odd/percent%'))).toEqual(['odd/percent%20encoded']);
      for (const key of UNUSUAL_KEYS) await store.delete(key);
      expect(await keysOf(store.list('odd/'))).toEqual([]);
    });

    it('refuses invalid keys and prefixes', async () => {
      const store = await fresh();
      const invalid = ['', '/absolute', '../escape', 'a/../../escape', 'a/./b', 'a//b', 'trailing/', 'back\\slash', 'nul\0byte', 'tab\there', '..'];
      for (const key of invalid) {
        await expectCode(store.put(key, Uint8Array.of(1)), 'internal');
        await expectCode(store.get(key), 'internal');
        await expectCode(store.stat(key), 'internal');
        await expectCode(store.delete(key), 'internal');
      }
      for (const prefix of ['/abs', '../x', 'a/../b', 'back\\slash', 'a//']) await expectCode(keysOf(store.list(prefix)), 'internal');
      expect(await keysOf(store.list(''))).toEqual([]);
    });

    it("reports modification times by the store's clock, in listings and stats alike", async () => {
      const store = await fresh();
      const before = Date.now();
      await store.put('t/1', bytes(10));
      const first = await store.stat('t/1');
      expect(typeof first?.modifiedAt, 'stat must report modifiedAt').toBe('number');
      // Stores may keep whole seconds (S3's LastModified) and their clock may be off: a day's slack.
      expect(Math.abs((first?.modifiedAt ?? 0) - before)).toBeLessThan(86_400_000);
      const [listed] = await infosOf(store.list('t/'));
      expect(listed?.modifiedAt).toBe(first?.modifiedAt);
      await store.put('t/1', bytes(20));
      expect((await store.stat('t/1'))?.modifiedAt ?? 0).toBeGreaterThanOrEqual(first?.modifiedAt ?? 0);
    });

    it('writes an absent key once with putIfAbsent, or says it cannot', async () => {
      const store = await fresh();
      if (!store.putIfAbsent) {
        process.stderr.write(`[conformance] ${name}: no putIfAbsent; the lock protocol waits out listing lag instead.\n`);
        return;
      }
      const first = bytes(30);
      let written: boolean;
      try {
        written = await store.putIfAbsent('once', first);
      } catch (error) {
        expect((error as Error).name, String(error)).toBe('ConditionUnsupportedError');
        process.stderr.write(`[conformance] ${name}: the store refuses If-None-Match; the lock protocol waits out listing lag instead.\n`);
        return;
      }
      expect(written).toBe(true);
      expect(await store.putIfAbsent('once', bytes(40))).toBe(false);
      expect(equal(await store.get('once'), first)).toBe(true);
      expect(await store.stat('once')).toMatchObject({ key: 'once', size: 30 });
      await store.delete('once');
      expect(await store.putIfAbsent('once', bytes(5))).toBe(true);
    });

    it('serves concurrent puts and gets of different keys', async () => {
      const store = await fresh();
      const objects = Array.from({ length: 24 }, (_, i) => [`c/${i}`, bytes(1000 + i * 37)] as const);
      await Promise.all(objects.map(([key, data]) => store.put(key, data)));
      const reads = await Promise.all(objects.map(([key]) => store.get(key)));
      reads.forEach((read, i) => expect(equal(read, objects[i]![1])).toBe(true));
    });

    it("refuses every call whose signal has aborted with 'cancelled', and writes nothing", async () => {
      const store = await fresh();
      await store.put('kept', bytes(10));
      const signal = AbortSignal.abort();
      await expectCode(store.put('cancelled/put', bytes(100), { signal }), 'cancelled');
      if (store.putIfAbsent) await expectCode(store.putIfAbsent('cancelled/once', bytes(10), { signal }), 'cancelled');
      await expectCode(store.get('kept', undefined, { signal }), 'cancelled');
      await expectCode(store.get('kept', { offset: 0, length: 5 }, { signal }), 'cancelled');
      await expectCode(store.stat('kept', { signal }), 'cancelled');
      await expectCode(infosNow(store.list('', { signal })), 'cancelled');
      await expectCode(store.delete('kept', { signal }), 'cancelled');
      expect(await keysOf(store.list(''))).toEqual(['kept']);
    });

    it('aborts a large put in flight: it rejects with cancelled and the key is not written', async () => {
      const store = await fresh();
      const controller = new AbortController();
      const put = store.put('big', bytes(largeSize), { signal: controller.signal });
      setTimeout(() => controller.abort(), 1);
      const error = await put.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      // A store may finish before the abort lands; a put that was cut must leave no object.
      if (error === undefined) return;
      expect((error as CairnError).code).toBe('cancelled');
      expect(await store.stat('big')).toBeUndefined();
    });
  });
}

function bytes(size: number): Uint8Array {
  return new Uint8Array(randomBytes(size));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

async function infosNow(iterable: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const infos: ObjectInfo[] = [];
  for await (const info of iterable) infos.push(info);
  return infos.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, `expected a CairnError with code '${code}'`).toBeInstanceOf(CairnError);
  expect((error as CairnError).code).toBe(code);
}

async function mapConcurrent<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

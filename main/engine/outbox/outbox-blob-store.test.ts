import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../../shared/errors.ts';
import { removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { describeBlobStoreConformance } from '../storage/conformance.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import type { BlobStore, ByteRange, ObjectInfo } from '../storage/index.ts';
import { behindOutbox, findOutbox, OutboxBlobStore, outboxDir, requireOutbox } from './index.ts';

afterAll(() => removeTempDirs());

/** A remote that is down: every call fails as an unreachable endpoint does. */
class DownStore implements BlobStore {
  readonly location = 'memory:down';
  calls = 0;
  #fail(): never {
    this.calls++;
    throw new StorageError('unreachable', 'Could not reach the endpoint (ECONNREFUSED).', { retryable: true });
  }
  async put(_key: string, _data: Uint8Array): Promise<void> {
    this.#fail();
  }
  async get(_key: string, _range?: ByteRange): Promise<Uint8Array> {
    this.#fail();
  }
  async stat(_key: string): Promise<ObjectInfo | undefined> {
    this.#fail();
  }
  // eslint-disable-next-line require-yield -- fails before the first object, like a refused connection
  async *list(_prefix: string): AsyncIterable<ObjectInfo> {
    this.#fail();
  }
  async delete(_key: string): Promise<void> {
    this.#fail();
  }
  async close(): Promise<void> {}
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text));
const text = (data: Uint8Array) => Buffer.from(data).toString('utf8');

async function spooling(remote: BlobStore, dir = tempDir('cairn-outbox-'), indexIds: string[] = ['i0']): Promise<OutboxBlobStore> {
  const outbox = new OutboxBlobStore(remote, { dir });
  await outbox.startSpooling({ vaultId: 'v1', indexIds });
  return outbox;
}

describeBlobStoreConformance('OutboxBlobStore, online', () => new OutboxBlobStore(new MemoryBlobStore(), { dir: tempDir('cairn-outbox-') }), { manyKeys: 200 });

describeBlobStoreConformance(
  'OutboxBlobStore, spooling every key',
  async () => {
    const outbox = new OutboxBlobStore(new MemoryBlobStore(), { dir: tempDir('cairn-outbox-'), fsync: false, spools: () => true });
    await outbox.startSpooling({ vaultId: 'v1', indexIds: [] });
    return outbox;
  },
  { manyKeys: 200 },
);

describe('OutboxBlobStore', () => {
  it('passes everything through while online', async () => {
    const remote = new MemoryBlobStore();
    const outbox = new OutboxBlobStore(remote, { dir: tempDir('cairn-outbox-') });
    await outbox.put('data/ab/abc', bytes('pack'));
    expect(text(await remote.get('data/ab/abc'))).toBe('pack');
    expect(outbox.hasPending()).toBe(false);
    expect(outbox.location).toBe(remote.location);
  });

  it('spools vault objects while the remote is down, in the order the puts finished, and keeps locks out of the spool', async () => {
    const remote = new DownStore();
    const outbox = await spooling(remote);
    await outbox.put('data/aa/p1', bytes('pack 1'));
    await Promise.all([outbox.put('data/bb/p2', bytes('pack 2')), outbox.put('data/cc/p3', bytes('pack 3'))]);
    await outbox.put('index/i1', bytes('index'));
    await outbox.put('snapshots/dev/s1', bytes('snapshot'));
    expect(remote.calls).toBe(0); // a backup that only puts never touches the remote
    await expect(outbox.put('locks/l1', bytes('lock'))).rejects.toMatchObject({ code: 'unreachable' });

    const order = outbox.entries().map((e) => e.key);
    expect(order[0]).toBe('data/aa/p1');
    expect(order.slice(1, 3).sort()).toEqual(['data/bb/p2', 'data/cc/p3']);
    expect(order.slice(3)).toEqual(['index/i1', 'snapshots/dev/s1']);
    expect(outbox.pendingSnapshots()).toBe(1);
    expect(outbox.pendingBytes()).toBe(6 + 6 + 6 + 5 + 8);
  });

  it('leaves no trace of a spooling backup that wrote nothing (nothing changed)', async () => {
    const dir = tempDir('cairn-outbox-');
    const outbox = await spooling(new DownStore(), dir);
    outbox.stopSpooling();
    expect(outbox.batches()).toEqual([]);
    expect(existsSync(join(dir, 'journal.jsonl'))).toBe(false);
  });

  it('reads the spool first, then the remote', async () => {
    const remote = new MemoryBlobStore();
    await remote.put('snapshots/dev/s0', bytes('old snapshot'));
    await remote.put('index/i0', bytes('old index'));
    const outbox = await spooling(remote);
    await outbox.put('index/i1', bytes('new index'));
    expect(text(await outbox.get('index/i1'))).toBe('new index');
    expect(text(await outbox.get('index/i1', { offset: 4, length: 5 }))).toBe('index');
    expect(text(await outbox.get('index/i0'))).toBe('old index');
    expect(await outbox.stat('index/i1')).toMatchObject({ key: 'index/i1', size: 9 });
    expect(await outbox.stat('index/i0')).toMatchObject({ key: 'index/i0', size: 9 });
    const listed: string[] = [];
    for await (const info of outbox.list('index/')) listed.push(info.key);
    expect(listed.sort()).toEqual(['index/i0', 'index/i1']);
    expect(await remote.stat('index/i1')).toBeUndefined();

    // Deleting a spooled object removes it from the spool, not from the remote.
    await outbox.delete('index/i1');
    expect(outbox.hasPending()).toBe(false);
    expect(await outbox.stat('index/i1')).toBeUndefined();

    // Online again: the remote alone.
    await outbox.put('index/i2', bytes('spooled'));
    outbox.stopSpooling();
    expect(await outbox.stat('index/i2')).toBeUndefined();
    expect(outbox.pendingBytes()).toBe(7);
  });

  it('survives a restart: the journal and the spool come back as they were', async () => {
    const dir = tempDir('cairn-outbox-');
    const first = await spooling(new DownStore(), dir, ['i0', 'i9']);
    await first.put('data/aa/p1', bytes('pack 1'));
    await first.put('index/i1', bytes('index 1'));
    await first.put('snapshots/dev/s1', bytes('snapshot 1'));
    first.stopSpooling();
    await first.startSpooling({ vaultId: 'v1', indexIds: ['i0', 'i1'] });
    await first.put('data/bb/p2', bytes('pack 2'));
    await first.put('snapshots/dev/s2', bytes('snapshot 2'));
    await first.close();

    const again = new OutboxBlobStore(new DownStore(), { dir });
    expect(again.entries()).toEqual(first.entries());
    expect(again.pendingSnapshots()).toBe(2);
    expect(again.batches().map((b) => b.indexIds)).toEqual([['i0', 'i9'], ['i0', 'i1']]);
    expect(again.batches().every((b) => !b.damaged)).toBe(true);
    expect(text(await again.readSpooled('snapshots/dev/s2'))).toBe('snapshot 2');
  });

  it('after a crash: ignores a torn last journal line and a spooled file the journal never recorded', async () => {
    const dir = tempDir('cairn-outbox-');
    const first = await spooling(new DownStore(), dir);
    await first.put('data/aa/p1', bytes('pack 1'));
    await first.put('snapshots/dev/s1', bytes('snapshot 1'));
    // Killed while writing the next object's journal line, after its file was written.
    mkdirSync(join(dir, 'objects', 'data', 'bb'), { recursive: true });
    writeFileSync(join(dir, 'objects', 'data', 'bb', 'p2'), 'pack 2');
    appendFileSync(join(dir, 'journal.jsonl'), '{"type":"put","key":"data/bb/p2","ba');

    const again = new OutboxBlobStore(new DownStore(), { dir });
    expect(again.entries().map((e) => e.key)).toEqual(['data/aa/p1', 'snapshots/dev/s1']);
    expect(again.batches()[0]?.damaged).toBe(false);
    expect(readFileSync(join(dir, 'journal.jsonl'), 'utf8').endsWith('\n')).toBe(true);
    // The next line starts on a line of its own.
    await again.startSpooling({ vaultId: 'v1', indexIds: [] });
    await again.put('data/cc/p3', bytes('pack 3'));
    again.stopSpooling();
    const third = new OutboxBlobStore(new DownStore(), { dir });
    expect(third.entries().map((e) => e.key)).toEqual(['data/aa/p1', 'snapshots/dev/s1', 'data/cc/p3']);
    // The stray file goes at the next compaction.
    await third.compact();
    expect(existsSync(join(dir, 'objects', 'data', 'bb', 'p2'))).toBe(false);
    expect(third.pendingSnapshots()).toBe(1);
  });

  it('marks a batch with an unreadable line as damaged', async () => {
    const dir = tempDir('cairn-outbox-');
    const first = await spooling(new DownStore(), dir);
    await first.put('data/aa/p1', bytes('pack 1'));
    appendFileSync(join(dir, 'journal.jsonl'), 'garbage\n');
    await first.put('snapshots/dev/s1', bytes('snapshot 1'));
    const again = new OutboxBlobStore(new DownStore(), { dir });
    expect(again.batches()[0]?.damaged).toBe(true);
  });

  it('compacts the journal as objects leave, and removes its files when empty', async () => {
    const dir = tempDir('cairn-outbox-');
    const outbox = await spooling(new MemoryBlobStore(), dir);
    await outbox.put('data/aa/p1', bytes('pack 1'));
    await outbox.put('snapshots/dev/s1', bytes('snapshot 1'));
    outbox.stopSpooling();
    await outbox.removeSpooled('data/aa/p1');
    await outbox.compact();
    // A partly uploaded batch keeps all its lines: the flush checks its uploaded packs.
    expect(new OutboxBlobStore(new MemoryBlobStore(), { dir }).entries()).toEqual([
      { key: 'data/aa/p1', batch: outbox.batches()[0]?.id, size: 6, spooled: false },
      { key: 'snapshots/dev/s1', batch: outbox.batches()[0]?.id, size: 10, spooled: true },
    ]);
    await outbox.removeSpooled('snapshots/dev/s1');
    await outbox.compact();
    expect(existsSync(join(dir, 'journal.jsonl'))).toBe(false);
    expect(existsSync(join(dir, 'objects'))).toBe(false);
    expect(outbox.entries()).toEqual([]);
  });
});

describe('the one outbox wiring the CLI and the app share', () => {
  it('puts a vault location\'s outbox in one folder of the state folder, whoever opens it', async () => {
    const stateDir = tempDir('cairn-outbox-state-');
    const remote = new MemoryBlobStore();
    const first = behindOutbox(remote, stateDir);
    expect(first.dir).toBe(outboxDir(stateDir, remote.location));
    expect(first.dir.startsWith(join(stateDir, 'outbox'))).toBe(true);
    // What one opener spooled, another opener of the same location finds.
    await first.startSpooling({ vaultId: 'v1', indexIds: [] });
    await first.put('snapshots/s1', bytes('snapshot'));
    first.stopSpooling();
    const second = behindOutbox(new DownStore(), stateDir, { now: () => 0 });
    expect(second.dir).not.toBe(first.dir); // DownStore is another location
    const again = behindOutbox(remote, stateDir);
    expect(again.pendingSnapshots()).toBe(1);
  });

  it('finds the outbox in front of a store, and calls a backup store without one a bug', () => {
    const remote = new MemoryBlobStore();
    const outbox = behindOutbox(remote, tempDir('cairn-outbox-state-'));
    expect(findOutbox(outbox)).toBe(outbox);
    expect(requireOutbox(outbox)).toBe(outbox);
    expect(findOutbox(remote)).toBeUndefined();
    expect(() => requireOutbox(remote)).toThrow(expect.objectContaining({ code: 'internal', message: expect.stringContaining('without its outbox') }));
  });
});

// A restore reads into a few buffers it reuses (each goes to a worker with its read's blobs and
// comes back), instead of a fresh buffer per read left to the garbage collector: what it holds
// stays bounded by the reads in flight, whatever the snapshot's size. Reuse must never mix one
// read's bytes into another's files.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../../../testing/agent-home.ts';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { LocalBlobStore } from '../storage/index.ts';
import type { ByteRange } from '../storage/index.ts';
import { restore } from './index.ts';

afterAll(() => removeTempDirs());

describe('restore read buffers', () => {
  it('reads into the buffer the previous read came back in, and every file comes out exact', async () => {
    const store = new LocalBlobStore(tempDir());
    const { repo } = await initRepo(store);
    const home = tempDir('cairn-buffers-home-');
    const r = rng(5);
    const files = new Map<string, Uint8Array>();
    mkdirSync(join(home, 'sessions'));
    for (let i = 0; i < 40; i++) files.set(`sessions/s${i}.jsonl`, new TextEncoder().encode(`{"turn":${i},"text":"${Buffer.from(r.bytes(20_000 + i * 500)).toString('base64')}"}\n`));
    // Incompressible and larger than a read buffer: some of its reads get buffers of their own.
    files.set('image.bin', r.bytes(1536 * 1024));
    for (const [rel, bytes] of files) writeFileSync(join(home, rel), bytes);
    await backupOf(repo, [{ label: 'home', path: home }]);
    const snapshot = (await repo.listSnapshots())[0]!;

    const maxRead = 64 * 1024;
    const reads: { length: number; into: boolean; reused: boolean }[] = [];
    let lastHead: Uint8Array | undefined;
    const get = store.get.bind(store);
    store.get = async (key: string, range?: ByteRange) => {
      if (!range || !key.startsWith('data/')) return get(key, range);
      const into = range.into;
      // A reused buffer still starts with what the read before it wrote there.
      const reused = into !== undefined && lastHead !== undefined && Buffer.from(into.subarray(0, 16)).equals(lastHead);
      const bytes = await get(key, range);
      reads.push({ length: range.length, into: into !== undefined, reused });
      if (into) lastHead = Uint8Array.from(bytes.subarray(0, 16));
      return bytes;
    };

    const target = tempDir('cairn-buffers-out-');
    await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot, target, concurrency: 1, maxRead });
    for (const [rel, bytes] of files) expect(Buffer.from(readFileSync(join(target, 'home', rel))).equals(bytes), rel).toBe(true);

    const pooled = reads.filter((x) => x.length <= maxRead);
    expect(pooled.length).toBeGreaterThan(5);
    expect(pooled.every((x) => x.into)).toBe(true);
    expect(reads.filter((x) => x.length > maxRead).every((x) => !x.into)).toBe(true);
    // With one read at a time, each pooled read after the first reuses the one buffer.
    expect(pooled.slice(1).every((x) => x.reused)).toBe(true);
    await repo.close();
  });
});

describe('restore plan', () => {
  it("looks its blobs up in one read transaction of the state database (the locks taken once, not per blob), and a backup asks once per new chunk", async () => {
    const { repo } = await initRepo(new LocalBlobStore(tempDir()));
    const home = tempDir('cairn-plan-home-');
    const r = rng(7);
    for (let i = 0; i < 30; i++) writeFileSync(join(home, `f${i}.bin`), r.bytes(3000 + i));
    const asked: string[] = [];
    const hasBlob = repo.db.hasBlob.bind(repo.db);
    repo.db.hasBlob = (id) => {
      asked.push(id);
      return hasBlob(id);
    };
    await backupOf(repo, [{ label: 'home', path: home }]);
    // 30 one-chunk files and the trees: each asked about once.
    expect(asked.length).toBeGreaterThanOrEqual(30);
    expect(new Set(asked).size).toBe(asked.length);

    const lookups: boolean[] = [];
    const getBlob = repo.db.getBlob.bind(repo.db);
    repo.db.getBlob = (id) => {
      lookups.push(repo.db.inTransaction);
      return getBlob(id);
    };
    const snapshot = (await repo.listSnapshots())[0]!;
    const target = tempDir('cairn-plan-out-');
    await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot, target, paths: ['home'] });
    expect(readFileSync(join(target, 'home', 'f7.bin')).length).toBe(3007);
    const planned = lookups.filter(Boolean).length;
    expect(planned).toBeGreaterThanOrEqual(30);
    await repo.close();
  });
});

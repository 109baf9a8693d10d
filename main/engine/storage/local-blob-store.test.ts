import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CairnError } from '../../../shared/errors.ts';
import { describeBlobStoreConformance } from './conformance.ts';
import { LocalBlobStore } from './local-blob-store.ts';
import { initRepo } from '../../../testing/repo.ts';

const base = await mkdtemp(join(tmpdir(), 'cairn-local-store-'));
let counter = 0;
const freshRoot = (): string => join(base, `store-${++counter}`);
afterAll(() => rm(base, { recursive: true, force: true }));

describeBlobStoreConformance('LocalBlobStore', () => new LocalBlobStore(freshRoot()), { readsInto: true });

describe('LocalBlobStore', () => {
  it('maps keys to files under the root, creating folders and the root on demand', async () => {
    const root = freshRoot();
    const store = new LocalBlobStore(root);
    expect(store.location).toBe(root);
    await store.put('data/ab/abcdef', Uint8Array.of(1, 2, 3));
    expect([...(await readFile(join(root, 'data', 'ab', 'abcdef')))]).toEqual([1, 2, 3]);
  });

  it("a vault's folder that went away is not made again, half, by the next write", async () => {
    const root = join(freshRoot(), 'vault');
    const store = new LocalBlobStore(root, { vault: true, fsync: false });
    // A new vault (its probe, key slots and vault.json) may make the folder and its parents.
    const { repo } = await initRepo(store);
    await repo.close();
    await store.put('data/ab/abcdef', Uint8Array.of(3));
    await store.put('data/ab/abcdeg', Uint8Array.of(4));

    // Moved away (or its disk unmounted) during a backup: before, the rest of the backup made
    // data/, index/ and snapshots/ in its place and said the snapshot was saved.
    await rename(root, `${root}-moved`);
    for (const key of ['data/cd/cdef01', 'snapshots/dev/snap', 'index/ix']) {
      const error = await store.put(key, Uint8Array.of(5)).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(CairnError);
      expect((error as CairnError).code).toBe('no_vault');
      expect((error as CairnError).message).toContain(`The vault folder ${root} is not there any more`);
    }
    expect(existsSync(root)).toBe(false);

    // A vault that is a mount point's folder itself: unmounted, the folder is there but empty.
    await mkdir(root);
    expect(await store.put('data/ef/ef0123', Uint8Array.of(6)).then(() => 'written', (e: CairnError) => e.code)).toBe('no_vault');
    expect(await readdir(root)).toEqual([]);

    // Without `vault` (the outbox's spool), folders are made as they are needed.
    await new LocalBlobStore(join(root, 'spool'), { fsync: false }).put('data/ab/x', Uint8Array.of(7));
    expect(existsSync(join(root, 'spool', 'data', 'ab', 'x'))).toBe(true);
  });

  it('lists nothing (and fails nothing) when the root does not exist yet', async () => {
    const store = new LocalBlobStore(join(freshRoot(), 'not', 'there'));
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    expect(keys).toEqual([]);
    expect(await store.stat('vault.json')).toBeUndefined();
    await store.delete('vault.json');
  });

  it('leaves no temporary files behind after puts and overwrites', async () => {
    const root = freshRoot();
    const store = new LocalBlobStore(root);
    for (let i = 0; i < 5; i += 1) await store.put('dir/obj', new Uint8Array(100 * i));
    expect(await readdir(join(root, 'dir'))).toEqual(['obj']);
  });

  it('skips the temporary files of an interrupted put when listing', async () => {
    const root = freshRoot();
    const store = new LocalBlobStore(root);
    await store.put('dir/obj', Uint8Array.of(1));
    await writeFile(join(root, 'dir', 'obj2.cairn-tmp-0123456789abcdef'), 'half');
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    expect(keys).toEqual(['dir/obj']);
  });

  it('refuses a relative root', () => {
    expect(() => new LocalBlobStore('relative/folder')).toThrow(CairnError);
  });

  it('reports a file in the way of a folder as a storage error', async () => {
    const root = freshRoot();
    const store = new LocalBlobStore(root);
    await store.put('a', Uint8Array.of(1));
    await expect(store.put('a/b', Uint8Array.of(2))).rejects.toMatchObject({ code: 'storage' });
    await mkdir(join(root, 'folder'));
    await expect(store.put('folder', Uint8Array.of(3))).rejects.toMatchObject({ code: 'storage' });
    expect([...(await store.get('a'))]).toEqual([1]);
  });

  it('can skip fsync (for tests and throwaway vaults)', async () => {
    const store = new LocalBlobStore(freshRoot(), { fsync: false });
    await store.put('k', Uint8Array.of(4));
    expect([...(await store.get('k'))]).toEqual([4]);
  });
});

import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CairnError } from '../../../shared/errors.ts';
import { describeBlobStoreConformance } from './conformance.ts';
import { LocalBlobStore } from './local-blob-store.ts';

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

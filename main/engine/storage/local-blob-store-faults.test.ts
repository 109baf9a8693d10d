// LocalBlobStore under disk errors that can't be produced for real in a test (a full disk,
// permissions that root ignores): node:fs/promises' open is swapped for one that fails on demand.

import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

const failure = vi.hoisted(() => ({ errno: undefined as string | undefined, afterBytes: 0 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof actual.open = async (path, flags, mode) => {
    const handle = await actual.open(path, flags, mode);
    if (failure.errno !== undefined && flags === 'r') {
      // A read the disk fails (a bad sector under the file).
      const errno = failure.errno;
      handle.read = (async () => {
        throw Object.assign(new Error(`${errno}: simulated`), { code: errno });
      }) as typeof handle.read;
      return handle;
    }
    if (failure.errno === undefined || flags !== 'w') return handle;
    const errno = failure.errno;
    // The disk fills up partway through the write.
    handle.writeFile = async (data) => {
      await actual.writeFile(handle, (data as Uint8Array).subarray(0, failure.afterBytes));
      throw Object.assign(new Error(`${errno}: simulated`), { code: errno });
    };
    return handle;
  };
  return { ...actual, open };
});

const { LocalBlobStore } = await import('./local-blob-store.ts');

const base = await mkdtemp(join(tmpdir(), 'cairn-local-faults-'));
afterAll(() => rm(base, { recursive: true, force: true }));
afterEach(() => {
  failure.errno = undefined;
});

describe('LocalBlobStore disk errors', () => {
  it('reports a full disk as disk_full, keeps the old object and leaves no temporary file', async () => {
    const root = join(base, 'full');
    const store = new LocalBlobStore(root);
    await store.put('dir/obj', Uint8Array.of(1, 2, 3));
    failure.errno = 'ENOSPC';
    failure.afterBytes = 2;
    const error = await store.put('dir/obj', new Uint8Array(1000)).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'disk_full', retryable: false });
    expect((error as Error).message).toContain(root);
    expect([...(await store.get('dir/obj'))]).toEqual([1, 2, 3]);
    expect(await readdir(join(root, 'dir'))).toEqual(['obj']);
  });

  it('reports refused permissions as access_denied', async () => {
    const store = new LocalBlobStore(join(base, 'denied'));
    failure.errno = 'EACCES';
    await expect(store.put('k', Uint8Array.of(1))).rejects.toMatchObject({ code: 'access_denied' });
  });

  it('marks an I/O error retryable', async () => {
    const store = new LocalBlobStore(join(base, 'eio'));
    failure.errno = 'EIO';
    await expect(store.put('k', Uint8Array.of(1))).rejects.toMatchObject({ code: 'storage', retryable: true, objectOnly: false });
  });

  it('marks a read the disk fails as this object’s alone (a restore leaves out its files, restores the rest)', async () => {
    const store = new LocalBlobStore(join(base, 'eio-read'));
    await store.put('data/k', Uint8Array.of(1, 2, 3));
    failure.errno = 'EIO';
    await expect(store.get('data/k', { offset: 0, length: 2 })).rejects.toMatchObject({ code: 'storage', retryable: true, objectOnly: true, message: expect.stringMatching(/\(EIO\)\. Check that the disk is connected and healthy/) });
  });
});

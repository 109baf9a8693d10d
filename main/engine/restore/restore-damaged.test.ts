// A restore over objects damaged in the vault (a byte altered in a pack: the blob fails
// authentication): the files of the damaged blobs are left out, with no temporary file behind;
// every other file is restored and the damaged ones are listed (restore-request.ts then ends the
// run with an integrity error naming them, once every folder is done). It used to stop at the
// first damaged blob, whatever the rest of the snapshot held.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BlobId } from '../../../shared/ids.ts';
import { rng } from '../../../testing/agent-home.ts';
import { backupOf, initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { StorageError } from '../../../shared/errors.ts';
import { FaultyBlobStore, MemoryBlobStore } from '../storage/index.ts';
import { keys } from '../vault/index.ts';
import { restoreSnapshot } from '../restore-request.ts';
import { damagedFilesError, restore } from './index.ts';

afterAll(() => removeTempDirs());

describe('restore past damaged objects', () => {
  it('restores every file whose data is sound and names the ones it left out', async () => {
    const store = new MemoryBlobStore();
    const { repo } = await initRepo(store);
    try {
      const home = tempDir('cairn-damaged-home-');
      const r = rng(5);
      writeFileSync(join(home, 'a-small.json'), JSON.stringify({ note: 'one blob' }));
      writeFileSync(join(home, 'b-big.bin'), r.bytes(1200 * 1024)); // several blobs
      writeFileSync(join(home, 'c-fine.json'), JSON.stringify({ note: 'untouched' }));
      writeFileSync(join(home, 'd-fine.bin'), r.bytes(900 * 1024));
      mkdirSync(join(home, 'e-folder'));
      writeFileSync(join(home, 'e-folder', 'inside.json'), JSON.stringify({ note: 'listed by a damaged tree' }));
      await backupOf(repo, [{ label: 'home', path: home }]);
      const snapshot = (await repo.listSnapshots())[0];
      if (!snapshot) throw new Error('no snapshot');

      // One byte altered in a-small.json's blob and in a middle blob of b-big.bin.
      const damage = async (id: BlobId | undefined) => {
        const at = id ? repo.db.getBlob(id) : undefined;
        if (!at) throw new Error('blob not in the index');
        const key = keys.pack(at.pack);
        const pack = new Uint8Array(await store.get(key));
        pack[at.offset + 20] = (pack[at.offset + 20] ?? 0) ^ 0xff;
        await store.put(key, pack);
      };
      const big = repo.db.getFile('home', 'b-big.bin')?.content ?? [];
      expect(big.length).toBeGreaterThan(2);
      await damage(repo.db.getFile('home', 'a-small.json')?.content[0]);
      await damage(big[1]);
      // And the listing of e-folder (its tree).
      await damage((await repo.reader().resolve(snapshot, 'home/e-folder')).entry.subtree);

      // Restored on a device that has never seen these trees (none in its local cache).
      const other = await openRepo(store, tempDir());
      await other.refreshIndex();
      const target = tempDir('cairn-damaged-out-');
      const result = await restore({ vault: other.vault, db: other.db, codec: other.codec, snapshot, target, maxRead: 256 * 1024 }).finally(() => other.close());
      expect(result.files).toBe(2);
      expect(result.damaged.map((p) => p.slice(target.length + 1)).sort()).toEqual([`home${sep}e-folder${sep}`, 'home/a-small.json', 'home/b-big.bin'].sort());
      // What the CLI and the app say once every folder of the request is done.
      expect(damagedFilesError(result.damaged, result.files, 'ab'.repeat(32)).message).toMatch(/^3 file\(s\) or folder\(s\) could not be restored: their data in the vault is damaged, missing or unreadable \(.*\)\. Everything else was restored \(2 file\(s\)\)\. What it replaced is kept in safety snapshot abababab\. Check the vault reading its data \('cairn check --read-data'; in the app, Check now with "Also read and verify all data"\): its repair lets the next backup of a device that still has those files store them again\./);
      const out = join(target, 'home');
      // The folder whose listing is damaged is there, empty.
      expect(readdirSync(out).sort()).toEqual(['c-fine.json', 'd-fine.bin', 'e-folder']);
      expect(readdirSync(join(out, 'e-folder'))).toEqual([]);
      for (const name of ['c-fine.json', 'd-fine.bin']) expect(readFileSync(join(out, name)).equals(readFileSync(join(home, name)))).toBe(true);
      expect(existsSync(join(out, 'a-small.json'))).toBe(false);

      // Through the request the CLI and the app make: its plan walks past the damaged listing too,
      // and the error comes once everything else is in place.
      const third = await openRepo(store, tempDir());
      const into = tempDir('cairn-damaged-request-');
      const error = await restoreSnapshot(third, { snapshot, paths: [], destination: { kind: 'folder', path: into }, existing: 'refuse' }, { ctx: { home: tempDir(), platform: 'linux', env: {} } })
        .then(() => undefined, (e: unknown) => e)
        .finally(() => third.close());
      expect(error).toMatchObject({ code: 'integrity', message: expect.stringMatching(/^3 file\(s\) or folder\(s\) could not be restored: .*Everything else was restored \(2 file\(s\)\)/) });
      expect(readdirSync(join(into, 'home')).sort()).toEqual(['c-fine.json', 'd-fine.bin', 'e-folder']);
    } finally {
      await repo.close();
    }
  });

  it('restores every file past a pack missing from the vault and one its disk can’t read, and names the files they held', async () => {
    // Both used to end the whole restore at the first read ("The object 'data/…' does not exist",
    // or EIO after a minute of retries) with nothing written, whatever the rest of the snapshot held.
    const bare = new MemoryBlobStore();
    const store = new FaultyBlobStore(bare);
    const { repo } = await initRepo(store);
    try {
      const home = tempDir('cairn-lost-home-');
      const r = rng(9);
      // One file per backup: each backup's pack holds that file's data (and that snapshot's
      // folder listings), so which files a lost pack takes is known.
      const names = ['a.bin', 'b.bin', 'c.bin', 'd.bin', 'e.json'];
      const packOf = (name: string) => {
        const at = repo.db.getBlob(repo.db.getFile('home', name)?.content[0] as BlobId);
        if (!at) throw new Error(`${name}: blob not in the index`);
        return at.pack;
      };
      for (const name of names) {
        writeFileSync(join(home, name), name.endsWith('.json') ? JSON.stringify({ note: 'small' }) : r.bytes(700 * 1024));
        await backupOf(repo, [{ label: 'home', path: home }], { packSize: 1 << 20 });
      }
      const snapshot = (await repo.listSnapshots()).sort((x, y) => x.time.localeCompare(y.time)).at(-1);
      if (!snapshot) throw new Error('no snapshot');
      const missing = packOf('a.bin');
      const unreadable = packOf('c.bin');
      const lostFiles = names.filter((n) => (repo.db.getFile('home', n)?.content ?? []).some((id) => [missing, unreadable].some((pack) => pack === repo.db.getBlob(id)?.pack)));
      expect(lostFiles).toEqual(['a.bin', 'c.bin']);
      await bare.delete(keys.pack(missing));
      // What the folder store says when its disk fails a read (local-blob-store.ts), after its retries.
      store.failAfter('get', 0, { keyPrefix: keys.pack(unreadable), error: (_op, key) => new StorageError('storage', `Could not read ${key} (EIO). Check that the disk is connected and healthy, then try again.`, { retryable: true, objectOnly: true }) });

      const other = await openRepo(store, tempDir());
      await other.refreshIndex();
      const target = tempDir('cairn-lost-out-');
      const result = await restore({ vault: other.vault, db: other.db, codec: other.codec, snapshot, target, maxRead: 256 * 1024 }).finally(() => other.close());
      expect(result.damaged.map((p) => p.slice(target.length + 1).replace(/^home[/\\]/, '')).sort()).toEqual(lostFiles.sort());
      const restored = readdirSync(join(target, 'home')).sort();
      expect(restored).toEqual(['a.bin', 'b.bin', 'c.bin', 'd.bin', 'e.json'].filter((n) => !lostFiles.includes(n)));
      for (const name of restored) expect(readFileSync(join(target, 'home', name)).equals(readFileSync(join(home, name)))).toBe(true);
      expect(damagedFilesError(result.damaged, result.files).message).toMatch(/could not be restored: their data in the vault is damaged, missing or unreadable/);
    } finally {
      await repo.close();
    }
  });

  it('still fails the whole restore when the vault itself is gone (a folder vault whose disk was unplugged), not file by file', async () => {
    const store = new MemoryBlobStore();
    const { repo } = await initRepo(store);
    try {
      const home = tempDir('cairn-gone-home-');
      writeFileSync(join(home, 'a.json'), JSON.stringify({ note: 'a' }));
      await backupOf(repo, [{ label: 'home', path: home }]);
      const snapshot = (await repo.listSnapshots())[0];
      if (!snapshot) throw new Error('no snapshot');
      const other = await openRepo(store, tempDir());
      await other.refreshIndex();
      for await (const info of store.list('')) await store.delete(info.key);
      const target = tempDir('cairn-gone-out-');
      const error = await restore({ vault: other.vault, db: other.db, codec: other.codec, snapshot, target }).then(() => undefined, (e: unknown) => e).finally(() => other.close());
      expect(error).toMatchObject({ code: 'not_found' });
    } finally {
      await repo.close();
    }
  });
});

// A restore over objects damaged in the vault (a byte altered in a pack: the blob fails
// authentication): the files of the damaged blobs are left out, with no temporary file behind;
// every other file is restored and the damaged ones are listed (restore-request.ts then ends the
// run with an integrity error naming them, once every folder is done). It used to stop at the
// first damaged blob, whatever the rest of the snapshot held.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BlobId } from '../../../shared/ids.ts';
import { rng } from '../../../testing/agent-home.ts';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import { keys } from '../vault/index.ts';
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

      const target = tempDir('cairn-damaged-out-');
      const result = await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot, target, maxRead: 256 * 1024 });
      expect(result.files).toBe(2);
      expect(result.damaged.map((p) => p.slice(target.length + 1)).sort()).toEqual(['home/a-small.json', 'home/b-big.bin']);
      // What the CLI and the app say once every folder of the request is done.
      expect(damagedFilesError(result.damaged, result.files, 'ab'.repeat(32)).message).toMatch(/^2 file\(s\) could not be restored: their data is damaged in the vault \(.*\)\. Everything else was restored \(2 file\(s\)\)\. What it replaced is kept in safety snapshot abababab\. Run 'cairn check'/);
      const out = join(target, 'home');
      expect(readdirSync(out).sort()).toEqual(['c-fine.json', 'd-fine.bin']);
      for (const name of ['c-fine.json', 'd-fine.bin']) expect(readFileSync(join(out, name)).equals(readFileSync(join(home, name)))).toBe(true);
      expect(existsSync(join(out, 'a-small.json'))).toBe(false);
    } finally {
      await repo.close();
    }
  });
});

// The file cache's counts: a backup's progress total, when every source was backed up before,
// comes from here instead of a second walk of every folder.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { StateDb } from './state-db.ts';
import type { BlobId, PackId } from '../../../shared/ids.ts';
import type { BlobLocation } from '../vault/format.ts';
import type { FileCacheEntry } from './state-db.ts';

afterAll(() => removeTempDirs());

const file = (size: number): FileCacheEntry => ({ size, mtimeNs: '1', ctimeNs: '1', inode: '1', mode: 0o100644, content: [] });

describe('StateDb.cachedTotals', () => {
  it("gives the last backup's files and bytes of a source, and nothing for a source never backed up", () => {
    const db = new StateDb(join(tempDir(), 'state.db'));
    try {
      expect(db.cachedTotals('a')).toBeUndefined();
      db.replaceFiles(
        new Map([
          ['a', new Map([['x', file(10)], ['y', file(5)]])],
          ['b', new Map([['z', file(100)]])],
        ]),
      );
      expect(db.cachedTotals('a')).toEqual({ files: 2, bytes: 15 });
      expect(db.cachedTotals('b')).toEqual({ files: 1, bytes: 100 });
      expect(db.cachedTotals('c')).toBeUndefined();
    } finally {
      db.close();
    }
  });
});

describe('StateDb.reading', () => {
  it('runs its lookups in one read transaction: what another connection commits meanwhile is not seen until it ends', () => {
    const path = join(tempDir(), 'state.db');
    const db = new StateDb(path);
    const other = new StateDb(path);
    try {
      const id = (n: number) => n.toString(16).padStart(64, '0') as BlobId;
      const at = (n: number): BlobLocation => ({ id: id(n), type: 'data', pack: 'ab'.repeat(32) as PackId, offset: n, length: 1, rawLength: 1 });
      other.addIndex('first', [at(1)]);
      const seen = db.reading(() => {
        const before = [db.hasBlob(id(1)), db.hasBlob(id(2))];
        other.addIndex('second', [at(2)]);
        return [...before, db.hasBlob(id(2)), db.getBlob(id(2)) !== undefined];
      });
      expect(seen).toEqual([true, false, false, false]);
      expect(db.hasBlob(id(2))).toBe(true);
    } finally {
      other.close();
      db.close();
    }
  });
});

// A folder vault, or Cairn's state folder, inside a folder being backed up (`cairn backup ~` with
// the default vault in the home): each backup stored the packs the one before it wrote, so none
// ever found "nothing changed" and the vault grew by the last upload on every run.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { runBackup } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { leaveOutOwnFolders } from './own-folders.ts';

afterAll(() => removeTempDirs());

describe("Cairn's own folders", () => {
  it('are excluded from a source they lie in, by their path in it, links resolved', () => {
    const home = tempDir('cairn-own-');
    mkdirSync(join(home, '.local', 'share', 'cairn', 'vault'), { recursive: true });
    mkdirSync(join(home, 'state[1]'));
    const link = join(tempDir('cairn-own-link-'), 'home');
    symlinkSync(home, link);
    const own = [join(home, '.local', 'share', 'cairn', 'vault'), join(link, 'state[1]'), tempDir('cairn-elsewhere-')];
    expect(leaveOutOwnFolders([{ label: 'home', path: link, exclude: ['*.tmp'] }], own)).toEqual([{ label: 'home', path: link, exclude: ['*.tmp', '.local/share/cairn/vault', 'state\\[1\\]'] }]);
    // A source that is one of them, or lies outside them all, is left as it is.
    const state = { label: 's', path: join(home, 'state[1]') };
    expect(leaveOutOwnFolders([state], own)).toEqual([state]);
    // The vault itself, or a folder in it, is refused: it would be stored in itself.
    const vault = own[0] as string;
    expect(() => leaveOutOwnFolders([{ label: 'v', path: join(vault, 'data') }], own, vault)).toThrow(/inside this vault's folder .*: backing it up would store the vault in itself/);
    expect(() => leaveOutOwnFolders([{ label: 'v', path: link }], own, vault)).not.toThrow();
  });

  it('are never backed up: a folder vault inside the folder backed up finds nothing changed the second time', async () => {
    const home = tempDir('cairn-own-home-');
    mkdirSync(join(home, 'notes'));
    writeFileSync(join(home, 'notes', 'a.txt'), 'a note');
    const { repo } = await initRepo(new LocalBlobStore(join(home, '.local', 'share', 'cairn', 'vault')), join(home, '.config', 'cairn'));
    try {
      const backUp = () => runBackup(repo, { sources: [{ label: 'home', path: home }], reason: 'manual' });
      const first = await backUp();
      expect(first.stats.files).toBe(1);
      const second = await backUp();
      expect(second.unchanged).toBe(true);
    } finally {
      await repo.close();
    }
  });
});

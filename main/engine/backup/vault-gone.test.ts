// A vault that is no longer where it was (a folder moved or deleted, a drive not connected, a
// bucket emptied): a backup refuses, saying so, instead of writing a new headless vault there —
// packs and a snapshot without the vault's config and keys, which nothing could ever read back —
// and reporting success.

import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { LocalBlobStore } from '../storage/index.ts';

afterAll(() => removeTempDirs());

describe('a backup into a vault that is gone', () => {
  it('fails naming the vault and writes nothing where it was', async () => {
    const base = tempDir('cairn-vault-gone-');
    const home = join(base, 'home');
    mkdirSync(home);
    writeFileSync(join(home, 'notes.md'), 'first\n');
    const root = join(base, 'vault');
    const { repo } = await initRepo(new LocalBlobStore(root));
    try {
      await backupOf(repo, [{ label: 'home', path: home }]);
      renameSync(root, join(base, 'vault-unplugged'));
      writeFileSync(join(home, 'notes.md'), 'second\n');
      await expect(backupOf(repo, [{ label: 'home', path: home }])).rejects.toMatchObject({ code: 'no_vault', message: expect.stringContaining(`The vault is no longer at ${root}`) });
      expect(existsSync(root)).toBe(false);
    } finally {
      await repo.close();
    }
  });
});

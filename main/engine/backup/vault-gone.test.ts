// A vault that is no longer where it was (a folder moved or deleted, a drive not connected, a
// bucket emptied): a backup refuses, saying so, instead of writing a new headless vault there —
// packs and a snapshot without the vault's config and keys, which nothing could ever read back —
// and reporting success.

import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { runBackup } from '../operations.ts';
import { FaultyBlobStore, LocalBlobStore } from '../storage/index.ts';

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

  it('is not asked again by a backup moments after opening the vault read vault.json (a CLI run)', async () => {
    const base = tempDir('cairn-vault-seen-');
    const home = join(base, 'home');
    mkdirSync(home);
    writeFileSync(join(home, 'notes.md'), 'first\n');
    const root = join(base, 'vault');
    const stateDir = tempDir('cairn-state-');
    const { repo: first } = await initRepo(new LocalBlobStore(root), stateDir);
    await runBackup(first, { sources: [{ label: 'home', path: home }], reason: 'manual' });
    await first.close();
    const store = new FaultyBlobStore(new LocalBlobStore(root));
    const repo = await openRepo(store, stateDir);
    try {
      expect(store.log.filter((c) => c === 'get vault.json')).toHaveLength(1);
      store.log.length = 0;
      const result = await runBackup(repo, { sources: [{ label: 'home', path: home }], reason: 'manual' });
      expect(result.unchanged).toBe(true);
      // Before: `stat vault.json` too, a fourth request for a CLI's no-change backup.
      expect(store.log).toEqual(expect.not.arrayContaining(['stat vault.json']));
      expect(store.log).toHaveLength(2);
      // Long after the open (the app's scheduled backups), it is asked every time.
      repo.configReadAt = performance.now() - 60_000;
      store.log.length = 0;
      await runBackup(repo, { sources: [{ label: 'home', path: home }], reason: 'manual' });
      expect(store.log).toContain('stat vault.json');
    } finally {
      await repo.close();
    }
  });
});

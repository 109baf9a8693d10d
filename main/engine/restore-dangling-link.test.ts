// A restore into a folder that is a link to a place that is not there (~/.claude linked to a
// dotfiles disk not mounted now): it says so, and writes nothing anywhere.

import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { restore } from './restore/index.ts';
import { LocalBlobStore } from './storage/index.ts';

afterAll(() => removeTempDirs());

describe('a restore into a link to a place that is not there', () => {
  it('names the link and its target, and writes nothing', async () => {
    const base = tempDir('cairn-dangling-');
    const home = join(base, 'home');
    mkdirSync(join(home, 'projects'), { recursive: true });
    writeFileSync(join(home, 'projects', 's.jsonl'), 'hello\n');
    const { repo } = await initRepo(new LocalBlobStore(join(base, 'vault')));
    try {
      const { snapshotId } = await backupOf(repo, [{ label: 'home', path: home }]);
      const target = join(base, 'claude');
      symlinkSync(join(base, 'unmounted', 'claude'), target);
      await repo.refreshIndex();
      // Before: "…/claude/home does not exist" (ENOENT from a folder made a moment before).
      await expect(restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: await repo.findSnapshot(snapshotId as string), target })).rejects.toMatchObject({
        code: 'config',
        message: `${target} is a link to ${join(base, 'unmounted', 'claude')}, which is not there: nothing was restored into it. Make the link's target available (mount its disk), or remove the link, and restore again.`,
      });
      expect(existsSync(join(base, 'unmounted'))).toBe(false);
      expect(readdirSync(base).sort()).toEqual(['claude', 'home', 'vault']);
    } finally {
      await repo.close();
    }
  });
});

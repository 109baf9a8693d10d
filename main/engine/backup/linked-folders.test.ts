// A folder in an agent's tree that is a link (~/.claude/projects moved to another disk and linked
// back) is kept as a link, never followed (SECURITY.md): what it holds is not in the snapshot.
// The backup says so. It used to say nothing: 0 files, "Snapshot saved", no sessions.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { MemoryBlobStore } from '../storage/index.ts';

afterAll(() => removeTempDirs());

describe('links in a backed-up tree', () => {
  it('names each link to a folder, whose content is not in the snapshot; not links to files, nor dangling ones', async () => {
    const base = tempDir('cairn-linked-');
    const home = join(base, 'claude');
    const elsewhere = join(base, 'other-disk', 'projects');
    mkdirSync(join(elsewhere, '-repo'), { recursive: true });
    writeFileSync(join(elsewhere, '-repo', 's.jsonl'), '{"type":"user"}\n');
    mkdirSync(home);
    writeFileSync(join(base, 'settings.json'), '{}');
    symlinkSync(elsewhere, join(home, 'projects'));
    symlinkSync(join(base, 'settings.json'), join(home, 'settings.json'));
    symlinkSync(join(base, 'gone'), join(home, 'dangling'));
    const { repo } = await initRepo(new MemoryBlobStore());
    try {
      const result = await backupOf(repo, [{ label: 'claude', path: home }]);
      expect(result.linkedFolders).toEqual([{ path: join(home, 'projects'), target: elsewhere }]);
      expect(result.stats.files).toBe(0);
      expect(result.warnings).toEqual([]);
    } finally {
      await repo.close();
    }
  });
});

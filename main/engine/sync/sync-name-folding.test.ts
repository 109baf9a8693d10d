// Another device's `App` and `app` (or `café` composed and decomposed) on a disk that takes them
// for one name (a Mac's, Windows'): sync pulls the first, names the other, and never mixes them.
// The file system's folding is given here; cli-case-folding.test.ts runs it on a real one.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import { runSync } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';

afterAll(() => removeTempDirs());

const line = (text: string) => `${JSON.stringify({ type: 'user', uuid: 'u1', timestamp: '2026-12-07T10:00:00.000Z', message: { role: 'user', content: text } })}\n`;

describe('sync onto a file system that folds names', () => {
  it('pulls the first of two names it takes for one, and lists the other as skipped', async () => {
    const vault = join(tempDir('cairn-foldsync-vault-'), 'v');
    const homeA = tempDir('cairn-foldsync-a-');
    const homeB = tempDir('cairn-foldsync-b-');
    const folders = ['-home-alice-App', '-home-alice-app', '-home-alice-caf\u00e9', '-home-alice-cafe\u0301'];
    for (const dir of folders) {
      mkdirSync(join(homeA, '.claude', 'projects', dir), { recursive: true });
      writeFileSync(join(homeA, '.claude', 'projects', dir, 's.jsonl'), line(dir));
    }
    // Custom commands are backed up but not synced: a pair of them is no business of sync's.
    mkdirSync(join(homeA, '.claude', 'commands'), { recursive: true });
    writeFileSync(join(homeA, '.claude', 'commands', 'Review.md'), 'Review the diff.\n');
    writeFileSync(join(homeA, '.claude', 'commands', 'review.md'), 'review it again\n');
    mkdirSync(join(homeB, '.claude', 'projects'), { recursive: true });
    const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
    const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'mac');
    try {
      await runSync(a, { ctx: fixtureContext(homeA, 'linux'), agents: ['claude-code'], mappings: [] });
      const { pull } = await runSync(b, { ctx: fixtureContext(homeB, 'linux'), agents: ['claude-code'], mappings: [], nameFolding: { case: true, unicode: true } });
      // Each pair's first in the snapshot's order (bytes: `A` before `a`, `é` composed after `e`).
      const pulled = readdirSync(join(homeB, '.claude', 'projects')).sort();
      expect(pulled).toEqual(['-home-alice-App', '-home-alice-cafe\u0301']);
      expect(readFileSync(join(homeB, '.claude', 'projects', '-home-alice-App', 's.jsonl'), 'utf8')).toBe(line('-home-alice-App'));
      expect(pull.conflicts).toEqual([]);
      expect(pull.skipped?.map((s) => [s.path, s.device])).toEqual([
        ['claude-code/config/projects/-home-alice-app', 'laptop'],
        ['claude-code/config/projects/-home-alice-caf\u00e9', 'laptop'],
      ]);
      expect(pull.skipped?.[0]?.why).toMatch(/^its name differs only in case from -home-alice-App, which is pulled, and the file system here takes the two for one name/);
      expect(pull.skipped?.[1]?.why).toMatch(/^its name differs only in its Unicode form from -home-alice-cafe\u0301/);

      // A case-sensitive disk holds both: everything is pulled, nothing skipped.
      const homeC = tempDir('cairn-foldsync-c-');
      mkdirSync(join(homeC, '.claude', 'projects'), { recursive: true });
      const c = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'linux-2');
      try {
        const { pull: all } = await runSync(c, { ctx: fixtureContext(homeC, 'linux'), agents: ['claude-code'], mappings: [], nameFolding: { case: false, unicode: false } });
        expect(all.skipped ?? []).toEqual([]);
        expect(readdirSync(join(homeC, '.claude', 'projects')).sort()).toEqual([...folders].sort());
      } finally {
        await c.close();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});

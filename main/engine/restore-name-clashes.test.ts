// A snapshot made where names are case-sensitive (Linux) restored where they are not (a Mac,
// Windows): `README.md` and `readme.md`, `Src/` and `src/`, `café` composed and decomposed would
// be written over one another. Each later one gets a conflict name, is reported, and a restore
// over them again finds them where it put them.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { contextFromProcess } from './agents/index.ts';
import { executeRestore, planRestore, renamedNote } from './restore-request.ts';
import type { RestoreRequest } from './restore-request.ts';
import { conflictName, probeNameFolding, restoreNamer } from './restore/index.ts';
import { MemoryBlobStore } from './storage/index.ts';

afterAll(() => removeTempDirs());

const NFC = 'caf\u00e9.md';
const NFD = 'cafe\u0301.md';

describe('names a case-insensitive file system takes for one', () => {
  it('restores every file under a name of its own, says which, and finds them there the next time', async () => {
    const { repo } = await initRepo(new MemoryBlobStore());
    try {
      const home = tempDir('cairn-clash-home-');
      writeFileSync(join(home, 'README.md'), 'upper\n');
      writeFileSync(join(home, 'readme.md'), 'lower\n');
      mkdirSync(join(home, 'Src'));
      mkdirSync(join(home, 'src'));
      writeFileSync(join(home, 'Src', 'a.txt'), 'Src a\n');
      writeFileSync(join(home, 'src', 'a.txt'), 'src a\n');
      writeFileSync(join(home, NFC), 'composed\n');
      writeFileSync(join(home, NFD), 'decomposed\n');
      const backed = await backupOf(repo, [{ label: 'data', path: home }]);
      const snapshot = await repo.findSnapshot(backed.snapshotId as string);
      const target = tempDir('cairn-clash-target-');
      // This machine's disk tells names apart: the restore is told it is a Mac's.
      const request: RestoreRequest = { snapshot, paths: [], destination: { kind: 'folder', path: target }, existing: 'overwrite', nameFolding: { case: true, unicode: true } };
      const ctx = contextFromProcess({ home, env: {}, platform: 'linux' });
      const out = join(target, 'data');
      const planned = await planRestore(repo, request);
      // Said before anything is written (the app's restore dialog shows it).
      expect(planned.renamed.map((r) => r.dest).sort()).toEqual([join(out, 'caf\u00e9 (Unicode conflict).md'), join(out, 'readme (case conflict).md'), join(out, 'src (case conflict)')]);
      const first = await executeRestore(repo, request, planned, { ctx });
      expect(readdirSync(out).sort()).toEqual(['README.md', 'Src', NFD, 'caf\u00e9 (Unicode conflict).md', 'readme (case conflict).md', 'src (case conflict)'].sort());
      expect(readFileSync(join(out, 'readme (case conflict).md'), 'utf8')).toBe('lower\n');
      expect(readFileSync(join(out, 'src (case conflict)', 'a.txt'), 'utf8')).toBe('src a\n');
      expect(readFileSync(join(out, 'caf\u00e9 (Unicode conflict).md'), 'utf8')).toBe('composed\n');
      expect(first).toMatchObject({ files: 6, kept: 0 });
      expect(first.renamed.map((r) => [r.path, r.dest]).sort()).toEqual([
        ['data/caf\u00e9.md', join(out, 'caf\u00e9 (Unicode conflict).md')],
        ['data/readme.md', join(out, 'readme (case conflict).md')],
        ['data/src', join(out, 'src (case conflict)')],
      ]);
      expect(renamedNote(first.renamed)).toMatch(/^3 files or folders were restored under another name, so that nothing is written over another file: .*data\/readme\.md as .*readme \(case conflict\)\.md/);

      // Again: every file is found where the first restore put it, and nothing is written.
      const again = await planRestore(repo, request);
      expect(again).toMatchObject({ existing: [], safetySnapshot: false });
      expect(again.unchanged).toHaveLength(6);
      // A renamed file edited since is compared, kept in the safety snapshot and replaced.
      writeFileSync(join(out, 'readme (case conflict).md'), 'edited\n');
      const plan = await planRestore(repo, request);
      expect(plan.existing).toEqual([join(out, 'readme (case conflict).md')]);
      const done = await executeRestore(repo, request, plan, { ctx });
      expect(done).toMatchObject({ files: 1, overwritten: 1, unchanged: 5 });
      expect(done.renamed.map((r) => r.path)).toEqual(['data/readme.md']);
      expect(readFileSync(join(out, 'readme (case conflict).md'), 'utf8')).toBe('lower\n');
      expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('upper\n');
    } finally {
      await repo.close();
    }
  });

  it('renames nothing where the file system tells the names apart, as this one does', async () => {
    const dir = tempDir('cairn-clash-probe-');
    expect(await probeNameFolding(join(dir, 'not', 'made', 'yet'), 'linux')).toEqual({ case: false, unicode: false });
    expect(readdirSync(dir)).toEqual([]);
    const nameIn = restoreNamer(dir, 'linux');
    expect(await nameIn(dir, { name: 'README.md', type: 'file' }, 'x/README.md')).toBe('README.md');
    expect(await nameIn(dir, { name: 'readme.md', type: 'file' }, 'x/readme.md')).toBe('readme.md');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives a third spelling the next free name, and a name mapped for Windows onto another its own', async () => {
    const nameIn = restoreNamer('/nowhere', 'win32', { case: true, unicode: false });
    const names = [];
    for (const name of ['README.md', 'readme.md', 'Readme.md', 'readme (case conflict).md']) names.push(await nameIn('/t', { name, type: 'file' }, `x/${name}`));
    expect(names).toEqual(['README.md', 'readme (case conflict).md', 'Readme (case conflict 2).md', 'readme (case conflict) (name conflict).md']);
    // The same entry asked twice (overlapping selections) keeps its name; other folders are their own.
    expect(await nameIn('/t', { name: 'README.md', type: 'file' }, 'x/README.md')).toBe('README.md');
    expect(await nameIn('/t/sub', { name: 'readme.md', type: 'file' }, 'x/sub/readme.md')).toBe('readme.md');
    // `a:b` is written as `a：b` on Windows: a snapshot holding both names keeps both.
    expect(await nameIn('/t', { name: 'a\uFF1Ab', type: 'file' }, 'x/a\uFF1Ab')).toBe('a\uFF1Ab');
    expect(await nameIn('/t', { name: 'a:b', type: 'file' }, 'x/a:b')).toBe('a\uFF1Ab (name conflict)');
    // Composed and decomposed forms are two names to NTFS.
    expect(await nameIn('/t', { name: NFC, type: 'file' }, `x/${NFC}`)).toBe(NFC);
    expect(await nameIn('/t', { name: NFD, type: 'file' }, `x/${NFD}`)).toBe(NFD);
    expect(conflictName('.env', 'case', 1, false)).toBe('.env (case conflict)');
    expect(conflictName('v1.2', 'case', 3, true)).toBe('v1.2 (case conflict 3)');
    // Never longer than a file system holds (255 bytes), whole characters kept.
    const long = conflictName(`${'é'.repeat(120)}x.jsonl`, 'case', 1, false);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255);
    expect(long).toMatch(/^é+ \(case conflict\)\.jsonl$/);
  });
});

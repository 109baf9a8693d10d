// Another device has a folder where this one has a file of the same name (or a link to a place
// that is not there), or a file where this one has a folder: that file is not pulled, the one in the way is named, and everything else is
// pulled. Before, the first such place stopped the whole pull ("… can't be used: part of this
// path is a file, not a folder"), every sync after it, other agents' sessions included.

import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import { runSync } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';

afterAll(() => removeTempDirs());

const line = (text: string) => `${JSON.stringify({ type: 'user', uuid: 'u1', timestamp: '2026-12-07T10:00:00.000Z', message: { role: 'user', content: text } })}\n`;

describe('sync where a file or folder here is in the way', () => {
  it('pulls everything else, and names what is in the way', async () => {
    const vault = join(tempDir('cairn-inway-vault-'), 'v');
    const homeA = tempDir('cairn-inway-a-');
    const homeB = tempDir('cairn-inway-b-');
    for (const project of ['-home-alice-blocked', '-home-alice-dangling', '-home-alice-file-is-folder', '-home-alice-free']) {
      mkdirSync(join(homeA, '.claude', 'projects', project), { recursive: true });
      writeFileSync(join(homeA, '.claude', 'projects', project, 's.jsonl'), line(project));
    }
    const projectsB = join(homeB, '.claude', 'projects');
    mkdirSync(join(projectsB, '-home-alice-file-is-folder', 's.jsonl'), { recursive: true });
    writeFileSync(join(projectsB, '-home-alice-blocked'), 'a note saved under the project folder\'s name\n');
    // A dotfiles link to a disk that is not mounted now.
    symlinkSync('/nonexistent/unmounted-disk/app', join(projectsB, '-home-alice-dangling'));
    const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
    const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'desktop');
    try {
      await runSync(a, { ctx: fixtureContext(homeA, 'linux'), agents: ['claude-code'], mappings: [] });
      const { pull } = await runSync(b, { ctx: fixtureContext(homeB, 'linux'), agents: ['claude-code'], mappings: [] });
      expect(readdirSync(join(projectsB, '-home-alice-free'))).toEqual(['s.jsonl']);
      expect(pull.skipped?.map((s) => [s.path, s.why])).toEqual([
        ['claude-code/config/projects/-home-alice-blocked/s.jsonl', `${join(projectsB, '-home-alice-blocked')} is a file here, where laptop's snapshot has a folder; nothing was written for it. Move or rename that file and sync again`],
        ['claude-code/config/projects/-home-alice-dangling/s.jsonl', `${join(projectsB, '-home-alice-dangling')} is a link to /nonexistent/unmounted-disk/app, which is not there; nothing was written for it. Make the link's target available, or remove the link, and sync again`],
        ['claude-code/config/projects/-home-alice-file-is-folder/s.jsonl', `${join(projectsB, '-home-alice-file-is-folder', 's.jsonl')} is a folder here, where laptop's snapshot has a file; nothing was written for it. Move or rename that folder and sync again`],
      ]);
      // A whole agent folder that is a link to a disk not mounted now: said for each file, and the
      // sync goes on (before: the first file's error stopped it).
      const homeC = tempDir('cairn-inway-c-');
      symlinkSync('/nonexistent/unmounted-disk/claude', join(homeC, '.claude'));
      const c = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'studio');
      try {
        const warnings: string[] = [];
        const { pull: onC } = await runSync(c, { ctx: fixtureContext(homeC, 'linux'), agents: ['claude-code'], mappings: [], onWarning: (w) => warnings.push(w.message) });
        // The backup says the same of it (before: "… was deleted or moved before it could be read").
        expect(warnings).toEqual([`${join(homeC, '.claude')} is a link to /nonexistent/unmounted-disk/claude, which is not there: it is left out of this backup. Make the link's target available (mount its disk), or remove the link.`]);
        expect(new Set(onC.skipped?.map((s) => s.why))).toEqual(new Set([`${join(homeC, '.claude')} is a link to /nonexistent/unmounted-disk/claude, which is not there; nothing was written for it. Make the link's target available, or remove the link, and sync again`]));
      } finally {
        await c.close();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});

// A name a Linux or macOS machine wrote that Windows refuses (`notes:v2.md`, a trailing dot):
// a pull there leaves it out and says so — written as it is, `a:b` names an NTFS stream of a file
// `a` — and pulls the rest. A restore writes such a name under a look-alike (FORMAT.md).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import { runSync } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';

afterAll(() => removeTempDirs());

describe('sync onto Windows of names Windows refuses', () => {
  it('leaves them out, naming each, and pulls the rest', async () => {
    const vault = join(tempDir('cairn-winnames-vault-'), 'v');
    const homeA = tempDir('cairn-winnames-a-');
    const homeB = tempDir('cairn-winnames-b-');
    const project = join(homeA, '.claude', 'projects', '-home-alice-app');
    mkdirSync(join(project, 'memory'), { recursive: true });
    writeFileSync(join(project, 's.jsonl'), '{"type":"user","message":{"role":"user","content":"hi"}}\n');
    writeFileSync(join(project, 'memory', 'notes:v2.md'), 'v2\n');
    writeFileSync(join(project, 'memory', 'NUL.md'), 'to the null device on Windows\n');
    writeFileSync(join(project, 'memory', 'console.md'), 'an ordinary name\n');
    mkdirSync(join(project, 'plans.'), { recursive: true });
    writeFileSync(join(project, 'plans.', 'p.md'), 'plan\n');
    mkdirSync(join(homeB, '.claude', 'projects'), { recursive: true });
    const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'linux-box');
    const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'windows-pc');
    try {
      await runSync(a, { ctx: fixtureContext(homeA, 'linux'), agents: ['claude-code'], mappings: [] });
      const ctx = fixtureContext(homeB, 'win32');
      const { pull } = await runSync(b, { ctx, agents: ['claude-code'], mappings: [] });
      expect(pull.skipped?.map((s) => [s.path, s.why.slice(0, 40)])).toEqual([
        ['claude-code/config/projects/-home-alice-app/memory/NUL.md', 'its name is not one Windows allows (it h'],
        ['claude-code/config/projects/-home-alice-app/memory/notes:v2.md', 'its name is not one Windows allows (it h'],
        ['claude-code/config/projects/-home-alice-app/plans./p.md', "a folder on the way, 'plans.', is not on"],
      ]);
      expect(pull.changes.map((c) => c.path.split(/[\\/]/).pop()).sort()).toEqual(['console.md', 's.jsonl']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

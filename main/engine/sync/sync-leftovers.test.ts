// A pull killed mid-write (SIGKILL, power loss) leaves its temporary file in the agent's folder:
// never backed up (ALWAYS_EXCLUDED_GLOBS), but as large as the file it was for. The next pull
// that writes into that folder removes such leftovers, except young ones another process's pull
// may still be writing, and nothing else.

import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import { runSync } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';

afterAll(() => removeTempDirs());

describe('a pull after a killed pull', () => {
  it("removes the killed pull's temporary files from the folders it writes into, not young ones nor anything else", async () => {
    const vault = join(tempDir('cairn-leftover-vault-'), 'v');
    const homeA = tempDir('cairn-leftover-a-');
    const homeB = tempDir('cairn-leftover-b-');
    const projectA = join(homeA, '.claude', 'projects', '-home-alice-src-app');
    const projectB = join(homeB, '.claude', 'projects', '-home-alice-src-app');
    mkdirSync(projectA, { recursive: true });
    mkdirSync(projectB, { recursive: true });
    const line = JSON.stringify({ type: 'user', uuid: 'u1', timestamp: '2026-11-01T00:00:01.000Z', message: { role: 'user', content: 'hello' } });
    writeFileSync(join(projectA, 's2.jsonl'), `${line}\n`);
    const old = Date.now() / 1000 - 3600;
    const left = ['.s1.jsonl.cairn-sync-0a1b2c3d.tmp', '.s2.jsonl.cairn-sync-deadbeef.tmp'];
    for (const name of left) {
      writeFileSync(join(projectB, name), 'x'.repeat(1000));
      utimesSync(join(projectB, name), old, old);
    }
    const young = '.s1.jsonl.cairn-sync-00000001.tmp';
    writeFileSync(join(projectB, young), 'being written');
    // Not a pull's: a user's file that looks alike, and an old one without the pull's exact form.
    const others = ['.s1.jsonl.cairn-sync-notes.tmp', 'notes.cairn-sync-0a1b2c3d.tmp'];
    for (const name of others) {
      writeFileSync(join(projectB, name), 'mine');
      utimesSync(join(projectB, name), old, old);
    }

    const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
    const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'desktop');
    try {
      await runSync(a, { ctx: fixtureContext(homeA, 'linux'), agents: ['claude-code'], mappings: [] });
      await runSync(b, { ctx: fixtureContext(homeB, 'linux'), agents: ['claude-code'], mappings: [] });
      expect(readFileSync(join(projectB, 's2.jsonl'), 'utf8')).toBe(`${line}\n`);
      expect(readdirSync(projectB).sort()).toEqual([young, ...others, 's2.jsonl'].sort());
    } finally {
      await a.close();
      await b.close();
    }
  });
});

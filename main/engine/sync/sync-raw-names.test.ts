// Issue 17: a file whose name isn't valid UTF-8 is stored as bytes (rawName). Sync can't place
// such a file by its display name, so it leaves it alone and says so (SyncResult.skipped) —
// it neither crashes nor writes a file under the lossy display name; the other sessions sync.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import { runSync } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';

afterAll(() => removeTempDirs());

describe('sync and names that are not valid UTF-8', () => {
  it('pulls the other sessions, leaves the byte-named one alone, and lists it as skipped', async () => {
    const vault = join(tempDir('cairn-rawsync-vault-'), 'v');
    const homeA = tempDir('cairn-rawsync-a-');
    const homeB = tempDir('cairn-rawsync-b-');
    const project = join(homeA, '.claude', 'projects', '-home-alice-src-app');
    mkdirSync(project, { recursive: true });
    mkdirSync(join(homeB, '.claude', 'projects'), { recursive: true });
    const line = JSON.stringify({ type: 'user', uuid: 'u1', timestamp: '2026-11-01T00:00:01.000Z', message: { role: 'user', content: 'hello' } });
    writeFileSync(join(project, 'good.jsonl'), `${line}\n`);
    const bad = Buffer.concat([Buffer.from(`${project}/latin1-`), Buffer.from([0xe9]), Buffer.from('.jsonl')]);
    writeFileSync(bad, `${line}\n`);

    const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
    const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'desktop');
    try {
      await runSync(a, { ctx: fixtureContext(homeA, 'linux'), agents: ['claude-code'], mappings: [] });
      const { pull } = await runSync(b, { ctx: fixtureContext(homeB, 'linux'), agents: ['claude-code'], mappings: [] });
      const pulledDir = join(homeB, '.claude', 'projects', '-home-alice-src-app');
      expect(readFileSync(join(pulledDir, 'good.jsonl'), 'utf8')).toBe(`${line}\n`);
      expect(readdirSync(pulledDir)).toEqual(['good.jsonl']);
      expect(pull.skipped).toEqual([expect.objectContaining({ device: 'laptop', path: expect.stringContaining('latin1-') })]);
      expect(pull.skipped?.[0]?.why).toMatch(/not valid UTF-8/);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

// A pull that fills the disk of the agent's folder: the session it was writing is left as it was,
// the run ends with "the disk is full", and no temporary file is left to keep the disk full. The
// full disk is simulated (node:fs/promises' writeFile fails partway for sync's temporary files);
// the real one was a 600 KiB tmpfs, where the pull left a `.cairn-sync-….tmp` behind.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { toErrorRecord } from '../../../shared/errors.ts';

const failure = vi.hoisted(() => ({ on: false }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const writeFile: typeof actual.writeFile = async (path, data, options) => {
    if (!failure.on || typeof path !== 'string' || !path.includes('.cairn-sync-')) return actual.writeFile(path, data, options);
    // The disk fills up halfway through the write.
    const bytes = data as Uint8Array;
    await actual.writeFile(path, bytes.subarray(0, bytes.length >> 1), options);
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  };
  return { ...actual, writeFile };
});

const { initRepo, openRepo, removeTempDirs, tempDir } = await import('../../../testing/repo.ts');
const { fixtureContext } = await import('../agents/fixtures.ts');
const { runSync } = await import('../operations.ts');
const { LocalBlobStore } = await import('../storage/index.ts');

afterAll(() => removeTempDirs());
afterEach(() => {
  failure.on = false;
});

describe('sync onto a full disk', () => {
  it('ends with disk_full, leaves the session as it was and no temporary file; the next pull with room completes', async () => {
    const vault = join(tempDir('cairn-fullsync-vault-'), 'v');
    const homeA = tempDir('cairn-fullsync-a-');
    const homeB = tempDir('cairn-fullsync-b-');
    const projectA = join(homeA, '.claude', 'projects', '-home-alice-src-app');
    const projectB = join(homeB, '.claude', 'projects', '-home-alice-src-app');
    mkdirSync(projectA, { recursive: true });
    mkdirSync(projectB, { recursive: true });
    const line = (n: number) => JSON.stringify({ type: 'user', uuid: `u${n}`, timestamp: `2026-11-01T00:00:0${n}.000Z`, message: { role: 'user', content: `hello ${n}` } });
    writeFileSync(join(projectA, 's1.jsonl'), `${line(1)}\n${line(2)}\n`);
    // B holds the session's first line: the pull brings it up to A's two (a fast-forward).
    writeFileSync(join(projectB, 's1.jsonl'), `${line(1)}\n`);

    const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
    const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'desktop');
    try {
      await runSync(a, { ctx: fixtureContext(homeA, 'linux'), agents: ['claude-code'], mappings: [] });
      failure.on = true;
      const error = await runSync(b, { ctx: fixtureContext(homeB, 'linux'), agents: ['claude-code'], mappings: [] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(toErrorRecord(error)).toMatchObject({ code: 'disk_full' });
      expect(readdirSync(projectB)).toEqual(['s1.jsonl']);
      expect(readFileSync(join(projectB, 's1.jsonl'), 'utf8')).toBe(`${line(1)}\n`);

      failure.on = false;
      await runSync(b, { ctx: fixtureContext(homeB, 'linux'), agents: ['claude-code'], mappings: [] });
      expect(readdirSync(projectB)).toEqual(['s1.jsonl']);
      expect(readFileSync(join(projectB, 's1.jsonl'), 'utf8')).toBe(`${line(1)}\n${line(2)}\n`);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

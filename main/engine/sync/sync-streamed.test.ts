// A file new here is written blob by blob as it is read from the vault, never held whole: a
// 287 MB transcript pulled by `cairn sync` peaked at 700 MB of memory (the blobs, then their
// concatenation); streamed, 214 MB (docs/BENCHMARKS.md, twenty-seventh session).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { rng } from '../../../testing/agent-home.ts';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import { runSync } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { TreeReader } from '../vault/index.ts';

afterAll(() => removeTempDirs());

describe('a pull of a large file', () => {
  it('writes it blob by blob, byte for byte, without reading it whole', async () => {
    const vault = join(tempDir('cairn-stream-vault-'), 'v');
    const homeA = tempDir('cairn-stream-a-');
    const homeB = tempDir('cairn-stream-b-');
    const project = join(homeA, '.claude', 'projects', '-home-alice-big');
    mkdirSync(project, { recursive: true });
    const r = rng(9);
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ type: 'user', uuid: `u${i}`, message: { role: 'user', content: Buffer.from(r.bytes(600)).toString('base64') } }));
    writeFileSync(join(project, 'big.jsonl'), `${lines.join('\n')}\n`);
    mkdirSync(join(homeB, '.claude'), { recursive: true });
    const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
    const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'desktop');
    const whole = vi.spyOn(TreeReader.prototype, 'readFile');
    const chunks = vi.spyOn(TreeReader.prototype, 'chunks');
    try {
      await runSync(a, { ctx: fixtureContext(homeA, 'linux'), agents: ['claude-code'], mappings: [] });
      whole.mockClear();
      chunks.mockClear();
      const { pull } = await runSync(b, { ctx: fixtureContext(homeB, 'linux'), agents: ['claude-code'], mappings: [] });
      expect(pull.changes.map((c) => c.action)).toEqual(['pulled']);
      expect(readFileSync(join(homeB, '.claude', 'projects', '-home-alice-big', 'big.jsonl')).equals(readFileSync(join(project, 'big.jsonl')))).toBe(true);
      expect(whole).not.toHaveBeenCalled();
      expect(chunks).toHaveBeenCalledTimes(1);
    } finally {
      whole.mockRestore();
      chunks.mockRestore();
      await a.close();
      await b.close();
    }
  });
});

// A pull interrupted (Ctrl-C: the CLI's exit path calls removeLiveTempFiles) leaves no half-written
// file beside the agent's own. Before, `.big.jsonl.cairn-sync-….tmp` (176 MB of a 229 MB
// transcript, measured) stayed in ~/.claude/projects/… until a pull into that folder swept it,
// 10 minutes later at best.

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { rng } from '../../../testing/agent-home.ts';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import { runSync } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { removeLiveTempFiles } from '../temp-files.ts';
import { TreeReader } from '../vault/index.ts';

afterAll(() => removeTempDirs());

describe('a pull interrupted half way through a file', () => {
  it('has its temporary file removed on the way out, and a pull that ends leaves none to remove', async () => {
    const vault = join(tempDir('cairn-int-vault-'), 'v');
    const homeA = tempDir('cairn-int-a-');
    const homeB = tempDir('cairn-int-b-');
    const project = join(homeA, '.claude', 'projects', '-home-alice-big');
    mkdirSync(project, { recursive: true });
    const r = rng(11);
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ type: 'user', uuid: `u${i}`, message: { role: 'user', content: Buffer.from(r.bytes(600)).toString('base64') } }));
    writeFileSync(join(project, 'big.jsonl'), `${lines.join('\n')}\n`);
    mkdirSync(join(homeB, '.claude'), { recursive: true });
    const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
    const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'desktop');
    // The pull stops after its first blob until released: the moment Ctrl-C comes.
    const original = TreeReader.prototype.chunks;
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = vi.spyOn(TreeReader.prototype, 'chunks').mockImplementation(async function* (this: TreeReader, entry) {
      let first = true;
      for await (const chunk of original.call(this, entry)) {
        yield chunk;
        if (first) await gate;
        first = false;
      }
    });
    const temps = () => readdirSync(join(homeB, '.claude', 'projects', '-home-alice-big')).filter((n) => n.includes('.cairn-sync-'));
    try {
      await runSync(a, { ctx: fixtureContext(homeA, 'linux'), agents: ['claude-code'], mappings: [] });
      expect(removeLiveTempFiles()).toBe(0);
      const pulling = runSync(b, { ctx: fixtureContext(homeB, 'linux'), agents: ['claude-code'], mappings: [] }).catch((error: unknown) => error);
      await vi.waitFor(() => expect(temps()).toHaveLength(1), { timeout: 10_000 });
      expect(removeLiveTempFiles()).toBe(1);
      expect(temps()).toEqual([]);
      release();
      await pulling;
      expect(temps()).toEqual([]);
      expect(removeLiveTempFiles()).toBe(0);
    } finally {
      release();
      held.mockRestore();
      await a.close();
      await b.close();
    }
  });
});

// A file new here is written blob by blob as it is read from the vault, never held whole: a
// 287 MB transcript pulled by `cairn sync` peaked at 700 MB of memory (the blobs, then their
// concatenation); streamed, 214 MB (docs/BENCHMARKS.md, twenty-seventh session). Its temporary
// file beside the agent's own goes when the run is interrupted.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Two devices on one vault; the laptop's Claude Code has a 3,000-line transcript (several blobs). */
async function laptopWithBigTranscript(seed: number) {
  const vault = join(tempDir('cairn-stream-vault-'), 'v');
  const homeA = tempDir('cairn-stream-a-');
  const homeB = tempDir('cairn-stream-b-');
  const project = join(homeA, '.claude', 'projects', '-home-alice-big');
  mkdirSync(project, { recursive: true });
  const r = rng(seed);
  const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ type: 'user', uuid: `u${i}`, message: { role: 'user', content: Buffer.from(r.bytes(600)).toString('base64') } }));
  writeFileSync(join(project, 'big.jsonl'), `${lines.join('\n')}\n`);
  mkdirSync(join(homeB, '.claude'), { recursive: true });
  const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
  const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'desktop');
  await runSync(a, { ctx: fixtureContext(homeA, 'linux'), agents: ['claude-code'], mappings: [] });
  return { a, b, homeB, project, pull: () => runSync(b, { ctx: fixtureContext(homeB, 'linux'), agents: ['claude-code'], mappings: [] }) };
}

describe('a pull of a large file', () => {
  it('writes it blob by blob, byte for byte, without reading it whole', async () => {
    const { a, b, homeB, project, pull: pullIt } = await laptopWithBigTranscript(9);
    const whole = vi.spyOn(TreeReader.prototype, 'readFile');
    const chunks = vi.spyOn(TreeReader.prototype, 'chunks');
    try {
      const { pull } = await pullIt();
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

  // Interrupted (Ctrl-C: the CLI's exit path calls removeLiveTempFiles), it leaves no half-written
  // file beside the agent's own. Before, `.big.jsonl.cairn-sync-….tmp` (176 MB of a 229 MB
  // transcript, measured) stayed in ~/.claude/projects/… until a pull into that folder swept it,
  // 10 minutes later at best.
  it('has its temporary file removed on the way out when interrupted; a pull that ends leaves none to remove', async () => {
    const { a, b, homeB, pull } = await laptopWithBigTranscript(11);
    expect(removeLiveTempFiles()).toBe(0);
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
      const pulling = pull().catch((error: unknown) => error);
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

// A pull never replaces a file another program holds open (Linux, /proc): the program would go
// on writing the old file, and what it wrote next would be lost. Here a session continued on
// another device, while this device still has an agent with it open: the pull says "busy" and
// brings it once the agent let it go.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import { runSync } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';

afterAll(() => removeTempDirs());

const line = (n: number) => `${JSON.stringify({ type: 'user', uuid: `u-${n}`, timestamp: new Date(Date.UTC(2026, 10, 1, 0, 0, n)).toISOString(), message: { role: 'user', content: `turn ${n}` } })}\n`;

describe.skipIf(process.platform !== 'linux')('a pull onto a transcript an agent holds open', () => {
  it('leaves it as it is while it is open, then brings the other device’s version', async () => {
    const vault = join(tempDir('cairn-syncopen-vault-'), 'v');
    const homeA = tempDir('cairn-syncopen-a-');
    const homeB = tempDir('cairn-syncopen-b-');
    const rel = join('.claude', 'projects', '-home-alice-app', 's1.jsonl');
    for (const home of [homeA, homeB]) {
      mkdirSync(join(home, '.claude', 'projects', '-home-alice-app'), { recursive: true });
      writeFileSync(join(home, rel), line(1));
    }
    const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
    const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'desktop');
    const sync = (repo: typeof a, home: string) => runSync(repo, { ctx: fixtureContext(home, 'linux'), agents: ['claude-code'], mappings: [] });
    // The agent on B keeps the transcript open for appending.
    const agent = spawn('sh', ['-c', 'exec 3>>"$1"; echo ready; exec sleep 60', 'sh', join(homeB, rel)], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise<void>((resolve) => agent.stdout.once('data', () => resolve()));
      await sync(b, homeB);
      // The session goes on on A.
      writeFileSync(join(homeA, rel), line(1) + line(2));
      await sync(a, homeA);
      const busy = await sync(b, homeB);
      // Before: fast-forwarded under the open agent, which then appended to the replaced file.
      expect(busy.pull.changes).toEqual([expect.objectContaining({ path: join(homeB, rel), action: 'skipped-busy' })]);
      expect(readFileSync(join(homeB, rel), 'utf8')).toBe(line(1));
      agent.kill('SIGKILL');
      await new Promise((resolve) => agent.once('exit', resolve));
      const pulled = await sync(b, homeB);
      expect(pulled.pull.changes).toEqual([expect.objectContaining({ path: join(homeB, rel), action: 'fast-forward' })]);
      expect(readFileSync(join(homeB, rel), 'utf8')).toBe(line(1) + line(2));
    } finally {
      agent.kill('SIGKILL');
      await a.close();
      await b.close();
    }
  });
});

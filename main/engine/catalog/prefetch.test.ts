// Sessions read ahead during the walk, in the worker thread: the same metadata as a read on the
// calling thread, handed over only for the version of the file that was walked.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { BlobId } from '../../../shared/ids.ts';
import type { FileCacheEntry } from '../state/index.ts';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../testing/real-agents.ts';
import { CatalogPrefetch, readMetasHere } from './prefetch.ts';
import { SessionDb } from './session-db.ts';

const samples = realAgentsHome();
if (!samples) process.stderr.write(`[catalog/prefetch] ${REAL_AGENTS_MISSING}\n`);

describe.skipIf(!samples)('reading sessions ahead in a worker', () => {
  it('reads a walked file in the worker with the same result as here; another version is not served', async () => {
    const root = join(samples as string, '.claude');
    const project = readdirSync(join(root, 'projects')).sort()[0] as string;
    const file = readdirSync(join(root, 'projects', project)).find((f) => f.endsWith('.jsonl')) as string;
    const rel = `projects/${project}/${file}`;
    const sessions = new SessionDb(new Database(':memory:'));
    // No inline budget: every read goes to the worker.
    const prefetch = new CatalogPrefetch(sessions, [{ label: 'claude-code/config', agent: 'claude-code', path: root }], { inlineBytes: 0 });
    try {
      const entry: FileCacheEntry = { size: 1, mtimeNs: '0', ctimeNs: '0', inode: '0', mode: 0o644, content: ['ab'.repeat(32) as BlobId] };
      prefetch.fileWalked('claude-code/config', rel, entry);
      prefetch.fileWalked('claude-code/config', 'settings.json', entry);
      const other = prefetch.take('claude-code/config', rel, 'f'.repeat(64));
      expect(other).toBeUndefined();
      prefetch.fileWalked('claude-code/config', rel, entry);
      const { sessionDigest } = await import('./entry.ts');
      const ahead = prefetch.take('claude-code/config', rel, sessionDigest([rel], () => entry.content));
      expect(ahead).toBeDefined();
      const metas = await (ahead as Promise<unknown>);
      expect((metas as { metas: unknown[] }).metas).toEqual(await readMetasHere('claude-code', root, rel));
      expect((metas as { metas: unknown[] }).metas.length).toBeGreaterThan(0);
      // A file no reader knows is not read.
      expect(prefetch.take('claude-code/config', 'settings.json', sessionDigest(['settings.json'], () => entry.content))).toBeUndefined();
      expect(prefetch.workerStarted).toBe(true);
    } finally {
      await prefetch.close();
    }
  });

  it('reads a few small changed files here without starting the worker; starts it once they add up', async () => {
    // Starting the worker costs seconds under load: a backup where one session grew must not wait for it.
    const root = join(samples as string, '.claude');
    const rels = readdirSync(join(root, 'projects'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.jsonl') && !f.includes('subagents'))
      .sort()
      .map((f) => `projects/${f}`);
    expect(rels.length).toBeGreaterThanOrEqual(2);
    const sessions = new SessionDb(new Database(':memory:'));
    const sources = [{ label: 'claude-code/config', agent: 'claude-code', path: root }];
    const entry = (size: number): FileCacheEntry => ({ size, mtimeNs: '0', ctimeNs: '0', inode: '0', mode: 0o644, content: ['cd'.repeat(32) as BlobId] });
    const { sessionDigest } = await import('./entry.ts');
    const small = new CatalogPrefetch(sessions, sources, { inlineBytes: 1000 });
    const big = new CatalogPrefetch(sessions, sources, { inlineBytes: 1000 });
    try {
      small.fileWalked('claude-code/config', rels[0] as string, entry(600));
      small.fileWalked('claude-code/config', rels[1] as string, entry(400));
      for (const rel of rels.slice(0, 2)) expect((await small.take('claude-code/config', rel, sessionDigest([rel], () => entry(0).content)))?.metas).toEqual(await readMetasHere('claude-code', root, rel));
      expect(small.workerStarted).toBe(false);
      expect(small.walkMs).toBeGreaterThan(0);

      big.fileWalked('claude-code/config', rels[0] as string, entry(600));
      big.fileWalked('claude-code/config', rels[1] as string, entry(401));
      for (const rel of rels.slice(0, 2)) expect((await big.take('claude-code/config', rel, sessionDigest([rel], () => entry(0).content)))?.metas).toEqual(await readMetasHere('claude-code', root, rel));
      expect(big.workerStarted).toBe(true);
    } finally {
      await small.close();
      await big.close();
    }
  });
});

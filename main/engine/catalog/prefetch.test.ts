// Sessions read ahead during the walk, in the worker thread: the same metadata as a read on the
// calling thread, handed over only for the version of the file that was walked.

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { BlobId } from '../../../shared/ids.ts';
import type { FileCacheEntry } from '../state/index.ts';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../testing/real-agents.ts';
import { rng, transcriptLine } from '../../../testing/agent-home.ts';
import { removeTempDirs, tempDir } from '../../../testing/repo.ts';
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
      // A small young generation keeps the backup's peak lower (SESSION_WORKER_LIMITS).
      expect(prefetch.workerLimits.length).toBeGreaterThan(0);
      for (const limits of prefetch.workerLimits) expect(limits.maxYoungGenerationSizeMb).toBe(8);
    } finally {
      await prefetch.close();
    }
  });

  it('leaves no copy of an agent database behind once stopped', async () => {
    // A worker reads a live database through a copy in a private temp folder, removed when its
    // thread exits; a terminated worker never ran that, and each backup left a folder of copies.
    const root = join(samples as string, '.local', 'share', 'opencode');
    const temp = tempDir('cairn-prefetch-tmp-');
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = temp; // the worker takes a copy of the environment when it starts
    const sessions = new SessionDb(new Database(':memory:'));
    const prefetch = new CatalogPrefetch(sessions, [{ label: 'opencode/data', agent: 'opencode', path: root }], { inlineBytes: 0, workers: 1 });
    try {
      expect(tmpdir()).toBe(temp);
      const entry: FileCacheEntry = { size: 1, mtimeNs: '0', ctimeNs: '0', inode: '0', mode: 0o644, content: ['cd'.repeat(32) as BlobId] };
      prefetch.fileWalked('opencode/data', 'opencode.db', entry);
      const { sessionDigest } = await import('./entry.ts');
      const read = (await prefetch.take('opencode/data', 'opencode.db', sessionDigest(['opencode.db'], () => entry.content))) as { metas: unknown[] };
      expect(read.metas.length).toBeGreaterThan(0);
      expect(readdirSync(temp).filter((n) => n.startsWith('cairn-sessions-'))).toHaveLength(1);
    } finally {
      await prefetch.close();
      process.env.TMPDIR = saved;
      if (saved === undefined) delete process.env.TMPDIR;
    }
    expect(prefetch.workerExitCodes).toEqual([0]);
    expect(readdirSync(temp)).toEqual([]);
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

  it('stopped in the middle of a session (a cancelled backup), leaves none of its text pending in the index', async () => {
    // A transcript big enough that the worker is still writing its text when it is stopped.
    const root = tempDir('cairn-prefetch-stop-');
    mkdirSync(join(root, 'projects', 'p'), { recursive: true });
    const r = rng(7);
    const lines: string[] = [];
    for (let size = 0, t = Date.UTC(2026, 0, 1); size < 40 * 2 ** 20; ) {
      const line = transcriptLine(r, 'big', (t += 1000));
      lines.push(line);
      size += line.length + 1;
    }
    writeFileSync(join(root, 'projects', 'p', 'big.jsonl'), `${lines.join('\n')}\n`);
    const db = new Database(join(tempDir('cairn-prefetch-stop-db-'), 'state.db'));
    db.pragma('journal_mode = WAL');
    const sessions = new SessionDb(db);
    const pending = () => db.prepare<[], { n: number }>("SELECT count(*) AS n FROM session_docs WHERE agent = ''").get()?.n ?? 0;
    const prefetch = new CatalogPrefetch(sessions, [{ label: 'claude-code/config', agent: 'claude-code', path: root }], { inlineBytes: 0, workers: 1 });
    try {
      const entry: FileCacheEntry = { size: 40 * 2 ** 20, mtimeNs: '0', ctimeNs: '0', inode: '0', mode: 0o644, content: ['ef'.repeat(32) as BlobId] };
      prefetch.fileWalked('claude-code/config', 'projects/p/big.jsonl', entry);
      const until = Date.now() + 30_000;
      const rows = () => db.prepare<[], { n: number }>('SELECT count(*) AS n FROM session_words').get()?.n ?? 0;
      // Stopped once its first batch of text is written, before it has read the whole file.
      while (rows() === 0 && Date.now() < until) await new Promise((done) => setTimeout(done, 10));
      expect(rows()).toBeGreaterThan(0);
      expect(pending()).toBe(1);
    } finally {
      await prefetch.close();
    }
    // Asked to stop, it ended its read between two records and exited (terminated, the code is 1:
    // a worker terminated inside a call into better-sqlite3 can abort the whole process).
    expect(prefetch.workerExitCodes).toEqual([0]);
    expect(pending()).toBe(0);
    expect(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM session_words').get()?.n).toBe(0);
    db.close();
  }, 60_000);
});

afterAll(() => removeTempDirs());

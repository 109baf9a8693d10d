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
    const prefetch = new CatalogPrefetch(sessions, [{ label: 'claude-code/config', agent: 'claude-code', path: root }]);
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
      expect(metas).toEqual(await readMetasHere('claude-code', root, rel));
      expect((metas as unknown[]).length).toBeGreaterThan(0);
      // A file no reader knows is not read.
      expect(prefetch.take('claude-code/config', 'settings.json', sessionDigest(['settings.json'], () => entry.content))).toBeUndefined();
    } finally {
      await prefetch.close();
    }
  });
});

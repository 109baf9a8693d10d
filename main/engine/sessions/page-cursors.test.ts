import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../testing/real-agents.ts';
import { findSessions, localFiles, pageCursors, readPage, readerFor, type SessionItem } from './index.ts';

const home = realAgentsHome();
if (!home) process.stderr.write(`[sessions/page-cursors] ${REAL_AGENTS_MISSING}\n`);

const samples = [
  { agent: 'claude-code', root: '.claude', path: 'projects/-tmp/ses_stage0_small.jsonl' },
  { agent: 'codex', root: '.codex', path: 'sessions/2026/08/03/rollout-2026-08-03T10-48-56-019fc8be-3658-7ca3-9e29-000000000000.jsonl' },
];

describe.skipIf(!home)('pageCursors', () => {
  for (const sample of samples) {
    it(`gives the cursors readPage gives, from one pass (${sample.agent})`, async () => {
      const files = localFiles(join(home!, sample.root));
      const reader = readerFor(sample.agent, sample.path)!;
      const [ref] = await findSessions(sample.agent, files, [sample.path]);
      for (const pageSize of [1, 3, 7, 50]) {
        const chained: string[] = [];
        const all: SessionItem[] = [];
        let cursor: string | undefined;
        do {
          const page = await readPage(reader, files, ref!, { limit: pageSize, cursor });
          all.push(...page.items);
          cursor = page.next;
          if (cursor) chained.push(cursor);
        } while (cursor);
        const seen: number[] = [];
        const { total, cursors } = await pageCursors(reader, files, ref!, { pageSize, onItem: (item) => seen.push(item.seq) });
        expect(total, `page size ${pageSize}`).toBe(all.length);
        expect(cursors, `page size ${pageSize}`).toEqual(chained);
        expect(seen).toEqual(all.map((i) => i.seq));
        // Any page read straight from its cursor is that page: the last one, say.
        const last = cursors.length;
        const page = await readPage(reader, files, ref!, { limit: pageSize, cursor: cursors[last - 1] });
        expect(page.items).toEqual(all.slice(last * pageSize));
        expect(page.next).toBeUndefined();
      }
    });
  }
});

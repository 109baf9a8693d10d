// The Sessions channels against a real repository of real samples: the list, pages that never
// exceed their limit and add up to the whole session, search, and export to a Markdown file.

import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../testing/real-agents.ts';
import { initRepo, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { ADAPTERS, toBackupSources } from '../engine/agents/index.ts';
import { runBackup } from '../engine/operations.ts';
import { localFiles, readerFor, readSession } from '../engine/sessions/index.ts';
import { LocalBlobStore } from '../engine/storage/index.ts';
import { sessionHandlers } from './session-handlers.ts';

afterAll(() => removeTempDirs());
const samples = realAgentsHome();
if (!samples) process.stderr.write(`[service/sessions] ${REAL_AGENTS_MISSING}\n`);

describe.skipIf(!samples)('session channels', () => {
  it('list, page, search and export', async () => {
    const home = join(tempDir('cairn-svc-sessions-'), 'home');
    cpSync(join(samples as string, '.claude'), join(home, '.claude'), { recursive: true });
    const ctx = { home, platform: 'linux' as const, env: {} };
    const { repo } = await initRepo(new LocalBlobStore(join(tempDir('cairn-svc-vault-'), 'v')));
    try {
      await runBackup(repo, { sources: await toBackupSources(ADAPTERS, ctx, ['claude-code']), reason: 'manual' });
      const h = sessionHandlers({ requireRepo: () => repo, agentContext: async () => ctx, pathMappings: () => [] });
      const list = await h['sessions.list']({ filter: {}, refresh: true });
      const small = list.find((s) => s.id === 'ses_stage0_small');
      expect(small).toMatchObject({ key: 'claude-code:ses_stage0_small', agent: 'claude-code', deviceId: repo.device.id });

      // Pages of 7: none longer, together the whole session, in order.
      const items = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await h['sessions.page']({ agent: 'claude-code', id: 'ses_stage0_small', limit: 7, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(7);
        expect(page.from).toBe('local');
        items.push(...page.items);
        cursor = page.next;
        pages++;
      } while (cursor);
      const root = join(home, '.claude');
      const path = 'projects/-tmp/ses_stage0_small.jsonl';
      const reader = readerFor('claude-code', path);
      const whole = await readSession(reader as NonNullable<typeof reader>, localFiles(root), { agent: 'claude-code', format: 'claude-code', path });
      expect(pages).toBeGreaterThan(1);
      expect(items).toEqual(whole.items);

      // The scan counts the items and gives each page's cursor: any page is read directly.
      const scan = await h['sessions.scan']({ agent: 'claude-code', id: 'ses_stage0_small', pageSize: 7 });
      expect(scan.total).toBe(whole.items.length);
      expect(scan.cursors).toHaveLength(pages - 1);
      const last = await h['sessions.page']({ agent: 'claude-code', id: 'ses_stage0_small', limit: 7, cursor: scan.cursors[pages - 2] as string });
      expect(last.items).toEqual(whole.items.slice((pages - 1) * 7));

      const hits = await h['sessions.search']({ text: 'subagent', filter: {}, limit: 10 });
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.every((x) => x.snippet.some((p) => p.hit))).toBe(true);

      const folder = tempDir('cairn-svc-export-');
      const { path: exported } = await h['sessions.export']({ agent: 'claude-code', id: 'ses_stage0_small', folder });
      expect(readdirSync(folder)).toHaveLength(1);
      const md = readFileSync(exported, 'utf8');
      expect(md.startsWith(`# ${small?.title}`)).toBe(true);
      expect(md).toContain('## User');
      // A second export never overwrites the first.
      const second = await h['sessions.export']({ agent: 'claude-code', id: 'ses_stage0_small', folder });
      expect(second.path).not.toBe(exported);
    } finally {
      await repo.close();
    }
  });
});

// `cairn backup --agent gemini-cli` backs up one agent now; the device's other agents are not
// gone. Before, that snapshot held Gemini CLI alone and, being the device's newest, was what every
// other device listed sessions from and pulled from, and what `restore` of the latest snapshot
// restored: the device's other sessions vanished everywhere until its next whole backup. The
// snapshot now keeps the other agents' roots as the last backup had them, with their catalog
// entries, totals and credential records.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { buildAllFixtures } from '../agents/fixtures.ts';
import { readCatalog } from '../catalog/index.ts';
import { agentSources, runBackup } from '../operations.ts';
import type { Repository } from '../repository.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { TreeReader } from '../vault/index.ts';
import type { SnapshotRecord } from '../vault/index.ts';

afterAll(() => removeTempDirs());

async function catalogOf(repo: Repository, snapshot: SnapshotRecord | undefined): Promise<string[]> {
  const pages = await readCatalog(new TreeReader(repo.vault, repo.db, repo.codec), snapshot?.catalog as never);
  return pages.flatMap((p) => p.entries ?? []).map((e) => `${e.agent}:${e.id}`).sort();
}

describe('a backup of some of the agents', () => {
  it('keeps the others as the last backup had them: the snapshot stays whole, and the next whole backup finds nothing changed', async () => {
    const home = tempDir('cairn-keep-others-');
    const { ctx } = await buildAllFixtures({ home, platform: 'linux' });
    const { repo } = await initRepo(new LocalBlobStore(tempDir('cairn-keep-others-vault-'), { fsync: false }));
    try {
      const all = await agentSources({ ctx });
      const first = await runBackup(repo, { ...all, reason: 'manual' });
      const labels = first.snapshot?.roots.map((r) => r.label);
      expect(new Set(first.snapshot?.roots.map((r) => r.agent)).size).toBeGreaterThan(3);

      // A new Gemini chat, backed up on its own.
      const gemini = all.sources.find((s) => s.agent === 'gemini-cli');
      const chats = join(gemini?.path as string, 'tmp', 'f00dcafe', 'chats');
      mkdirSync(chats, { recursive: true });
      writeFileSync(join(chats, 'session-2026-12-07T10-00-keep.json'), JSON.stringify({ sessionId: 'keep-others', messages: [{ type: 'user', content: 'the billing test' }] }));
      const some = await agentSources({ ctx, agents: ['gemini-cli'] });
      const partial = await runBackup(repo, { ...some, reason: 'manual', keepOtherAgents: true });

      expect(partial.snapshot?.roots.map((r) => r.label)).toEqual(labels);
      expect(partial.keptRoots?.map((r) => r.label)).toEqual(labels?.filter((l) => !l.startsWith('gemini-cli/')));
      expect(partial.stats.files).toBe((first.stats.files ?? 0) + 1);
      expect(partial.stats.newFiles).toBe(1);
      expect(first.snapshot?.scrubbed?.length).toBeGreaterThan(0);
      expect(partial.snapshot?.scrubbed).toEqual(first.snapshot?.scrubbed);
      const before = await catalogOf(repo, first.snapshot);
      expect(await catalogOf(repo, partial.snapshot)).toEqual([...before, 'gemini-cli:keep-others'].sort());

      // The whole backup after it: the same tree and catalog.
      const whole = await runBackup(repo, { ...all, reason: 'manual' });
      expect(whole.unchanged).toBe(true);

      // Without it (as before): the named agent alone.
      writeFileSync(join(chats, 'session-2026-12-07T11-00-alone.json'), JSON.stringify({ sessionId: 'alone', messages: [{ type: 'user', content: 'hello' }] }));
      const alone = await runBackup(repo, { ...some, reason: 'manual' });
      expect(alone.snapshot?.roots.every((r) => r.agent === 'gemini-cli')).toBe(true);
      expect(alone.keptRoots).toBeUndefined();
    } finally {
      await repo.close();
    }
  });
});

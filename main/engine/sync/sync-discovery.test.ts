// A sync (the app's, every few minutes) discovers what only the disk can say (Aider repositories,
// project folders from the agents' own files) once: its backup's sources and its pull's share it.
// Discovery reads a head of every Claude Code project's transcript and more: 33-57 ms a time on
// the 1,000-session bench home, and it ran three times per sync.

import { afterAll, describe, expect, it, vi } from 'vitest';
import { initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { buildAllFixtures } from '../agents/fixtures.ts';
import { runSync } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';

const discoveries = vi.hoisted(() => ({ count: 0 }));
vi.mock('../agents/discovery.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../agents/discovery.ts')>();
  return {
    ...real,
    prepareContext: ((ctx) => {
      if (!ctx.prepared) discoveries.count++;
      return real.prepareContext(ctx);
    }) as typeof real.prepareContext,
  };
});

afterAll(() => removeTempDirs());

describe('a sync', () => {
  it('discovers once, for every detected agent it backs up and pulls into', async () => {
    const home = tempDir('cairn-discovery-home-');
    const { ctx } = await buildAllFixtures({ home, platform: 'linux' });
    const { repo } = await initRepo(new LocalBlobStore(tempDir('cairn-discovery-vault-'), { fsync: false }));
    try {
      discoveries.count = 0;
      const { backup } = await runSync(repo, { ctx, mappings: [] });
      expect(backup.snapshotId).toBeDefined();
      expect(discoveries.count).toBe(1);
    } finally {
      await repo.close();
    }
  });
});

// A session file the agent deletes after the backup stored it and before its sessions are read
// (a session removed in Claude Code while the backup ran): its sessions are left out of the
// catalog quietly, as a file deleted before it was read is left out of the snapshot. It used to
// be a warning ("Its sessions are not in the catalog: ENOENT …") in the worker and here.

import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../testing/real-agents.ts';
import { ADAPTERS, toBackupSources } from '../agents/index.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { buildCatalog } from './build.ts';
import type { BuiltCatalog } from './build.ts';
import { CatalogPrefetch } from './prefetch.ts';
import { SessionDb } from './session-db.ts';

afterAll(() => removeTempDirs());

const samples = realAgentsHome();
if (!samples) process.stderr.write(`[catalog/build-deleted] ${REAL_AGENTS_MISSING}\n`);

describe.skipIf(!samples)('a session file deleted while the backup runs', () => {
  it('is left out of the catalog without a warning, read in the session worker or here', async () => {
    for (const inlineBytes of [0, Number.MAX_SAFE_INTEGER]) {
      const home = join(tempDir('cairn-build-deleted-'), 'home');
      cpSync(join(samples as string, '.claude'), join(home, '.claude'), { recursive: true });
      const project = join(home, '.claude', 'projects', '-repo');
      const doomed = readdirSync(project).find((n) => n.endsWith('.jsonl'));
      if (!doomed) throw new Error('the samples have no transcript in -repo');
      const sources = await toBackupSources(ADAPTERS, { home, platform: 'linux' as const, env: {} }, ['claude-code']);
      const { repo } = await initRepo(new LocalBlobStore(join(tempDir('cairn-build-deleted-vault-'), 'v')), undefined, 'laptop');
      const sessions = new SessionDb(repo.db.db);
      const prefetch = new CatalogPrefetch(sessions, sources, { inlineBytes });
      const warnings: string[] = [];
      let built: BuiltCatalog | undefined;
      try {
        await backupOf(repo, sources, {
          // Stored, then deleted before its sessions are read.
          onFileWalked: (label, rel, file) => {
            if (rel.endsWith(`/${doomed}`)) rmSync(join(project, doomed));
            prefetch.fileWalked(label, rel, file);
          },
          catalog: async (input) => {
            built = await buildCatalog(input, { sessions, prefetch, onWarning: (path, message) => warnings.push(`${path}: ${message}`) });
            return built.root;
          },
        });
      } finally {
        await prefetch.close();
        await repo.close();
      }
      expect(prefetch.workerStarted).toBe(inlineBytes === 0);
      expect(warnings).toEqual([]);
      expect(built?.stats.failed).toBe(1);
      expect(built?.stats.sessions).toBeGreaterThan(0);
    }
  });
});

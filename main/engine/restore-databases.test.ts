// A restore to the original places compares an agent's database as the backup stores it — its
// consistent copy, cleaned of credentials — never by its bytes, which the copy never matches (its
// header says journal mode DELETE; a cleaned copy is vacuumed). Before, restoring a snapshot taken
// a minute earlier "replaced" OpenCode's database every time: a safety snapshot of it, and its
// signed-in account gone from it. Tried on OpenCode's real database (../shared/real-agents).

import { chmodSync, cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { realAgentsHome, REAL_AGENTS_MISSING } from '../../testing/real-agents.ts';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../testing/repo.ts';
import type { AgentContext } from './agents/index.ts';
import { createWalDatabase } from './agents/fixtures.ts';
import { agentSources } from './operations.ts';
import { planRestore } from './restore-request.ts';
import type { RestoreRequest } from './restore-request.ts';
import { MemoryBlobStore } from './storage/index.ts';

afterAll(() => removeTempDirs());

const samples = realAgentsHome();
if (!samples) process.stderr.write(`[restore-databases] ${REAL_AGENTS_MISSING}\n`);

/** A home holding OpenCode's real data folder, writable; its database path. */
function openCodeHome(): { ctx: AgentContext; db: string } {
  const home = join(tempDir('cairn-restore-db-'), 'home');
  const data = join(home, '.local', 'share', 'opencode');
  cpSync(join(samples as string, '.local', 'share', 'opencode'), data, { recursive: true });
  chmodSync(join(data, 'opencode.db'), 0o644);
  return { ctx: { home, platform: 'linux', env: {} }, db: join(data, 'opencode.db') };
}

function addAccount(db: string): void {
  const d = new Database(db);
  d.prepare('INSERT INTO account (id, email, url, access_token, refresh_token, time_created, time_updated) VALUES (?, ?, ?, ?, ?, 0, 0)').run('acc1', 'me@example.com', 'https://opencode.ai', 'oc_at_3f9a8b7c6d5e4f3a2b1c', 'oc_rt_0a1b2c3d4e5f6a7b8c9d');
  d.close();
}

describe.skipIf(!samples)('restoring an agent database to its place', () => {
  it('leaves the database as it is when it holds what the snapshot does, its credentials with it', async () => {
    const { ctx, db } = openCodeHome();
    addAccount(db);
    const { repo } = await initRepo(new MemoryBlobStore());
    try {
      const { sources } = await agentSources({ ctx, agents: ['opencode'] });
      const result = await backupOf(repo, sources);
      const snapshot = await repo.findSnapshot(result.snapshotId as string);
      // The snapshot holds it without the account: the copy was cleaned.
      expect(snapshot.scrubbed?.map((s) => s.path)).toContain('opencode/data/opencode.db');
      const request: RestoreRequest = { snapshot, paths: [], destination: { kind: 'original' }, existing: 'overwrite' };
      const plan = await planRestore(repo, request, { ctx });
      expect(plan.existing).toEqual([]);
      expect(plan.unchanged).toContain(db);
      expect(plan.safetySnapshot).toBe(false);
      expect(plan.withoutCredentials).toEqual([]);

      // A session added since: it differs, and is replaced after a safety snapshot.
      const d = new Database(db);
      d.prepare("UPDATE session SET title = 'renamed here' WHERE rowid = (SELECT min(rowid) FROM session)").run();
      d.close();
      const changed = await planRestore(repo, request, { ctx });
      expect(changed.existing).toEqual([db]);
      expect(changed.unchanged).not.toContain(db);
    } finally {
      await repo.close();
    }
  });

  it('takes a database with its log beside it (the agent running) as matching when its copy, log included, does', async () => {
    const home = join(tempDir('cairn-restore-db-wal-'), 'home');
    const db = join(home, '.local', 'share', 'opencode', 'opencode.db');
    mkdirSync(dirname(db), { recursive: true });
    createWalDatabase(db, { base: (d) => d.exec('CREATE TABLE session (id TEXT, title TEXT)'), recent: (d) => d.exec("INSERT INTO session VALUES ('s1', 'only in the log')") });
    const ctx: AgentContext = { home, platform: 'linux', env: {} };
    const { repo } = await initRepo(new MemoryBlobStore());
    try {
      const { sources } = await agentSources({ ctx, agents: ['opencode'] });
      const snapshot = await repo.findSnapshot((await backupOf(repo, sources)).snapshotId as string);
      const request: RestoreRequest = { snapshot, paths: [], destination: { kind: 'original' }, existing: 'overwrite' };
      // Copying it for the comparison moves the log's ctime (SQLite sets its owner and mode): not a change.
      const plan = await planRestore(repo, request, { ctx });
      expect(plan.existing).toEqual([]);
      expect(plan.unchanged).toContain(db);
      expect((await planRestore(repo, request, { ctx })).unchanged).toContain(db);
    } finally {
      await repo.close();
    }
  });

  it('compares an open database with its log, as its consistent copy', async () => {
    const { ctx, db } = openCodeHome();
    const { repo } = await initRepo(new MemoryBlobStore());
    const agent = new Database(db);
    try {
      const { sources } = await agentSources({ ctx, agents: ['opencode'] });
      const snapshot = await repo.findSnapshot((await backupOf(repo, sources)).snapshotId as string);
      const request: RestoreRequest = { snapshot, paths: [], destination: { kind: 'original' }, existing: 'overwrite' };
      // The agent writes a change that lives only in the WAL: the file's bytes are as backed up.
      agent.pragma('wal_autocheckpoint = 0');
      agent.prepare("UPDATE session SET title = 'in the log' WHERE rowid = (SELECT min(rowid) FROM session)").run();
      const plan = await planRestore(repo, request, { ctx });
      expect(plan.existing).toEqual([db]);
    } finally {
      agent.close();
      await repo.close();
    }
  });
});

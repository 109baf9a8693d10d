// Restoring a database to its place beside a log of the database it replaces (sqlite-logs.ts).
// OpenCode keeps every session in `opencode.db`, in WAL mode: an OpenCode that was killed leaves
// its latest writes in `opencode.db-wal`, which SQLite applies to whatever file has the name when
// it next opens it. Restoring an older snapshot there gave the replaced database's sessions
// (measured by hand: 418 rows where the snapshot has 118), or a damaged file when the pages don't
// line up. The restore keeps the replaced database, log included, in its safety snapshot, and
// removes the log: the database then holds exactly the snapshot's rows.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { SnapshotSummary } from '../../shared/models.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { waitForJob } from '../../testing/service.ts';
import { buildOpencodeFixture } from '../engine/agents/fixtures.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';

afterAll(() => removeTempDirs());

const sessionsIn = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT id FROM session ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  } finally {
    db.close();
  }
};

describe('restoring a database to its place', () => {
  it("doesn't let the replaced database's log rewrite it, and keeps that log's rows in the safety snapshot", async () => {
    const base = tempDir('cairn-restore-sqlite-');
    const home = join(base, 'home');
    await buildOpencodeFixture({ home, platform: 'linux' });
    const db = join(home, '.local', 'share', 'opencode', 'opencode.db');
    const service = await createCairnService({ stateDir: join(base, 'state'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    try {
      await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(base, 'vault') }, passphrase: 'a long passphrase', deviceName: 'laptop' });
      expect((await waitForJob(service, (await service.handlers['sync.now']({})).jobId)).status).toBe('done');
      const [snap] = (await service.handlers['snapshots.list']({})) as [SnapshotSummary];

      // OpenCode goes on, then is killed: its last session is only in the WAL.
      const agent = new Database(db);
      agent.pragma('wal_autocheckpoint = 0');
      agent.prepare('INSERT INTO session VALUES (?, ?, ?, ?, ?)').run('ses_9', 'after the snapshot', '/home/alice/src/app', 7, 8);
      const killed = ['', '-wal', '-shm'].map((s) => [s, readFileSync(db + s)] as const);
      agent.close();
      for (const [s, bytes] of killed) writeFileSync(db + s, bytes);
      expect(sessionsIn(db)).toContain('ses_9');
      for (const [s, bytes] of killed) writeFileSync(db + s, bytes); // opening it checkpointed: killed again

      const tree = await service.handlers['snapshots.tree']({ snapshotId: snap.id, path: 'opencode/data' });
      const entry = tree.find((e) => e.name === 'opencode.db');
      if (!entry) throw new Error('the snapshot holds no opencode.db');
      const request = { snapshotId: snap.id, paths: [entry.path], target: { kind: 'original' as const }, overwrite: true };
      expect(await service.handlers['snapshots.restorePlan'](request)).toMatchObject({ existing: 1, safetySnapshot: true });
      expect((await waitForJob(service, (await service.handlers['snapshots.restore'](request)).jobId)).status).toBe('done');

      expect(existsSync(`${db}-wal`)).toBe(false);
      expect(existsSync(`${db}-shm`)).toBe(false);
      expect(sessionsIn(db)).toEqual(['ses_1', 'ses_2', 'ses_3']);
      const check = new Database(db, { readonly: true });
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      check.close();

      // What the restore replaced, the killed run's last session included, is in the safety snapshot.
      const safety = (await service.handlers['snapshots.list']({})).find((s) => s.reason === 'before-restore');
      if (!safety) throw new Error('no safety snapshot');
      const out = join(base, 'safety');
      const job = await waitForJob(service, (await service.handlers['snapshots.restore']({ snapshotId: safety.id, paths: [`safety/${entry.path}`], target: { kind: 'folder', path: out }, overwrite: false })).jobId);
      expect(job.status).toBe('done');
      expect(sessionsIn(join(out, 'opencode.db'))).toEqual(['ses_1', 'ses_2', 'ses_3', 'ses_9']);
    } finally {
      await service.close();
    }
  });
});

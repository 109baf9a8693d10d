// Restoring a database to its place beside a log of the database it replaces (sqlite-logs.ts).
// Codex keeps its threads in `state_5.sqlite`, in WAL mode (OpenCode its sessions in
// `opencode.db`): an agent that was killed leaves its latest writes in the `-wal`, which SQLite
// applies to whatever file has the name when it next opens it. Restoring an older snapshot there
// gave the replaced database's rows (measured by hand on OpenCode's: 418 rows where the snapshot
// has 118), or a damaged file when the pages don't line up. The restore keeps the replaced
// database, log included, in its safety snapshot, and removes the log: the database then holds
// exactly the snapshot's rows. (A database holding credentials, like OpenCode's with an account,
// is not replaced at all: restore-rule.test.ts.)

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { SnapshotSummary } from '../../shared/models.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { waitForJob } from '../../testing/service.ts';
import { buildCodexFixture } from '../engine/agents/fixtures.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';

afterAll(() => removeTempDirs());

const threadsIn = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT title FROM threads ORDER BY title').all() as { title: string }[]).map((r) => r.title);
  } finally {
    db.close();
  }
};

describe('restoring a database to its place', () => {
  it("doesn't let the replaced database's log rewrite it, and keeps that log's rows in the safety snapshot", async () => {
    const base = tempDir('cairn-restore-sqlite-');
    const home = join(base, 'home');
    await buildCodexFixture({ home, platform: 'linux' });
    const db = join(home, '.codex', 'state_5.sqlite');
    const service = await createCairnService({ stateDir: join(base, 'state'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    try {
      await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(base, 'vault') }, passphrase: 'a long passphrase', deviceName: 'laptop' });
      expect((await waitForJob(service, (await service.handlers['sync.now']({})).jobId)).status).toBe('done');
      const [snap] = (await service.handlers['snapshots.list']({})) as [SnapshotSummary];

      // Codex goes on, then is killed: its last thread is only in the WAL.
      const agent = new Database(db);
      agent.pragma('wal_autocheckpoint = 0');
      agent.prepare('INSERT INTO threads VALUES (?, ?, ?)').run('t9', 'sessions/2025/06/03/z.jsonl', 'after the snapshot');
      const killed = ['', '-wal', '-shm'].map((s) => [s, readFileSync(db + s)] as const);
      agent.close();
      for (const [s, bytes] of killed) writeFileSync(db + s, bytes);
      expect(threadsIn(db)).toContain('after the snapshot');
      for (const [s, bytes] of killed) writeFileSync(db + s, bytes); // opening it checkpointed: killed again

      const root = (await service.handlers['snapshots.tree']({ snapshotId: snap.id, path: '' })).find((e) => e.name.startsWith('codex'));
      const tree = await service.handlers['snapshots.tree']({ snapshotId: snap.id, path: `${root?.path ?? 'codex'}/home` });
      const entry = tree.find((e) => e.name === 'state_5.sqlite');
      if (!entry) throw new Error('the snapshot holds no state_5.sqlite');
      const request = { snapshotId: snap.id, paths: [entry.path], target: { kind: 'original' as const }, overwrite: true };
      expect(await service.handlers['snapshots.restorePlan'](request)).toMatchObject({ existing: 1, safetySnapshot: true });
      expect((await waitForJob(service, (await service.handlers['snapshots.restore'](request)).jobId)).status).toBe('done');

      expect(existsSync(`${db}-wal`)).toBe(false);
      expect(existsSync(`${db}-shm`)).toBe(false);
      expect(threadsIn(db)).toEqual(['lint', 'recent only in wal']);
      const check = new Database(db, { readonly: true });
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      check.close();

      // What the restore replaced, the killed run's last session included, is in the safety snapshot.
      const safety = (await service.handlers['snapshots.list']({})).find((s) => s.reason === 'before-restore');
      if (!safety) throw new Error('no safety snapshot');
      const out = join(base, 'safety');
      const job = await waitForJob(service, (await service.handlers['snapshots.restore']({ snapshotId: safety.id, paths: [`safety/${entry.path}`], target: { kind: 'folder', path: out }, overwrite: false })).jobId);
      expect(job.status).toBe('done');
      expect(threadsIn(join(out, 'state_5.sqlite'))).toEqual(['after the snapshot', 'lint', 'recent only in wal']);
    } finally {
      await service.close();
    }
  });
});

// An in-place restore of an agent's database that has credential rules (OpenCode's opencode.db,
// Cursor's state.vscdb): the snapshot holds a copy cleaned of the credential rows, so replacing
// a local database that has such rows would lose them — it is kept, and the plan says so. One
// with no such rows (signed out) is replaced like any file, after a safety snapshot of it; it
// was kept too, so restoring a Cursor workspace's or a signed-out OpenCode's database in place
// never did anything.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotSummary } from '../../shared/models.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { waitForJob } from '../../testing/service.ts';
import { buildOpencodeFixture } from '../engine/agents/fixtures.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';
import type { CairnService } from './index.ts';

describe('restoring a database with credential rules in place', () => {
  let service: CairnService;
  let home: string;
  let snap: SnapshotSummary;
  const db = () => join(home, '.local', 'share', 'opencode', 'opencode.db');
  const sessions = () => {
    const d = new Database(db(), { readonly: true });
    try {
      return (d.prepare('SELECT id FROM session ORDER BY id').all() as { id: string }[]).map((r) => r.id);
    } finally {
      d.close();
    }
  };
  const write = (sql: string) => {
    const d = new Database(db());
    try {
      d.exec(sql);
      d.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      d.close();
    }
  };

  beforeAll(async () => {
    const base = tempDir('cairn-restore-db-');
    home = join(base, 'home');
    await buildOpencodeFixture({ home, platform: 'linux' });
    service = await createCairnService({ stateDir: join(base, 'state'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(base, 'vault') }, passphrase: 'a long passphrase', deviceName: 'laptop' });
    expect((await waitForJob(service, (await service.handlers['sync.now']({})).jobId)).status).toBe('done');
    [snap] = (await service.handlers['snapshots.list']({})) as [SnapshotSummary];
    expect(snap.scrubbed?.map((s) => s.path)).toContain('opencode/data/opencode.db');
  });

  afterAll(async () => {
    await service.close();
    removeTempDirs();
  });

  it('keeps one that holds an account, and says so before; replaces one that holds none, after a safety snapshot', async () => {
    const request = { snapshotId: snap.id, paths: ['opencode/data/opencode.db'], target: { kind: 'original' as const }, overwrite: true };
    write("INSERT INTO session VALUES ('ses_later', 'made after the backup', '/home/alice/src/app', 7, 8)");
    expect(await service.handlers['snapshots.restorePlan'](request)).toMatchObject({ existing: 1, heldBack: 1, heldBackSample: [db()], safetySnapshot: false });
    expect((await waitForJob(service, (await service.handlers['snapshots.restore'](request)).jobId)).status).toBe('done');
    expect(sessions()).toContain('ses_later');

    // Signed out: nothing of the account left in it.
    write('DELETE FROM account; DELETE FROM control_account; DELETE FROM account_state;');
    expect(await service.handlers['snapshots.restorePlan'](request)).toMatchObject({ existing: 1, heldBack: 0, safetySnapshot: true });
    const job = await waitForJob(service, (await service.handlers['snapshots.restore'](request)).jobId);
    expect(job.status).toBe('done');
    expect(job.summary).toMatch(/1 replaced file\(s\) are in safety snapshot/);
    expect(sessions()).toEqual(['ses_1', 'ses_2', 'ses_3']);
  });
});

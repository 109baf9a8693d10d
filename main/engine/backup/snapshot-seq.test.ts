// Each backup of a device carries its place in the device's history (seq: its parent's + 1), so
// that a clock that was wrong for a while doesn't decide what is newest: `latest`, sync and the
// retention policy go by it (records.ts newerOfDevice). A safety snapshot is not in that history.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { MemoryBlobStore } from '../storage/index.ts';

afterAll(() => removeTempDirs());

describe("a device's snapshots", () => {
  it('count up from their parent whatever the clock says, and `latest` is the last one made', async () => {
    const { repo } = await initRepo(new MemoryBlobStore());
    const home = tempDir('cairn-seq-');
    const file = join(home, 'notes.txt');
    let clock = Date.UTC(2027, 11, 1); // a year ahead
    const backupAt = async (text: string, extra: Parameters<typeof backupOf>[2] = {}) => {
      writeFileSync(file, text);
      return backupOf(repo, [{ label: 'home', path: home }], { now: () => clock, ...extra });
    };
    try {
      const ahead = await backupAt('one');
      clock = Date.UTC(2026, 11, 4); // put right
      const safety = await backupAt('before a restore', { reason: 'before-restore', force: true });
      const right = await backupAt('two');
      const snaps = new Map((await repo.listSnapshots()).map((s) => [s.id, s]));
      expect(snaps.get(ahead.snapshotId as never)?.seq).toBe(1);
      expect(snaps.get(safety.snapshotId as never)?.seq).toBeUndefined();
      expect(snaps.get(right.snapshotId as never)).toMatchObject({ seq: 2, parent: ahead.snapshotId });
      // By time, the 2027 snapshot looked newest: `latest` was the one made a year "later".
      expect((await repo.findSnapshot('latest')).id).toBe(right.snapshotId);
    } finally {
      await repo.close();
    }
  });
});

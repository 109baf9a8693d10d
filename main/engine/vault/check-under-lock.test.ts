// A check on one device while another prunes: the check lists the packs, then reads the index. A
// prune in between repacks and deletes, and the check, reading an index that names packs it
// didn't list, reports data lost that isn't. Under its shared lock the prune can't run then.

import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../../../testing/agent-home.ts';
import { backupOf, initRepo, openRepo, removeTempDirs, tempDir, TEST_PASSPHRASE } from '../../../testing/repo.ts';
import { createWorkerCodec } from '../workers/index.ts';
import { Repository } from '../repository.ts';
import { forget } from '../operations.ts';
import { StorageError } from '../../../shared/errors.ts';
import { ForwardingBlobStore, LocalBlobStore } from '../storage/index.ts';
import type { CallOptions, ObjectInfo } from '../storage/index.ts';
import { checkVaultLocked, prune, UNLOCKED_CHECK_NOTE } from './index.ts';
import type { PruneResult } from './index.ts';

afterAll(() => removeTempDirs());

const keepLast1 = { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 };

/** A vault with two snapshots, the first's data partly gone from the second: a prune repacks and deletes. */
async function vaultToPrune() {
  const home = tempDir('cairn-check-lock-home-');
  const r = rng(3);
  mkdirSync(join(home, 'a'));
  for (let i = 0; i < 3; i++) writeFileSync(join(home, 'a', `keep-${i}.bin`), r.bytes(1024 * 1024));
  writeFileSync(join(home, 'a', 'old.bin'), r.bytes(3 * 1024 * 1024));
  const root = join(tempDir('cairn-check-lock-vault-'), 'v');
  const { repo: pruner } = await initRepo(new LocalBlobStore(root), tempDir('cairn-state-'), 'pruner');
  await backupOf(pruner, [{ label: 'home', path: home }]);
  rmSync(join(home, 'a', 'old.bin'));
  await backupOf(pruner, [{ label: 'home', path: home }]);
  await forget(pruner, keepLast1, false);
  return { root, pruner };
}

describe('a check while another device prunes', () => {
  it('holds a shared lock: the prune waits its turn, and the check reports no false loss', async () => {
    const { root, pruner } = await vaultToPrune();
    let pruned: PruneResult | undefined;
    let refused: unknown;
    // The other device's prune, run the moment this device's check has listed the packs.
    const store = new (class extends ForwardingBlobStore {
      override async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
        yield* super.list(prefix, options);
        if (prefix === 'data/' && !pruned && !refused) {
          pruned = await prune(pruner.vault, pruner.db, pruner.codec, { device: pruner.device.id, marginMs: 0 }).catch((error: unknown) => {
            refused = error;
            return undefined;
          });
        }
      }
    })(new LocalBlobStore(root));
    const checker = await openRepo(store, tempDir('cairn-state-'), undefined, 'checker');
    try {
      const report = await checkVaultLocked(checker.vault, checker.codec, { device: checker.device.id, readData: true });
      // Without the lock: the prune repacked and deleted under the check, which reported
      // "Index … lists pack …, which is missing from storage" for data that is all there.
      expect(report.problems).toEqual([]);
      expect(pruned).toBeUndefined();
      expect((refused as Error).message).toMatch(/The vault is in use: a check lock is held by device/);
      expect(readdirSync(join(root, 'locks'))).toEqual([]);
      // Its turn came after the check: it runs, and the vault checks whole.
      const after = await prune(pruner.vault, pruner.db, pruner.codec, { device: pruner.device.id, marginMs: 0 });
      expect(after.packsDeleted + after.packsRepacked).toBeGreaterThan(0);
      expect((await checkVaultLocked(checker.vault, checker.codec, { device: checker.device.id, readData: true })).problems).toEqual([]);
    } finally {
      await checker.close();
      await pruner.close();
    }
  }, 60_000);

  it('checks a vault it may only read without a lock, and says what that means where it finds problems', async () => {
    const { root, pruner } = await vaultToPrune();
    await pruner.close();
    // Read-only credentials: the store refuses every write, as S3 answers AccessDenied.
    const store = new (class extends ForwardingBlobStore {
      override async put(key: string): Promise<void> {
        throw new StorageError('access_denied', `Access denied writing ${key}.`);
      }
    })(new LocalBlobStore(root));
    const checker = await Repository.open({ store, stateDir: tempDir('cairn-state-'), secret: { passphrase: TEST_PASSPHRASE }, readOnly: true, makeCodec: (v) => createWorkerCodec(v, { threads: 1 }) });
    try {
      const healthy = await checkVaultLocked(checker.vault, checker.codec, { device: checker.device.id });
      expect(healthy.problems).toEqual([]);
      expect(healthy.warnings).not.toContain(UNLOCKED_CHECK_NOTE);
      const [pack] = readdirSync(join(root, 'data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      rmSync(join(pack?.parentPath as string, pack?.name as string));
      const damaged = await checkVaultLocked(checker.vault, checker.codec, { device: checker.device.id });
      expect(damaged.problems[0]).toMatch(/which is missing from storage/);
      expect(damaged.warnings).toContain(UNLOCKED_CHECK_NOTE);
    } finally {
      await checker.close();
    }
  }, 60_000);
});

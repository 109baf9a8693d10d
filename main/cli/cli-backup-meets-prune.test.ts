// `cairn backup` while another device prunes: it waits for the prune (bounded by --lock-wait),
// then keeps its snapshot in the outbox instead of failing; the next backup, with the prune
// gone, uploads it, and it restores byte for byte.

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffTrees, initRepo, removeTempDirs, tempDir, TEST_PASSPHRASE } from '../../testing/repo.ts';
import { LocalBlobStore } from '../engine/storage/index.ts';
import { acquireLock } from '../engine/vault/index.ts';
import { runCli } from '../../testing/cli.ts';


afterAll(removeTempDirs);

const cairn = runCli;

describe('cairn backup during another device’s prune', () => {
  it('waits --lock-wait, keeps the snapshot in the outbox (exit 0), and a later run uploads it', async () => {
    const base = tempDir('cairn-cli-meets-prune-');
    const vaultDir = join(base, 'vault');
    const home = join(base, 'work');
    mkdirSync(join(home, 'sessions'), { recursive: true });
    writeFileSync(join(home, 'sessions', 'a.jsonl'), '{"turn":1}\n');
    // The other device creates the vault; this machine's CLI joins it.
    const { repo: pruner } = await initRepo(new LocalBlobStore(vaultDir, { fsync: false }), tempDir(), 'pruner');
    const env = { ...process.env, CAIRN_PASSPHRASE: TEST_PASSPHRASE, CAIRN_STATE_DIR: join(base, 'state'), HOME: base, CAIRN_THREADS: '1' };
    const repo = ['--repo', vaultDir, '--device-name', 'laptop'];
    try {
      const first = await cairn(['backup', ...repo, '--json', home], env);
      expect(first.code, first.stderr).toBe(0);

      const lock = await acquireLock(pruner.vault, { exclusive: true, operation: 'prune', device: pruner.device.id });
      appendFileSync(join(home, 'sessions', 'a.jsonl'), '{"turn":2}\n');
      writeFileSync(join(home, 'sessions', 'b.jsonl'), '{"turn":1}\n');
      let held: Awaited<ReturnType<typeof cairn>>;
      try {
        held = await cairn(['backup', ...repo, '--json', '--lock-wait', '1.5', home], env);
        const human = await cairn(['backup', ...repo, '--force', '--lock-wait', '0', home], env);
        expect(human.code, human.stderr).toBe(0);
        expect(human.stdout).toMatch(/Another device is pruning the vault/);
        expect(human.stdout).toMatch(/kept on this device/);
        expect(human.stdout).toMatch(/2 snapshot\(s\) wait on this device/);
      } finally {
        await lock.release();
      }
      expect(held.code, held.stderr).toBe(0);
      // It waited for the prune before giving up.
      expect(held.ms).toBeGreaterThanOrEqual(1500);
      const kept = JSON.parse(held.stdout) as { offline: boolean; waiting: number; cause: { code: string }; snapshot: string };
      expect(kept).toMatchObject({ offline: true, waiting: 1, cause: { code: 'locked' } });
      const before = JSON.parse((await cairn(['snapshots', ...repo, '--json'], env)).stdout) as { id: string }[];
      expect(before.map((s) => s.id)).not.toContain(kept.snapshot);

      // The prune is over: the next backup uploads what waited, first.
      const later = await cairn(['backup', ...repo, '--json', home], env);
      expect(later.code, later.stderr).toBe(0);
      const uploaded = JSON.parse(later.stdout) as { uploadedWaiting: number; offline?: boolean; unchanged: boolean };
      expect(uploaded).toMatchObject({ uploadedWaiting: 2, unchanged: true });
      expect(uploaded.offline).toBeUndefined();

      const target = tempDir('cairn-cli-meets-prune-restore-');
      const restored = await cairn(['restore', ...repo, '--snapshot', kept.snapshot, '--target', target], env);
      expect(restored.code, restored.stderr).toBe(0);
      expect(diffTrees(home, join(target, 'work'))).toEqual([]);
      expect((await cairn(['check', ...repo, '--read-data'], env)).code).toBe(0);
    } finally {
      await pruner.close();
    }
  }, 120_000);
});

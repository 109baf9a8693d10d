// The app's daily verification: a scheduled sync starts it once a day, each day reading the next
// part of the vault's packs; damage it finds stays in the status across a restart, and its report
// feeds the repair.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../shared/models.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { syncAndWait, waitForJob } from '../../testing/service.ts';
import { buildClaudeCodeFixture } from '../engine/agents/fixtures.ts';
import { ForwardingBlobStore } from '../engine/storage/index.ts';
import type { BlobStore, ByteRange, CallOptions, ObjectInfo } from '../engine/storage/index.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';
import type { CairnService } from './index.ts';
import { VERIFY_PARTS } from '../engine/vault/index.ts';

afterAll(() => removeTempDirs());

const HOUR = 3600_000;

/** The check jobs the service has run, newest first. */
const checks = async (service: CairnService): Promise<JobInfo[]> => (await service.handlers['jobs.list']({})).filter((j) => j.kind === 'check');

/** A scheduled sync, then the verification it started (if it started one), waited for. */
async function scheduledSync(service: CairnService): Promise<JobInfo | undefined> {
  const before = new Set((await checks(service)).map((j) => j.id));
  await service.syncNow('scheduled');
  const started = (await checks(service)).find((j) => !before.has(j.id));
  return started && waitForJob(service, started.id, 10);
}

/** Every pack file of a folder vault: path, and its part in a verification (check.ts's rule). */
function packsOf(vault: string): { path: string; part: number; size: number }[] {
  const dir = join(vault, 'data');
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /^[0-9a-f]{64}$/.test(e.name))
    .map((e) => ({ path: join(e.parentPath, e.name), part: (Number.parseInt(e.name.slice(0, 8), 16) % VERIFY_PARTS) + 1, size: statSync(join(e.parentPath, e.name)).size }));
}

describe('the daily verification of the vault', () => {
  it('reads the next part after a scheduled sync once a day, and what it finds survives a restart and feeds the repair', async () => {
    const root = tempDir('cairn-verify-');
    const home = join(root, 'home');
    const vault = join(root, 'vault');
    const stateDir = join(root, 'state');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    // A transcript big enough that its data's pack is the vault's biggest, holding no folder listing.
    mkdirSync(join(home, '.claude', 'projects', '-home-big'), { recursive: true });
    writeFileSync(join(home, '.claude', 'projects', '-home-big', 'big.jsonl'), `${JSON.stringify({ type: 'user', text: randomBytes(600_000).toString('base64') })}\n`);
    let now = Date.UTC(2026, 11, 7, 9);
    const open = () => createCairnService({ stateDir, secrets, home, env: {}, platform: 'linux', clock: { now: () => now } });
    const secrets = new MemorySecretStore();
    let service = await open();
    try {
      await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: vault }, passphrase: 'a long passphrase', deviceName: 'laptop' });
      // A sync asked for by hand verifies nothing; the first scheduled one reads part 1.
      expect(await syncAndWait(service)).toMatchObject({ status: 'done' });
      expect(await checks(service)).toEqual([]);
      const first = await scheduledSync(service);
      expect(first).toMatchObject({ status: 'done', summary: expect.stringMatching(/^Verified part 1 of 30 of the vault's data \(\d+ packs?, .+\): no problems\.$/) });
      expect((await service.handlers['status.get']({})).verification).toMatchObject({ part: 1, of: VERIFY_PARTS, ok: true, problemCount: 0, jobId: first?.id });
      // Not again the same day.
      now += 2 * HOUR;
      expect(await scheduledSync(service)).toBeUndefined();
      // A clock that was ahead and is set back doesn't put the next one off until it catches up.
      now -= 30 * 24 * HOUR;
      expect((await scheduledSync(service))?.summary).toMatch(/^Verified part 2 of 30 /);
      now += 30 * 24 * HOUR;

      // One flipped byte in the biggest pack: found on the day its part is read, not before.
      const pack = packsOf(vault).sort((a, b) => b.size - a.size)[0];
      if (!pack) throw new Error('no pack in the vault');
      const bytes = readFileSync(pack.path);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] ?? 0) ^ 0x40;
      writeFileSync(pack.path, bytes);
      const days: number[] = [];
      let found: JobInfo | undefined;
      for (let day = 3; day <= VERIFY_PARTS + 2 && !found; day++) {
        now += 21 * HOUR;
        const job = await scheduledSync(service);
        expect(job?.status).toBe('done');
        const v = (await service.handlers['status.get']({})).verification;
        days.push(v?.part ?? 0);
        if (v && !v.ok) found = job;
      }
      expect(days[0]).toBe(3);
      expect(days.at(-1)).toBe(pack.part);
      expect(found?.summary).toMatch(/problems? found\. Settings → Vault says what to do\.$/);
      const status = (await service.handlers['status.get']({})).verification;
      expect(status?.problems.join('\n')).toMatch(/fails authentication/);

      // A restart: the finding is still shown, and its report still feeds the repair.
      await service.close();
      service = await open();
      const again = (await service.handlers['status.get']({})).verification;
      expect(again).toMatchObject({ ok: false, jobId: found?.id, part: days.at(-1) });
      const report = await service.handlers['vault.checkReport']({ jobId: found?.id as string });
      expect(report.damagedBlobs?.length).toBeGreaterThan(0);
      const { jobId } = await service.handlers['vault.repair']({ checkJobId: found?.id as string });
      expect((await waitForJob(service, jobId, 10)).summary).toMatch(/^Took \d+ damaged blobs? out of the index\./);
      // Repaired: no longer news on the Overview, and the next day's verification goes on.
      expect((await service.handlers['status.get']({})).verification).toMatchObject({ ok: false, repairedAt: new Date(now).toISOString() });
    } finally {
      await service.close();
    }
  }, 60_000);

  it('stops for a sync, which goes first, and starts again an hour later with the same part', async () => {
    const root = tempDir('cairn-verify-stop-');
    const home = join(root, 'home');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    let now = Date.UTC(2026, 11, 7, 9);
    // Holds the first request after `hold` is set (the verification's), past its lock, until it is aborted.
    let hold = false;
    let held = 0;
    const wait = async (key: string, options?: CallOptions) => {
      if (!hold || key.startsWith('locks/')) return;
      hold = false;
      held++;
      await new Promise<void>((resolve) => options?.signal?.addEventListener('abort', () => resolve()));
      options?.signal?.throwIfAborted();
    };
    const decorateStore = (bare: BlobStore) =>
      new (class extends ForwardingBlobStore {
        override async get(key: string, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
          await wait(key, options);
          return super.get(key, range, options);
        }
        override async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
          await wait(prefix, options);
          yield* super.list(prefix, options);
        }
      })(bare);
    const service = await createCairnService({ stateDir: join(root, 'state'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux', clock: { now: () => now }, decorateStore });
    try {
      await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(root, 'vault') }, passphrase: 'a long passphrase', deviceName: 'laptop' });
      await syncAndWait(service);
      // From the moment the verification is queued (after the sync), its first request waits.
      const off = service.on('job.progress', (job) => {
        if (job.kind === 'check' && job.progress.phase === 'waiting') hold = true;
      });
      await service.syncNow('scheduled');
      off();
      const verifying = (await checks(service))[0];
      expect(verifying?.status).toBe('running');
      for (let i = 0; i < 400 && held === 0; i++) await new Promise((r) => setTimeout(r, 10));
      // It reads under a shared lock, as a backup does: a prune elsewhere neither runs under it nor starts.
      const locks = () => readdirSync(join(root, 'vault', 'locks')).length;
      expect(locks()).toBe(1);
      // "Sync now" while it reads: the sync runs, the verification stops and says why.
      const sync = await syncAndWait(service);
      expect(sync.status).toBe('done');
      const stopped = await waitForJob(service, verifying?.id as string, 10);
      expect(stopped).toMatchObject({ status: 'cancelled', error: { message: expect.stringMatching(/^The daily verification stopped for a sync, which goes first/) } });
      expect(locks()).toBe(0);
      expect((await service.handlers['status.get']({})).verification).toBeUndefined();
      // Not again within the hour; after it, the same part.
      now += 30 * 60_000;
      expect(await scheduledSync(service)).toBeUndefined();
      now += 31 * 60_000;
      expect((await scheduledSync(service))?.summary).toMatch(/^Verified part 1 of 30 /);
    } finally {
      await service.close();
    }
  }, 30_000);

  it('runs none when it is turned off', async () => {
    const root = tempDir('cairn-verify-off-');
    const home = join(root, 'home');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    const service = await createCairnService({ stateDir: join(root, 'state'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    try {
      await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(root, 'vault') }, passphrase: 'a long passphrase', deviceName: 'laptop' });
      await service.handlers['settings.set']({ verifyData: false });
      expect(await scheduledSync(service)).toBeUndefined();
      expect((await service.handlers['status.get']({})).verification).toBeUndefined();
    } finally {
      await service.close();
    }
  });
});

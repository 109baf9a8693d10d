// The vault itself: keys (fingerprint, passphrase, recovery key), stats, check, prune.

import { CairnError } from '../../shared/errors.ts';
import { formatBytes, formatCount } from '../../shared/format.ts';
import type { Handlers } from '../../shared/ipc/contract.ts';
import type { VaultLocation } from '../../shared/models.ts';
import { forget } from '../engine/operations.ts';
import { checkVaultLocked, keys, prune, repairChangedAnything, repairIndex } from '../engine/vault/index.ts';
import { decodeUnlock, encodeUnlock, secretAccounts } from '../keychain/index.ts';
import { vaultKey } from './config-store.ts';
import { renewKeyFile } from './key-file.ts';
import { keepCheckReport } from './service-context.ts';
import type { ServiceContext } from './service-context.ts';
import { noteRepaired, verificationReport } from './verify-data.ts';
import { summarise } from './views.ts';

type VaultChannels = 'key.fingerprint' | 'key.changePassphrase' | 'vault.stats' | 'vault.check' | 'vault.checkReport' | 'vault.prunePreview' | 'vault.prune' | 'vault.repair';

export function vaultHandlers(ctx: ServiceContext): Pick<Handlers, VaultChannels> {
  const secrets = ctx.options.secrets;
  return {
    'key.fingerprint': async () => ({ fingerprint: ctx.requireRepo().vault.fingerprint }),
    'key.changePassphrase': async ({ current, next }) => {
      const r = ctx.requireRepo();
      await r.changePassphrase(current, next);
      const account = secretAccounts.unlock(vaultKey(ctx.config.get().location as VaultLocation));
      const stored = await secrets.get(account);
      if (!stored || 'passphrase' in decodeUnlock(stored)) await secrets.set(account, encodeUnlock({ passphrase: next }));
      // The key file the CLI kept where there was no keychain (unlockKeyFile) is read first: left
      // with the old passphrase, `cairn` on this machine could no longer open the vault.
      renewKeyFile(ctx.options.stateDir, ctx.config.get().location as VaultLocation, next);
      return { fingerprint: r.vault.fingerprint };
    },
    'vault.stats': async () => {
      const r = ctx.requireRepo();
      let packs = 0;
      let storedBytes = 0;
      for await (const o of r.vault.store.list('')) {
        storedBytes += o.size;
        if (o.key.startsWith(keys.packsPrefix)) packs++;
      }
      const [snaps, devices] = await Promise.all([ctx.snapshots(), ctx.listDevices(r)]);
      const location = ctx.config.get().location as VaultLocation;
      return { snapshots: snaps.length, devices: devices.length, packs, storedBytes, provider: location.provider, location: r.vault.store.location };
    },
    'vault.check': async ({ readData }) => {
      // A job like backup and restore: the request returns at once, progress is pushed, and the
      // report is fetched with vault.checkReport once the job is done.
      const r = ctx.requireRepo();
      const { job } = ctx.jobs.start('check', async (progress, signal) => {
        const report = await checkVaultLocked(r.vault.withSignal(signal), r.codec, { device: r.device.id, deviceName: r.device.name, readData, onProgress: (d, t, phase) => progress({ phase: `checking ${phase}`, filesDone: d, filesTotal: t, bytesDone: 0, uploadedBytes: 0 }) });
        keepCheckReport(ctx.state, job.id, report);
        return report.ok ? 'The vault is healthy.' : `${report.problems.length} problem(s) found.`;
      });
      return { jobId: job.id };
    },
    'vault.checkReport': async ({ jobId }) => {
      const report = ctx.state.checkReports.get(jobId) ?? (ctx.state.repo && verificationReport(ctx.state.repo, jobId));
      if (report) return report;
      const job = ctx.jobs.list().find((j) => j.id === jobId && j.kind === 'check');
      if (job?.status === 'running') throw new CairnError('conflict', 'The vault check is still running. Ask for its report once its job is done.');
      throw new CairnError('not_found', job ? `The vault check ended ${job.status} and has no report. Run the check again.` : `No vault check with job id ${jobId} is known (only the last few reports are kept). Run the check again.`);
    },
    'vault.prunePreview': async () => {
      // What "Prune now" would do, changing nothing: the forget as a dry run, then a dry-run
      // prune that counts those snapshots as gone.
      const r = ctx.requireRepo();
      const f = await forget(r, ctx.settings().retention, true);
      const p = await prune(r.vault, r.db, r.codec, { device: r.device.id, dryRun: true, assumeForgotten: f.forget.map((s) => `${s.device}/${s.id}`) });
      return {
        forget: f.forget.map(summarise).sort((a, b) => a.time.localeCompare(b.time)),
        keep: f.keep.length,
        packsDeleted: p.packsDeleted,
        packsRepacked: p.packsRepacked,
        bytesFreed: p.bytesFreed,
        packsMarked: p.packsMarked,
        bytesMarked: p.bytesMarked,
        ...(p.deleteAfter ? { deleteAfter: p.deleteAfter } : {}),
        ...(p.versioning === 'enabled' || p.versioning === 'suspended' ? { versioning: p.versioning } : {}),
      };
    },
    'vault.prune': async () => {
      const r = ctx.requireRepo();
      const { job } = ctx.jobs.start('prune', async (progress, signal) => {
        const f = await forget(r, ctx.settings().retention, false);
        ctx.state.snapshotCache.clear();
        // Cancel (the job's ✕) aborts the prune's requests in flight; a stopped prune loses nothing.
        const p = await prune(r.vault, r.db, r.codec, { device: r.device.id, signal, onProgress: (phase, d, t) => progress({ phase, filesDone: d, filesTotal: t, bytesDone: 0, uploadedBytes: 0 }) });
        ctx.emit('snapshots.changed', { deviceId: r.device.id });
        return `Forgot ${f.forget.length} snapshot(s); freed ${formatBytes(p.bytesFreed)}.`;
      });
      return { jobId: job.id };
    },
    'vault.repair': async ({ checkJobId }) => startRepair(ctx, checkJobId),
  };
}

/**
 * "Repair the index" (Settings → Vault, after a check found missing packs or damaged blobs):
 * repairIndex as a job, with the damaged blobs of the check `checkJobId` (kept in this process).
 */
function startRepair(ctx: ServiceContext, checkJobId?: string): { jobId: string } {
  const r = ctx.requireRepo();
  const damagedBlobs = (checkJobId ? (ctx.state.checkReports.get(checkJobId) ?? verificationReport(r, checkJobId))?.damagedBlobs : undefined) ?? [];
  const { job } = ctx.jobs.start('repair', async (progress, signal) => {
    progress({ phase: 'looking for missing packs', filesDone: 0, bytesDone: 0, uploadedBytes: 0 });
    const result = await repairIndex(r.vault, r.db, r.codec, { device: r.device.id, signal, damagedBlobs });
    if (checkJobId) noteRepaired(r, checkJobId, new Date(ctx.now()).toISOString());
    // The damaged index files it replaced are gone: no longer named in the status.
    for (const key of ctx.state.damaged.keys()) if (key.startsWith('index/')) ctx.state.damaged.delete(key);
    ctx.changed();
    const packs = result.missingPacks.length;
    if (!repairChangedAnything(result)) return 'Nothing to repair: every pack the index lists is in the vault, and every folder listing the snapshots use is indexed or already recorded as lost.';
    return [
      result.damagedBlobsDropped > 0 ? `Took ${formatCount(result.damagedBlobsDropped, 'damaged blob')} out of the index. The next backup of each device reads its files again and stores again the data it still has; the snapshots that need that data restore whole again once it is stored.` : '',
      result.damagedIndexFiles > 0 ? `Rebuilt the index: ${formatCount(result.damagedIndexFiles, 'damaged index file')} replaced by what ${formatCount(result.packsReindexed, 'pack')}${result.packsReindexed === 1 ? '’s own header says' : '’ own headers say'}.` : '',
      packs > 0 ? `Took ${formatCount(packs, 'missing pack')} (${formatCount(result.blobsDropped, 'blob')}) out of the index. The next backup of each device reads its files again and stores again the data it still has.` : '',
      result.lostTrees > 0 ? `Recorded ${formatCount(result.lostTrees, 'lost folder listing')}, so prune works again.` : '',
      packs > 0 || result.lostTrees > 0 ? "Older snapshots can't restore the files whose data is gone." : '',
    ]
      .filter(Boolean)
      .join(' ');
  });
  return { jobId: job.id };
}

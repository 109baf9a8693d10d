// The app's daily verification (Settings.verifyData): after a scheduled sync, once a day, `check`
// reads one part of the vault's packs — VERIFY_PARTS parts, one after another — decrypting and
// hashing every blob in them. Bit rot in a folder vault, or an object a provider lost or garbled,
// is found within a month, while the devices that have the files can still store them again (the
// repair Settings → Vault offers), not on the day a restore needs them. No day downloads more than
// a thirtieth of the vault. What it found is in the status (the Overview shows it) until the next.

import { CairnError } from '../../shared/errors.ts';
import type { CheckReport, Verification } from '../../shared/models.ts';
import { formatBytes, formatCount } from '../../shared/format.ts';
import { checkVaultLocked, nextVerifyPart, verifiedPart, VERIFY_PARTS } from '../engine/vault/index.ts';
import type { Repository } from '../engine/repository.ts';
import { keepCheckReport } from './service-context.ts';
import type { ServiceContext } from './service-context.ts';

/** A day's verification is due this long after the last one that finished (a little under a day, so it keeps its hour). */
const DUE_AFTER_MS = 20 * 3600_000;
/** After one that failed (the vault unreachable, cancelled): tried again this long after. */
const RETRY_AFTER_MS = 3600_000;
/** Problems kept in the history's record of a verification (the Overview shows the first); the whole report is kept apart. */
const PROBLEMS_KEPT = 20;

const LAST_TRY = 'verify.last-try';
/** The job id of the verification a repair was given, and when it ran. */
const REPAIRED = 'verify.repaired';
/** The last verification's whole report (damaged blobs for the repair), with its job id. */
const LAST_REPORT = 'verify.last-report';

/** The last finished verification, from this device's history (it survives a restart). */
export function lastVerification(repo: Repository): Verification | undefined {
  const last = repo.db.history(1, ['verify'])[0];
  if (!last) return undefined;
  const { verification } = last.record as { verification: Verification };
  const repaired = JSON.parse(repo.db.getMeta(REPAIRED) ?? 'null') as { jobId: string; at: string } | null;
  return repaired?.jobId === verification.jobId ? { ...verification, repairedAt: repaired.at } : verification;
}

/** A repair ran on the report of check job `jobId`: when that is the last verification, it is no longer news. */
export function noteRepaired(repo: Repository, jobId: string, at: string): void {
  if (lastVerification(repo)?.jobId === jobId) repo.db.setMeta(REPAIRED, JSON.stringify({ jobId, at }));
}

/** The report of the last verification, when it was job `jobId` (kept in the state database: a restart empties the service's reports). */
export function verificationReport(repo: Repository, jobId: string): CheckReport | undefined {
  const kept = JSON.parse(repo.db.getMeta(LAST_REPORT) ?? 'null') as { jobId: string; report: CheckReport } | null;
  return kept?.jobId === jobId ? kept.report : undefined;
}

/** Whether a day's verification should run now: on, and the last one long enough ago. */
export function verificationDue(ctx: ServiceContext, repo: Repository): boolean {
  if (!ctx.settings().verifyData || ctx.paused() || ctx.jobs.pending('check')) return false;
  const tried = JSON.parse(repo.db.getMeta(LAST_TRY) ?? 'null') as { at: number; ok: boolean } | null;
  if (!tried) return true;
  const since = ctx.now() - tried.at;
  // A clock set back (it was ahead when the last one ran) must not put the next off until then.
  return since < 0 || since >= (tried.ok ? DUE_AFTER_MS : RETRY_AFTER_MS);
}

/** Queues the day's verification of the next part; its report is kept like a check's (vault.checkReport, repair). */
export function startVerification(ctx: ServiceContext, repo: Repository): { jobId: string; done: Promise<unknown> } {
  const part = nextVerifyPart(repo.db);
  const { job, done } = ctx.jobs.start('check', async (progress, signal) => {
    let report: CheckReport;
    try {
      if (signal.aborted) throw new CairnError('cancelled', STOPPED);
      // Under a shared lock, as a backup takes one: a prune elsewhere neither runs under it nor starts.
      report = await checkVaultLocked(repo.vault.withSignal(signal), repo.codec, {
        device: repo.device.id,
        deviceName: repo.device.name,
        readData: true,
        readDataSubset: { part, of: VERIFY_PARTS },
        onProgress: (d, t, phase) => progress({ phase: `verifying ${phase}`, filesDone: d, filesTotal: t, bytesDone: 0, uploadedBytes: 0 }),
      });
    } catch (error) {
      repo.db.setMeta(LAST_TRY, JSON.stringify({ at: ctx.now(), ok: false }));
      throw signal.aborted ? new CairnError('cancelled', STOPPED, { cause: error }) : error;
    }
    const at = new Date(ctx.now()).toISOString();
    const verification: Verification = { at, part, of: VERIFY_PARTS, ok: report.ok, packsRead: report.packsRead ?? 0, bytesRead: report.bytesRead, problems: report.problems.slice(0, PROBLEMS_KEPT), problemCount: report.problems.length, jobId: job.id };
    repo.db.addHistory('verify', at, { verification });
    repo.db.setMeta(LAST_REPORT, JSON.stringify({ jobId: job.id, report }));
    verifiedPart(repo.db, part);
    repo.db.setMeta(LAST_TRY, JSON.stringify({ at: ctx.now(), ok: true }));
    keepCheckReport(ctx.state, job.id, report);
    ctx.changed();
    const read = `part ${part} of ${VERIFY_PARTS} of the vault's data (${formatCount(verification.packsRead, 'pack')}, ${formatBytes(report.bytesRead)})`;
    return report.ok ? `Verified ${read}: no problems.` : `Verified ${read}: ${formatCount(report.problems.length, 'problem')} found. Settings → Vault says what to do.`;
  });
  ctx.state.verificationJobId = job.id;
  void done.then(() => {
    if (ctx.state.verificationJobId === job.id) ctx.state.verificationJobId = undefined;
  });
  return { jobId: job.id, done };
}

const STOPPED = 'The daily verification stopped for a sync, which goes first: it starts again after a scheduled sync an hour from now or later.';

/**
 * A sync goes before the daily verification, which is stopped if queued or running: a backup
 * asked for by hand, or the last one when the app quits, never waits for it. It is tried again
 * an hour later.
 */
export function stopVerification(ctx: ServiceContext): void {
  if (ctx.state.verificationJobId) ctx.jobs.cancel(ctx.state.verificationJobId);
}

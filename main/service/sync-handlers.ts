// Status, sync, pause and jobs: the sync job (backup through the outbox, then pull) and its
// one-line summary, and the pause the scheduler follows.

import { toErrorRecord } from '../../shared/errors.ts';
import type { Handlers } from '../../shared/ipc/contract.ts';
import type { JobInfo } from '../../shared/models.ts';
import { flushProgress, syncThroughOutbox } from '../engine/operations.ts';
import { listConflicts } from '../engine/sync/index.ts';
import { requireOutbox } from '../engine/outbox/index.ts';
import type { ServiceContext } from './service-context.ts';
import { stopVerification } from './verify-data.ts';

/**
 * How long the app's sync waits for another backup of this computer to finish (`cairn backup` in a
 * terminal or a cron job; engine/device-lock.ts) before it fails, to be tried again at the next.
 */
const OTHER_RUN_WAIT_MS = 30 * 60_000;

type SyncOutcome = Awaited<ReturnType<typeof syncThroughOutbox>>;

type SyncChannels = 'status.get' | 'sync.now' | 'sync.pause' | 'sync.resume' | 'jobs.list' | 'jobs.cancel';
export type SyncReason = 'manual' | 'scheduled' | 'quit';

/** Starts a sync, or joins the one already queued or running. */
export async function startSync(ctx: ServiceContext, reason: SyncReason): Promise<{ job: JobInfo; done: Promise<JobInfo> }> {
  const r = ctx.requireRepo();
  const existing = ctx.jobs.pending('sync');
  if (existing) return { job: existing, done: Promise.resolve(existing) };
  stopVerification(ctx);
  const started = ctx.jobs.start('sync', async (report, signal) => {
    const s = ctx.settings();
    const outbox = requireOutbox(r.vault.store);
    const agents = s.enabledAgents.length > 0 ? s.enabledAgents : undefined;
    let outcome: SyncOutcome;
    try {
      // The app keeps trying the vault even if it was unreachable when the app started.
      outcome = await syncThroughOutbox(r, outbox, { ctx: await ctx.agentContext(), agents, mappings: s.pathMappings, reason: reason === 'manual' ? 'manual' : 'scheduled', onProgress: report, onDamaged: ctx.onDamaged, signal, tryOnline: true, onFlushProgress: (p) => report(flushProgress(p)), lock: { what: 'the Cairn app', waitMs: OTHER_RUN_WAIT_MS, onWaiting: (h) => report({ phase: `waiting for another backup of this computer (${h.what})`, filesDone: 0, bytesDone: 0, uploadedBytes: 0 }) } });
    } catch (error) {
      ctx.state.lastError = toErrorRecord(error, { stateDir: ctx.options.stateDir });
      throw error;
    } finally {
      ctx.changed();
    }
    return syncSummary(ctx, outcome);
  });
  ctx.changed();
  return started;
}

/** Records what a finished sync changed and says it in one line. */
function syncSummary(ctx: ServiceContext, outcome: SyncOutcome): string {
  const r = ctx.requireRepo();
  const { state } = ctx;
  const flushed = outcome.flushed;
  if (flushed > 0) state.snapshotCache.clear();
  if (outcome.offline) {
    const { result, cause, waiting } = outcome.offline;
    state.lastError = cause.toRecord();
    if (flushed > 0) ctx.emit('snapshots.changed', { deviceId: r.device.id });
    const held = `${waiting} snapshot(s) wait on this device for the vault to be reachable again.`;
    return result.unchanged ? `Offline, nothing new to back up; ${held}` : `Offline: snapshot ${result.snapshotId?.slice(0, 8)} kept on this device; ${held}`;
  }
  const result = outcome.online;
  r.openedOffline = false;
  state.lastError = undefined;
  // The time the pull recorded in this device's history: the same value after a restart.
  state.lastSyncAt = r.db.history(1, ['sync'])[0]?.at ?? new Date(ctx.now()).toISOString();
  if (result.pull.conflicts.length > 0) ctx.emit('conflicts.changed', listConflicts(r));
  ctx.emit('snapshots.changed', { deviceId: r.device.id });
  const pulled = result.pull.changes.filter((c) => c.action !== 'kept-deleted' && c.action !== 'skipped-busy').length;
  const left = result.backup.leftSharedDevice;
  const parts = [
    // Said first: this device's name and id changed under the user's eyes.
    ...(left ? [`another machine (${left.other.hostname}) was backing up as '${left.previous.name}' (its state folder was copied), so this computer is now a device of its own, '${left.device.name}'; nothing was lost`] : []),
    ...(flushed > 0 ? [`${flushed} waiting snapshot(s) uploaded`] : []),
    result.backup.unchanged ? 'nothing new to back up' : `snapshot ${result.backup.snapshotId?.slice(0, 8)}: ${result.backup.stats.newFiles + result.backup.stats.changedFiles} file(s) backed up`,
    ...(pulled ? [`${pulled} file(s) from other devices`] : []),
    ...skippedPart(result.pull.skipped ?? []),
    ...linkedPart(result.backup.linkedFolders),
  ];
  const summary = parts.join('; ');
  return `${summary.charAt(0).toUpperCase()}${summary.slice(1)}.`;
}

/** Links to folders the backup kept as links (their content is not in the snapshot): the first, and how many. */
export function linkedPart(linked: readonly { path: string; target: string }[]): string[] {
  const first = linked[0];
  if (!first) return [];
  const more = linked.length > 1 ? ` (and ${linked.length - 1} more)` : '';
  return [`not backed up: what ${first.path} holds, a link to ${first.target}${more} (links are kept as links; back that folder up too, or move it back in place of the link)`];
}

/** Files of other devices the pull left alone (damaged in the vault, or names it can't place): the first, and how many. */
export function skippedPart(skipped: readonly { path: string; device: string; why: string }[]): string[] {
  const first = skipped[0];
  if (!first) return [];
  const more = skipped.length > 1 ? ` (and ${skipped.length - 1} more)` : '';
  return [`not pulled: ${first.path} of ${first.device}, because ${first.why}${more}`];
}

/**
 * What this device did before the app started, from its history (the jobs list only holds this
 * run's): so recent activity isn't "Nothing yet" after a restart.
 */
function pastActivity(ctx: ServiceContext, limit = 20): JobInfo[] {
  const repo = ctx.state.repo;
  if (!repo) return [];
  const before = new Date(ctx.startedAt).toISOString();
  return repo.db
    .history(limit * 2, ['backup'])
    .filter((h) => h.at < before)
    .slice(0, limit)
    .map((h) => {
      const r = h.record as { snapshot?: string; unchanged?: boolean; offline?: boolean; stats?: { newFiles?: number; changedFiles?: number } };
      const files = (r.stats?.newFiles ?? 0) + (r.stats?.changedFiles ?? 0);
      const what = r.unchanged ? 'Nothing new to back up' : `Snapshot ${r.snapshot?.slice(0, 8) ?? ''}: ${files} file(s) backed up`;
      return { id: `history-${h.id}`, kind: 'sync' as const, status: 'done' as const, startedAt: h.at, finishedAt: h.at, progress: { phase: 'done', filesDone: 0, bytesDone: 0, uploadedBytes: 0 }, summary: `${what}${r.offline ? ' (kept on this device while the vault was unreachable)' : ''}.` };
    });
}

export function syncHandlers(ctx: ServiceContext): Pick<Handlers, SyncChannels> {
  return {
    'status.get': async () => ctx.status(),
    'sync.now': async () => ({ jobId: (await startSync(ctx, 'manual')).job.id }),
    'sync.pause': async ({ minutes }) => {
      ctx.state.pausedUntil = ctx.now() + minutes * 60_000;
      ctx.changed();
      return ctx.status();
    },
    'sync.resume': async () => {
      ctx.state.pausedUntil = undefined;
      ctx.changed();
      return ctx.status();
    },
    'jobs.list': async () => [...ctx.jobs.list(), ...pastActivity(ctx)],
    'jobs.cancel': async ({ id }) => ({ cancelled: ctx.jobs.cancel(id) }),
  };
}

// sync, devices, conflicts, resolve, forget, prune, unlock, pin, unpin: many devices on one vault.

import { ConfigError } from '../../../shared/errors.ts';
import { ADAPTERS } from '../../engine/agents/index.ts';
import type { ConflictInfo, RetentionPolicy } from '../../../shared/models.ts';
import { DEFAULT_RETENTION } from '../../../shared/models.ts';
import { describeLeftSharedDevice, flushProgress, forget, forgetSnapshots, safetySnapshot, setPinned, syncThroughOutbox } from '../../engine/operations.ts';
import { deviceInfo, forgetView, summarise } from '../../service/views.ts';
import { requireOutbox } from '../../engine/outbox/index.ts';
import { listConflicts, resolveConflict } from '../../engine/sync/index.ts';
import { prune, unlock } from '../../engine/vault/index.ts';
import { settleAll } from '../../engine/concurrency.ts';
import { versionedBucketAdvice } from '../../engine/storage/index.ts';
import { withRepository, agentContext, appChoices, withAppMappings } from '../context.ts';
import { parseMappings } from '../local-paths.ts';
import type { CommonOptions } from '../context.ts';
import { counted, deviceLock, EXIT, EXIT_WARNINGS, formatBytes, lockWaitMs, makeOutput, outboxReason, table, warnDamaged, warningText } from '../output.ts';
import type { Output } from '../output.ts';


/** Resolves to the exit status: EXIT.ok, or EXIT_WARNINGS when files were left out of the backup or not pulled. */
export async function syncCommand(opts: CommonOptions & { map?: string[]; agent?: string[]; lockWait?: string }): Promise<number> {
  const out = makeOutput(opts.json ?? false);
  const waitMs = lockWaitMs(opts.lockWait);
  let warned = false;
  await withRepository(
    opts,
    async (repo) => {
      const ctx = await agentContext(opts);
      const choices = appChoices(opts);
      const agents = opts.agent ?? choices?.agents;
      if (!opts.agent && choices?.agents) out.info(`Syncing the agents chosen in Cairn's settings (${choices.file}): ${choices.agents.map(agentName).join(', ')}. Name others with --agent.`);
      const outcome = await syncThroughOutbox(repo, requireOutbox(repo.vault.store), {
        ctx,
        agents,
        // Agents named here are a one-off: the snapshot keeps the others as they were.
        keepOtherAgents: opts.agent !== undefined,
        mappings: withAppMappings(parseMappings(opts.map), choices),
        lockWaitMs: waitMs,
        onProgress: (p) => out.progress(p),
        onWarning: (w) => {
          warned = true;
          out.warn(warningText(w));
        },
        onDamaged: warnDamaged(out),
        onFlushProgress: (p) => out.progress(flushProgress(p)),
        lock: deviceLock(out, 'cairn sync', waitMs),
      });
      out.endProgress();
      for (const w of outcome.stillWaiting) out.warn(w.message);
      const waited = outcome.flushed > 0 ? [`Uploaded ${outcome.flushed} snapshot(s) that waited on this device.`] : [];
      if (outcome.offline) {
        const { result, cause, waiting } = outcome.offline;
        out.result(
          { device: repo.device, snapshot: result.snapshotId, unchanged: result.unchanged, offline: true, waiting, cause: cause.toRecord(), uploadedWaiting: outcome.flushed },
          () =>
            [
              ...waited,
              outboxReason(cause),
              result.unchanged ? 'Backup: nothing changed.' : `Backup: snapshot ${result.snapshotId?.slice(0, 8)} kept on this device.`,
              `${waiting} snapshot(s) wait on this device; nothing was pulled. The next sync that reaches the vault uploads them and pulls.`,
            ].join('\n'),
        );
        return;
      }
      const result = outcome.online;
      const c = result.pull.changes;
      const count = (a: string) => c.filter((x) => x.action === a).length;
      const skipped = result.pull.skipped ?? [];
      for (const line of skippedWarnings(skipped)) out.warn(line);
      if (skipped.length > 0) warned = true;
      out.result(
        { device: repo.device, snapshot: result.backup.snapshotId, unchanged: result.backup.unchanged, devices: result.pull.devices, changes: c, conflicts: result.pull.conflicts, skipped, uploadedWaiting: outcome.flushed, ...(result.backup.leftSharedDevice ? { leftSharedDevice: result.backup.leftSharedDevice } : {}) },
        () =>
          [
            ...(result.backup.leftSharedDevice ? [describeLeftSharedDevice(result.backup.leftSharedDevice)] : []),
            ...waited,
            result.backup.unchanged ? 'Backup: nothing changed.' : `Backup: snapshot ${result.backup.snapshotId?.slice(0, 8)} saved.`,
            `Pulled from ${result.pull.devices} other device(s): ${count('pulled')} new or updated, ${count('fast-forward')} extended, ${count('merged')} merged, ${count('conflict')} conflict(s).`,
            ...result.pull.conflicts.map((x) => `  conflict ${x.id}: ${x.path} (theirs: ${x.theirsPath})`),
          ].join('\n'),
      );
    },
    { outbox: true },
  );
  return warned ? EXIT_WARNINGS : EXIT.ok;
}

export async function devicesCommand(opts: CommonOptions): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  await withRepository(opts, async (repo) => {
    const onDamaged = warnDamaged(out);
    const [devices, snaps] = await settleAll([repo.vault.listDevices(onDamaged), repo.listSnapshots(undefined, onDamaged)]);
    const infos = devices.map((d) => deviceInfo(d, snaps, repo.device.id));
    out.result(infos, () =>
      table([
        ['ID', 'NAME', 'PLATFORM', 'LAST SEEN', 'SNAPSHOTS', ''],
        ...infos.map((d) => [d.id, d.name, d.platform, d.lastSeen.replace('T', ' ').slice(0, 19), String(d.snapshotCount), d.isThisDevice ? '(this device)' : '']),
      ]),
    );
  }, { readOnly: true });
}

export async function conflictsCommand(opts: CommonOptions & { all?: boolean }): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  await withRepository(opts, async (repo) => {
    const list = listConflicts(repo).filter((c) => opts.all || c.status === 'open');
    out.result(list, () =>
      list.length === 0
        ? 'No open conflicts.'
        : table([['ID', 'FILE', 'OTHER DEVICE', 'MINE', 'THEIRS', 'STATUS'], ...list.map((c: ConflictInfo) => [c.id, c.path, c.otherDeviceName, formatBytes(c.mineSize), formatBytes(c.theirsSize), c.resolution ? `kept ${c.resolution}` : c.status])]),
    );
  }, { readOnly: true });
}

export async function resolveCommand(id: string, opts: CommonOptions & { keep: string }): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  if (!['mine', 'theirs', 'both'].includes(opts.keep)) throw new ConfigError(`--keep takes mine, theirs or both; got '${opts.keep}'.`);
  await withRepository(opts, async (repo) => {
    const resolved = await resolveConflict({ repo, id, keep: opts.keep as 'mine' | 'theirs' | 'both', safetySnapshot: async (p) => void (await safetySnapshot(repo, [p])) });
    out.result(resolved, () => `Resolved ${resolved.path}: kept ${opts.keep}${opts.keep === 'theirs' ? ' (your version is in a safety snapshot)' : ''}.`);
  });
}

const agentName = (id: string): string => ADAPTERS.find((a) => a.id === id)?.displayName ?? id;

const int = (name: string, v: string | undefined, dflt: number) => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`--${name} takes a whole number; got '${v}'.`);
  return n;
};

export async function forgetCommand(snapshots: string[], opts: CommonOptions & { keepLast?: string; keepHourly?: string; keepDaily?: string; keepWeekly?: string; keepMonthly?: string; dryRun?: boolean; prune?: boolean }): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  // With any --keep-* flag the policy is exactly what was asked (restic's rule): the defaults
  // apply only when none is given, so --keep-last 1 keeps one snapshot per device, not 1 + 24 + ….
  const given = [opts.keepLast, opts.keepHourly, opts.keepDaily, opts.keepWeekly, opts.keepMonthly].some((v) => v !== undefined);
  if (snapshots.length > 0) {
    if (given) throw new ConfigError('Name snapshots or give --keep-* flags, not both: nothing was forgotten.');
    return forgetNamedCommand(snapshots, opts, out);
  }
  // Without one, the policy is the app's on this machine (Settings → Retention), else the default.
  const choices = given ? undefined : appChoices(opts);
  const base: RetentionPolicy = given ? { keepLast: 0, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 } : (choices?.retention ?? DEFAULT_RETENTION);
  const policy: RetentionPolicy = {
    keepLast: int('keep-last', opts.keepLast, base.keepLast),
    keepHourly: int('keep-hourly', opts.keepHourly, base.keepHourly),
    keepDaily: int('keep-daily', opts.keepDaily, base.keepDaily),
    keepWeekly: int('keep-weekly', opts.keepWeekly, base.keepWeekly),
    keepMonthly: int('keep-monthly', opts.keepMonthly, base.keepMonthly),
  };
  // Every device keeps its newest snapshot whatever the flags say: forget never empties a device.
  policy.keepLast = Math.max(1, policy.keepLast);
  await withRepository(opts, async (repo) => {
    const result = forgetView(await forget(repo, policy, opts.dryRun ?? false));
    const policyFrom = given ? 'flags' : choices ? 'settings' : 'default';
    const from = { flags: 'the --keep-* flags', settings: `Cairn's settings, ${choices?.file}`, default: "Cairn's default" }[policyFrom];
    out.result({ policy, policyFrom, ...result }, () =>
      [
        `Policy (${from}): ${describePolicy(policy)}; pinned snapshots and those taken before a restore are always kept.`,
        result.forget.length === 0
          ? `${opts.dryRun ? 'Would keep' : 'Kept'} all ${result.keep.length} snapshot(s): none ${opts.dryRun ? 'would be' : 'was'} forgotten.`
          : `${opts.dryRun ? 'Would keep' : 'Kept'} ${result.keep.length} snapshot(s), ${opts.dryRun ? 'would forget' : 'forgot'} ${result.forget.length}:`,
        ...result.forget.map((s) => `  - ${s.shortId}  ${s.time}  ${s.deviceName}`),
        opts.dryRun || result.forget.length === 0 ? '' : "Run 'cairn prune' to free the space they used.",
      ].filter(Boolean).join('\n'),
    );
  }, { readOnly: opts.dryRun === true });
}

/** `cairn forget ID…`: exactly those snapshots (operations.forgetSnapshots). */
async function forgetNamedCommand(snapshots: string[], opts: CommonOptions & { dryRun?: boolean }, out: Output): Promise<void> {
  await withRepository(opts, async (repo) => {
    const result = forgetView(await forgetSnapshots(repo, snapshots, opts.dryRun ?? false));
    out.result(result, () =>
      [
        `${opts.dryRun ? 'Would forget' : 'Forgot'} ${result.forget.length} snapshot(s):`,
        ...result.forget.map((s) => `  - ${s.shortId}  ${s.time}  ${s.deviceName}  ${s.roots.map((r) => r.label).join(', ')}`),
        opts.dryRun ? '' : "Run 'cairn prune' to free the space they used.",
      ].filter(Boolean).join('\n'),
    );
  }, { readOnly: opts.dryRun === true });
}

/** "each device's last 20, and its newest of each of the last 24 hours, 14 days, …": what a policy keeps, in words. */
export function describePolicy(p: RetentionPolicy): string {
  const periods = [
    [p.keepHourly, 'hour'],
    [p.keepDaily, 'day'],
    [p.keepWeekly, 'week'],
    [p.keepMonthly, 'month'],
  ] as const;
  const each = periods.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}${n === 1 ? '' : 's'}`);
  return [`each device's last ${p.keepLast}`, ...(each.length > 0 ? [`its newest of each of the last ${each.join(', ')}`] : [])].join(', and ');
}

export async function pruneCommand(opts: CommonOptions & { dryRun?: boolean }): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  await withRepository(opts, async (repo) => {
    const result = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, dryRun: opts.dryRun, onProgress: (phase, done, total) => out.progress({ phase, filesDone: done, filesTotal: total, bytesDone: 0, uploadedBytes: 0 }) });
    out.endProgress();
    out.result(result, () =>
      [
        `${opts.dryRun ? 'Would free' : 'Freed'} ${formatBytes(result.bytesFreed)}: ${result.packsDeleted} pack(s) removed (${result.packsRepacked} repacked), ${result.unusedBlobs} unused blob(s); ${result.snapshots} snapshot(s) ${result.lostTrees ? 'kept' : 'intact'}.`,
        result.lostTrees ? `${counted(result.lostTrees, 'folder listing')} the snapshots reach ${result.lostTrees === 1 ? 'was' : 'were'} lost (${result.lostTrees === 1 ? 'its' : 'their'} pack missing, or ${result.lostTrees === 1 ? 'its' : 'their'} bytes damaged: 'cairn check --repair' took ${result.lostTrees === 1 ? 'it' : 'them'} out of the index): the files below ${result.lostTrees === 1 ? 'it' : 'them'} can't be restored from those snapshots.` : '',
        result.packsMarked > 0 ? `${result.packsMarked} pack(s) (${formatBytes(result.bytesMarked)}) no snapshot uses are marked: a prune after ${result.deleteAfter} deletes them if still unused (the safety margin protects backups running on other devices).` : '',
        result.versioning ? versionedBucketAdvice(result.versioning) : '',
      ]
        .filter((line) => line !== '')
        .join('\n'),
    );
  });
}

/** Removes locks whose process died (not refreshed for 15 minutes, or this host's and gone); refuses live ones. */
export async function unlockCommand(opts: CommonOptions): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  await withRepository(opts, async (repo) => {
    const result = await unlock(repo.vault, { device: repo.device.id });
    const describe = (l: (typeof result.live)[number]) => `${l.exclusive ? 'exclusive' : 'shared'} ${l.operation} lock of device ${l.device} on ${l.hostname} (pid ${l.pid}, since ${l.createdAt})`;
    out.result(
      { removed: result.removed.map((l) => l.id), live: result.live.map((l) => ({ id: l.id, device: l.device, hostname: l.hostname, operation: l.operation, exclusive: l.exclusive, createdAt: l.createdAt })) },
      () =>
        [
          result.removed.length === 0 ? 'No dead locks.' : `Removed ${result.removed.length} dead lock(s): ${result.removed.map(describe).join('; ')}.`,
          result.live.length === 0 ? '' : `Left ${result.live.length} live lock(s) alone (refreshed lately: the operation may still run): ${result.live.map(describe).join('; ')}.`,
        ]
          .filter((line) => line !== '')
          .join('\n'),
    );
  });
}

export async function pinCommand(id: string, pinned: boolean, opts: CommonOptions): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  await withRepository(opts, async (repo) => {
    const s = summarise(await setPinned(repo, id, pinned));
    out.result(s, () => `Snapshot ${s.shortId} ${pinned ? 'pinned: no retention policy removes it' : 'unpinned'}.`);
  });
}

/**
 * One warning per reason: the files a single cause left out (a whole project folder behind one
 * file in the way, an agent folder that is a link to a disk not mounted) are named by the first
 * and counted, not listed one per line.
 */
export function skippedWarnings(skipped: readonly { path: string; device: string; why: string }[]): string[] {
  const groups = new Map<string, { first: string; device: string; why: string; more: number }>();
  for (const x of skipped) {
    const key = `${x.device}\0${x.why}`;
    const group = groups.get(key);
    if (group) group.more++;
    else groups.set(key, { first: x.path, device: x.device, why: x.why, more: 0 });
  }
  return [...groups.values()].map((g) => (g.more === 0 ? `${g.first} of ${g.device} was not pulled: ${g.why}.` : `${g.first} and ${g.more} more file(s) of ${g.device} were not pulled: ${g.why}.`));
}

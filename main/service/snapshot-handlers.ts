// Snapshots: the list, browsing a tree, file previews, diffs, pins, and restore (planned and run
// by the engine's one restore function, the rule the CLI uses too).

import { ConfigError } from '../../shared/errors.ts';
import type { Handlers } from '../../shared/ipc/contract.ts';
import type { DiffEntry, TreeEntryInfo } from '../../shared/models.ts';
import { agentSources, setPinned } from '../engine/operations.ts';
import { nearestFolder, unwritable } from '../engine/local-folder.ts';
import { expandHomePath } from '../engine/paths.ts';
import type { Repository } from '../engine/repository.ts';
import { planRestore, renamedNote, restoreSnapshot, SAFETY_PREFIX, withoutCredentialsNote } from '../engine/restore-request.ts';
import type { ExecutedRestore, RestoreDestination, RestoreRequest } from '../engine/restore-request.ts';
import { backupLine, diffSnapshotTrees, newerOfDevice, newestBackup, newestOfEachLine } from '../engine/vault/index.ts';
import type { SnapshotRecord, TreeEntry } from '../engine/vault/index.ts';
import { preview } from './file-preview.ts';
import type { ServiceContext } from './service-context.ts';
import { summarise } from './views.ts';

type SnapshotChannels = 'snapshots.list' | 'snapshots.tree' | 'snapshots.readFile' | 'snapshots.diff' | 'snapshots.restorePlan' | 'snapshots.restore' | 'snapshots.pin';

function entryInfo(path: string, e: TreeEntry): TreeEntryInfo {
  return {
    name: e.name,
    path,
    type: e.type,
    size: e.size,
    mtimeMs: Number(BigInt(e.mtimeNs) / 1_000_000n),
    mode: e.mode,
    ...(e.target !== undefined ? { target: e.target } : {}),
  };
}

/** Each safety root (`safety/<label>`) against the root `<label>` of `previous`: added and changed files only. */
async function safetyDiff(r: Repository, snap: SnapshotRecord, previous: SnapshotRecord | undefined): Promise<DiffEntry[]> {
  const out: DiffEntry[] = [];
  for (const root of snap.roots) {
    const label = root.label.startsWith(SAFETY_PREFIX) ? root.label.slice(SAFETY_PREFIX.length) : root.label;
    const before = previous?.roots.find((x) => x.label === label);
    const changes = await diffSnapshotTrees(r.reader(), before?.tree, root.tree);
    for (const c of changes) if (c.change !== 'removed') out.push({ ...c, path: `${root.label}/${c.path}` });
  }
  return out;
}

/** A folder to restore into must be one, or be possible to make, and be writable: said before the plan, not as an EEXIST from the restore. */
function checkRestoreFolder(target: string): void {
  const folder = nearestFolder(target, (file) => new ConfigError(file === target ? `${target} is a file, not a folder. Choose a folder to restore into (a new one is made).` : `Cairn can't make the folder ${target}: ${file} is a file. Choose another folder to restore into.`));
  const why = unwritable(folder);
  if (why) throw new ConfigError(`Cairn can't restore into ${target}${folder === target ? '' : ` (in ${folder})`}: ${why}. Choose a folder you can write.`);
}

/** The engine's restore request for an app request: the rule the CLI uses too. */
function restoreRequest(ctx: ServiceContext, snap: SnapshotRecord, paths: readonly string[], target: RestoreDestination, overwrite: boolean): RestoreRequest {
  const destination = target.kind === 'folder' ? { ...target, path: expandHomePath(target.path, ctx.options.home) } : target;
  if (destination.kind === 'folder') checkRestoreFolder(destination.path);
  // This device's agent folders by label: detected once (a walk of every agent), on first need.
  let localRoots: Promise<Map<string, string>> | undefined;
  return {
    snapshot: snap,
    paths,
    destination,
    existing: overwrite ? 'overwrite' : 'keep',
    mappings: ctx.settings().pathMappings,
    localRoot: async (label) => {
      localRoots ??= ctx.agentContext().then(async (agentCtx) => new Map((await agentSources({ ctx: agentCtx })).sources.map((x) => [x.label, x.path])));
      return (await localRoots).get(label);
    },
  };
}

/**
 * The snapshot to compare with: the one asked for, else the same device's previous backup of the
 * same line (a backup of ~/notes is not compared with one of the agents: everything showed as
 * added), never a safety snapshot, which holds only what a restore replaced.
 */
async function diffAgainst(ctx: ServiceContext, snap: SnapshotRecord, againstId: string | undefined): Promise<SnapshotRecord | undefined> {
  if (againstId) return ctx.findSnapshot(againstId);
  return newestOfEachLine((await ctx.snapshots(snap.device)).filter((s) => newerOfDevice(snap, s) > 0)).get(backupLine(snap));
}

export function snapshotHandlers(ctx: ServiceContext): Pick<Handlers, SnapshotChannels> {
  return {
    'snapshots.list': async ({ deviceId }) => (await ctx.snapshots(deviceId)).map(summarise),
    'snapshots.tree': async ({ snapshotId, path }) => {
      const r = ctx.requireRepo();
      const snap = await ctx.findSnapshot(snapshotId);
      await r.refreshIndex();
      const reader = r.reader();
      const start = path ? await reader.resolve(snap, path) : { path: '', entry: reader.rootEntry(snap) };
      if (start.entry.type !== 'dir') return [entryInfo(start.path, start.entry)];
      const entries = await reader.list(start.entry);
      return entries.map((e) => entryInfo(start.path ? `${start.path}/${e.name}` : e.name, e)).sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || a.name.localeCompare(b.name));
    },
    'snapshots.readFile': async ({ snapshotId, path, maxBytes }) => {
      const r = ctx.requireRepo();
      const snap = await ctx.findSnapshot(snapshotId);
      await r.refreshIndex();
      const reader = r.reader();
      const { entry } = await reader.resolve(snap, path);
      if (entry.type !== 'file') throw new ConfigError(`'${path}' is a ${entry.type === 'dir' ? 'folder' : 'symbolic link'}, not a file.`);
      return preview(await reader.readFile(entry, maxBytes), entry.size);
    },
    'snapshots.diff': async ({ snapshotId, againstId }) => {
      const r = ctx.requireRepo();
      const snap = await ctx.findSnapshot(snapshotId);
      await r.refreshIndex();
      if (!againstId && snap.reason === 'before-restore') {
        // A safety snapshot holds only the files a restore replaced: compare each with the same
        // file in the last regular snapshot, and don't list the files it never held as removed.
        const previous = newestBackup((await ctx.snapshots(snap.device)).filter((s) => s.time < snap.time));
        return safetyDiff(r, snap, previous);
      }
      const before = await diffAgainst(ctx, snap, againstId);
      return diffSnapshotTrees(r.reader(), before?.tree, snap.tree);
    },
    'snapshots.restorePlan': async ({ snapshotId, paths, target, overwrite }) => {
      const r = ctx.requireRepo();
      const plan = await planRestore(r, restoreRequest(ctx, await ctx.findSnapshot(snapshotId), paths, target, overwrite), { ctx: await ctx.agentContext() });
      return {
        files: plan.files,
        bytes: plan.bytes,
        targets: [...new Set(plan.steps.map((s) => s.target))],
        writeFiles: plan.write.files,
        writeBytes: plan.write.bytes,
        unchanged: plan.unchanged.length,
        existing: plan.existing.length,
        existingSample: plan.existing.slice(0, 20),
        existingAction: plan.existingAction,
        safetySnapshot: plan.safetySnapshot,
        heldBack: plan.heldBack.length,
        heldBackSample: plan.heldBack.slice(0, 20),
        withoutCredentials: plan.withoutCredentials.length,
        withoutCredentialsSample: plan.withoutCredentials.slice(0, 20).map((c) => ({ path: c.dest, removed: c.removed })),
        renamed: plan.renamed.length,
        renamedSample: plan.renamed.slice(0, 20),
      };
    },
    'snapshots.restore': async ({ snapshotId, paths, target, overwrite }) => {
      const r = ctx.requireRepo();
      const snap = await ctx.findSnapshot(snapshotId);
      // A folder that can't be restored into is refused here, before a job starts.
      const request = restoreRequest(ctx, snap, paths, target, overwrite);
      const { job } = ctx.jobs.start('restore', async (report, signal) => {
        const done = await restoreSnapshot(r, request, { ctx: await ctx.agentContext(), onProgress: report, signal });
        if (done.safetySnapshotId) {
          ctx.state.snapshotCache.clear();
          ctx.emit('snapshots.changed', { deviceId: r.device.id });
        }
        return restoredMessage(done, target.kind === 'folder' ? `into ${target.path}` : 'to their place');
      });
      return { jobId: job.id };
    },
    'snapshots.pin': async ({ snapshotId, pinned }) => {
      const s = summarise(await setPinned(ctx.requireRepo(), snapshotId, pinned));
      ctx.state.snapshotCache.delete(s.id);
      ctx.emit('snapshots.changed', { deviceId: s.deviceId });
      return s;
    },
  };
}

/** What a restore job says when it is done (`where`: "into /x", "to their place"). */
function restoredMessage(done: ExecutedRestore, where: string): string {
  const same = done.unchanged > 0 ? `; ${done.unchanged} file(s) already matched the snapshot and were left as they are` : '';
  const heldBack = done.heldBack.length > 0 ? ` (${done.heldBack.length} of them because the safety snapshot could not hold them as they are: credentials never leave this computer, and a file Cairn may not read can't be kept; restore into another folder to compare)` : '';
  const kept = done.kept > 0 ? `; ${done.kept} existing file(s) kept as they were${heldBack}` : '';
  const safety = done.safetySnapshotId && done.overwritten > 0 ? `; ${done.overwritten} replaced file(s) are in safety snapshot ${done.safetySnapshotId.slice(0, 8)}` : '';
  const notes = [done.withoutCredentials.length > 0 ? withoutCredentialsNote(done.withoutCredentials) : '', done.renamed.length > 0 ? renamedNote(done.renamed) : ''];
  return [`Restored ${done.files} file(s) ${where}${same}${kept}${safety}.`, ...notes].filter(Boolean).join(' ');
}

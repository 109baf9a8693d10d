// The new machine's commands (docs/RECOVERY.md): take over the old machine's device, and put
// everything a snapshot holds back in its place.

import { contextFromProcess, prepareContext } from '../../engine/agents/index.ts';
import { agentLocalRoots, executeRestore, planRestore } from '../../engine/restore-request.ts';
import type { RestoreRequest } from '../../engine/restore-request.ts';
import { settleAll } from '../../engine/concurrency.ts';
import { appChoices, withAppMappings, withRepository } from '../context.ts';
import { parseMappings } from '../local-paths.ts';
import type { CommonOptions } from '../context.ts';
import { AGENTS_LINE, newestOfEachLine } from '../../../shared/backup-lines.ts';
import { counted, existingNotes, formatBytes, formatDuration, makeOutput, restoredNotes } from '../output.ts';

export async function adoptCommand(device: string, opts: CommonOptions): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  await withRepository(opts, async (repo) => {
    const { previous, adopted, latest } = await repo.adopt(device);
    // Its backups of folders named to `cairn backup PATH…` are lines of their own (shared/backup-lines.ts):
    // `latest` is its agents', so each folder line's newest is named too, or they'd be forgotten here.
    const snapshots = await repo.listSnapshots(adopted.id);
    const folders = [...newestOfEachLine(snapshots).entries()].filter(([line]) => line !== AGENTS_LINE).map(([, s]) => s);
    out.result({ device: { id: adopted.id, name: adopted.name }, replaced: previous, latestSnapshot: latest?.id, folderSnapshots: folders.map((s) => ({ snapshot: s.id, paths: s.roots.map((r) => r.path) })) }, () =>
      [
        `This machine is now device ${adopted.name} (id ${adopted.id}); its next backups continue that device's history${latest ? ` from snapshot ${latest.id.slice(0, 8)} (${latest.time.replace('T', ' ').slice(0, 16)} UTC)` : ''}.`,
        `The new device it had registered (${previous.name}, id ${previous.id}) is removed from the vault.`,
        'If the old machine still runs Cairn, stop it: two machines must not write one device.',
        latest ? "To put its files back in their places: ./cairn restore --snapshot latest --original" : '',
        ...(folders.length > 0 ? ['Its backups of folders named to cairn backup, each restored in place with:', ...folders.map((s) => `  ./cairn restore --snapshot ${s.id.slice(0, 8)} --original    (${s.roots.map((r) => r.path).join(', ')}, ${s.time.replace('T', ' ').slice(0, 16)} UTC)`)] : []),
      ]
        .filter(Boolean)
        .join('\n'),
    );
  });
}

/** `cairn restore --original`: every folder of the snapshot back to its place on this machine. */
export async function restoreOriginalCommand(opts: CommonOptions & { snapshot: string; device?: string; map?: string[] }): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  await withRepository(opts, async (repo) => {
    const started = Date.now();
    // The worker threads load while the snapshot is found and the plan made (see planRestore).
    repo.codec.warm?.();
    const [snap] = await settleAll([repo.findSnapshot(opts.snapshot, opts.device), repo.refreshIndex()]);
    if (snap.device !== repo.device.id) {
      out.info(`Restoring snapshot ${snap.id.slice(0, 8)} of device ${snap.deviceName} (${snap.time.replace('T', ' ').slice(0, 16)} UTC)${opts.device ? '' : ", the newest of the device this machine's host name belonged to"}.`);
    }
    // The one restore rule (restore-request.ts): everything to its place, replacing what is there
    // after a safety snapshot of exactly the files it replaces.
    const ctx = await prepareContext(contextFromProcess());
    // Another device's paths map to this machine's as sync maps them (the app's restore does too).
    const mappings = withAppMappings(parseMappings(opts.map), appChoices(opts));
    const request: RestoreRequest = { snapshot: snap, paths: [], destination: { kind: 'original' }, existing: 'overwrite', localRoot: agentLocalRoots(async () => ctx), mappings };
    const plan = await planRestore(repo, request, { onProgress: (p) => out.progress(p), indexRefreshed: true, ctx });
    out.endProgress();
    for (const note of existingNotes(plan, 'in their places')) out.info(note);
    const result = await executeRestore(repo, request, plan, { ctx, onProgress: (p) => out.progress(p) });
    out.endProgress();
    for (const note of restoredNotes(plan, result)) out.info(note);
    out.result({ snapshot: snap.id, device: snap.device, places: result.places, files: result.files, bytes: result.bytes, unchanged: result.unchanged, ...(result.renamed.length > 0 ? { renamed: result.renamed } : {}), ...(result.safetySnapshotId ? { safetySnapshot: result.safetySnapshotId } : {}), durationMs: Date.now() - started }, () =>
      [
        ...(result.safetySnapshotId && result.overwritten > 0 ? [`The ${result.overwritten} file(s) it replaced are kept in safety snapshot ${result.safetySnapshotId.slice(0, 8)}.`] : []),
        // Only the places it wrote into: a line per agent folder of the snapshot read as work done there.
        ...result.places.filter((p) => p.files > 0).map((p) => `  ${p.label}: ${counted(p.files, 'file')} (${formatBytes(p.bytes)}) into ${p.target}`),
        // Only when nothing was kept either: a file kept differing is not "in its place".
        result.files + result.symlinks + result.kept + result.heldBack.length === 0 && result.unchanged > 0
          ? `Nothing to write: all ${result.unchanged} file(s) of snapshot ${snap.id.slice(0, 8)} are already in their places as the snapshot holds them (${formatDuration(Date.now() - started)}).`
          : `Restored ${counted(result.files, 'file')} (${formatBytes(result.bytes)}) from snapshot ${snap.id.slice(0, 8)} to their places in ${formatDuration(Date.now() - started)}.`,
      ].join('\n'),
    );
  });
}

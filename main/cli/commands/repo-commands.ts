// init, backup, snapshots, ls, restore, check, key: the commands over one vault.

import { join, resolve } from 'node:path';
import { CairnError, ConfigError } from '../../../shared/errors.ts';
import { ADAPTERS, contextFromProcess, presentAgents, toBackupSources, withAgentRules } from '../../engine/agents/index.ts';
import type { BackupSource } from '../../engine/backup/index.ts';
import { requireOutbox } from '../../engine/outbox/index.ts';
import { Repository } from '../../engine/repository.ts';
import { describeLeftSharedDevice, flushProgress, labelPaths, runBackup, throughOutbox } from '../../engine/operations.ts';
import { summarise } from '../../service/views.ts';
import { executeRestore, planRestore } from '../../engine/restore-request.ts';
import { formatLocation, versionedBucketAdvice } from '../../engine/storage/index.ts';
import { checkVaultLocked, nextVerifyPart, repairChangedAnything, repairIndex, verifiedPart, VERIFY_PARTS } from '../../engine/vault/index.ts';
import type { RepairResult } from '../../engine/vault/index.ts';
import { settleAll } from '../../engine/concurrency.ts';
import type { SnapshotRoot, TreeEntry } from '../../engine/vault/index.ts';
import { createWorkerCodec } from '../../engine/workers/index.ts';
import { keyCacheWanted, openStore, passphrase, prompt, stateDir, withRepository, agentContext, appChoices } from '../context.ts';
import { describeCreatedVault, ensureDefaultVault } from '../default-vault.ts';
import { chooseVault, configuredVault, describeSource, rememberVault, updateKeptPassphrase } from '../vault-choice.ts';
import type { CommonOptions } from '../context.ts';
import { checkRestoreTarget, checkSources, ensureStateDir, resolveExcludes } from '../local-paths.ts';
import { counted, deviceLock, EXIT, EXIT_WARNINGS, existingNotes, formatBytes, formatDuration, lockWaitMs, makeOutput, outboxReason, ReportedError, restoredNotes, table, warnDamaged, warningText } from '../output.ts';


export async function initCommand(opts: CommonOptions): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  const chosen = chooseVault(opts);
  if (chosen.source === 'default') {
    const created = await ensureDefaultVault(opts, chosen);
    if (!created) throw new CairnError('vault_exists', `Cairn's default local vault exists already at ${formatLocation(chosen.location)}. Back up into it with './cairn backup', or name another place with --repo.`);
    out.result(created, () => describeCreatedVault(created));
    return;
  }
  if (chosen.source === 'app') {
    throw new CairnError('vault_exists', `Cairn is set up with the vault at ${formatLocation(chosen.location)} already (${describeSource(chosen)}). To create another, name it: ./cairn init --repo PLACE.`);
  }
  ensureStateDir(stateDir(opts));
  const store = await openStore(opts);
  // A bucket that isn't there yet is created when the key may (as restic's init does), before
  // asking for a passphrase: a key that may not create it fails here, naming the permission.
  const bucket = store.ensureContainer ? await store.ensureContainer() : undefined;
  if (bucket === 'created' && !out.json) process.stdout.write(`The bucket '${chosen.location.bucket ?? ''}' did not exist: created it (${formatLocation(chosen.location)}).\n`);
  const pass = await passphrase(true);
  const { repo, recoveryKey, versioning } = await Repository.init({
    store,
    stateDir: stateDir(opts),
    passphrase: pass,
    deviceName: opts.deviceName,
    keyCache: keyCacheWanted(),
    makeCodec: (vault) => createWorkerCodec(vault, { threads: 1 }),
  }).catch((error: unknown) => {
    // Said the CLI's way; and an init killed before it showed the recovery key leaves a vault
    // whose key nobody saw (measured: init killed 0.4 s in, against a local S3 server).
    if (!(error instanceof CairnError) || error.code !== 'vault_exists') throw error;
    throw new CairnError(
      'vault_exists',
      `A vault already exists at ${store.location}. Use it (its passphrase opens it: give --repo to backup, sync, …) or choose another prefix. If it is yours from a 'cairn init' that was interrupted before it showed the recovery key, make a new recovery key with 'cairn key recovery' and the same --repo${chosen.location.endpoint ? ' and --endpoint' : ''} as this init.`,
      { cause: error },
    );
  });
  try {
    // The vault made here is this machine's vault when it has none yet: else the next `cairn
    // backup` without --repo created the default local vault beside it (measured: `init --repo
    // /mnt/nas/cairn`, then `backup` went to ~/.local/share/cairn/vault).
    const configured = configuredVault(chosen.stateDir).location;
    if (!configured) rememberVault(chosen, repo.vault.id);
    const usedWithoutRepo = !configured || formatLocation(configured) === formatLocation(chosen.location);
    const value = { vaultId: repo.vault.id, fingerprint: repo.vault.fingerprint, deviceId: repo.device.id, deviceName: repo.device.name, location: store.location, recoveryKey, usedWithoutRepo, ...(bucket === 'created' ? { bucketCreated: true } : {}), ...(versioning ? { versioning } : {}) };
    // Said at set-up, not first at the prune that frees nothing.
    if (versioning) out.warn(versionedBucketAdvice(versioning));
    out.result(value, () =>
      [
        `Created a vault at ${store.location}.`,
        `Key fingerprint: ${repo.vault.fingerprint}  (the same on every device that opens this vault)`,
        usedWithoutRepo
          ? `Commands without --repo use it from now on on this machine (set up in ${join(chosen.stateDir, 'config.json')}).`
          : `Commands without --repo still use ${formatLocation(configured)} (set up in ${join(chosen.stateDir, 'config.json')}): give --repo ${formatLocation(chosen.location)} to use this one.`,
        '',
        'Recovery key — write it down and keep it somewhere safe. It is shown only now, and it is',
        'the only way in if the passphrase is forgotten:',
        '',
        `    ${recoveryKey}`,
      ].join('\n'),
    );
  } finally {
    await repo.close();
  }
}

export interface BackupCommandOptions extends CommonOptions {
  exclude?: string[];
  force?: boolean;
  agent?: string[];
  lockWait?: string;
}

/** The agents of roots a backup kept from its parent, by name. */
function keptNames(roots: readonly SnapshotRoot[]): string {
  return [...new Set(roots.map((r) => ADAPTERS.find((a) => a.id === r.agent)?.displayName ?? r.label))].join(', ');
}

/** Resolves to the exit status: EXIT.ok, or EXIT_WARNINGS when files had to be left out. */
export async function backupCommand(paths: string[], opts: BackupCommandOptions): Promise<number> {
  const out = makeOutput(opts.json ?? false);
  // One or the other: with folders named, --agent was ignored (the folders backed up, the agent not).
  if (paths.length > 0 && opts.agent?.length) {
    throw new ConfigError(`--agent ${opts.agent.join(', ')} and the folders named (${paths.join(', ')}) can't be combined: --agent backs up that agent's folders, PATH… the folders named. Nothing was backed up; run one, then the other.`);
  }
  checkSources(paths.map((p) => resolve(p)));
  const waitMs = lockWaitMs(opts.lockWait);
  // No vault named or set up: the first backup creates the default one, and says so.
  const created = await ensureDefaultVault(opts, chooseVault(opts));
  if (created && !out.json) process.stdout.write(`${describeCreatedVault(created)}\n`);
  let status = EXIT.ok;
  await withRepository(opts, async (repo) => {
    let sources: BackupSource[];
    let agents: string[] = [];
    if (paths.length > 0) {
      // The agents' credential rules apply wherever an agent's folder is inside these paths.
      sources = withAgentRules(labelPaths(paths.map((p) => resolve(p))), contextFromProcess());
    } else {
      const ctx = await agentContext(opts);
      const present = await presentAgents(ctx);
      const choices = opts.agent ? undefined : appChoices(opts);
      const chosen = opts.agent ?? choices?.agents;
      const detected = ADAPTERS.filter((a) => present.includes(a.id) && (!chosen || chosen.includes(a.id)));
      const switchedOff = opts.agent ? [] : ADAPTERS.filter((a) => present.includes(a.id) && !detected.includes(a));
      if (detected.length === 0 && switchedOff.length > 0 && choices) {
        throw new ConfigError(`Every coding agent found on this machine (${switchedOff.map((a) => a.displayName).join(', ')}) is switched off in Cairn's settings (${choices.file}). Switch one on in the app, or name it with --agent.`);
      }
      if (detected.length === 0) {
        throw new ConfigError('No PATH given and no coding agent found on this machine. Name folders to back up, or see `cairn agents`.');
      }
      agents = detected.map((a) => a.id);
      sources = await toBackupSources(ADAPTERS, ctx, agents);
      out.info(`Backing up ${detected.map((a) => a.displayName).join(', ')}.`);
      if (switchedOff.length > 0 && choices) out.info(`Left out, as Cairn's settings say (${choices.file}): ${switchedOff.map((a) => a.displayName).join(', ')}. Name one with --agent to back it up anyway.`);
    }
    const excluded = resolveExcludes(opts.exclude, sources);
    for (const path of excluded.unmatched) out.warn(`--exclude ${path} is not inside any folder this backup reads, so it leaves nothing out.`);
    const run = (offline: boolean) =>
      runBackup(repo, {
        sources: excluded.sources,
        agents,
        // Agents named with --agent are a one-off: the snapshot keeps the others as they were.
        keepOtherAgents: opts.agent !== undefined && paths.length === 0,
        ...(opts.exclude?.length ? { refuseEmpty: 'Every file was left out by --exclude: this snapshot would hold nothing, and as this device\'s newest it would take its sessions off every other device\'s list. Nothing was saved; check the patterns.' } : {}),
        reason: 'cli',
        excludes: excluded.globs,
        force: opts.force,
        offline,
        lockWaitMs: waitMs,
        onProgress: (p) => out.progress(p),
        onWarning: (w) => out.warn(warningText(w)),
        onDamaged: warnDamaged(out),
      });
    const outcome = await throughOutbox(repo, requireOutbox(repo.vault.store), () => run(false), () => run(true), { onFlushProgress: (p) => out.progress(flushProgress(p)), lock: deviceLock(out, 'cairn backup', waitMs) });
    out.endProgress();
    for (const w of outcome.stillWaiting) out.warn(w.message);
    const result = outcome.offline ? outcome.offline.result : outcome.online;
    const s = result.stats;
    if (result.warnings.length > 0) status = EXIT_WARNINGS;
    out.result(
      {
        snapshot: result.snapshotId,
        unchanged: result.unchanged,
        stats: s,
        resumedFiles: result.resumedFiles,
        warnings: result.warnings,
        ...(result.scrubbed.length > 0 ? { scrubbed: result.scrubbed } : {}),
        ...(result.linkedFolders.length > 0 ? { linkedFolders: result.linkedFolders } : {}),
        ...(result.keptRoots ? { keptAgents: [...new Set(result.keptRoots.map((r) => r.agent))] } : {}),
        ...(result.leftSharedDevice ? { leftSharedDevice: result.leftSharedDevice } : {}),
        uploadedWaiting: outcome.flushed,
        ...(outcome.stillWaiting.length > 0 ? { stillWaiting: outcome.stillWaiting } : {}),
        ...(created ? { createdVault: created } : {}),
        ...(outcome.offline ? { offline: true, waiting: outcome.offline.waiting, cause: outcome.offline.cause.toRecord() } : {}),
      },
      () =>
        [
          result.leftSharedDevice ? describeLeftSharedDevice(result.leftSharedDevice) : '',
          outcome.flushed > 0 ? `Uploaded ${outcome.flushed} snapshot(s) that waited on this device.` : '',
          outcome.offline ? outboxReason(outcome.offline.cause) : '',
          result.unchanged
            ? `Nothing changed since snapshot ${result.snapshotId?.slice(0, 8)}: no new snapshot needed (${counted(s.files, 'file')}, ${formatBytes(s.bytes)}, ${formatDuration(s.durationMs)}).`
            : [
                `Snapshot ${result.snapshotId?.slice(0, 8)} ${outcome.offline ? 'kept on this device' : 'saved'}.`,
                `  files: ${s.newFiles} new, ${s.changedFiles} changed, ${s.unchangedFiles} unchanged (${s.files} in all, ${formatBytes(s.bytes)})`,
                `  added: ${formatBytes(s.newBytes)} of new data, ${formatBytes(s.uploadedBytes)} ${outcome.offline ? 'waiting to upload' : 'uploaded'}`,
                s.secretsSkipped > 0 ? `  secrets never uploaded: ${s.secretsSkipped} file(s)` : '',
                result.scrubbed.length > 0 ? `  credentials removed before upload: ${result.scrubbed.length} file(s) (${result.scrubbed.slice(0, 3).map((f) => f.path).join(', ')}${result.scrubbed.length > 3 ? ', …' : ''})` : '',
                s.specialSkipped ? `  left out: ${s.specialSkipped} FIFO(s), socket(s) or device(s), which hold no content` : '',
                s.vanished ? `  deleted while the backup ran: ${s.vanished} file(s) or folder(s), not in this snapshot` : '',
                result.keptRoots ? `  kept as the last backup had them, not read: ${keptNames(result.keptRoots)}` : '',
                `  took ${formatDuration(s.durationMs)}`,
              ]
                .filter(Boolean)
                .join('\n'),
          outcome.offline ? `${outcome.offline.waiting} snapshot(s) wait on this device; the next backup or sync that reaches the vault uploads them.` : '',
          result.linkedFolders.length > 0
            ? `Links to folders are kept as links; what they hold is not in this snapshot: ${result.linkedFolders
                .slice(0, 3)
                .map((l) => `${l.path} → ${l.target}`)
                .join(', ')}${result.linkedFolders.length > 3 ? `, and ${result.linkedFolders.length - 3} more` : ''}. To keep it, back up those folders too ('cairn backup FOLDER'), or move them back in place of the links.`
            : '',
          result.warnings.length > 0 ? `Complete with warnings: ${result.warnings.length} file(s) or folder(s) could not be read and are not in this snapshot (listed above); the next backup tries them again.` : '',
        ]
          .filter(Boolean)
          .join('\n'),
    );
  }, { outbox: true });
  return status;
}


export async function snapshotsCommand(opts: CommonOptions & { device?: string }): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  await withRepository(opts, async (repo) => {
    const onDamaged = warnDamaged(out);
    const device = opts.device ? await repo.resolveDevice(opts.device, onDamaged) : undefined;
    const list = (await repo.listSnapshots(device, onDamaged)).map(summarise);
    out.result(list, () =>
      list.length === 0
        ? 'No snapshots yet.'
        : table([
            ['ID', 'TIME', 'DEVICE', 'REASON', 'FILES', 'SIZE', 'ROOTS'],
            ...list.map((s) => [s.shortId + (s.pinned ? '*' : ''), s.time.replace('T', ' ').slice(0, 19), s.deviceName, s.reason, String(s.stats.files), formatBytes(s.stats.bytes), s.roots.map((r) => r.label).join(', ')]),
          ]),
    );
  }, { readOnly: true });
}

function entryJson(path: string, e: TreeEntry) {
  return { path, name: e.name, type: e.type, size: e.size, mode: e.mode, mtime: new Date(Number(BigInt(e.mtimeNs) / 1_000_000n)).toISOString(), ...(e.target !== undefined ? { target: e.target } : {}) };
}

export async function lsCommand(path: string | undefined, opts: CommonOptions & { snapshot: string; recursive?: boolean; device?: string }): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  await withRepository(opts, async (repo) => {
    const [snap] = await settleAll([repo.findSnapshot(opts.snapshot, opts.device, warnDamaged(out), path ? [path] : []), repo.refreshIndex(warnDamaged(out))]);
    const reader = repo.reader();
    const start = path ? await reader.resolve(snap, path) : { path: '', entry: reader.rootEntry(snap) };
    const rows: ReturnType<typeof entryJson>[] = [];
    if (opts.recursive) {
      for await (const r of reader.walk(start)) if (r.path !== start.path || start.entry.type !== 'dir') rows.push(entryJson(r.path, r.entry));
    } else if (start.entry.type === 'dir') {
      for (const e of await reader.list(start.entry)) rows.push(entryJson(start.path ? `${start.path}/${e.name}` : e.name, e));
    } else rows.push(entryJson(start.path, start.entry));
    // Files the device kept local for holding credentials, below the path listed.
    const prefix = start.path ? `${start.path}/` : '';
    const kept = (snap.keptLocal ?? []).filter((k) => k.path === start.path || k.path.startsWith(prefix));
    const scrubbed = (snap.scrubbed ?? []).filter((k) => k.path === start.path || k.path.startsWith(prefix));
    out.result(rows, () =>
      [
        table(rows.map((r) => [r.type === 'dir' ? 'd' : r.type === 'symlink' ? 'l' : '-', (r.mode & 0o777).toString(8).padStart(3, '0'), formatBytes(r.size), r.mtime.startsWith('1970-01-01T00:00:00') ? '-' : r.mtime.replace('T', ' ').slice(0, 19), r.path + (r.type === 'dir' ? '/' : '') + (r.target !== undefined ? ` -> ${r.target}` : '')])),
        kept.length > 0 ? `\nKept on ${snap.deviceName}, never uploaded (credentials):\n${kept.map((k) => `  ${k.path}  (${k.why})`).join('\n')}` : '',
        scrubbed.length > 0 ? `\nIn this snapshot without their credentials (removed before upload; they stay on ${snap.deviceName}):\n${scrubbed.map((k) => `  ${k.path}  (${k.removed.join(', ')})`).join('\n')}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }, { readOnly: true });
}

export async function restoreCommand(opts: CommonOptions & { snapshot: string; target: string; path?: string[]; overwrite?: boolean; device?: string }): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  checkRestoreTarget(resolve(opts.target));
  await withRepository(opts, async (repo) => {
    // The worker threads load while the snapshot is found and the plan made (see planRestore).
    repo.codec.warm?.();
    const [snap] = await settleAll([repo.findSnapshot(opts.snapshot, opts.device, warnDamaged(out), opts.path ?? []), repo.refreshIndex(warnDamaged(out))]);
    if (snap.device !== repo.device.id && !opts.device && opts.snapshot === 'latest') {
      out.info(`This device has no snapshots yet: restoring the newest of device ${snap.deviceName} (host ${snap.hostname}, ${snap.time.replace('T', ' ').slice(0, 16)} UTC), the machine this one replaces.`);
    }
    const started = Date.now();
    const target = resolve(opts.target);
    // The app's rule too: overwriting takes a safety snapshot of exactly the files replaced.
    const request = { snapshot: snap, paths: opts.path ?? [], destination: { kind: 'folder', path: target }, existing: opts.overwrite ? 'overwrite' : 'refuse' } as const;
    const ctx = await agentContext(opts);
    const plan = await planRestore(repo, request, { onProgress: (p) => out.progress(p), indexRefreshed: true, ctx });
    out.endProgress();
    for (const note of existingNotes(plan, `in ${target}`)) out.info(note);
    const result = await executeRestore(repo, request, plan, { ctx, onProgress: (p) => out.progress(p) }).catch((error: unknown) => {
      // The engine's words are the app's ("allow overwriting" is a choice in its dialog): here it is a flag.
      if (error instanceof CairnError && error.code === 'exists') throw new CairnError('exists', error.message.replace('allow overwriting.', 'add --overwrite (what it replaces is kept in a safety snapshot first).'));
      throw error;
    });
    if (result.safetySnapshotId) out.info(`Safety snapshot ${result.safetySnapshotId.slice(0, 8)} saved.`);
    for (const note of restoredNotes(plan, result)) out.info(note);
    out.endProgress();
    out.result({ snapshot: snap.id, target, ...result, durationMs: Date.now() - started }, () =>
      result.files + result.symlinks + result.kept === 0 && result.unchanged > 0
        ? `Nothing to write: all ${result.unchanged} file(s) of snapshot ${snap.id.slice(0, 8)} are already in ${target} as the snapshot holds them (${formatDuration(Date.now() - started)}).`
        : `Restored ${counted(result.files, 'file')} (${formatBytes(result.bytes)}), ${counted(result.dirs, 'folder')}${result.symlinks ? `, ${counted(result.symlinks, 'symlink')}` : ''} from snapshot ${snap.id.slice(0, 8)} into ${target} in ${formatDuration(Date.now() - started)}.`,
    );
    // Overwriting writes a safety snapshot, so the device is registered like any that writes.
  }, { readOnly: !opts.overwrite });
}

/** `--read-data-subset N/M`: part N of M (1 ≤ N ≤ M); `next`: the part after the last this device read (`verify-parts.ts`). */
export function parseSubset(value: string): { part: number; of: number } | 'next' {
  if (value.trim() === 'next') return 'next';
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(value.trim());
  const part = Number(m?.[1]);
  const of = Number(m?.[2]);
  if (!m || part < 1 || of < 1 || part > of) throw new ConfigError(`--read-data-subset takes a part of the packs as N/M, with 1 ≤ N ≤ M (say 3/30: the third thirtieth), or 'next' (the part after the last one read here, of ${VERIFY_PARTS}), not '${value}'.`);
  return { part, of };
}

export async function checkCommand(opts: CommonOptions & { readData?: boolean; readDataSubset?: string; repair?: boolean }): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  const asked = opts.readDataSubset === undefined ? undefined : parseSubset(opts.readDataSubset);
  const readData = opts.readData === true || asked !== undefined;
  await withRepository(opts, async (repo) => {
    const subset = asked === 'next' ? { part: nextVerifyPart(repo.db), of: VERIFY_PARTS } : asked;
    const report = await checkVaultLocked(repo.vault, repo.codec, {
      device: repo.device.id,
      deviceName: repo.device.name,
      readData,
      ...(subset ? { readDataSubset: subset } : {}),
      onProgress: (done, total, phase) => out.progress({ phase: `checking ${phase}`, filesDone: done, filesTotal: total, bytesDone: 0, uploadedBytes: 0 }),
    });
    out.endProgress();
    // Read through: the rotation moves on (the app's daily verification shares it).
    if (asked === 'next' && subset) verifiedPart(repo.db, subset.part);
    const missing = report.missingPacks ?? [];
    const lostTrees = report.missingTrees ?? 0;
    const damagedIndex = (report.damaged ?? []).filter((d) => d.kind === 'index').length;
    const damagedBlobs = report.damagedBlobs ?? [];
    const repair = opts.repair && !report.ok ? await repairIndex(repo.vault, repo.db, repo.codec, { device: repo.device.id, damagedBlobs }) : undefined;
    const notes = (report.warnings ?? []).map((w) => `  note: ${w}`);
    out.result({ ...report, ...(subset ? { readDataSubset: subset } : {}), ...(repair ? { repair } : {}) }, () =>
      [
        report.ok
          ? `No problems: ${report.snapshots} snapshots, ${report.packs} packs, ${report.blobs} blobs${readData ? `, ${subset ? `part ${subset.part} of ${subset.of}: ${report.packsRead ?? 0} packs, ` : ''}${formatBytes(report.bytesRead)} read and verified` : ''}.`
          : [`${report.problems.length} problem(s) found:`, ...report.problems.map((p) => `  - ${p}`)].join('\n'),
        ...notes,
        asked === 'next' ? `Next time, --read-data-subset next reads part ${nextVerifyPart(repo.db)} of ${VERIFY_PARTS}: run it daily to read the whole vault each month.` : '',
        repair ? repairedText(repair, readData) : '',
        !opts.repair && missing.length > 0 ? `${counted(missing.length, 'pack')} the index lists ${missing.length === 1 ? 'is' : 'are'} missing: every later backup relies on ${missing.length === 1 ? 'it' : 'them'} and never stores that data again. Run 'cairn check --repair' to take ${missing.length === 1 ? 'it' : 'them'} out of the index; then each device's next backup stores again what it still has.` : '',
        !opts.repair && damagedBlobs.length > 0 ? `${counted(damagedBlobs.length, 'blob')} the index lists ${damagedBlobs.length === 1 ? 'is' : 'are'} damaged in ${damagedBlobs.length === 1 ? 'its pack' : 'their packs'}: every later backup relies on ${damagedBlobs.length === 1 ? 'it' : 'them'} and never stores that data again. Run 'cairn check ${subset ? `--read-data-subset ${subset.part}/${subset.of}` : '--read-data'} --repair' to take ${damagedBlobs.length === 1 ? 'it' : 'them'} out of the index; then each device's next backup stores again what it still has, and the snapshots that need that data restore whole again once it is stored.` : '',
        !opts.repair && damagedIndex > 0 ? `${counted(damagedIndex, 'index file')} ${damagedIndex === 1 ? 'is' : 'are'} damaged: backups store again the data ${damagedIndex === 1 ? 'it lists' : 'they list'}, and restores leave out the files that need it. Run 'cairn check --repair' to rebuild the index from the packs' own headers.` : '',
        !opts.repair && missing.length === 0 && lostTrees > 0 && damagedIndex === 0 ? `${counted(lostTrees, 'folder listing')} the snapshots use ${lostTrees === 1 ? 'is' : 'are'} in no index: prune refuses the vault until 'cairn check --repair' records ${lostTrees === 1 ? 'it' : 'them'} as lost.` : '',
      ]
        .filter((line) => line !== '')
        .join('\n'),
    );
    if (!report.ok) throw new ReportedError('integrity', `The vault has ${report.problems.length} problem(s); see above.${repair && repairChangedAnything(repair) ? ' The repair above is done.' : ''}`);
  }, { readOnly: !opts.repair });
}

/** What `check --repair` did, and what it means for backups, snapshots and prune. */
function repairedText(r: RepairResult, readData: boolean): string {
  const packs = r.missingPacks.length;
  if (!repairChangedAnything(r)) {
    const more = readData ? '' : " Damaged blobs are found by reading the data: 'cairn check --read-data --repair'.";
    return `Nothing to repair: --repair takes missing packs and damaged blobs out of the index and records lost folder listings, and there are none. The problems above need another remedy (an older snapshot may hold a good copy).${more}`;
  }
  return [
    r.damagedBlobsDropped > 0 ? `Repaired: ${counted(r.damagedBlobsDropped, 'damaged blob')} taken out of the index. Each device's next backup reads its files again and stores again the data it still has; the same data has the same id, so the snapshots that need it restore whole again once it is stored.` : '',
    r.damagedIndexFiles > 0 ? `Rebuilt the index: ${counted(r.damagedIndexFiles, 'damaged index file')} replaced by what ${counted(r.packsReindexed, 'pack')}${r.packsReindexed === 1 ? "'s own header says" : "' own headers say"}.` : '',
    packs > 0 ? `Repaired: ${counted(packs, 'missing pack')} (${counted(r.blobsDropped, 'blob')}) taken out of the index. Each device's next backup reads its files again and stores again the data it still has.` : '',
    r.lostTrees > 0 ? `${counted(r.lostTrees, 'lost folder listing')} recorded, so prune works again.` : '',
    packs > 0 || r.lostTrees > 0 ? "Snapshots made before can't restore the files whose data is gone: a restore leaves them out and names them." : '',
  ]
    .filter(Boolean)
    .join(' ');
}

export interface KeyOptions extends CommonOptions {
  confirm?: boolean;
  cancel?: boolean;
}

/** The last group of a recovery key: what the user types back to show they saved it (as in the app). */
export function lastKeyGroup(key: string): string {
  const groups = key.trim().split(/[\s-]+/).filter(Boolean);
  return groups[groups.length - 1] ?? '';
}

/** A new passphrase, asked twice on the terminal (CAIRN_PASSPHRASE, the current one, is not it). */
async function newPassphrase(): Promise<string> {
  if (!process.stdin.isTTY) throw new ConfigError('The new passphrase is needed: set CAIRN_NEW_PASSPHRASE, or run in a terminal to be asked. Nothing was changed.');
  const first = await prompt('New passphrase: ');
  if ((await prompt('Repeat the new passphrase: ')) !== first) throw new ConfigError('The two passphrases differ. Nothing was changed.');
  return first;
}

export async function keyCommand(action: string, opts: KeyOptions): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  if ((opts.confirm || opts.cancel) && action !== 'recovery') throw new ConfigError('--confirm and --cancel go with `cairn key recovery`.');
  if (opts.confirm && opts.cancel) throw new ConfigError('Give --confirm or --cancel, not both.');
  await withRepository(opts, async (repo) => {
    if (action === 'fingerprint') {
      out.result({ fingerprint: repo.vault.fingerprint }, () => repo.vault.fingerprint);
    } else if (action === 'passwd') {
      // Opened with the recovery key: that proves enough, and the old passphrase may be lost or
      // its slot damaged.
      const withRecovery = Boolean(process.env.CAIRN_RECOVERY_KEY);
      const current = withRecovery ? undefined : (process.env.CAIRN_PASSPHRASE ?? (await prompt('Current passphrase: ')));
      // Never CAIRN_PASSPHRASE: that is the current one (it made the "change" a no-op that said it changed).
      const next = process.env.CAIRN_NEW_PASSPHRASE ?? (await newPassphrase());
      if (next === current) throw new ConfigError('The new passphrase is the same as the current one: nothing was changed. Give the new one in CAIRN_NEW_PASSPHRASE, or run in a terminal to be asked.');
      if (current === undefined) await repo.replacePassphrase(next);
      else await repo.changePassphrase(current, next);
      const kept = await updateKeptPassphrase(chooseVault(opts), next);
      out.result({ changed: true, fingerprint: repo.vault.fingerprint, keptUpdated: kept }, () =>
        [
          'Passphrase changed on the vault: every device uses the new one from now on. The data was not re-encrypted and the fingerprint is unchanged.',
          kept.length > 0 ? `The passphrase Cairn keeps for this vault on this machine is the new one (${kept.join(', ')}).` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      );
    } else if (action === 'recovery') {
      await recoveryKeyRotation(repo, opts, out);
    } else {
      throw new ConfigError(`Unknown key action '${action}'. Use fingerprint, passwd or recovery.`);
    }
  }, { readOnly: action === 'fingerprint' });
}

/**
 * A new recovery key in two steps, as in the app: the new key is added next to the old one, and
 * the old one is removed only once the new one is confirmed. In a terminal the confirmation is
 * asked at once (the last group, typed back); otherwise `--confirm` (or `--cancel`) later, with
 * the new key in CAIRN_NEW_RECOVERY_KEY or typed when asked.
 */
async function recoveryKeyRotation(repo: Repository, opts: KeyOptions, out: ReturnType<typeof makeOutput>): Promise<void> {
  if (opts.confirm || opts.cancel) {
    const key = process.env.CAIRN_NEW_RECOVERY_KEY ?? (await prompt('The new recovery key: '));
    const slot = await repo.vault.recoverySlotOf(key);
    if (opts.cancel) {
      const removed = await repo.removeRecoveryKeySlot(slot);
      if (!removed) throw new ConfigError('That recovery key is the only one the vault has, so it was kept. Nothing was changed.');
      out.result({ cancelled: true }, () => 'Cancelled: that new recovery key no longer works; the previous one still does.');
      return;
    }
    const removed = await repo.retireRecoveryKeysExcept(slot);
    out.result({ confirmed: true, removedSlots: removed.length }, () => `Confirmed: the new recovery key is the vault's recovery key; the previous one no longer works (${removed.length} old slot(s) removed).`);
    return;
  }
  const { recoveryKey, slot } = await repo.addRecoveryKey();
  const interactive = process.stdin.isTTY && !opts.json && !process.env.CAIRN_NEW_RECOVERY_KEY;
  const shown = ['New recovery key. Write it down or store it in your password manager; it is shown only now:', '', `    ${recoveryKey}`, ''];
  if (!interactive) {
    out.result({ recoveryKey, confirmed: false }, () =>
      [...shown, 'Your previous recovery key still works. Once this one is saved, run `cairn key recovery --confirm` (CAIRN_NEW_RECOVERY_KEY=<the new key>, or type it when asked): only then does the previous one stop working. `--cancel` removes the new one instead.'].join('\n'),
    );
    return;
  }
  process.stderr.write(`${shown.join('\n')}\n`);
  let typed: string;
  try {
    typed = await prompt(`To confirm you saved it, type its last group (${lastKeyGroup(recoveryKey).length} characters), or press Enter to cancel: `);
  } catch (error) {
    await repo.removeRecoveryKeySlot(slot);
    throw error;
  }
  if (typed.trim().toUpperCase() !== lastKeyGroup(recoveryKey).toUpperCase()) {
    await repo.removeRecoveryKeySlot(slot);
    throw new ConfigError('Not confirmed: the new recovery key was removed and your previous recovery key still works. Run `cairn key recovery` again.');
  }
  await repo.retireRecoveryKeysExcept(slot);
  out.result({ recoveryKey, confirmed: true }, () => 'Confirmed: this is now the vault\'s recovery key; the previous one no longer works.');
}


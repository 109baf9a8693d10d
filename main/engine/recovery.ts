// Disaster recovery on a new machine: restore every folder a snapshot holds to its place in one
// step. Taking over the old machine's identity is Repository.adopt; the flow is docs/RECOVERY.md.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgressInfo } from '../../shared/models.ts';
import type { SnapshotId } from '../../shared/ids.ts';
import type { AgentContext } from './agents/index.ts';
import { agentSources, safetySnapshot } from './operations.ts';
import type { Repository } from './repository.ts';
import { restore } from './restore/index.ts';
import type { SnapshotRecord } from './vault/index.ts';

export interface PlaceRestore {
  label: string;
  /** The folder the root's contents went into. */
  target: string;
  files: number;
  bytes: number;
}

export interface RestoreToPlacesResult {
  places: PlaceRestore[];
  files: number;
  bytes: number;
  /** The snapshot holding what the restore replaced, when anything was there. */
  safetySnapshot?: SnapshotId;
}

export interface RestoreToPlacesOptions {
  /**
   * This machine's agents, to find where it keeps an agent's folder when the snapshot is another
   * device's (a Mac's ~/Library/… on Linux's ~/.config/…). Without it, every folder goes back to
   * the path it was backed up from.
   */
  ctx?: AgentContext;
  onProgress?: (progress: ProgressInfo) => void;
  signal?: AbortSignal;
}

/**
 * Restores each backed-up folder of `snap` into its place: the same agent's folder on this
 * machine, else the path it was backed up from. Files already there are kept first in a
 * before-restore safety snapshot, then replaced.
 */
export async function restoreToPlaces(repo: Repository, snap: SnapshotRecord, options: RestoreToPlacesOptions = {}): Promise<RestoreToPlacesResult> {
  await repo.refreshIndex();
  const local = options.ctx ? new Map((await agentSources({ ctx: options.ctx })).sources.map((s) => [s.label, s.path])) : new Map<string, string>();
  const reader = repo.reader();
  const plan: { label: string; target: string; paths: string[] }[] = [];
  for (const root of snap.roots) {
    const target = snap.device === repo.device.id ? root.path : (local.get(root.label) ?? root.path);
    const { entry } = await reader.resolve(snap, root.label);
    const children = entry.type === 'dir' ? (await reader.list(entry)).map((c) => `${root.label}/${c.name}`) : [];
    if (children.length > 0) plan.push({ label: root.label, target, paths: children });
  }
  const existing = plan.flatMap((p) => p.paths.map((rel) => join(p.target, rel.slice(p.label.length + 1)))).filter((p) => existsSync(p));
  const safety = existing.length > 0 ? await safetySnapshot(repo, existing) : undefined;
  const places: PlaceRestore[] = [];
  for (const step of plan) {
    const r = await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: snap, paths: step.paths, target: step.target, overwrite: true, onProgress: options.onProgress, signal: options.signal });
    places.push({ label: step.label, target: step.target, files: r.files, bytes: r.bytes });
  }
  return {
    places,
    files: places.reduce((n, p) => n + p.files, 0),
    bytes: places.reduce((n, p) => n + p.bytes, 0),
    ...(safety ? { safetySnapshot: safety } : {}),
  };
}

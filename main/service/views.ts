// How the engine's records are shown: the app's lists (over IPC) and the CLI's output and --json
// share these mappings. They are UI wording, not engine rules, so they live here, above the engine.

import type { DeviceInfo, SnapshotSummary } from '../../shared/models.ts';
import type { ForgetResult } from '../engine/operations.ts';
import type { DeviceRecord, SnapshotRecord } from '../engine/vault/index.ts';

/** A device as the app and `cairn devices` show it, with its snapshots among `snapshots` (any order). */
export function deviceInfo(d: DeviceRecord, snapshots: readonly SnapshotRecord[], thisDevice: string): DeviceInfo {
  const own = snapshots.filter((s) => s.device === d.id);
  const lastSnapshot = own.reduce<string | undefined>((latest, s) => (latest === undefined || s.time > latest ? s.time : latest), undefined);
  return { id: d.id, name: d.name, hostname: d.hostname, platform: d.platform, agents: d.agents, lastSeen: d.lastSeen, isThisDevice: d.id === thisDevice, snapshotCount: own.length, ...(lastSnapshot ? { lastSnapshot } : {}) };
}

/** A snapshot as the app's lists and `cairn snapshots` show it. */
export function summarise(s: SnapshotRecord): SnapshotSummary {
  return {
    id: s.id,
    shortId: s.id.slice(0, 8),
    deviceId: s.device,
    deviceName: s.deviceName,
    time: s.time,
    reason: s.reason,
    pinned: s.pinned,
    roots: s.roots.map((r) => ({ label: r.label, ...(r.agent ? { agent: r.agent } : {}), path: r.path })),
    stats: s.stats,
    ...(s.parent ? { parent: s.parent } : {}),
    ...(s.seq !== undefined ? { seq: s.seq } : {}),
    ...(s.keptLocal ? { keptLocal: s.keptLocal } : {}),
    ...(s.scrubbed ? { scrubbed: s.scrubbed } : {}),
    ...(s.warnings && s.warnings.length > 0 ? { warnings: s.warnings } : {}),
  };
}

export interface ForgetView {
  keep: { snapshot: SnapshotSummary; reasons: string[] }[];
  forget: SnapshotSummary[];
  dryRun: boolean;
}

/** A forget's decision with its snapshots summarised (`cairn forget` prints it; --json is this). */
export function forgetView(result: ForgetResult): ForgetView {
  return { keep: result.keep.map((k) => ({ snapshot: summarise(k.snapshot), reasons: k.reasons })), forget: result.forget.map(summarise), dryRun: result.dryRun };
}

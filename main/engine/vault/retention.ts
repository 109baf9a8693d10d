// Which snapshots a retention policy keeps, per device and line of backups (its agents', or one
// set of folders named to `cairn backup PATH…`: shared/backup-lines.ts): the last N, plus the
// newest snapshot of each of the last N hours / days / ISO weeks / months that have one, counting
// backups only. Per line, as restic groups by host and paths: a backup of ~/notes doesn't count
// as one of the device's agents (`--keep-last 1` forgot the device's only backup of its agents).
// Pinned and before-restore safety snapshots are always kept. A pure function of the snapshots,
// the policy and the clock.

import type { RetentionPolicy } from '../../../shared/models.ts';
import { backupLine, newerOfDevice } from '../../../shared/backup-lines.ts';

export interface RetentionInput {
  id: string;
  device: string;
  time: string; // ISO 8601
  /** The device's count of its backups (SnapshotRecord.seq): orders them whatever its clock said. */
  seq?: number;
  pinned: boolean;
  reason: string;
  /** What it holds: which line of the device's backups it continues (backupLine). */
  roots: readonly { agent?: string; path: string }[];
}

export interface RetentionDecision<T extends RetentionInput> {
  keep: { snapshot: T; reasons: string[] }[];
  forget: T[];
}

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

const BUCKETS: { key: keyof RetentionPolicy; name: string; of: (d: Date) => string }[] = [
  { key: 'keepHourly', name: 'hourly', of: (d) => d.toISOString().slice(0, 13) },
  { key: 'keepDaily', name: 'daily', of: (d) => d.toISOString().slice(0, 10) },
  { key: 'keepWeekly', name: 'weekly', of: isoWeek },
  { key: 'keepMonthly', name: 'monthly', of: (d) => d.toISOString().slice(0, 7) },
];

export function applyRetention<T extends RetentionInput>(snapshots: readonly T[], policy: RetentionPolicy): RetentionDecision<T> {
  const byDevice = new Map<string, T[]>();
  for (const s of snapshots) {
    // A safety snapshot is kept whatever its line (below): grouped with its device's agents.
    const line = s.reason === 'before-restore' ? '' : backupLine(s);
    const key = `${s.device}\0${line}`;
    let list = byDevice.get(key);
    if (!list) byDevice.set(key, (list = []));
    list.push(s);
  }
  const keep: RetentionDecision<T>['keep'] = [];
  const forget: T[] = [];
  for (const list of byDevice.values()) {
    // Newest first, by the device's own count where it has one (a clock that was wrong made the
    // newest backups look old, and `keep-last` forgot them); ties broken by id.
    list.sort((a, b) => newerOfDevice(b, a));
    const reasons = new Map<T, string[]>();
    const add = (s: T, why: string) => {
      let r = reasons.get(s);
      if (!r) reasons.set(s, (r = []));
      r.push(why);
    };
    // The policy counts backups: a safety snapshot (only the files a restore replaced) is kept
    // for what it is, and never takes the place of the last backup, or of a day's, in the count.
    const backups: T[] = [];
    for (const s of list) {
      if (s.pinned) add(s, 'pinned');
      if (s.reason === 'before-restore') add(s, 'safety snapshot before a restore');
      else backups.push(s);
    }
    backups.forEach((s, i) => {
      if (i < policy.keepLast) add(s, `last ${policy.keepLast}`);
    });
    for (const bucket of BUCKETS) {
      const limit = policy[bucket.key];
      if (limit <= 0) continue;
      const seen = new Set<string>();
      for (const s of backups) {
        const b = bucket.of(new Date(s.time));
        if (seen.has(b)) continue;
        seen.add(b);
        if (seen.size > limit) break;
        add(s, `${bucket.name} ${b}`);
      }
    }
    for (const s of list) {
      const r = reasons.get(s);
      if (r) keep.push({ snapshot: s, reasons: r });
      else forget.push(s);
    }
  }
  return { keep, forget };
}

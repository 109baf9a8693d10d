// Which of a device's snapshots stand for it. A device keeps more than one line of backups: its
// agents' (the app's, `cairn backup`, `cairn sync`) and, for each set of folders named to
// `cairn backup PATH…`, that set's. A backup of ~/notes is not a newer version of the device's
// agents: before, it became the device's newest, and other devices pulled nothing from it (an
// appended session never reached them), `latest` restored the notes alone, and `--keep-last 1`
// forgot the device's only backup of its agents. Pure functions: the engine and the renderer
// both order snapshots with them.

/** A snapshot as far as ordering it goes (SnapshotRecord and SnapshotSummary both fit). */
export interface LinedSnapshot {
  id: string;
  time: string;
  /** The device's count of its backups (SnapshotRecord.seq). */
  seq?: number;
  reason: string;
  roots: readonly { agent?: string; path: string }[];
}

/** The line of the device's agents. */
export const AGENTS_LINE = 'agents';

/**
 * The line a snapshot continues: AGENTS_LINE when it holds an agent's folder, else the set of
 * folders it was made of (their paths, sorted), so the same `cairn backup PATH…` continues its own.
 */
export function backupLine(s: Pick<LinedSnapshot, 'roots'>): string {
  if (s.roots.some((r) => r.agent !== undefined)) return AGENTS_LINE;
  return `folders:${[...new Set(s.roots.map((r) => r.path))].sort().join('\n')}`;
}

/**
 * Orders two snapshots of one device, newest first when sorting with (a, b) => newerOfDevice(b, a):
 * by `seq` where both have one, a snapshot with one before one without (it was made after its
 * device's Cairn learned to count), else by time. A clock that was wrong for a while (ahead, or
 * reset to 2000 by a flat battery) made the newest backups look old: retention forgot them and
 * `latest` was a stale one. Positive when `a` is newer.
 */
export function newerOfDevice(a: { seq?: number; time: string; id: string }, b: { seq?: number; time: string; id: string }): number {
  if (a.seq !== undefined && b.seq !== undefined && a.seq !== b.seq) return a.seq - b.seq;
  if ((a.seq === undefined) !== (b.seq === undefined)) return a.seq === undefined ? -1 : 1;
  return a.time.localeCompare(b.time) || b.id.localeCompare(a.id);
}

function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/**
 * The newest of one device's backups, whatever their line: the head of its history, which its
 * next backup continues (its \`parent\`, and \`seq\` + 1). Before-restore safety snapshots hold only
 * the files a restore replaced: never one of these.
 */
export function newestInHistory<T extends LinedSnapshot>(snapshots: Iterable<T>): T | undefined {
  let newest: T | undefined;
  for (const s of snapshots) if (s.reason !== 'before-restore' && (!newest || newerOfDevice(s, newest) > 0)) newest = s;
  return newest;
}

/** One device's newest backup of each line, by line (see newestInHistory). */
export function newestOfEachLine<T extends LinedSnapshot>(snapshots: Iterable<T>): Map<string, T> {
  const newest = new Map<string, T>();
  for (const [line, list] of groupBy(snapshots, backupLine)) {
    const head = newestInHistory(list);
    if (head) newest.set(line, head);
  }
  return newest;
}

/**
 * Each device's newest backup: what \`latest\` means, what a new machine restores, what another
 * device syncs from. That is its agents' newest backup when it has one (a backup of folders named
 * by hand never takes its place), else its newest backup of any line.
 */
export function newestBackups<T extends LinedSnapshot, K>(snapshots: Iterable<T>, deviceOf: (s: T) => K): Map<K, T> {
  const newest = new Map<K, T>();
  for (const [device, list] of groupBy(snapshots, deviceOf)) {
    const head = newestOfEachLine(list).get(AGENTS_LINE) ?? newestInHistory(list);
    if (head) newest.set(device, head);
  }
  return newest;
}

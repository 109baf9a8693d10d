// The names of the files a conflict leaves beside the user's own: one function for the engine
// (which writes them) and the conflict screen (which says what they will be called), so the
// dialog can't promise a name the disk doesn't get.

/** Extensions kept whole at the end of the name, so the agent still recognises the file. */
const COMPOUND_EXTENSIONS = ['.jsonl.zst', '.json.zst', '.jsonl.gz', '.json.gz', '.tar.gz'];

/** `a/b.jsonl.zst` -> ['b', '.jsonl.zst']; the folder part is dropped. */
export function splitExtension(name: string): [stem: string, ext: string] {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const lower = base.toLowerCase();
  const compound = COMPOUND_EXTENSIONS.find((e) => lower.endsWith(e) && lower.length > e.length);
  if (compound) return [base.slice(0, -compound.length), base.slice(-compound.length)];
  const dot = base.lastIndexOf('.');
  return dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
}

/** What the copy is: the other device's version waiting for a decision, or kept for good ("Keep both"). */
export type ConflictCopy = 'pending' | 'kept';

export const CONFLICT_MARKS: Record<ConflictCopy, string> = { pending: '.conflict-', kept: '.from-' };

/**
 * `name.jsonl` -> `name.conflict-laptop-20261121-101500.jsonl` (pending) or
 * `name.from-laptop-20261121-101500.jsonl` (kept): the agent still sees a `.jsonl`.
 */
export function conflictFileName(name: string, deviceName: string, at: Date | string, copy: ConflictCopy = 'pending'): string {
  const [stem, ext] = splitExtension(name);
  const device = deviceName.replace(/[^a-zA-Z0-9_-]+/g, '-').slice(0, 32) || 'device';
  const stamp = new Date(at).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stem}${CONFLICT_MARKS[copy]}${device}-${stamp}${ext}`;
}

/** The name "Keep both" gives the other device's version (beside the user's file). */
export function keptBothName(conflict: { path: string; otherDeviceName: string; detectedAt: string }): string {
  return conflictFileName(conflict.path, conflict.otherDeviceName, conflict.detectedAt, 'kept');
}

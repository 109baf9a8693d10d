// What a pull does with one entry of another device's snapshot, as a pure function of the facts
// (`main/scheduler/next-run.ts` is the model). `sync.ts` gathers the facts, asks, and carries out
// the answer; every rule worth testing lives here (docs/SYNC.md, "The rules, per file", is this
// table). Facts that cost I/O are asked for only when a rule needs them: first the local file's
// state (a stat and the backup's cache of its chunk ids), then the bytes of both versions.

import { CONFLICT_MARKS, conflictFileName } from '../../../shared/conflict-names.ts';
import { isPrefix, unionLines } from './merge.ts';

/** How a file both sides changed is merged (from the adapter's lists alone, see `mergeRule`). */
export type MergeRule = 'shared-log' | 'append-only' | 'whole-file';

export interface RemoteFacts {
  /** The entry's path under its root, as the other device stored it (`/`-separated). */
  rel: string;
  type: 'file' | 'dir' | 'symlink';
  /** Its name, or a folder's on the way, is not valid UTF-8 (stored as bytes). */
  rawName: boolean;
  /** Content hash of its chunk ids (`contentHash`). */
  hash: string;
}

export type LocalFacts =
  | { exists: false; /** A version of some device was synced to this path before. */ everSynced: boolean }
  | { exists: true; /** From the backup's cache when the file is unchanged since; undefined when unknown. */ hash: string | undefined };

export interface SyncFacts {
  remote: RemoteFacts;
  /** The other device's name, for the name of a conflict copy. */
  deviceName: string;
  /** The file's name here (after path mapping). */
  localName: string;
  /** The adapter lists the path as syncable. */
  syncable: boolean;
  rule: MergeRule;
  /** Hash of the content this device last took from (or saw of) that device for this path. */
  base: string | undefined;
  /** Hashes of our versions the other device published as superseded by its own (it kept its own in a conflict). */
  superseded: readonly string[];
  now: Date;
  /** Asked for with `need-local`. */
  local?: LocalFacts;
  /** Asked for with `need-contents`. */
  contents?: { mine: Uint8Array; theirs: Uint8Array };
}

export type SkipReason =
  /** Not a regular file (folders are walked, symlinks never synced). */
  | 'not-a-file'
  | 'not-syncable'
  /** A syncable file whose name can't be placed by its display form: listed in `SyncResult.skipped`. */
  | 'raw-name'
  /** Another device's pending conflict copy: never pulled. */
  | 'conflict-copy'
  /** The other device's version equals the base: it didn't change it since we last looked. */
  | 'unchanged-remote';

export type SyncDecision =
  | { do: 'skip'; reason: SkipReason }
  /** Look at the local file, set `local`, ask again. */
  | { do: 'need-local' }
  /** Read both versions, set `contents`, ask again. */
  | { do: 'need-contents' }
  /** Missing here but synced before: deleted on purpose, not pulled back; record the base. */
  | { do: 'keep-deleted' }
  /** Nothing to write; record the remote version as the base. */
  | { do: 'record-base'; why: 'identical' | 'ours-longer' | 'merge-adds-nothing' }
  /** Write the other device's version in place (with its mode and time), unless the file changed meanwhile. */
  | { do: 'take-theirs'; why: 'new' | 'only-theirs-changed' | 'superseded' | 'fast-forward' }
  /** Write the union of both versions in place, unless the file changed meanwhile. */
  | { do: 'write-merged'; bytes: Uint8Array }
  /** Both changed: keep ours, write theirs beside it as `theirsName`, record the conflict. */
  | { do: 'conflict'; theirsName: string };

const basename = (rel: string) => rel.slice(rel.lastIndexOf('/') + 1);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && isPrefix(a, b);
}

/** Which entries a pull looks at, before any fact about this device. */
function entrySkip(f: SyncFacts): SkipReason | undefined {
  if (f.remote.type !== 'file') return 'not-a-file';
  if (!f.syncable) return 'not-syncable';
  if (f.remote.rawName) return 'raw-name';
  if (basename(f.remote.rel).includes(CONFLICT_MARKS.pending)) return 'conflict-copy';
  if (f.base === f.remote.hash) return 'unchanged-remote';
  return undefined;
}

/** Both versions differ from the base and each other by their hashes: decide by their bytes. */
function decideByContent(f: SyncFacts, mine: Uint8Array, theirs: Uint8Array): SyncDecision {
  if (f.rule === 'shared-log') {
    const merged = Buffer.from(unionLines(Buffer.from(mine).toString('utf8'), Buffer.from(theirs).toString('utf8')));
    return sameBytes(merged, mine) ? { do: 'record-base', why: 'merge-adds-nothing' } : { do: 'write-merged', bytes: merged };
  }
  if (f.rule === 'append-only') {
    if (isPrefix(mine, theirs)) return mine.length === theirs.length ? { do: 'record-base', why: 'identical' } : { do: 'take-theirs', why: 'fast-forward' };
    // Ours is the longer: our next backup carries it to them.
    if (isPrefix(theirs, mine)) return { do: 'record-base', why: 'ours-longer' };
  }
  if (sameBytes(theirs, mine)) return { do: 'record-base', why: 'identical' };
  return { do: 'conflict', theirsName: conflictFileName(f.localName, f.deviceName, f.now, 'pending') };
}

export function decideSync(f: SyncFacts): SyncDecision {
  const skip = entrySkip(f);
  if (skip) return { do: 'skip', reason: skip };
  const local = f.local;
  if (!local) return { do: 'need-local' };
  if (!local.exists) return local.everSynced ? { do: 'keep-deleted' } : { do: 'take-theirs', why: 'new' };
  if (local.hash === f.remote.hash) return { do: 'record-base', why: 'identical' };
  if (local.hash !== undefined && f.base !== undefined && local.hash === f.base) return { do: 'take-theirs', why: 'only-theirs-changed' };
  if (local.hash !== undefined && f.superseded.includes(local.hash)) return { do: 'take-theirs', why: 'superseded' };
  if (!f.contents) return { do: 'need-contents' };
  return decideByContent(f, f.contents.mine, f.contents.theirs);
}

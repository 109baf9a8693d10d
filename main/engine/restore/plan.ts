// The decisions of a restore, as pure functions (restic's restorer plans by pack the same way):
// which selected files and links are written, kept or refused given what already exists where
// they would land, and which ranged reads of which packs fetch every blob they need. restore.ts
// gathers the facts (the snapshot's trees, the disk, the index) and carries the plan out.

import { CairnError, IntegrityError } from '../../../shared/errors.ts';
import type { BlobId, PackId } from '../../../shared/ids.ts';
import type { BlobLocation } from '../state/index.ts';

export interface OverwriteOptions {
  overwrite?: boolean;
  keepExisting?: boolean;
}

export interface Placed {
  dest: string;
  /** Something (a file, link or folder) is already there, under its display or its exact name. */
  exists: boolean;
}

export type OverwriteDecision<T> =
  | { do: 'write'; write: T[]; keep: T[] }
  | { do: 'refuse'; error: CairnError };

/**
 * What happens to entries that would land where something already is: kept as they are
 * (`keepExisting`), replaced (`overwrite`, or a target that was empty or missing), or the whole
 * restore is refused before anything is written, naming up to five of them.
 */
export function decideOverwrite<T extends Placed>(items: readonly T[], options: OverwriteOptions, targetEmpty: boolean): OverwriteDecision<T> {
  if (options.keepExisting) return { do: 'write', write: items.filter((i) => !i.exists), keep: items.filter((i) => i.exists) };
  if (options.overwrite || targetEmpty) return { do: 'write', write: [...items], keep: [] };
  const existing = items.filter((i) => i.exists).slice(0, 5).map((i) => i.dest);
  if (existing.length === 0) return { do: 'write', write: [...items], keep: [] };
  const many = existing.length >= 5;
  return {
    do: 'refuse',
    error: new CairnError('exists', `${existing.length === 1 ? 'A file already exists' : 'Files already exist'} in the target: ${existing.join(', ')}${many ? ', …' : ''}. Choose an empty folder or allow overwriting.`),
  };
}

export interface PlannedFile {
  dest: string;
  content: readonly BlobId[];
  size: number;
}

export interface PackRead {
  pack: PackId;
  offset: number;
  length: number;
  blobs: BlobLocation[];
}

export interface ReadPlan<F> {
  /** Per blob: every file (and the offset in it) that holds it. */
  uses: Map<BlobId, { file: F; offset: number }[]>;
  /** Ranged reads, per pack in offset order: blobs closer than `maxGap` merged, none longer than `maxRead` (but for one blob). */
  reads: PackRead[];
}

/** Groups the blobs of `files` by pack into as few ranged reads as the limits allow. Throws when the index lacks a blob or a file's blobs don't add up to its size. */
export function planReads<F extends PlannedFile>(files: readonly F[], locate: (id: BlobId) => BlobLocation | undefined, limits: { maxGap: number; maxRead: number }): ReadPlan<F> {
  const uses = new Map<BlobId, { file: F; offset: number }[]>();
  const locations = new Map<BlobId, BlobLocation>();
  for (const f of files) {
    let offset = 0;
    for (const id of f.content) {
      let loc = locations.get(id);
      if (!loc) {
        loc = locate(id);
        if (!loc) throw new IntegrityError(`Blob ${id.slice(0, 12)}… of ${f.dest} is not in the vault's index: data is missing. Run 'cairn check'.`);
        locations.set(id, loc);
      }
      let list = uses.get(id);
      if (!list) uses.set(id, (list = []));
      list.push({ file: f, offset });
      offset += loc.rawLength;
    }
    if (offset !== f.size) throw new IntegrityError(`The content of ${f.dest} adds up to ${offset} bytes, but the snapshot says ${f.size}.`);
  }
  return { uses, reads: packReads(locations.values(), limits) };
}

function packReads(locations: Iterable<BlobLocation>, { maxGap, maxRead }: { maxGap: number; maxRead: number }): PackRead[] {
  const byPack = new Map<PackId, BlobLocation[]>();
  for (const loc of locations) {
    let list = byPack.get(loc.pack);
    if (!list) byPack.set(loc.pack, (list = []));
    list.push(loc);
  }
  const reads: PackRead[] = [];
  for (const [pack, list] of byPack) {
    list.sort((a, b) => a.offset - b.offset);
    let run: PackRead | undefined;
    for (const loc of list) {
      const end = loc.offset + loc.length;
      if (run && loc.offset - (run.offset + run.length) <= maxGap && end - run.offset <= maxRead) {
        run.length = end - run.offset;
        run.blobs.push(loc);
      } else {
        run = { pack, offset: loc.offset, length: loc.length, blobs: [loc] };
        reads.push(run);
      }
    }
  }
  return reads;
}

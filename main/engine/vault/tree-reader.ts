// Reads trees and file contents out of snapshots: path lookup, listing, walking, and reading a
// file's bytes (bounded). Tree blobs are cached, since browsing revisits them constantly.

import { IntegrityError, NotFoundError } from '../../../shared/errors.ts';
import type { BlobId } from '../../../shared/ids.ts';
import type { StateDb } from '../state/index.ts';
import type { BlobCodec } from './codec.ts';
import { decodeTree } from './records.ts';
import type { SnapshotRecord, Tree, TreeEntry } from './records.ts';
import type { Vault } from './vault.ts';

export interface ResolvedEntry {
  /** `/`-separated path from the snapshot root; '' for the root itself. */
  path: string;
  entry: TreeEntry;
}

const ROOT_MODE = 0o755;

export class TreeReader {
  private readonly vault: Vault;
  private readonly db: StateDb;
  private readonly codec: BlobCodec;
  private readonly cache = new Map<BlobId, Tree>();
  private readonly cacheLimit: number;

  constructor(vault: Vault, db: StateDb, codec: BlobCodec, cacheLimit = 2048) {
    this.vault = vault;
    this.db = db;
    this.codec = codec;
    this.cacheLimit = cacheLimit;
  }

  async readBlob(id: BlobId): Promise<Uint8Array> {
    const loc = this.db.getBlob(id);
    if (!loc) throw new IntegrityError(`Blob ${id.slice(0, 12)}… is referenced but not in the vault's index. Run 'cairn check'.`);
    const sealed = await this.vault.readSealedBlob(loc);
    const [plain] = await this.codec.openAndVerify([{ id, sealed, rawLength: loc.rawLength }]);
    if (!plain) throw new IntegrityError(`Blob ${id.slice(0, 12)}… could not be read.`);
    return plain;
  }

  async tree(id: BlobId): Promise<Tree> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const cached = this.db.getTree(id);
    const body = cached ?? (await this.readBlob(id));
    const tree = decodeTree(body, id);
    if (!cached) this.db.putTree(id, body);
    if (this.cache.size >= this.cacheLimit) this.cache.delete(this.cache.keys().next().value as BlobId);
    this.cache.set(id, tree);
    return tree;
  }

  rootEntry(snapshot: SnapshotRecord): TreeEntry {
    return { name: '', type: 'dir', mode: ROOT_MODE, mtimeNs: '0', size: 0, subtree: snapshot.tree };
  }

  /**
   * Finds `path` in the snapshot. Accepts a path from the snapshot root (`label/sub/file`), a path
   * inside the only root of a single-root snapshot (`sub/file`), or an absolute path under one of
   * the roots' original locations.
   */
  async resolve(snapshot: SnapshotRecord, path: string): Promise<ResolvedEntry> {
    for (const candidate of pathsInSnapshot(snapshot, path)) {
      const found = await this.lookup(snapshot, candidate);
      if (found) return { path: candidate, entry: found };
    }
    throw new NotFoundError(`'${path}' is not in snapshot ${snapshot.id.slice(0, 8)}. Use 'cairn ls' to see what it holds.`);
  }

  private async lookup(snapshot: SnapshotRecord, path: string): Promise<TreeEntry | undefined> {
    let entry = this.rootEntry(snapshot);
    for (const part of path.split('/').filter(Boolean)) {
      if (entry.type !== 'dir' || !entry.subtree) return undefined;
      const next = (await this.tree(entry.subtree)).entries.find((e) => e.name === part);
      if (!next) return undefined;
      entry = next;
    }
    return entry;
  }

  async list(entry: TreeEntry): Promise<TreeEntry[]> {
    if (entry.type !== 'dir' || !entry.subtree) return [];
    return (await this.tree(entry.subtree)).entries;
  }

  /**
   * Depth-first walk below `start` (inclusive), paths relative to `start`'s parent. With
   * `onDamaged`, a folder whose listing is damaged in the vault (an integrity error) is told to it
   * and not walked into, and the walk goes on; without it, the error ends the walk.
   */
  async *walk(start: ResolvedEntry, onDamaged?: (path: string, error: IntegrityError) => void): AsyncGenerator<ResolvedEntry> {
    yield start;
    if (start.entry.type !== 'dir') return;
    let children: TreeEntry[];
    try {
      children = await this.list(start.entry);
    } catch (error) {
      if (!onDamaged || !(error instanceof IntegrityError)) throw error;
      onDamaged(start.path, error);
      return;
    }
    for (const child of children) {
      yield* this.walk({ path: joinPath(start.path, child.name), entry: child }, onDamaged);
    }
  }

  /** A file's content blob by blob, one in memory at a time (a pull writes a large file so). */
  async *chunks(entry: TreeEntry): AsyncGenerator<Uint8Array> {
    if (entry.type !== 'file') throw new NotFoundError(`'${entry.name}' is not a file.`);
    for (const id of entry.content ?? []) yield await this.readBlob(id);
  }

  /** Reads up to `maxBytes` of a file's content. */
  async readFile(entry: TreeEntry, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const blob of this.chunks(entry)) {
      parts.push(blob);
      total += blob.length;
      if (total >= maxBytes) break;
    }
    const all = Buffer.concat(parts);
    return all.length > maxBytes ? all.subarray(0, maxBytes) : all;
  }
}

/**
 * What a path a person typed may name in the snapshot, most likely first: the path as it is in
 * the snapshot (from a root's label); with `belowOnlyRoot`, a path below a snapshot's only root;
 * the absolute path a root was backed up from, or one inside it.
 */
export function pathsInSnapshot(snapshot: Pick<SnapshotRecord, 'roots'>, path: string, belowOnlyRoot = true): string[] {
  // A backslash is a separator in a path typed on Windows, but an ordinary character in a
  // Linux name (and in the display form of a name that isn't UTF-8): try it as a character too.
  const asTyped = path.split('/').filter((p) => p && p !== '.').join('/');
  const candidates = [...new Set([normalise(path), asTyped])];
  const only = snapshot.roots.length === 1 ? snapshot.roots[0] : undefined;
  if (only && belowOnlyRoot) for (const c of [...candidates]) candidates.push(joinPath(only.label, c));
  for (const root of snapshot.roots) {
    const base = root.path.replace(/[\\/]+$/, '');
    if (path === base || path.startsWith(`${base}/`) || path.startsWith(`${base}\\`)) {
      candidates.push(joinPath(root.label, normalise(path.slice(base.length))));
    }
  }
  return candidates;
}

export function normalise(path: string): string {
  return path.replace(/\\/g, '/').split('/').filter((p) => p && p !== '.').join('/');
}

export function joinPath(a: string, b: string): string {
  return a && b ? `${a}/${b}` : a || b;
}

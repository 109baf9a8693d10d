// What changed between two snapshots: added, removed and changed files. Identical subtrees have
// identical ids, so only folders that differ are read.

import type { BlobId } from '../../../shared/ids.ts';
import type { DiffEntry } from '../../../shared/models.ts';
import type { TreeEntry } from './records.ts';
import type { TreeReader } from './tree-reader.ts';

const sameContent = (a: TreeEntry, b: TreeEntry) =>
  a.type === b.type && a.size === b.size && a.target === b.target && (a.content ?? []).join() === (b.content ?? []).join();

export async function diffTrees(reader: TreeReader, before: BlobId | undefined, after: BlobId | undefined, limit = 10_000): Promise<DiffEntry[]> {
  const out: DiffEntry[] = [];
  const files = async function* (tree: BlobId | undefined, path: string): AsyncGenerator<{ path: string; entry: TreeEntry }> {
    if (!tree) return;
    for (const e of (await reader.tree(tree)).entries) {
      const p = path ? `${path}/${e.name}` : e.name;
      if (e.type === 'dir') yield* files(e.subtree, p);
      else yield { path: p, entry: e };
    }
  };
  const walk = async (a: BlobId | undefined, b: BlobId | undefined, path: string): Promise<void> => {
    if (a === b || out.length >= limit) return;
    const left = new Map((a ? (await reader.tree(a)).entries : []).map((e) => [e.name, e]));
    const right = new Map((b ? (await reader.tree(b)).entries : []).map((e) => [e.name, e]));
    for (const name of [...new Set([...left.keys(), ...right.keys()])].sort()) {
      if (out.length >= limit) return;
      const l = left.get(name);
      const r = right.get(name);
      const p = path ? `${path}/${name}` : name;
      if (l?.type === 'dir' || r?.type === 'dir') {
        if (l?.type === 'dir' && r?.type === 'dir') await walk(l.subtree, r.subtree, p);
        else {
          if (l?.type === 'dir') for await (const f of files(l.subtree, p)) out.push({ path: f.path, change: 'removed', sizeBefore: f.entry.size });
          else if (l) out.push({ path: p, change: 'removed', sizeBefore: l.size });
          if (r?.type === 'dir') for await (const f of files(r.subtree, p)) out.push({ path: f.path, change: 'added', sizeAfter: f.entry.size });
          else if (r) out.push({ path: p, change: 'added', sizeAfter: r.size });
        }
      } else if (l && !r) out.push({ path: p, change: 'removed', sizeBefore: l.size });
      else if (!l && r) out.push({ path: p, change: 'added', sizeAfter: r.size });
      else if (l && r && !sameContent(l, r)) out.push({ path: p, change: 'changed', sizeBefore: l.size, sizeAfter: r.size });
    }
  };
  await walk(before, after, '');
  return out;
}

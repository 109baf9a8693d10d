// The catalog of one snapshot as stored in the vault: a tree blob (the same format as a folder)
// whose files are catalog pages. Sessions are spread over pages by the first hex digits of
// SHA-256 of their key, with as many digits as keep a page near PAGE_TARGET entries. A page is a
// data blob of canonical JSON, so a page whose sessions didn't change is the same blob as before
// and costs nothing; a changed session rewrites its page only (docs/FORMAT.md, "Session catalog").

import { createHash } from 'node:crypto';
import { IntegrityError } from '../../../shared/errors.ts';
import type { BlobId } from '../../../shared/ids.ts';
import type { Tree, TreeEntry } from '../vault/index.ts';
import { encodePage, sessionKey } from './entry.ts';
import type { CatalogEntry } from './entry.ts';

/** Entries a page holds on average, at most, before the catalog uses one more hex digit. */
export const PAGE_TARGET = 64;
const MAX_DIGITS = 4;
const PAGE_NAME = /^(all|[0-9a-f]{1,4})\.json$/;

export interface CatalogStore {
  /** Stores a data blob (if new); returns its id. */
  data(bytes: Uint8Array): Promise<BlobId>;
  /** Stores a tree blob (if new); returns its id. */
  tree(entries: TreeEntry[]): Promise<BlobId>;
}

export interface CatalogPage {
  name: string;
  id: BlobId;
  entries: CatalogEntry[];
}

/** How many hex digits name a page for `count` sessions. */
export function pageDigits(count: number): number {
  let digits = 0;
  while (digits < MAX_DIGITS && count > PAGE_TARGET * 16 ** digits) digits++;
  return digits;
}

export function pageNameOf(entry: Pick<CatalogEntry, 'agent' | 'id'>, digits: number): string {
  if (digits === 0) return 'all.json';
  return `${createHash('sha256').update(sessionKey(entry)).digest('hex').slice(0, digits)}.json`;
}

/** Stores the catalog of `entries`; returns the root tree's id and the pages it names. */
export async function writeCatalog(entries: readonly CatalogEntry[], store: CatalogStore): Promise<{ root: BlobId; pages: CatalogPage[] }> {
  const digits = pageDigits(entries.length);
  const byName = new Map<string, CatalogEntry[]>();
  for (const e of entries) {
    const name = pageNameOf(e, digits);
    const list = byName.get(name);
    if (list) list.push(e);
    else byName.set(name, [e]);
  }
  const pages: CatalogPage[] = [];
  const treeEntries: TreeEntry[] = [];
  for (const [name, list] of [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const bytes = encodePage(list);
    const size = bytes.length;
    const id = await store.data(bytes);
    pages.push({ name, id, entries: list });
    treeEntries.push({ name, type: 'file', mode: 0o644, mtimeNs: '0', size, content: [id] });
  }
  return { root: await store.tree(treeEntries), pages };
}

/** The pages a catalog root names, with their blob ids (reading them is the caller's choice). */
export function catalogPages(root: Tree, rootId: string): { name: string; id: BlobId }[] {
  return root.entries.map((e) => {
    const id = e.content?.[0];
    if (e.type !== 'file' || !PAGE_NAME.test(e.name) || !id || e.content?.length !== 1) {
      throw new IntegrityError(`Catalog ${rootId.slice(0, 12)}… has an entry '${e.name}' that is not a catalog page.`);
    }
    return { name: e.name, id };
  });
}

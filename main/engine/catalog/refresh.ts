// Keeping the local session list current with the vault: for each device, the catalog of its
// newest snapshot that has one. Only pages this device hasn't loaded are downloaded, so a refresh
// after another device's backup costs one catalog root and the pages its changes touched.

import type { BlobId } from '../../../shared/ids.ts';
import { newerOfDevice } from '../vault/index.ts';
import type { SnapshotRecord, TreeReader } from '../vault/index.ts';
import { catalogPages } from './catalog-tree.ts';
import { decodePage } from './entry.ts';
import type { CatalogEntry } from './entry.ts';
import type { SessionDb } from './session-db.ts';

/** Reads a catalog's pages, except those in `skip` (returned without entries). */
export async function readCatalog(reader: TreeReader, catalog: BlobId, skip: ReadonlySet<BlobId> = new Set()): Promise<{ id: BlobId; name: string; entries?: CatalogEntry[] }[]> {
  const root = await reader.tree(catalog);
  const out: { id: BlobId; name: string; entries?: CatalogEntry[] }[] = [];
  for (const page of catalogPages(root, catalog)) {
    if (skip.has(page.id)) out.push(page);
    else out.push({ ...page, entries: decodePage(await reader.readBlob(page.id), page.id) });
  }
  return out;
}

export interface RefreshResult {
  devices: number;
  /** Devices whose catalog changed since the last refresh. */
  updated: number;
  pagesRead: number;
}

/**
 * Loads into `sessions` each device's newest catalog among `snapshots` (every device's, any
 * order). A device none of whose snapshots has a catalog any more is dropped.
 */
export async function refreshCatalogs(reader: TreeReader, sessions: SessionDb, snapshots: readonly SnapshotRecord[]): Promise<RefreshResult> {
  const newest = new Map<string, SnapshotRecord>();
  for (const s of snapshots) {
    if (!s.catalog) continue;
    const seen = newest.get(s.device);
    if (!seen || newerOfDevice(s, seen) > 0) newest.set(s.device, s);
  }
  const result: RefreshResult = { devices: newest.size, updated: 0, pagesRead: 0 };
  for (const device of sessions.knownDevices()) if (!newest.has(device)) sessions.dropDevice(device);
  for (const snap of newest.values()) {
    const catalog = snap.catalog as BlobId;
    if (sessions.deviceCatalog(snap.device)?.catalog === catalog) continue;
    const pages = await readCatalog(reader, catalog, sessions.loadedPages(snap.device));
    result.pagesRead += pages.filter((p) => p.entries).length;
    sessions.setDeviceCatalog({ id: snap.device, name: snap.deviceName }, { id: snap.id, time: snap.time, catalog }, pages);
    result.updated++;
  }
  return result;
}

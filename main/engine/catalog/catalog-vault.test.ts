// The session catalog in the vault: written with a snapshot, unchanged pages reused as the same
// blobs, read back by another device from metadata alone, kept by prune, verified by check.

import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { forget } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { checkVault, keys, prune } from '../vault/index.ts';
import type { BlobId } from '../../../shared/ids.ts';
import { PAGE_TARGET, pageDigits, writeCatalog } from './catalog-tree.ts';
import type { CatalogPage } from './catalog-tree.ts';
import type { CatalogEntry } from './entry.ts';
import { readCatalog, refreshCatalogs } from './refresh.ts';
import { SessionDb } from './session-db.ts';

afterAll(() => removeTempDirs());

function entry(i: number, extra: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    agent: i % 2 === 0 ? 'claude-code' : 'codex',
    format: i % 2 === 0 ? 'claude-code' : 'codex',
    id: `session-${String(i).padStart(5, '0')}`,
    root: i % 2 === 0 ? 'claude-code/config' : 'codex/home',
    path: `projects/p${i % 7}/session-${i}.jsonl`,
    files: [`projects/p${i % 7}/session-${i}.jsonl`],
    title: `Session number ${i}`,
    project: `/home/alice/src/p${i % 7}`,
    updatedAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
    messages: i,
    toolCalls: i % 5,
    bytes: 1000 + i,
    digest: createHash('sha256').update(String(i)).digest('hex'),
    ...extra,
  };
}

describe('the session catalog in the vault', () => {
  it('uses one page up to PAGE_TARGET sessions, then one more hex digit per 16×', () => {
    expect(pageDigits(0)).toBe(0);
    expect(pageDigits(PAGE_TARGET)).toBe(0);
    expect(pageDigits(PAGE_TARGET + 1)).toBe(1);
    expect(pageDigits(10_000)).toBe(2);
  });

  it('is written with the snapshot; a changed session rewrites only its page; other devices list it; prune keeps it', async () => {
    const home = tempDir('cairn-cat-home-');
    writeFileSync(join(home, 'a.txt'), 'first');
    const store = new LocalBlobStore(join(tempDir('cairn-cat-vault-'), 'v'));
    const { repo } = await initRepo(store, undefined, 'laptop');
    let entries = Array.from({ length: 300 }, (_, i) => entry(i));
    let written: CatalogPage[] = [];
    const withCatalog = () =>
      backupOf(repo, [{ label: 'home', path: home }], {
        catalog: async ({ storeData, storeTree, files }) => {
          // The builder sees every file the snapshot holds, with its content ids.
          expect(files.get('home')?.get('a.txt')?.content.length).toBe(1);
          const out = await writeCatalog(entries, { data: storeData, tree: storeTree });
          written = out.pages;
          return out.root;
        },
      });
    try {
      const first = await withCatalog();
      expect(first.snapshot?.catalog).toMatch(/^[0-9a-f]{64}$/);
      const firstPages = new Map(written.map((p) => [p.name, p.id]));
      expect(firstPages.size).toBe(16);

      // Nothing changed, catalog included: no new snapshot.
      expect((await withCatalog()).unchanged).toBe(true);

      // One session changes (files unchanged): a new snapshot, one page differs.
      entries = entries.map((e, i) => (i === 42 ? { ...e, messages: 999, digest: 'f'.repeat(64) } : e));
      const second = await withCatalog();
      expect(second.unchanged).toBe(false);
      expect(second.snapshot?.catalog).not.toBe(first.snapshot?.catalog);
      const changed = written.filter((p) => firstPages.get(p.name) !== p.id);
      expect(changed.map((p) => p.entries.some((e) => e.id === 'session-00042'))).toEqual([true]);

      // Another device lists every session from the catalog alone.
      const other = await openRepo(store, tempDir('cairn-cat-state-'), undefined, 'desktop');
      try {
        await other.refreshIndex();
        const sessions = new SessionDb(other.db.db);
        const refreshed = await refreshCatalogs(other.reader(), sessions, await other.listSnapshots());
        expect(refreshed).toEqual({ devices: 1, updated: 1, pagesRead: 16 });
        const listed = sessions.list();
        expect(listed).toHaveLength(300);
        expect(listed[0]?.id).toBe('session-00299'); // newest first
        expect(listed.find((s) => s.id === 'session-00042')?.messages).toBe(999);
        expect(listed[0]).toMatchObject({ device: repo.device.id, deviceName: 'laptop', devices: [repo.device.id] });
        // Filters.
        expect(sessions.list({ agent: 'codex' })).toHaveLength(150);
        expect(sessions.list({ project: '/home/alice/src/p3' }).every((s) => s.project === '/home/alice/src/p3')).toBe(true);
        expect(sessions.list({ project: '/home/alice/src' })).toHaveLength(300);
        expect(sessions.list({ since: entry(290).updatedAt })).toHaveLength(10);

        // The next change downloads only the changed page.
        entries = entries.map((e, i) => (i === 7 ? { ...e, title: 'Renamed' } : e));
        await withCatalog();
        await other.refreshIndex();
        const again = await refreshCatalogs(other.reader(), sessions, await other.listSnapshots());
        expect(again).toEqual({ devices: 1, updated: 1, pagesRead: 1 });
        expect(sessions.list().find((s) => s.id === 'session-00007')?.title).toBe('Renamed');
        expect(sessions.list()).toHaveLength(300);
      } finally {
        await other.close();
      }

      // Forget the older snapshots, prune: the newest catalog is intact and check passes.
      await forget(repo, { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 }, false);
      await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id });
      await repo.refreshIndex();
      const [latest] = await repo.listSnapshots();
      const pages = await readCatalog(repo.reader(), latest?.catalog as BlobId);
      expect(pages.flatMap((p) => p.entries ?? [])).toHaveLength(300);
      const report = await checkVault(repo.vault, repo.codec, { readData: true });
      expect(report.problems).toEqual([]);
    } finally {
      await repo.close();
    }
  });

  it('a snapshot written before catalogs existed still reads, and lists no sessions', async () => {
    const home = tempDir('cairn-cat-home-');
    writeFileSync(join(home, 'a.txt'), 'x');
    const store = new LocalBlobStore(join(tempDir('cairn-cat-vault-'), 'v'));
    const { repo } = await initRepo(store);
    try {
      const result = await backupOf(repo, [{ label: 'home', path: home }]);
      const snap = await repo.vault.loadSnapshot(repo.device.id, result.snapshotId as never);
      expect(snap.catalog).toBeUndefined();
      expect(await store.stat(keys.snapshot(repo.device.id, snap.id))).toBeDefined();
      const sessions = new SessionDb(repo.db.db);
      expect(await refreshCatalogs(repo.reader(), sessions, [snap])).toEqual({ devices: 0, updated: 0, pagesRead: 0 });
      expect(sessions.list()).toEqual([]);
    } finally {
      await repo.close();
    }
  });
});

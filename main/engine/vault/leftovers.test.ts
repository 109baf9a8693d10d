// Issue 17: a killed backup leaves the pack it was writing as `data/xx/<id>.cairn-tmp-<hex>` in a
// local vault. The listing hides it (it is no pack), so before this nothing ever reported or
// removed it (38.9 MB after one killed run). check reports it; prune removes it after the margin.

import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import type { Repository } from '../repository.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { checkVault, prune } from './index.ts';

const HOUR = 3_600_000;
let repo: Repository;
let store: LocalBlobStore;
let oldLeftover: string;
let youngLeftover: string;

beforeAll(async () => {
  const home = tempDir('cairn-leftover-home-');
  writeFileSync(join(home, 'a.txt'), 'some agent state\n');
  store = new LocalBlobStore(join(tempDir('cairn-leftover-vault-'), 'v'), { fsync: false });
  ({ repo } = await initRepo(store));
  await backupOf(repo, [{ label: 'home', path: home }]);
  // What a backup killed mid-put leaves: a pack's temp file, and one of a run still going.
  mkdirSync(join(store.root, 'data', 'cd'), { recursive: true });
  oldLeftover = join(store.root, 'data', 'cd', `${'cd'.repeat(32)}.cairn-tmp-0123456789abcdef`);
  youngLeftover = join(store.root, 'data', 'cd', `${'ce'.repeat(32)}.cairn-tmp-fedcba9876543210`);
  writeFileSync(oldLeftover, new Uint8Array(5000));
  writeFileSync(youngLeftover, new Uint8Array(700));
  const tenHoursAgo = (Date.now() - 10 * HOUR) / 1000;
  utimesSync(oldLeftover, tenHoursAgo, tenHoursAgo);
});

afterAll(() => removeTempDirs());

describe('unfinished writes left in a local vault', () => {
  it('stay out of listings but are named by leftovers()', async () => {
    const listed: string[] = [];
    for await (const o of store.list('')) listed.push(o.key);
    expect(listed.some((k) => k.includes('.cairn-tmp-'))).toBe(false);
    const left: string[] = [];
    for await (const o of store.leftovers()) left.push(o.key);
    expect(left.sort()).toEqual([`data/cd/${'cd'.repeat(32)}.cairn-tmp-0123456789abcdef`, `data/cd/${'ce'.repeat(32)}.cairn-tmp-fedcba9876543210`]);
  });

  it('are reported by check as a note with their size, not as damage', async () => {
    const report = await checkVault(repo.vault, repo.codec);
    expect(report.ok).toBe(true);
    expect(report.warnings?.join('\n')).toMatch(/2 partial upload\(s\) \(5\.57 KiB\)/);
  });

  it('are removed by prune once older than the margin; a young one (a run still going) is kept', async () => {
    const preview = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 4 * HOUR, dryRun: true });
    expect(preview).toMatchObject({ leftoversRemoved: 1, leftoverBytes: 5000 });
    expect(existsSync(oldLeftover)).toBe(true);
    const result = await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 4 * HOUR });
    expect(result).toMatchObject({ leftoversRemoved: 1, leftoverBytes: 5000 });
    expect(existsSync(oldLeftover)).toBe(false);
    expect(existsSync(youngLeftover)).toBe(true);
    expect((await checkVault(repo.vault, repo.codec)).warnings?.join('\n')).toMatch(/1 partial upload/);
  });

  it('are the only thing deleteLeftover removes', async () => {
    await expect(store.deleteLeftover(`data/cd/${'cd'.repeat(32)}`)).rejects.toThrow(/not an unfinished write/);
  });
});

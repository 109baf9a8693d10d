// `check` treats every vault object as independent evidence: a flipped byte in any kind of object
// is found and named, and one damaged object never stops the others from being verified.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../../testing/agent-home.ts';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import type { Repository } from '../repository.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import { acquireLock, checkVault, keys } from './index.ts';

let repo: Repository;
let store: MemoryBlobStore;
/** One stored key per kind of vault object. */
const objects = new Map<string, string>();

beforeAll(async () => {
  const home = tempDir('cairn-check-home-');
  mkdirSync(join(home, 'sub'));
  const r = rng(5);
  writeFileSync(join(home, 'a.jsonl'), r.bytes(300_000));
  writeFileSync(join(home, 'sub', 'b.txt'), 'hello\n');
  store = new MemoryBlobStore();
  ({ repo } = await initRepo(store));
  await backupOf(repo, [{ label: 'home', path: home }]);
  writeFileSync(join(home, 'sub', 'b.txt'), 'hello again\n');
  await backupOf(repo, [{ label: 'home', path: home }]);
  await acquireLock(repo.vault, { exclusive: false, operation: 'backup', device: repo.device.id }); // held: a lock object to damage
  const all: string[] = [];
  for await (const info of store.list('')) all.push(info.key);
  const first = (prefix: string) => all.find((k) => k.startsWith(prefix)) as string;
  objects.set('vault.json', keys.config);
  for (const key of all.filter((k) => k.startsWith(keys.keysPrefix))) {
    const type = (JSON.parse(Buffer.from(await store.get(key)).toString('utf8')) as { type: string }).type;
    objects.set(`${type} key slot`, key);
  }
  objects.set('device record', first(keys.devicesPrefix));
  objects.set('snapshot record', first('snapshots/'));
  objects.set('index file', first(keys.indexPrefix));
  objects.set('lock', first(keys.locksPrefix));
  objects.set('pack', first(keys.packsPrefix));
  expect([...objects.values()].every(Boolean)).toBe(true);
});

afterAll(async () => {
  await repo.close();
  removeTempDirs();
});

async function withFlip<T>(key: string, at: number, mask: number, fn: () => Promise<T>): Promise<T> {
  const original = await store.get(key);
  const damaged = new Uint8Array(original);
  damaged[at] = (damaged[at] as number) ^ mask;
  await store.put(key, damaged);
  try {
    return await fn();
  } finally {
    await store.put(key, original);
  }
}

describe('check', () => {
  it('passes the intact vault', async () => {
    const report = await checkVault(repo.vault, repo.codec, { readData: true });
    expect(report.problems).toEqual([]);
    expect(report.damaged).toEqual([]);
    expect(report.snapshots).toBe(2);
  });

  it('finds and names a flipped byte in every kind of vault object, at positions across the object', async () => {
    const r = rng(17);
    const misses: string[] = [];
    let flips = 0;
    for (const [kind, key] of objects) {
      const size = (await store.get(key)).length;
      const positions = [0, 1, 2, 3, 14, 15, size - 1, size - 2, size - 17, ...Array.from({ length: 10 }, () => Math.floor(r.next() * size))];
      for (const at of positions) {
        for (const mask of [0x01, 0x80, 1 + Math.floor(r.next() * 255)]) {
          flips++;
          const report = await withFlip(key, at, mask, () => checkVault(repo.vault, repo.codec, { readData: kind === 'pack' }));
          if (!(report.damaged ?? []).some((d) => d.key === key)) misses.push(`${kind} ${key} byte ${at} ^ 0x${mask.toString(16)}: ${JSON.stringify(report.problems)}`);
        }
      }
    }
    expect(misses).toEqual([]);
    expect(flips).toBeGreaterThan(400);
  });

  it('finds spacing changed in the plaintext objects (a space turned into a tab)', async () => {
    for (const key of [keys.config, objects.get('recovery key slot') as string]) {
      const text = Buffer.from(await store.get(key)).toString('utf8');
      const at = text.indexOf(' ');
      const report = await withFlip(key, at, 0x20 ^ 0x09, () => checkVault(repo.vault, repo.codec));
      expect(report.damaged?.map((d) => d.key)).toEqual([key]);
      expect(report.damaged?.[0]?.problem).toMatch(/spacing/);
    }
  });

  it('goes on past a damaged snapshot record: the other snapshot is still verified', async () => {
    const key = objects.get('snapshot record') as string;
    const report = await withFlip(key, 40, 0x01, () => checkVault(repo.vault, repo.codec));
    expect(report.damaged?.map((d) => d.key)).toEqual([key]);
    expect(report.snapshots).toBe(1);
    expect(report.problems).toHaveLength(1);
  });

  it('notes a key slot from before slot MACs (it can only be verified with its secret), without calling it damaged', async () => {
    const key = objects.get('recovery key slot') as string;
    const original = await store.get(key);
    const { mac: _mac, sum: _sum, ...legacy } = JSON.parse(Buffer.from(original).toString('utf8')) as Record<string, unknown>;
    await store.put(key, Buffer.from(JSON.stringify(legacy, null, 2)));
    try {
      const report = await checkVault(repo.vault, repo.codec);
      expect(report.ok).toBe(true);
      expect(report.warnings?.join('\n')).toContain(`Key slot ${key} (recovery) was written before slots had a MAC`);
    } finally {
      await store.put(key, original);
    }
  });

  it('reports partial uploads in data/ as a note, not a problem', async () => {
    const key = `data/ab/${'ab'.repeat(32)}.cairn-tmp-123`;
    await store.put(key, new Uint8Array(1000));
    try {
      const report = await checkVault(repo.vault, repo.codec);
      expect(report.ok).toBe(true);
      expect(report.warnings?.join('\n')).toMatch(/1 partial upload/);
    } finally {
      await store.delete(key);
    }
  });

  it('names a pack missing from storage once, with how many blobs the index lists in it (not once per blob)', async () => {
    const key = objects.get('pack') as string;
    const original = await store.get(key);
    await store.delete(key);
    try {
      const report = await checkVault(repo.vault, repo.codec);
      const pack = key.split('/').pop() as string;
      const about = report.problems.filter((p) => p.includes(pack.slice(0, 12)));
      expect(about.filter((p) => /missing from storage/.test(p))).toEqual([expect.stringMatching(new RegExp(`^Index [0-9a-f]+ lists pack ${pack.slice(0, 12)}…, which is missing from storage \\(\\d+ blobs? in it\\)\\.$`))]);
      expect(report.ok).toBe(false);
    } finally {
      await store.put(key, original);
    }
  });
  it('reads a part of the packs with readDataSubset: the parts are disjoint and together read every pack, and the one holding a damaged blob names it', async () => {
    const packs: string[] = [];
    for await (const info of store.list(keys.packsPrefix)) packs.push(info.key);
    const whole = await checkVault(repo.vault, repo.codec, { readData: true });
    const parts = [1, 2, 3].map((part) => checkVault(repo.vault, repo.codec, { readData: true, readDataSubset: { part, of: 3 } }));
    const reports = await Promise.all(parts);
    expect(reports.map((r) => r.packsRead ?? 0).reduce((a, b) => a + b, 0)).toBe(packs.length);
    expect(reports.map((r) => r.bytesRead).reduce((a, b) => a + b, 0)).toBe(whole.bytesRead);
    // A flipped bit inside a blob of one pack: exactly the part that reads that pack finds it.
    const key = objects.get('pack') as string;
    const found = await withFlip(key, 200, 0x10, () => Promise.all([1, 2, 3].map((part) => checkVault(repo.vault, repo.codec, { readData: true, readDataSubset: { part, of: 3 } }))));
    expect(found.filter((r) => (r.damagedBlobs ?? []).length > 0)).toHaveLength(1);
    // (A damaged folder listing is also named by every part's walk of the snapshots: not a pack's line.)
    expect(found.flatMap((r) => r.problems).filter((p) => p.startsWith(key))).toEqual([expect.stringMatching(new RegExp(`^${key} is damaged: it does not hash to its id, and 1 of its \\d+ blobs fails authentication`))]);
  });
});

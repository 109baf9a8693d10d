// A backup's progress has a total once the stat-only count beside the walk is done, and its phase
// moves scanning → uploading → finishing → done, never back: the UI's percentage and time left
// depend on both.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ProgressInfo } from '../../../shared/models.ts';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import type { Repository } from '../repository.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import { checkRoots } from './roots.ts';
import { compileRules } from './rules.ts';
import { countBackupTotals } from './totals.ts';

// Which sources each stat-only count walked (the backup's and the tests' calls alike).
const walked = vi.hoisted(() => ({ labels: [] as string[][] }));
vi.mock('./totals.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('./totals.ts')>();
  return {
    ...real,
    countBackupTotals: ((roots, signal) => {
      walked.labels.push(roots.map((r) => r.root.label));
      return real.countBackupTotals(roots, signal);
    }) as typeof real.countBackupTotals,
  };
});

let repo: Repository;
let home: string;

beforeAll(async () => {
  home = tempDir('cairn-totals-');
  for (let d = 0; d < 8; d++) {
    mkdirSync(join(home, `project-${d}`, 'deep', 'deeper'), { recursive: true });
    for (let f = 0; f < 50; f++) writeFileSync(join(home, `project-${d}`, `s${f}.jsonl`), `${'{"line":1}\n'.repeat(40 + f * 7 + d)}`);
    writeFileSync(join(home, `project-${d}`, 'deep', 'deeper', 'far.txt'), 'far below\n');
  }
  mkdirSync(join(home, 'cache'));
  writeFileSync(join(home, 'cache', 'big.bin'), Buffer.alloc(300_000, 1));
  writeFileSync(join(home, '.env'), 'OPENAI_API_KEY=sk-x\n');
  ({ repo } = await initRepo(new MemoryBlobStore()));
});

afterAll(async () => {
  await repo.close();
  removeTempDirs();
});

describe('backup progress', () => {
  const sources = () => [{ label: 'home', path: home, exclude: ['cache/**'], secrets: ['.env'] }];

  it('counts exactly what the backup then stores: its rules (excluded, secret) and depth apply', async () => {
    const roots = await checkRoots(sources(), () => undefined);
    const totals = await countBackupTotals(roots.map((root) => ({ root, rules: compileRules(root) })));
    const result = await backupOf(repo, sources(), { force: true });
    expect(totals).toEqual({ files: result.stats.files, bytes: result.stats.bytes });
    expect(totals.files).toBe(8 * 51);

    const shallow = await checkRoots([{ ...sources()[0]!, maxDepth: 1 }], () => undefined);
    expect((await countBackupTotals(shallow.map((root) => ({ root, rules: compileRules(root) })))).files).toBe(8 * 50);
  });

  it('lets the event loop run while it lists thousands of folders that hold little', async () => {
    const sparse = tempDir('cairn-totals-sparse-');
    for (let d = 0; d < 1500; d++) mkdirSync(join(sparse, `part-${d}`));
    writeFileSync(join(sparse, 'part-7', 'only.json'), '{}');
    const roots = await checkRoots([{ label: 'sparse', path: sparse }], () => undefined);
    let turns = 0;
    let running = true;
    const tick = (): void => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const totals = await countBackupTotals(roots.map((root) => ({ root, rules: compileRules(root) })));
    running = false;
    expect(totals).toEqual({ files: 1, bytes: 2 });
    // Listings are synchronous: without a turn every few hundred, the loop would wait for all 1,500.
    expect(turns).toBeGreaterThanOrEqual(2);
  });

  it('walks only the sources the file cache knows nothing of: an empty one does not send every source through the count again', async () => {
    const both = [...sources(), { label: 'empty', path: tempDir('cairn-totals-empty-') }];
    const { repo: fresh } = await initRepo(new MemoryBlobStore());
    try {
      await backupOf(fresh, both);
      walked.labels = [];
      const seen: ProgressInfo[] = [];
      await backupOf(fresh, both, { onProgress: (p) => seen.push(p) });
      expect(walked.labels).toEqual([['empty']]);
      for (const p of seen) if (p.filesTotal !== undefined) expect(p.filesTotal).toBe(8 * 51);
    } finally {
      await fresh.close();
    }
  });

  it('reports scanning without a total, then uploading with the total, then finishing and done, in that order', async () => {
    const seen: ProgressInfo[] = [];
    // A fresh repository: every file is read and uploaded, so the walk outlasts the count.
    const { repo: fresh } = await initRepo(new MemoryBlobStore());
    try {
      const result = await backupOf(fresh, sources(), { fileConcurrency: 1, onProgress: (p) => seen.push(p) });
      const order = ['scanning', 'uploading', 'finishing', 'done'];
      const phases = seen.map((p) => order.indexOf(p.phase));
      expect(phases.every((n) => n >= 0)).toBe(true);
      expect(phases).toEqual([...phases].sort((a, b) => a - b));
      expect(seen[0]).toMatchObject({ phase: 'scanning' });
      expect(seen[0]?.bytesTotal).toBeUndefined();
      const withTotal = seen.filter((p) => p.bytesTotal !== undefined);
      expect(withTotal.every((p) => p.phase !== 'scanning')).toBe(true);
      // The total arrived while files were still being read, and it is the real one.
      expect(withTotal.some((p) => p.phase === 'uploading' && p.filesDone < (p.filesTotal ?? 0))).toBe(true);
      expect(withTotal.every((p) => p.bytesTotal === result.stats.bytes && p.filesTotal === result.stats.files)).toBe(true);
      expect(seen.at(-1)).toMatchObject({ phase: 'done', filesDone: result.stats.files, bytesDone: result.stats.bytes, pendingUploadBytes: 0 });
      // Read but not yet uploaded is reported, so the percentage doesn't run ahead of the uploads.
      expect(seen.some((p) => (p.pendingUploadBytes ?? 0) > 0)).toBe(true);
    } finally {
      await fresh.close();
    }
  });
});

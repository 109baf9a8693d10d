// The restore plan alone: what happens to entries that would land on something already there,
// and how blobs are grouped into ranged reads per pack.

import { describe, expect, it } from 'vitest';
import type { BlobId, PackId } from '../../../shared/ids.ts';
import type { BlobLocation } from '../state/index.ts';
import { decideOverwrite, planReads } from './plan.ts';

const items = [
  { dest: '/t/a', exists: true },
  { dest: '/t/b', exists: false },
];

describe('decideOverwrite', () => {
  it.each([
    ['keep existing: what is there stays, the rest is written', { keepExisting: true }, false, { write: ['/t/b'], keep: ['/t/a'] }],
    ['overwrite: everything is written', { overwrite: true }, false, { write: ['/t/a', '/t/b'], keep: [] }],
    ['an empty or missing target: everything is written', {}, true, { write: ['/t/a', '/t/b'], keep: [] }],
  ] as const)('%s', (_name, options, empty, expected) => {
    const d = decideOverwrite(items, options, empty);
    expect(d.do).toBe('write');
    if (d.do === 'write') expect({ write: d.write.map((i) => i.dest), keep: d.keep.map((i) => i.dest) }).toEqual(expected);
  });

  it('refuses before writing anything when a file exists and neither is allowed, naming it', () => {
    const d = decideOverwrite(items, {}, false);
    expect(d.do).toBe('refuse');
    if (d.do === 'refuse') {
      expect(d.error.code).toBe('exists');
      expect(d.error.message).toBe('A file already exists in the target: /t/a. Choose an empty folder or allow overwriting.');
    }
  });

  it('names at most five and says there are more', () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ dest: `/t/${i}`, exists: true }));
    const d = decideOverwrite(many, {}, false);
    expect(d.do === 'refuse' && d.error.message).toBe('Files already exist in the target: /t/0, /t/1, /t/2, /t/3, /t/4, …. Choose an empty folder or allow overwriting.');
  });

  it('writes everything into a non-empty target where nothing collides', () => {
    expect(decideOverwrite([{ dest: '/t/b', exists: false }], {}, false)).toMatchObject({ do: 'write', keep: [] });
  });
});

const id = (n: number) => `${n}`.padStart(64, '0') as BlobId;
const loc = (n: number, pack: string, offset: number, length: number, rawLength = length): BlobLocation => ({ id: id(n), type: 'data', pack: pack as PackId, offset, length, rawLength });

describe('planReads', () => {
  const index = new Map([loc(1, 'p1', 0, 100), loc(2, 'p1', 150, 100), loc(3, 'p1', 5_000, 100), loc(4, 'p2', 0, 10, 30)].map((l) => [l.id, l]));
  const locate = (b: BlobId) => index.get(b);

  it('merges blobs of one pack closer than maxGap, splits past maxRead, and records each use', () => {
    const files = [
      { dest: '/t/x', content: [id(1), id(2)], size: 200 },
      { dest: '/t/y', content: [id(3), id(1), id(4)], size: 230 },
    ];
    const plan = planReads(files, locate, { maxGap: 1_000, maxRead: 10_000 });
    expect(plan.reads.map((r) => [r.pack, r.offset, r.length, r.blobs.map((b) => b.id)])).toEqual([
      ['p1', 0, 250, [id(1), id(2)]],
      ['p1', 5_000, 100, [id(3)]],
      ['p2', 0, 10, [id(4)]],
    ]);
    expect(plan.uses.get(id(1))?.map((u) => [u.file.dest, u.offset])).toEqual([['/t/x', 0], ['/t/y', 100]]);
    expect(plan.uses.get(id(4))?.[0]?.offset).toBe(200);
    expect(planReads(files, locate, { maxGap: 10_000, maxRead: 10_000 }).reads).toHaveLength(2);
    expect(planReads(files, locate, { maxGap: 10_000, maxRead: 200 }).reads).toHaveLength(4);
  });

  it('refuses a blob the index lacks and a file whose blobs do not add up to its size', () => {
    expect(() => planReads([{ dest: '/t/z', content: [id(9)], size: 1 }], locate, { maxGap: 0, maxRead: 1 })).toThrow(/not in the vault's index/);
    expect(() => planReads([{ dest: '/t/z', content: [id(1)], size: 99 }], locate, { maxGap: 0, maxRead: 1 })).toThrow(/adds up to 100 bytes, but the snapshot says 99/);
  });
});

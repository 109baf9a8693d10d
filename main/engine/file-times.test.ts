import { statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/repo.ts';
import { utimesSeconds } from './file-times.ts';

describe('utimesSeconds', () => {
  const file = join(tempDir('cairn-times-'), 'f');
  writeFileSync(file, 'x');
  const roundTrip = (ns: bigint) => {
    const t = utimesSeconds(ns);
    utimesSync(file, t, t);
    return statSync(file, { bigint: true }).mtimeNs;
  };

  it('sets the exact millisecond that a naive seconds double misses (the CI failure)', () => {
    // Number(1795256787948000n) / 1e6 truncates to …947.999 ms in libuv.
    const ns = 1_795_256_787_948_000_000n;
    const naive = Number(ns / 1000n) / 1e6;
    utimesSync(file, naive, naive);
    expect(statSync(file, { bigint: true }).mtimeNs).toBe(ns - 1000n);
    expect(roundTrip(ns)).toBe(ns);
  });

  it('keeps every microsecond across a range of epochs, dropping only sub-microsecond digits', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const sec = BigInt(946_684_800 + (next() % 2_000_000_000));
      const ns = sec * 1_000_000_000n + BigInt(next() % 1_000_000_000);
      expect(roundTrip(ns)).toBe((ns / 1000n) * 1000n);
    }
  });

  it('handles the epoch and whole seconds', () => {
    expect(roundTrip(0n)).toBe(0n);
    expect(roundTrip(1_700_000_000_000_000_000n)).toBe(1_700_000_000_000_000_000n);
  });
});

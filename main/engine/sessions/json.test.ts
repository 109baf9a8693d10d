import { describe, expect, it } from 'vitest';
import { CANONICAL_ISO, isoTime } from './json.ts';

describe('isoTime', () => {
  it('gives what toISOString writes, whatever form the time came in', () => {
    const samples: unknown[] = ['2026-01-02T10:00:00.123Z', '2026-01-02T10:00:00Z', '2026-01-02T12:00:00+02:00', '2026-01-02 10:00:00', '2026-02-30T00:00:00.000Z', '2026-01-31T23:59:59.999Z', '1767261600', 1767261600123, 1767261600];
    for (const v of samples) {
      const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      const ms = typeof n === 'number' ? (n < 1e11 ? n * 1000 : n) : Date.parse(typeof v === 'string' && v.includes(' ') ? `${v.replace(' ', 'T')}Z` : (v as string));
      expect(isoTime(v)).toBe(new Date(ms).toISOString());
    }
    expect(isoTime('2026-13-01T00:00:00.000Z')).toBeUndefined();
    expect(isoTime('yesterday')).toBeUndefined();
  });

  it('takes as canonical only strings that are their own toISOString', () => {
    for (let day = 1; day <= 31; day++) {
      for (const month of [1, 2, 4, 12]) {
        const s = `2025-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T23:59:59.000Z`;
        if (CANONICAL_ISO.test(s)) expect(new Date(Date.parse(s)).toISOString()).toBe(s);
      }
    }
    expect(CANONICAL_ISO.test('2026-01-02T10:00:00Z')).toBe(false);
    expect(CANONICAL_ISO.test('2026-01-02T24:00:00.000Z')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { estimateMonthlyCost, formatDollars, STORAGE_PRICE_PER_GB_MONTH } from './pricing.ts';
import { formatBytes, formatFingerprint, formatRelative } from './format.ts';

describe('formatting', () => {
  it('formats sizes as the CLI does (shared/format.ts)', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(186 * 1024 * 1024)).toBe('186 MiB');
  });

  it('formats relative times, never putting a past event in the future', () => {
    const now = Date.parse('2025-06-01T12:00:00Z');
    expect(formatRelative('2025-06-01T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative('2025-06-01T12:30:00Z', now)).toBe('in 30 min');
    expect(formatRelative('2025-06-01T12:00:20Z', now, 'past')).toBe('just now');
    expect(formatRelative(undefined, now)).toBe('never');
  });

  it('groups the fingerprint for reading aloud', () => {
    expect(formatFingerprint('4f3a9c21')).toBe('4F3A 9C21');
  });

  it('estimates the monthly storage bill with the stated prices', () => {
    expect(STORAGE_PRICE_PER_GB_MONTH).toEqual({ r2: 0.015, s3: 0.023, b2: 0.006 });
    const cost = estimateMonthlyCost('s3', 100e9);
    expect(cost.kind === 'priced' && cost.dollarsPerMonth).toBeCloseTo(2.3);
    expect(estimateMonthlyCost('local', 1e12)).toEqual({ kind: 'free' });
    expect(estimateMonthlyCost('other', 1e9)).toEqual({ kind: 'unknown' });
    expect(formatDollars(0.001)).toBe('under $0.01');
  });
});

import { describe, expect, it } from 'vitest';
import { benchArgs } from './args.ts';

describe('benchArgs', () => {
  const spec = { numbers: { size: 300, 'lag-s': 10 }, flags: ['no-restic'], strings: ['child'] } as const;

  it('reads numbers, flags and strings, with defaults for what is absent', () => {
    expect(benchArgs(spec, [])).toEqual({ size: 300, 'lag-s': 10, 'no-restic': false, child: undefined });
    expect(benchArgs(spec, ['--size', '60', '--no-restic', '--child', '/tmp/x', '--lag-s=0.5'])).toEqual({ size: 60, 'lag-s': 0.5, 'no-restic': true, child: '/tmp/x' });
    expect(benchArgs(spec, ['--size', '0']).size).toBe(0);
  });

  it('refuses a value that is not a number and an option it does not know', () => {
    expect(() => benchArgs(spec, ['--size', 'big'])).toThrow("--size takes a number, not 'big'.");
    expect(() => benchArgs(spec, ['--sise', '60'])).toThrow(/Unknown option '--sise'/);
  });
});

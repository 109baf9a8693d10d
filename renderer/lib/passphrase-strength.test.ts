import { describe, expect, it } from 'vitest';
import { estimateStrength } from './passphrase-strength.ts';

describe('estimateStrength', () => {
  it('rates by length, variety and common choices', () => {
    expect(estimateStrength('short').label).toBe('Too short');
    expect(estimateStrength('password123').level).toBe(1);
    expect(estimateStrength('aaaaaaaaaaaa').level).toBe(1);
    expect(estimateStrength('correct horse battery staple').level).toBeGreaterThanOrEqual(3);
    expect(estimateStrength('velvet-orbit-cactus-lantern-mosaic-harbor-quill').level).toBe(4);
  });
});

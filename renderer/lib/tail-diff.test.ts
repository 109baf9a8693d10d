import { describe, expect, it } from 'vitest';
import { tailDiff } from './tail-diff.ts';

describe('tailDiff', () => {
  it('finds where two transcripts part ways', () => {
    const d = tailDiff('a\nb\nc\nmine\n', 'a\nb\nc\ntheirs\nmore\n');
    expect(d.commonLines).toBe(3);
    expect(d.context).toEqual(['b', 'c']);
    expect(d.mineTail).toEqual(['mine']);
    expect(d.theirsTail).toEqual(['theirs', 'more']);
    expect(d.appendOnly).toBe(false);
  });

  it('aligns previews that are the tails of large files', () => {
    const d = tailDiff('l3\nl4\nl5\nmine\n', 'l2\nl3\nl4\nl5\ntheirs\n', 1, { tails: true });
    expect(d.commonLines).toBe(3);
    expect(d.mineTail).toEqual(['mine']);
    expect(d.theirsTail).toEqual(['theirs']);
  });

  it('recognises an append-only extension and identical files', () => {
    expect(tailDiff('a\nb\n', 'a\nb\nc\n').appendOnly).toBe(true);
    expect(tailDiff('a\n', 'a\n').identical).toBe(true);
  });
});

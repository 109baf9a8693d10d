import { describe, expect, it } from 'vitest';
import { changesText } from './snapshot-timeline.tsx';

describe('a snapshot row’s changes', () => {
  it('says new files as new (a first backup read "11587 changed"), with thousands separated', () => {
    expect(changesText(11_587, 0)).toBe('11,587 new');
    expect(changesText(2, 3)).toBe('2 new, 3 changed');
    expect(changesText(0, 1)).toBe('1 changed');
    expect(changesText(0, 0)).toBe('No changes');
  });
});

import { describe, expect, it } from 'vitest';
import { runPruneStress } from '../../../bench/prune-stress.ts';

// The short version of bench/prune-stress.ts: through a 10 s listing lag, device A backs up
// while device B forgets and prunes, round after round; nothing may be lost.
describe('backup and prune at once through a 10 s listing lag', () => {
  for (const conditionalWrites of [false, true]) {
    it(`loses nothing (${conditionalWrites ? 'If-None-Match' : 'listing protocol'})`, { timeout: 120_000 }, async () => {
      const r = await runPruneStress({ rounds: 6, lagMs: 10_000, factor: 100, conditionalWrites });
      expect(r.lost).toBe(0);
      expect(r.checkProblems).toEqual([]);
      expect(r.snapshotsRestored).toBeGreaterThan(0);
      expect(r.snapshotsRestored).toBe(r.snapshotsLeft);
    });
  }
});

import { describe, expect, it } from 'vitest';
import type { ProgressInfo } from './models.ts';
import { describeProgress, formatNextRun, formatRemaining, nextRate, phaseLabel, type RateState } from './progress.ts';

const p = (over: Partial<ProgressInfo>): ProgressInfo => ({ phase: 'uploading', filesDone: 0, bytesDone: 0, uploadedBytes: 0, ...over });

/** Feeds samples (ms, bytes done) of one job through nextRate, as the app does. */
function run(total: number, samples: [number, number][]): { rate: RateState | undefined; progress: ProgressInfo } {
  let rate: RateState | undefined;
  let progress = p({ bytesTotal: total });
  for (const [at, done] of samples) {
    progress = p({ bytesTotal: total, bytesDone: done });
    rate = nextRate(rate, progress, at);
  }
  return { rate, progress };
}

describe('progress for people', () => {
  it('names the phase as it is: scanning, then uploading, then finishing', () => {
    expect(phaseLabel('scanning')).toBe('Scanning');
    expect(phaseLabel('uploading')).toBe('Uploading');
    expect(phaseLabel('finishing')).toBe('Finishing');
    expect(phaseLabel('checking packs')).toBe('Checking packs');
  });

  it('has no percentage and no time left before the total is known', () => {
    const view = describeProgress(p({ phase: 'scanning', filesDone: 2002, bytesDone: 349e6 }), undefined);
    expect(view).toEqual({ label: 'Scanning' });
    expect(nextRate(undefined, p({ phase: 'scanning', bytesDone: 5 }), 0)).toBeUndefined();
  });

  it('gives the percentage of bytes once the total is known (files when only they are), clamped to 100', () => {
    expect(describeProgress(p({ bytesDone: 25, bytesTotal: 100 }), undefined).percent).toBe(25);
    expect(describeProgress(p({ filesDone: 3, filesTotal: 4 }), undefined).percent).toBe(75);
    expect(describeProgress(p({ bytesDone: 130, bytesTotal: 100 }), undefined).percent).toBe(100);
  });

  it('counts bytes read but still waiting to upload as not done: reading runs ahead of the uploads', () => {
    expect(describeProgress(p({ bytesDone: 96, pendingUploadBytes: 24, bytesTotal: 96 }), undefined).percent).toBe(75);
    expect(describeProgress(p({ bytesDone: 10, pendingUploadBytes: 30, bytesTotal: 96 }), undefined).percent).toBe(0);
  });

  it('hides the time left until the speed was watched for 3 s and 2% is done', () => {
    const early = run(1000, [[0, 0], [600, 30], [1200, 60]]);
    expect(describeProgress(early.progress, early.rate).remainingMs).toBeUndefined();
    const tiny = run(1_000_000, [[0, 0], [1000, 1000], [2000, 2000], [3000, 3000], [4000, 4000]]);
    expect(describeProgress(tiny.progress, tiny.rate).remainingMs).toBeUndefined();
  });

  it('a steady 50 B/s with 500 B to go: 10 s left', () => {
    const steady = run(1000, [[0, 0], [1000, 50], [2000, 100], [3000, 150], [4000, 200], [5000, 250], [10_000, 500]]);
    expect(describeProgress(steady.progress, steady.rate).remainingMs).toBeCloseTo(10_000, 5);
  });

  it('smooths: one burst moves the estimate, it does not replace it', () => {
    const base: [number, number][] = [[0, 0], [1000, 100], [2000, 200], [3000, 300], [4000, 400]];
    const burst = run(10_000, [...base, [5000, 2400]]); // 20× faster for one second
    const remaining = describeProgress(burst.progress, burst.rate).remainingMs as number;
    const naive = (10_000 - 2400) / 2; // the burst's own speed: 2 B/ms
    const steady = (10_000 - 2400) / 0.1; // the speed before: 0.1 B/ms
    expect(remaining).toBeGreaterThan(naive * 2);
    expect(remaining).toBeLessThan(steady);
  });

  it('a step back in what is done (a pack counted as pending) slows the estimate, it does not restart it', () => {
    const { rate } = run(1000, [[0, 0], [1000, 100], [2000, 200], [3000, 300], [4000, 280]]);
    expect(rate?.observedMs).toBe(4000);
    expect(rate?.done).toBe(300);
    expect(rate?.rate).toBeGreaterThan(0);
  });

  it('folds samples closer than half a second; keeps the speed when the total is corrected, starts over on another measure or phase', () => {
    const a = nextRate(undefined, p({ bytesDone: 0, bytesTotal: 100 }), 0);
    expect(nextRate(a, p({ bytesDone: 10, bytesTotal: 100 }), 100)).toBe(a);
    const steady = run(1000, [[0, 0], [1000, 100], [2000, 200], [3000, 300], [4000, 400]]).rate;
    const corrected = nextRate(steady, p({ bytesDone: 500, bytesTotal: 990 }), 5000);
    expect(corrected).toMatchObject({ total: 990, observedMs: 5000 });
    expect(corrected?.rate).toBeCloseTo(0.1, 5);
    const files = nextRate(steady, p({ phase: 'pulling', filesDone: 1, filesTotal: 9 }), 5000);
    expect(files).toMatchObject({ unit: 'files', observedMs: 0 });
    expect(files?.rate).toBeUndefined();
    const restarted = nextRate(steady, p({ bytesDone: 10, bytesTotal: 1000 }), 5000);
    expect(restarted).toMatchObject({ observedMs: 0, done: 10 });
  });

  it('words the time left', () => {
    expect(formatRemaining(4000)).toBe('a few seconds left');
    expect(formatRemaining(42_000)).toBe('about 40 s left');
    expect(formatRemaining(3 * 60_000 + 10_000)).toBe('about 3 min left');
    expect(formatRemaining(80 * 60_000)).toBe('about 1 h 20 min left');
  });

  it('says when the next backup is, by the clock', () => {
    const now = new Date(2026, 11, 4, 13, 30).getTime();
    expect(formatNextRun(new Date(2026, 11, 4, 14, 5).toISOString(), now, 'en-GB')).toBe('at 14:05');
    expect(formatNextRun(new Date(2026, 11, 5, 9, 0).toISOString(), now, 'en-GB')).toBe('tomorrow at 09:00');
    expect(formatNextRun('garbage', now)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION } from '../../../shared/models.ts';
import type { RetentionPolicy } from '../../../shared/models.ts';
import { applyRetention } from './retention.ts';
import type { RetentionInput } from './retention.ts';

// A fake clock: snapshots every 6 hours for 60 days back from 2026-11-21 12:00 UTC.
const NOW = Date.UTC(2026, 10, 21, 12);
const H = 3_600_000;
// An agents' backup (shared/backup-lines.ts): what the app and `cairn backup` make.
const AGENTS = [{ agent: 'claude-code', path: '/home/a/.claude' }];
function every6h(device: string, days: number): RetentionInput[] {
  const out: RetentionInput[] = [];
  for (let t = NOW; t > NOW - days * 24 * H; t -= 6 * H) out.push({ id: `${device}-${t}`, device, time: new Date(t).toISOString(), roots: AGENTS, pinned: false, reason: 'scheduled' });
  return out;
}
const none: RetentionPolicy = { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 };
const kept = (snaps: RetentionInput[], policy: RetentionPolicy) => applyRetention(snaps, policy).keep.map((k) => k.snapshot.time).sort().reverse();

describe('retention', () => {
  it.each([
    { name: 'last 3', policy: { ...none, keepLast: 3 }, expected: ['2026-11-21T12', '2026-11-21T06', '2026-11-21T00'] },
    { name: 'daily 3', policy: { ...none, keepDaily: 3 }, expected: ['2026-11-21T12', '2026-11-20T18', '2026-11-19T18'] },
    { name: 'hourly 2 (one per hour that has one)', policy: { ...none, keepHourly: 2 }, expected: ['2026-11-21T12', '2026-11-21T06'] },
    { name: 'weekly 2 (ISO weeks)', policy: { ...none, keepWeekly: 2 }, expected: ['2026-11-21T12', '2026-11-15T18'] },
    { name: 'monthly 3', policy: { ...none, keepMonthly: 3 }, expected: ['2026-11-21T12', '2026-10-31T18', '2026-09-30T18'] },
  ])('$name', ({ policy, expected }) => {
    const snaps = every6h('a', 60);
    expect(kept(snaps, policy).map((t) => t.slice(0, 13))).toEqual(expected.slice(0, expected.length));
  });

  it('combines rules and lists why each snapshot is kept', () => {
    const decision = applyRetention(every6h('a', 60), { keepLast: 2, keepHourly: 0, keepDaily: 3, keepWeekly: 0, keepMonthly: 0 });
    expect(decision.keep.map((k) => k.snapshot.time.slice(0, 13))).toEqual(['2026-11-21T12', '2026-11-21T06', '2026-11-20T18', '2026-11-19T18']);
    expect(decision.keep[0]?.reasons).toEqual(['last 2', 'daily 2026-11-21']);
    expect(decision.forget).toHaveLength(240 - 4);
  });

  it('never forgets pinned or before-restore snapshots', () => {
    const snaps = every6h('a', 10);
    snaps[30] = { ...(snaps[30] as RetentionInput), pinned: true };
    snaps[35] = { ...(snaps[35] as RetentionInput), reason: 'before-restore' };
    const decision = applyRetention(snaps, none);
    expect(decision.keep.map((k) => k.snapshot.id)).toEqual([snaps[0]?.id, snaps[30]?.id, snaps[35]?.id]);
    expect(decision.keep[1]?.reasons).toEqual(['pinned']);
    expect(decision.keep[2]?.reasons).toEqual(['safety snapshot before a restore']);
  });

  it('counts backups only: a safety snapshot taken after the last backup keeps neither its place nor its day', () => {
    // Every 6 hours a backup; a restore over changed files took a safety snapshot after the newest.
    const snaps = every6h('a', 3);
    const safety: RetentionInput = { id: 'a-safety', device: 'a', time: new Date(NOW + H).toISOString(), roots: AGENTS, pinned: false, reason: 'before-restore' };
    const decision = applyRetention([safety, ...snaps], { ...none, keepLast: 1, keepDaily: 2 });
    expect(decision.keep.map((k) => [k.snapshot.id, k.reasons])).toEqual([
      ['a-safety', ['safety snapshot before a restore']],
      [snaps[0]?.id, ['last 1', 'daily 2026-11-21']],
      [snaps[3]?.id, ['daily 2026-11-20']],
    ]);
  });

  it('decides per device', () => {
    const decision = applyRetention([...every6h('a', 2), ...every6h('b', 2)], none);
    expect(decision.keep.map((k) => k.snapshot.device).sort()).toEqual(['a', 'b']);
  });

  it("decides per line: a backup of folders named by hand doesn't count as one of the device's agents", () => {
    // The agents backed up every 6 hours; \`cairn backup ~/notes\` twice after the newest, and once ~/src.
    const notes = [{ path: '/home/a/notes' }];
    const later = (id: string, h: number, roots: RetentionInput['roots']): RetentionInput => ({ id, device: 'a', time: new Date(NOW + h * H).toISOString(), roots, pinned: false, reason: 'cli' });
    const decision = applyRetention([...every6h('a', 2), later('n1', 1, notes), later('n2', 2, notes), later('src', 3, [{ path: '/home/a/src' }])], none);
    expect(decision.keep.map((k) => k.snapshot.id).sort()).toEqual([`a-${NOW}`, 'n2', 'src']);
    expect(decision.forget.map((s) => s.id)).toContain('n1');
  });

  it('keeps everything under the default policy for a day of snapshots', () => {
    expect(applyRetention(every6h('a', 1), DEFAULT_RETENTION).forget).toEqual([]);
  });
});

describe("a device's clock that was wrong", () => {
  // Backups 1-3 made while the clock said 2027 (it ran a year ahead), 4-6 after it was put right.
  const day = (d: number, h: number) => new Date(Date.UTC(2026, 11, d, h)).toISOString();
  const snaps: RetentionInput[] = [
    { id: 's1', device: 'a', seq: 1, time: '2027-12-01T10:00:00.000Z', roots: AGENTS, pinned: false, reason: 'scheduled' },
    { id: 's2', device: 'a', seq: 2, time: '2027-12-01T11:00:00.000Z', roots: AGENTS, pinned: false, reason: 'scheduled' },
    { id: 's3', device: 'a', seq: 3, time: '2027-12-01T12:00:00.000Z', roots: AGENTS, pinned: false, reason: 'scheduled' },
    { id: 's4', device: 'a', seq: 4, time: day(4, 10), roots: AGENTS, pinned: false, reason: 'scheduled' },
    { id: 's5', device: 'a', seq: 5, time: day(4, 11), roots: AGENTS, pinned: false, reason: 'scheduled' },
    { id: 's6', device: 'a', seq: 6, time: day(4, 12), roots: AGENTS, pinned: false, reason: 'scheduled' },
  ];

  it("keeps the device's last backups by its own count, not the ones its clock dated latest", () => {
    const decision = applyRetention(snaps, { ...none, keepLast: 2 });
    expect(decision.keep.map((k) => k.snapshot.id).sort()).toEqual(['s5', 's6']);
    expect(decision.forget.map((s) => s.id).sort()).toEqual(['s1', 's2', 's3', 's4']);
  });

  it('counts snapshots made before Cairn numbered them as older than numbered ones, and orders those by time', () => {
    const older = [
      { id: 'o1', device: 'a', time: '2027-06-01T00:00:00.000Z', roots: AGENTS, pinned: false, reason: 'scheduled' },
      { id: 'o2', device: 'a', time: '2027-06-02T00:00:00.000Z', roots: AGENTS, pinned: false, reason: 'scheduled' },
    ];
    const decision = applyRetention([...older, ...snaps.slice(3)], { ...none, keepLast: 4 });
    expect(decision.keep.map((k) => k.snapshot.id).sort()).toEqual(['o2', 's4', 's5', 's6']);
  });
});

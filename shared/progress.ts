// A running job's progress as people read it: the phase in words, a percentage once the total is
// known, and the time left once it means something. Pure: the caller keeps the `RateState`
// between samples (the app per job on screen, the tray per status), so it is tested as a table.

import type { ProgressInfo } from './models.ts';

/** What the engine's phases are called on screen. Others (e.g. "checking packs") are capitalised. */
const PHASE_LABELS: Record<string, string> = {
  waiting: 'Waiting',
  scanning: 'Scanning',
  uploading: 'Uploading',
  finishing: 'Finishing',
  pulling: 'Bringing in other devices’ changes',
  planning: 'Planning',
  comparing: 'Comparing with the files already there',
  restoring: 'Restoring',
  done: 'Finished',
};

export function phaseLabel(phase: string): string {
  return PHASE_LABELS[phase] ?? (phase ? phase[0]!.toUpperCase() + phase.slice(1) : 'Working');
}

/** The smoothed speed, carried from one sample to the next. */
export interface RateState {
  /** The sample the rate was last updated from. */
  at: number;
  done: number;
  total: number;
  unit: 'bytes' | 'files';
  /** Units (bytes, or files) per millisecond, smoothed; undefined until two samples are apart enough. */
  rate?: number;
  /** How long the rate has been observed, in milliseconds. */
  observedMs: number;
}

/** Samples closer than this are folded into the next one (the engine reports every 100 ms). */
const MIN_SAMPLE_MS = 500;
/** Weight of the newest sample in the moving average: steady, yet follows a real change in a few seconds. */
const SMOOTHING = 0.3;
/** Time left is shown only after this long observing, and between these fractions done. */
const MIN_OBSERVED_MS = 3_000;
const MIN_FRACTION = 0.02;
const MAX_FRACTION = 0.995;

/** What the percentage is of: bytes stored when their total is known, else files. */
function measure(p: ProgressInfo): { done: number; total: number; unit: 'bytes' | 'files' } | undefined {
  // Bytes read but not uploaded yet are not done: a backup's reading runs ahead of its uploads.
  if (p.bytesTotal !== undefined && p.bytesTotal > 0) return { done: Math.max(0, p.bytesDone - (p.pendingUploadBytes ?? 0)), total: p.bytesTotal, unit: 'bytes' };
  if (p.filesTotal !== undefined && p.filesTotal > 0) return { done: p.filesDone, total: p.filesTotal, unit: 'files' };
  return undefined;
}

/**
 * The next rate state after a sample at `now`. Another measure (files instead of bytes), another
 * phase or job (what is done falls below half) starts over; a corrected total (the backup's
 * exact count replacing the estimate) keeps the speed.
 */
export function nextRate(prev: RateState | undefined, p: ProgressInfo, now: number): RateState | undefined {
  const m = measure(p);
  if (!m) return undefined;
  if (!prev || prev.unit !== m.unit || m.done < prev.done / 2) return { at: now, done: m.done, total: m.total, unit: m.unit, observedMs: 0 };
  const dt = now - prev.at;
  if (dt < MIN_SAMPLE_MS) return prev.total === m.total ? prev : { ...prev, total: m.total };
  // Done can step back a little (bytes read before their pack was counted as pending): no speed
  // then, and no restart either.
  const done = Math.max(prev.done, m.done);
  const instant = (done - prev.done) / dt;
  const rate = prev.rate === undefined ? instant : SMOOTHING * instant + (1 - SMOOTHING) * prev.rate;
  return { at: now, done, total: m.total, unit: m.unit, rate, observedMs: prev.observedMs + dt };
}

export interface ProgressView {
  label: string;
  /** 0–100, once a total is known. */
  percent?: number;
  /** Milliseconds left, once it is meaningful (see MIN_OBSERVED_MS, MIN_FRACTION). */
  remainingMs?: number;
}

export function describeProgress(p: ProgressInfo, rate: RateState | undefined): ProgressView {
  const label = phaseLabel(p.phase);
  const m = measure(p);
  if (!m) return { label };
  const fraction = Math.max(0, Math.min(1, m.done / m.total));
  const view: ProgressView = { label, percent: fraction * 100 };
  const meaningful = rate?.rate !== undefined && rate.rate > 0 && rate.unit === m.unit && rate.observedMs >= MIN_OBSERVED_MS && fraction >= MIN_FRACTION && fraction <= MAX_FRACTION;
  if (meaningful) view.remainingMs = Math.max(0, (m.total - m.done) / (rate.rate as number));
  return view;
}

/** "about 40 s left", "about 3 min left", "about 1 h 20 min left". */
export function formatRemaining(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 10) return 'a few seconds left';
  if (seconds < 60) return `about ${Math.round(seconds / 10) * 10} s left`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `about ${hours} h${rest > 0 ? ` ${rest} min` : ''} left`;
}

/**
 * When the next backup is due, in the viewer's local time and way of writing it: "at 14:05",
 * "tomorrow at 09:00", "on Mon at 09:00". `locale` is for tests; the app leaves it to the system.
 */
export function formatNextRun(iso: string, now: number, locale?: string): string | undefined {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return undefined;
  const at = new Date(time);
  const clock = at.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  const day = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((day(at) - day(new Date(now))) / 86_400_000);
  if (days <= 0) return `at ${clock}`;
  if (days === 1) return `tomorrow at ${clock}`;
  return `on ${at.toLocaleDateString(locale, { weekday: 'short' })} at ${clock}`;
}

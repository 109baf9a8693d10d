// Display formatting: sizes, times, durations. Pure functions; `now` is passed in so that
// relative times are testable and re-render on a shared clock.

export { formatBytes, formatCount } from '../../shared/format.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * "just now", "5 min ago", "in 3 h", "yesterday", or a date for anything older than a week.
 * Past events are never shown in the future (the shared clock ticks every 15 s).
 */
export function formatRelative(iso: string | undefined, now: number, kind: 'past' | 'future' | 'any' = 'any'): string {
  if (!iso) return 'never';
  const parsed = Date.parse(iso);
  if (Number.isNaN(parsed)) return '—';
  const time = kind === 'past' ? Math.min(parsed, now) : kind === 'future' ? Math.max(parsed, now) : parsed;
  const delta = time - now;
  const abs = Math.abs(delta);
  const future = delta > 0;
  if (abs < 45_000) return future ? 'in a moment' : 'just now';
  if (abs < HOUR) {
    const m = Math.round(abs / MINUTE);
    return future ? `in ${m} min` : `${m} min ago`;
  }
  if (abs < DAY) {
    const h = Math.round(abs / HOUR);
    return future ? `in ${h} h` : `${h} h ago`;
  }
  if (abs < 2 * DAY && !future) return 'yesterday';
  if (abs < 7 * DAY) {
    const d = Math.round(abs / DAY);
    return future ? `in ${d} days` : `${d} days ago`;
  }
  return formatDate(iso);
}

// One formatter each, made once: `toLocaleString` with options builds a new Intl formatter on
// every call (about 0.1 ms), which a list of thousands of timestamps pays on every render.
let formatters: { date: Intl.DateTimeFormat; dateTime: Intl.DateTimeFormat; time: Intl.DateTimeFormat } | undefined;
const fmt = () =>
  (formatters ??= {
    date: new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric' }),
    dateTime: new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
    time: new Intl.DateTimeFormat('en-US', { hour: '2-digit', minute: '2-digit' }),
  });

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return fmt().date.format(d);
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return fmt().dateTime.format(d);
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return fmt().time.format(d);
}

/** A day heading for timelines: "Today", "Yesterday", or "Mon, Mar 3". */
export function formatDayHeading(iso: string, now: number): string {
  const d = new Date(iso);
  const today = new Date(now);
  const startOf = (x: Date): number => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const days = Math.round((startOf(today) - startOf(d)) / DAY);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  return d.toLocaleDateString('en-US', { weekday: 'short', month: 'short', day: 'numeric', year: d.getFullYear() === today.getFullYear() ? undefined : 'numeric' });
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s % 60);
  if (m < 60) return rest ? `${m} min ${rest} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export function formatInterval(minutes: number): string {
  if (minutes < 60) return `every ${minutes} minutes`;
  if (minutes === 60) return 'every hour';
  if (minutes % (24 * 60) === 0) return minutes === 24 * 60 ? 'once a day' : `every ${minutes / (24 * 60)} days`;
  if (minutes % 60 === 0) return `every ${minutes / 60} hours`;
  return `every ${formatDuration(minutes * MINUTE)}`;
}

/** "4f3a9c21" -> "4F3A 9C21": easier to read aloud and compare across devices. */
export function formatFingerprint(fingerprint: string | undefined): string {
  if (!fingerprint) return '—';
  const upper = fingerprint.toUpperCase();
  return upper.match(/.{1,4}/g)?.join(' ') ?? upper;
}

export function percent(done: number, total: number | undefined): number | undefined {
  if (total === undefined || total <= 0) return undefined;
  return Math.max(0, Math.min(100, (done / total) * 100));
}

export function basename(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return i >= 0 ? trimmed.slice(i + 1) : trimmed;
}

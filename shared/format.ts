// Byte sizes for people, one way everywhere (the CLI, the app, the docs): binary units with their
// IEC names, as restic and the benchmarks print them, so one size never shows as three numbers.

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 999 B, 1.50 KiB, 186 MiB: powers of 1024; two decimals under 10, one under 100. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // Rounding can carry into the next unit's range (1023.96 KiB prints as "1024 KiB"); keep it.
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** A path for people: one too long to read whole (paths reach ~4,000 characters) is its start and end. */
export function shortPath(path: string): string {
  return path.length > 160 ? `${path.slice(0, 70)}…${path.slice(-70)}` : path;
}

/** "1 file", "11,587 files": a count with its noun, with thousands separators. */
export function formatCount(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}

// The content rules of sync: is one version an append-only extension of the other, and the
// union of two versions of a shared append-only log (every line kept, ordered by time).

export function isPrefix(shorter: Uint8Array, longer: Uint8Array): boolean {
  if (shorter.length > longer.length) return false;
  return Buffer.from(longer.buffer, longer.byteOffset, shorter.length).equals(Buffer.from(shorter.buffer, shorter.byteOffset, shorter.length));
}

function timeOf(line: string): number | undefined {
  try {
    const v = JSON.parse(line) as Record<string, unknown>;
    for (const key of ['timestamp', 'ts', 'time', 'created_at']) {
      const t = v[key];
      if (typeof t === 'number') return t < 1e11 ? t * 1000 : t; // seconds or milliseconds
      if (typeof t === 'string') {
        const ms = Date.parse(t);
        if (!Number.isNaN(ms)) return ms;
      }
    }
  } catch {
    // not JSON: keeps its place relative to its neighbours
  }
  return undefined;
}

/**
 * Union of the lines of two versions of an append-only log: every distinct line of either, each
 * once, ordered by its timestamp (a line without one takes the time of the line before it).
 * Deterministic, so both devices converge on the same bytes.
 */
export function unionLines(local: string, remote: string): string {
  const split = (s: string) => s.split('\n').filter((l) => l.length > 0);
  const seen = new Set<string>();
  const lines: { line: string; t: number }[] = [];
  for (const source of [split(local), split(remote)]) {
    let last = Number.NEGATIVE_INFINITY;
    for (const line of source) {
      if (seen.has(line)) {
        last = timeOf(line) ?? last;
        continue;
      }
      seen.add(line);
      const t = timeOf(line) ?? last;
      last = t;
      lines.push({ line, t });
    }
  }
  // Ties (and lines without a time) are ordered by their bytes: both devices must produce the
  // same file from the same two inputs, whichever side is "local".
  lines.sort((a, b) => (a.t === b.t ? (a.line < b.line ? -1 : a.line > b.line ? 1 : 0) : a.t < b.t ? -1 : 1));
  return lines.map((l) => l.line).join('\n') + (lines.length > 0 ? '\n' : '');
}

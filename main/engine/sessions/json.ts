// Small helpers for reading agents' JSON without trusting its shape.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** Parses one record; `undefined` with a reason when it isn't a JSON object. */
export function parseRecord(text: string): { value: JsonObject } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: 'not valid JSON (cut off or damaged)' };
  }
  return isObject(parsed) ? { value: parsed } : { error: 'not a JSON object' };
}

/** Parses JSON that may be a string holding JSON (tool arguments); the text itself otherwise. */
export function maybeJson(v: unknown): Json | undefined {
  if (typeof v !== 'string') return v as Json | undefined;
  const t = v.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return v;
  try {
    return JSON.parse(t) as Json;
  } catch {
    return v;
  }
}

/**
 * An ISO 8601 UTC time exactly as `toISOString` writes it, for a date every month has: such a
 * string is its own canonical form, and two of them compare as strings in time order. (Days 29
 * to 31 are left out: `Date.parse` rolls 2026-02-30 over into March.)
 */
export const CANONICAL_ISO = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** ISO 8601 from an ISO string, epoch milliseconds or epoch seconds. */
export function isoTime(v: unknown): string | undefined {
  if (typeof v === 'string') {
    // Most agents write exactly this: no need to parse it and write it again (once per record).
    if (CANONICAL_ISO.test(v)) return v;
    if (/^\d+$/.test(v)) return isoTime(Number(v));
    // SQLite's CURRENT_TIMESTAMP ("2026-01-02 10:00:00") is UTC without saying so.
    const sql = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(v);
    const t = Date.parse(sql ? `${sql[1]}T${sql[2]}Z` : v);
    return Number.isNaN(t) ? undefined : new Date(t).toISOString();
  }
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
    const ms = v < 1e11 ? v * 1000 : v;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  return undefined;
}

/** Text of a content value: a string, or an array of blocks with `text`. Images as "[image]". */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (isObject(content)) return str(content.text) ?? '';
  if (!Array.isArray(content)) return '';
  return content
    .map((c) => {
      if (typeof c === 'string') return c;
      if (!isObject(c)) return '';
      if (typeof c.text === 'string') return c.text;
      if (typeof c.content === 'string') return c.content;
      const type = str(c.type) ?? '';
      if (type.includes('image')) return '[image]';
      return '';
    })
    .filter(Boolean)
    .join('\n\n');
}

export function pretty(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

/** One line saying what a tool call did: the command, the file, or the pattern. */
export function toolSummary(input: unknown): string {
  const value = maybeJson(input);
  if (typeof value === 'string') return oneLine(value);
  if (!isObject(value)) return '';
  // Agents name the same things file_path, filePath, AbsolutePath, TargetFile…: match loosely.
  const byKey = new Map<string, Json>();
  for (const [k, v] of Object.entries(value)) byKey.set(k.toLowerCase().replace(/_/g, ''), v);
  const command = byKey.get('command') ?? byKey.get('cmd') ?? byKey.get('commandline');
  if (typeof command === 'string') return oneLine(command);
  if (Array.isArray(command)) {
    const parts = command.filter((c): c is string => typeof c === 'string');
    // Codex wraps commands as ["bash", "-lc", "<script>"].
    const script = parts.length === 3 && /sh$/.test(parts[0] ?? '') && parts[1] === '-lc' ? parts[2] : parts.join(' ');
    return oneLine(script ?? '');
  }
  for (const key of ['filepath', 'path', 'absolutepath', 'notebookpath', 'targetfile', 'file', 'url', 'pattern', 'query', 'regex', 'searchpath', 'directorypath', 'description', 'prompt']) {
    const v = byKey.get(key);
    if (typeof v === 'string') return oneLine(v);
  }
  return oneLine(JSON.stringify(value));
}

export function oneLine(s: string, max = 140): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A short preview of a record for "not shown" items. */
export function preview(value: unknown, max = 200): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// Secrets that live inside files, which path rules can't exclude. Applied by the backup engine to
// what it is about to upload, never to the agent's own files:
//  - SQLite copies: credential rows deleted with secure_delete on, then VACUUM, so neither the
//    rows nor freed pages holding them reach the vault;
//  - JSON files: credential keys removed (the agent treats them as unset after a restore);
//  - formats we can't rewrite safely (YAML, TOML, JSONC): the file stays local when it matches.

import { readFile, stat } from 'node:fs/promises';
import Database from 'better-sqlite3';
import picomatch from 'picomatch';
import { globMatcher } from './rules.ts';
import type { ContentRule } from './source.ts';

/** Files above this size are never rewritten in memory: they stay local when a rule applies. */
export const MAX_REWRITE_BYTES = 64 * 1024 * 1024;

/** The rules of a source that apply to one of its files. */
export function rulesFor(rules: readonly ContentRule[] | undefined, relPath: string): ContentRule[] {
  return (rules ?? []).filter((r) => globMatcher([r.glob])(relPath));
}

export interface ScrubResult {
  rowsDeleted: number;
  tables: string[];
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Deletes the rows the `sqlite-delete` rules name from a database *copy* (never the agent's own
 * file). Tables that don't exist are skipped: schemas differ between agent versions.
 */
export function scrubSqliteCopy(copyPath: string, rules: readonly ContentRule[]): ScrubResult {
  const deletes = rules.filter((r): r is Extract<ContentRule, { kind: 'sqlite-delete' }> => r.kind === 'sqlite-delete');
  const result: ScrubResult = { rowsDeleted: 0, tables: [] };
  if (deletes.length === 0) return result;
  const db = new Database(copyPath, { fileMustExist: true });
  try {
    db.pragma('secure_delete = ON');
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck();
    db.transaction(() => {
      for (const rule of deletes) {
        if (hasTable.get(rule.table) === undefined) continue;
        const where = rule.where ? ` WHERE ${rule.where}` : '';
        const { changes } = db.prepare(`DELETE FROM ${quoteIdent(rule.table)}${where}`).run();
        if (changes > 0) {
          result.rowsDeleted += changes;
          result.tables.push(rule.table);
        }
      }
    })();
    if (result.rowsDeleted > 0) db.exec('VACUUM');
  } finally {
    db.close();
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function redactAt(node: unknown, segments: readonly string[]): number {
  const [head, ...rest] = segments;
  if (head === undefined || !isObject(node)) return 0;
  const glob = picomatch(head, { dot: true, nocase: true });
  // Keys are names, not paths: a `/` in one (`.claude.json` keys projects by absolute path)
  // must not stop `*` from matching it.
  const matches = (key: string): boolean => glob(key.replaceAll('/', '\u2215'));
  let count = 0;
  for (const key of Object.keys(node)) {
    if (!matches(key)) continue;
    if (rest.length === 0) {
      if (Array.isArray(node)) continue;
      delete node[key];
      count++;
    } else {
      count += redactAt(node[key], rest);
    }
  }
  return count;
}

/**
 * Removes the keys at `paths` (dotted; each segment a case-insensitive glob on key names, `*`
 * for any key) from a parsed JSON value, in place. Returns how many keys were removed.
 */
export function redactJson(value: unknown, paths: readonly string[]): number {
  return paths.reduce((n, p) => n + redactAt(value, p.split('.')), 0);
}

export type UploadPlan =
  /** No rule applies: stream the file. */
  | { action: 'as-is' }
  /** The file stays on this machine. */
  | { action: 'skip'; why: string }
  /** Upload exactly these bytes (what was checked, redacted when `redacted` > 0). */
  | { action: 'bytes'; data: Buffer; redacted: number };

/**
 * What to upload for a regular (non-SQLite) file under its source's content rules. Reads the file
 * only when a rule applies, and then hands back the very bytes it checked, so a write between the
 * check and the upload can't slip a secret through.
 */
export async function planUpload(absPath: string, relPath: string, rules: readonly ContentRule[] | undefined): Promise<UploadPlan> {
  const applicable = rulesFor(rules, relPath).filter((r) => r.kind !== 'sqlite-delete');
  if (applicable.length === 0) return { action: 'as-is' };
  if ((await stat(absPath)).size > MAX_REWRITE_BYTES) return { action: 'skip', why: `larger than ${MAX_REWRITE_BYTES} bytes, too large to check for secrets` };
  const raw = await readFile(absPath);
  const text = raw.toString('utf8');
  for (const rule of applicable) {
    if (rule.kind === 'skip-if-match' && new RegExp(rule.pattern, 'im').test(text)) return { action: 'skip', why: rule.why };
  }
  const redactions = applicable.filter((r): r is Extract<ContentRule, { kind: 'json-redact' }> => r.kind === 'json-redact');
  if (redactions.length === 0) return { action: 'bytes', data: raw, redacted: 0 };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { action: 'skip', why: 'not valid JSON, so its credentials could not be removed' };
  }
  const redacted = redactions.reduce((n, r) => n + redactJson(value, r.paths), 0);
  if (redacted === 0) return { action: 'bytes', data: raw, redacted: 0 };
  return { action: 'bytes', data: Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8'), redacted };
}

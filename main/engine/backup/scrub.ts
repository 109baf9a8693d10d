// Secrets that live inside files, which path rules can't exclude. Applied by the backup engine to
// what it is about to upload, never to the agent's own files:
//  - SQLite copies: credential rows deleted (or their columns emptied) with secure_delete on,
//    then VACUUM, so neither the rows nor freed pages holding them reach the vault; the copy's
//    bytes are then searched for every removed value before it may be sealed;
//  - JSON files: credential keys removed (the agent treats them as unset after a restore);
//  - formats we can't rewrite faithfully (YAML, TOML, JSONC): parsed, and the file stays local
//    when a credential key holds a value; text with no structure: stays local when it matches.

import { readFile, stat } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { parse as parseJsonc } from 'jsonc-parser';
import type { ParseError } from 'jsonc-parser';
import picomatch from 'picomatch';
import { parse as parseToml } from 'smol-toml';
import { parseAllDocuments } from 'yaml';
import { IntegrityError } from '../../../shared/errors.ts';
import { globMatcher } from './rules.ts';
import type { ContentRule } from './source.ts';

/** Files above this size are never rewritten in memory: they stay local when a rule applies. */
export const MAX_REWRITE_BYTES = 64 * 1024 * 1024;

/** The rules of a source that apply to one of its files. */
/** Each rule's glob compiled once: compiling it for every file was ~0.4 s of an initial backup's 3,000 files. */
const ruleMatchers = new WeakMap<ContentRule, (path: string) => boolean>();

export function rulesFor(rules: readonly ContentRule[] | undefined, relPath: string): ContentRule[] {
  return (rules ?? []).filter((r) => {
    let matches = ruleMatchers.get(r);
    if (!matches) ruleMatchers.set(r, (matches = globMatcher([r.glob])));
    return matches(relPath);
  });
}

export interface ScrubResult {
  /** Rows deleted plus rows whose columns were emptied. */
  rowsDeleted: number;
  tables: string[];
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

type SqliteRule = Extract<ContentRule, { kind: 'sqlite-delete' | 'sqlite-clear' }>;

const sqliteRulesOf = (rules: readonly ContentRule[]): SqliteRule[] => rules.filter((r): r is SqliteRule => r.kind === 'sqlite-delete' || r.kind === 'sqlite-clear');

/**
 * What of `rule` this database has: undefined when it has nothing to touch (no such table, or
 * none of a `sqlite-clear` rule's columns), else the columns to empty (none for a delete).
 * Schemas differ between agent versions.
 */
function ruleColumns(db: Database.Database, rule: SqliteRule): string[] | undefined {
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(rule.table) === undefined) return undefined;
  if (rule.kind === 'sqlite-delete') return [];
  const present = new Set((db.prepare(`PRAGMA table_info(${quoteIdent(rule.table)})`).all() as { name: string }[]).map((c) => c.name));
  const columns = rule.columns.filter((c) => present.has(c));
  return columns.length > 0 ? columns : undefined;
}

/** Values shorter than this are not searched for in the copy's bytes: they'd match by chance. */
const MIN_VERIFIED_LENGTH = 12;
/** Values that are names, not credentials: e-mail addresses, URLs, paths, text with spaces. */
const NOT_A_TOKEN = /^(?:[a-z][a-z0-9+.-]*:\/\/|\/|[^@\s]+@[^@\s]+\.[a-z]+$)|\s/i;

function valuesOf(row: Record<string, unknown>, columns: readonly string[] | undefined): Buffer[] {
  const out: Buffer[] = [];
  for (const [column, value] of Object.entries(row)) {
    if (columns && !columns.includes(column)) continue;
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.isBuffer(value) ? value : undefined;
    if (!bytes || bytes.length < MIN_VERIFIED_LENGTH) continue;
    if (typeof value === 'string' && NOT_A_TOKEN.test(value)) continue;
    out.push(bytes);
  }
  return out;
}

/**
 * Removes the credentials the `sqlite-delete` and `sqlite-clear` rules name from a database
 * *copy* (never the agent's own file), VACUUMs it so that no free page, freelist trunk or
 * overflow page keeps the old bytes, then reads the copy back and checks that none of the
 * removed values is anywhere in it. Tables and columns that don't exist are skipped: schemas
 * differ between agent versions. Throws IntegrityError when a removed value survives: the
 * caller keeps the database local.
 */
export async function scrubSqliteCopy(copyPath: string, rules: readonly ContentRule[]): Promise<ScrubResult> {
  const sqliteRules = sqliteRulesOf(rules);
  const result: ScrubResult = { rowsDeleted: 0, tables: [] };
  if (sqliteRules.length === 0) return result;
  const removed: Buffer[] = [];
  const db = new Database(copyPath, { fileMustExist: true });
  try {
    db.pragma('secure_delete = ON');
    db.transaction(() => {
      for (const rule of sqliteRules) {
        const columns = ruleColumns(db, rule);
        if (!columns) continue;
        const where = rule.where ? ` WHERE ${rule.where}` : '';
        let changes: number;
        if (rule.kind === 'sqlite-delete') {
          for (const row of db.prepare(`SELECT * FROM ${quoteIdent(rule.table)}${where}`).iterate() as Iterable<Record<string, unknown>>) removed.push(...valuesOf(row, rule.secretColumns));
          ({ changes } = db.prepare(`DELETE FROM ${quoteIdent(rule.table)}${where}`).run());
        } else {
          const list = columns.map(quoteIdent).join(', ');
          for (const row of db.prepare(`SELECT ${list} FROM ${quoteIdent(rule.table)}${where}`).iterate() as Iterable<Record<string, unknown>>) removed.push(...valuesOf(row, undefined));
          // '' rather than NULL: such columns are often NOT NULL.
          ({ changes } = db.prepare(`UPDATE ${quoteIdent(rule.table)} SET ${columns.map((c) => `${quoteIdent(c)} = ''`).join(', ')}${where}`).run());
        }
        if (changes > 0) {
          result.rowsDeleted += changes;
          if (!result.tables.includes(rule.table)) result.tables.push(rule.table);
        }
      }
    })();
    // Always: a credential the agent itself deleted earlier can still sit in a free page.
    db.exec('VACUUM');
  } finally {
    db.close();
  }
  if (removed.length > 0) {
    const bytes = await readFile(copyPath);
    // A value may also live in a row no rule names (a copy in a log table): then the file can't
    // be shown to be free of it, and it stays local.
    if (removed.some((value) => bytes.includes(value))) {
      throw new IntegrityError('a removed credential is still in the scrubbed copy (another table holds it too)');
    }
  }
  return result;
}

/**
 * Whether the database at `path` holds rows the `sqlite-delete`/`sqlite-clear` rules would remove
 * or empty, read without writing. True when it can't be read: then it can't be shown not to.
 */
export function holdsSqliteCredentials(path: string, rules: readonly ContentRule[]): boolean {
  const sqliteRules = sqliteRulesOf(rules);
  if (sqliteRules.length === 0) return false;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    for (const rule of sqliteRules) {
      const columns = ruleColumns(db, rule);
      if (!columns) continue;
      const where = rule.where ? `(${rule.where})` : '1';
      // Emptied columns hold '' (see scrubSqliteCopy): a row with nothing left in them is clean.
      const filled = rule.kind === 'sqlite-clear' ? ` AND (${columns.map((c) => `coalesce(${quoteIdent(c)}, '') <> ''`).join(' OR ')})` : '';
      if (db.prepare(`SELECT 1 FROM ${quoteIdent(rule.table)} WHERE ${where}${filled} LIMIT 1`).get() !== undefined) return true;
    }
    return false;
  } catch {
    return true;
  } finally {
    db?.close();
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Calls `visit(parent, key, trail)` for every key at the dotted path (`trail`: the keys from the
 * document's top down to it); `**` matches any depth (zero or more keys).
 */
function eachAt(node: unknown, segments: readonly string[], visit: (parent: Record<string, unknown>, key: string, trail: readonly string[]) => void, trail: readonly string[] = []): void {
  const [head, ...rest] = segments;
  if (head === undefined || !isObject(node)) return;
  if (head === '**') {
    eachAt(node, rest, visit, trail);
    for (const key of Object.keys(node)) eachAt(node[key], segments, visit, [...trail, key]);
    return;
  }
  const glob = picomatch(head, { dot: true, nocase: true });
  // Keys are names, not paths: a `/` in one (`.claude.json` keys projects by absolute path)
  // must not stop `*` from matching it.
  const matches = (key: string): boolean => glob(key.replaceAll('/', '\u2215'));
  for (const key of Object.keys(node)) {
    if (!matches(key)) continue;
    if (rest.length === 0) {
      if (!Array.isArray(node)) visit(node, key, [...trail, key]);
    } else {
      eachAt(node[key], rest, visit, [...trail, key]);
    }
  }
}

/**
 * Removes the keys at `paths` (dotted; each segment a case-insensitive glob on key names, `*`
 * for any key, `**` for any depth) from a parsed JSON value, in place. Returns how many keys
 * were removed; `removed` gets each one's dotted path in the document (names only, never values).
 */
export function redactJson(value: unknown, paths: readonly string[], removed?: string[]): number {
  let count = 0;
  for (const path of paths) {
    eachAt(value, path.split('.'), (parent, key, trail) => {
      if (!(key in parent)) return;
      delete parent[key];
      count++;
      removed?.push(trail.join('.'));
    });
  }
  return count;
}

/** Whether a value can carry a credential: a non-empty string, or a list or table holding one. */
function holdsText(value: unknown): boolean {
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.some(holdsText);
  if (isObject(value)) return Object.values(value).some(holdsText);
  return false;
}

/** Keys that name an environment variable holding the credential, not the credential itself. */
const NAMES_A_VARIABLE = /(env_var|env_vars|env_key|env_keys|_env)$/i;

/** The first of `paths` at which a parsed document holds text, or undefined. */
export function findSecretKey(value: unknown, paths: readonly string[]): string | undefined {
  for (const path of paths) {
    let found = false;
    eachAt(value, path.split('.'), (parent, key) => {
      if (!NAMES_A_VARIABLE.test(key) && holdsText(parent[key])) found = true;
    });
    if (found) return path;
  }
  return undefined;
}

function parseStructured(text: string, format: 'yaml' | 'toml' | 'jsonc'): unknown {
  switch (format) {
    case 'yaml':
      // Every document of the stream: a second one can hold keys too.
      return parseAllDocuments(text).map((d) => {
        if (d.errors.length > 0) throw d.errors[0];
        return d.toJS() as unknown;
      });
    case 'toml':
      return parseToml(text);
    case 'jsonc': {
      const errors: ParseError[] = [];
      const value = parseJsonc(text, errors, { allowTrailingComma: true });
      if (errors.length > 0) throw new Error(`JSONC error ${errors[0]?.error ?? 0}`);
      return value;
    }
  }
}

export type UploadPlan =
  /** No rule applies: stream the file. */
  | { action: 'as-is' }
  /** The file stays on this machine. */
  | { action: 'skip'; why: string }
  /**
   * Upload exactly these bytes (what was checked, redacted when `redacted` > 0): `removed` names
   * the keys taken out (dotted paths), `why` the rule that took them.
   */
  | { action: 'bytes'; data: Buffer; redacted: number; removed?: string[]; why?: string };

/**
 * What to upload for a regular (non-SQLite) file under its source's content rules. Reads the file
 * only when a rule applies, and then hands back the very bytes it checked, so a write between the
 * check and the upload can't slip a secret through.
 */
export async function planUpload(absPath: string, relPath: string, rules: readonly ContentRule[] | undefined): Promise<UploadPlan> {
  const applicable = rulesFor(rules, relPath).filter((r) => r.kind !== 'sqlite-delete' && r.kind !== 'sqlite-clear');
  if (applicable.length === 0) return { action: 'as-is' };
  if ((await stat(absPath)).size > MAX_REWRITE_BYTES) return { action: 'skip', why: `larger than ${MAX_REWRITE_BYTES} bytes, too large to check for secrets` };
  const raw = await readFile(absPath);
  const text = raw.toString('utf8');
  for (const rule of applicable) {
    if (rule.kind === 'skip-if-match' && new RegExp(rule.pattern, 'im').test(text)) return { action: 'skip', why: rule.why };
    if (rule.kind === 'skip-if-keys') {
      let doc: unknown;
      try {
        doc = parseStructured(text, rule.format);
      } catch {
        return { action: 'skip', why: `not valid ${rule.format.toUpperCase()}, so it could not be checked for credentials` };
      }
      // A YAML stream parses to a list of documents: look in each.
      const docs = rule.format === 'yaml' ? (doc as unknown[]) : [doc];
      const key = docs.map((d) => findSecretKey(d, rule.paths)).find((k) => k !== undefined);
      if (key !== undefined) return { action: 'skip', why: `${rule.why} (${key})` };
    }
  }
  const redactions = applicable.filter((r): r is Extract<ContentRule, { kind: 'json-redact' }> => r.kind === 'json-redact');
  if (redactions.length === 0) return { action: 'bytes', data: raw, redacted: 0 };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { action: 'skip', why: 'not valid JSON, so its credentials could not be removed' };
  }
  const removed: string[] = [];
  const why: string[] = [];
  for (const rule of redactions) if (redactJson(value, rule.paths, removed) > 0) why.push(rule.why);
  if (removed.length === 0) return { action: 'bytes', data: raw, redacted: 0 };
  return { action: 'bytes', data: Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8'), redacted: removed.length, removed, why: why.join('; ') };
}

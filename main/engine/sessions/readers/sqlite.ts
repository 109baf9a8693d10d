// Opening agents' SQLite databases for reading sessions: read-only, never creating anything, and
// answering "which tables / columns exist" so readers follow schema changes across versions.

import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { SessionFiles } from '../files.ts';
import type { ReaderEvent } from '../reader.ts';
import { unreadableEvent } from './common.ts';

export type Db = Database.Database;

/** Opens a database read-only; undefined with an unreadable event when it can't be opened. */
export async function openDb(files: SessionFiles, path: string): Promise<{ db: Db } | { error: ReaderEvent }> {
  try {
    const local = await files.sqlitePath(path);
    const db = new Database(local, { readonly: true, fileMustExist: true, timeout: 2000 });
    // Touch the schema now so that a file that isn't a database fails here.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return { db };
  } catch (error) {
    return { error: unreadableEvent(path, { error: `the database can't be opened: ${(error as Error).message}`, pos: { offset: 0, line: 1 }, raw: '' }) };
  }
}

export function hasTable(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?").get(name) !== undefined;
}

export function columns(db: Db, table: string): Set<string> {
  return new Set((db.prepare(`PRAGMA table_info(${JSON.stringify(table)})`).all() as { name: string }[]).map((c) => c.name));
}

/**
 * Stamps (SessionReader.stamps) from one row per session, by its `id`: a digest of every value of
 * the row (a conversation held inline in its row makes a long value; the stamp stays short).
 */
export function rowStamps(rows: readonly Record<string, unknown>[], id = 'id'): Map<string, string> {
  return new Map(
    rows.map((r) => {
      const hash = createHash('sha256');
      for (const v of Object.values(r)) {
        if (Buffer.isBuffer(v)) hash.update(`b${v.length}:`).update(v);
        else hash.update(`${typeof v === 'bigint' ? String(v) : JSON.stringify(v ?? null)},`);
      }
      return [String(r[id]), hash.digest('base64url').slice(0, 27)];
    }),
  );
}

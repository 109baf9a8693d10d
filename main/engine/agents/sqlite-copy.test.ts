import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IntegrityError, NotFoundError } from '../../../shared/errors.ts';
import { createWalDatabase, makeTempHome } from './fixtures.ts';
import { copySqliteConsistent, isSqliteFile } from './sqlite-copy.ts';

const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * A separate process that writes like an agent: every ~20 ms, one transaction of 10 rows with the
 * same batch number, plus a blob so the database grows past a few MB.
 */
const WRITER = `
const Database = require(process.argv[2]);
const db = new Database(process.argv[3]);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
db.exec('CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, payload BLOB)');
const insert = db.prepare('INSERT INTO rows (batch, payload) VALUES (?, randomblob(4000))');
const batch = db.transaction((b) => { for (let i = 0; i < 10; i++) insert.run(b); });
let b = 0;
for (; b < 300; b++) batch(b);
process.stdout.write('ready\\n');
setInterval(() => batch(b++), 20);
process.on('SIGTERM', () => { db.close(); process.exit(0); });
`;

let dir: string;
let writer: ChildProcess | undefined;

beforeEach(() => {
  dir = makeTempHome('cairn-sqlite-');
});
afterEach(async () => {
  if (writer && writer.exitCode === null) {
    const exited = new Promise((resolve) => writer?.once('exit', resolve));
    writer.kill('SIGTERM');
    await exited;
  }
  writer = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function startWriter(db: string): Promise<void> {
  const script = join(dir, 'writer.cjs');
  writeFileSync(script, WRITER);
  writer = spawn(process.execPath, [script, betterSqlite3, db], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    writer?.stdout?.once('data', () => resolve());
    writer?.once('exit', (code) => reject(new Error(`writer exited with ${code}`)));
  });
}

function rowCount(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM rows').pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('copySqliteConsistent', () => {
  it('copies a WAL database while another process writes to it, in one consistent step', async () => {
    const src = join(dir, 'live.db');
    await startWriter(src);
    const copied: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      const committedBefore = rowCount(src);
      const dest = join(dir, `copy-${attempt}.db`);
      const result = await copySqliteConsistent(src, dest);
      expect(result.method).toBe('backup');
      const copy = new Database(dest, { readonly: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
        const count = copy.prepare('SELECT count(*) FROM rows').pluck().get() as number;
        expect(count).toBeGreaterThanOrEqual(committedBefore);
        // Only whole transactions: every batch has its ten rows, ids have no holes.
        expect(copy.prepare('SELECT count(*) FROM (SELECT batch FROM rows GROUP BY batch HAVING count(*) <> 10)').pluck().get()).toBe(0);
        expect(copy.prepare('SELECT max(id) FROM rows').pluck().get()).toBe(count);
        copied.push(count);
      } finally {
        copy.close();
      }
      expect(existsSync(`${dest}-wal`)).toBe(false);
    }
    // The writer really was writing between (and during) the copies.
    expect(copied[4]).toBeGreaterThan(copied[0] ?? Infinity);
    expect(statSync(src).size).toBeGreaterThan(1_000_000);
  });

  it('includes rows that only the -wal sidecar holds, and leaves the source untouched', async () => {
    const src = join(dir, 'agent.db');
    createWalDatabase(src, {
      base: (db) => db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('checkpointed')"),
      recent: (db) => db.exec("INSERT INTO t VALUES ('only-in-wal')"),
    });
    const walBefore = statSync(`${src}-wal`).size;
    const dest = join(dir, 'copy.db');
    await copySqliteConsistent(src, dest);
    const copy = new Database(dest, { readonly: true });
    expect(copy.prepare('SELECT v FROM t ORDER BY rowid').pluck().all()).toEqual(['checkpointed', 'only-in-wal']);
    copy.close();
    expect(statSync(`${src}-wal`).size).toBe(walBefore);
  });

  it('can use VACUUM INTO instead of the backup API', async () => {
    const src = join(dir, 'v.db');
    createWalDatabase(src, { base: (db) => db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a')"), recent: (db) => db.exec("INSERT INTO t VALUES ('b')") });
    const result = await copySqliteConsistent(src, join(dir, 'v-copy.db'), { method: 'vacuum' });
    expect(result.method).toBe('vacuum');
    expect(new Database(join(dir, 'v-copy.db'), { readonly: true }).prepare('SELECT count(*) FROM t').pluck().get()).toBe(2);
  });

  it('refuses a file that is not a SQLite database, with a clear error', async () => {
    const src = join(dir, 'not.db');
    writeFileSync(src, 'this is JSON, not SQLite {"a":1}');
    expect(await isSqliteFile(src)).toBe(false);
    const error = await copySqliteConsistent(src, join(dir, 'out.db')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/is not a SQLite database/);
    expect(existsSync(join(dir, 'out.db'))).toBe(false);
  });

  it('refuses a damaged database with its first problem, not the hundreds of lines SQLite lists', async () => {
    const src = join(dir, 'damaged.db');
    const db = new Database(src);
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 2000; i++) insert.run(`row ${i} `.repeat(20));
    db.close();
    // Garbage over the table's root page: every page below it is lost.
    const fd = openSync(src, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096);
    closeSync(fd);
    const error = await copySqliteConsistent(src, join(dir, 'damaged-copy.db')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    const message = (error as Error).message;
    expect(message).toMatch(/^The copy of the database failed SQLite's check: \S.*\.$/);
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(200);
    expect(existsSync(join(dir, 'damaged-copy.db'))).toBe(false);
  });

  it('copies a database a writer holds in a transaction as it was before it, without waiting for the writer', async () => {
    // A rollback-journal database (Cursor's store.db is one) in the middle of a long write: the
    // online backup waited for the lock, then failed ("unable to open database file").
    const src = join(dir, 'store.db');
    const agent = new Database(src);
    agent.pragma('cache_size = 2');
    agent.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, payload BLOB)');
    agent.prepare('INSERT INTO rows (batch) VALUES (0)').run();
    agent.exec('BEGIN EXCLUSIVE');
    const insert = agent.prepare('INSERT INTO rows (batch, payload) VALUES (1, randomblob(4000))');
    for (let i = 0; i < 200; i++) insert.run();
    try {
      const out = join(dir, 'out.db');
      await copySqliteConsistent(src, out, { busyTimeoutMs: 200 });
      expect(rowCount(out)).toBe(1);
    } finally {
      agent.exec('ROLLBACK');
      agent.close();
    }
  });

  it('says the database is locked when a writer holds it past the busy timeout, and copies nothing', async () => {
    // A WAL database whose writer keeps it to itself (locking_mode=EXCLUSIVE).
    const src = join(dir, 'locked.db');
    const agent = new Database(src);
    agent.pragma('journal_mode = WAL');
    agent.pragma('locking_mode = EXCLUSIVE');
    agent.exec('CREATE TABLE rows (x)');
    agent.prepare('INSERT INTO rows VALUES (1)').run();
    try {
      // better-sqlite3's backup ended with 0 pages and no file here; the copy then failed with
      // "unable to open database file", which said nothing of the lock.
      const error = await copySqliteConsistent(src, join(dir, 'out.db'), { busyTimeoutMs: 200 }).then(() => undefined, (e: unknown) => e);
      expect((error as Error).message).toMatch(/locked\.db: another program \(the agent, most likely\) held it locked for 0.2 s while writing to it$/);
      expect(existsSync(join(dir, 'out.db'))).toBe(false);
    } finally {
      agent.close();
    }
  });

  it('copies a database whose writer was killed mid-transaction as it was before that transaction, leaving its journal alone', async () => {
    const src = join(dir, 'store.db');
    const seed = new Database(src);
    seed.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, payload BLOB)');
    seed.prepare('INSERT INTO rows (batch) VALUES (0)').run();
    seed.close();
    // A writer that spills a big transaction into the file (a small cache), then is killed.
    const script = join(dir, 'killed.cjs');
    writeFileSync(script, `
const db = new (require(process.argv[2]))(process.argv[3]);
db.pragma('cache_size = 2');
db.exec('BEGIN');
const insert = db.prepare('INSERT INTO rows (batch, payload) VALUES (1, randomblob(4000))');
for (let i = 0; i < 500; i++) insert.run();
process.stdout.write('mid\\n');
setInterval(() => {}, 1000);`);
    writer = spawn(process.execPath, [script, betterSqlite3, src], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => writer?.stdout?.once('data', resolve));
    const exited = new Promise((resolve) => writer?.once('exit', resolve));
    writer.kill('SIGKILL');
    await exited;
    writer = undefined;
    const journal = readFileSync(`${src}-journal`);
    const file = readFileSync(src);

    // Read-only, the online backup could not roll the journal back: "attempt to write a readonly database".
    const out = join(dir, 'out.db');
    await copySqliteConsistent(src, out);
    expect(rowCount(out)).toBe(1);
    expect(readFileSync(`${src}-journal`).equals(journal)).toBe(true);
    expect(readFileSync(src).equals(file)).toBe(true);
  });

  it('reports a missing database as not found', async () => {
    await expect(copySqliteConsistent(join(dir, 'missing.db'), join(dir, 'out.db'))).rejects.toBeInstanceOf(NotFoundError);
  });
});

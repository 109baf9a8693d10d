// sqlite-logs.ts: which logs hold part of a database's state, which files a restore or a pull
// removes after putting a database in place, and a restore plan that doesn't take a database
// with a log beside it as already matching the snapshot.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { planRestore } from './restore-request.ts';
import { dropReplacedLogs, hasPendingLog } from './sqlite-logs.ts';
import { MemoryBlobStore } from './storage/index.ts';

afterAll(() => removeTempDirs());

const JOURNAL_HEADER = Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);

function database(dir: string): string {
  const file = join(dir, 'store.db');
  const db = new Database(file);
  db.exec('CREATE TABLE t (x)');
  db.close();
  return file;
}

describe('sqlite-logs', () => {
  it('sees a non-empty WAL and an unfinished journal as holding state, not an empty WAL nor a committed (zeroed) journal', async () => {
    const file = database(tempDir('cairn-logs-'));
    expect(await hasPendingLog(file)).toBe(false);
    writeFileSync(`${file}-wal`, '');
    expect(await hasPendingLog(file)).toBe(false);
    writeFileSync(`${file}-wal`, Buffer.alloc(32));
    expect(await hasPendingLog(file)).toBe(true);
    writeFileSync(`${file}-wal`, '');
    writeFileSync(`${file}-journal`, Buffer.alloc(512)); // journal_mode=PERSIST after a commit
    expect(await hasPendingLog(file)).toBe(false);
    writeFileSync(`${file}-journal`, Buffer.concat([JOURNAL_HEADER, Buffer.alloc(504)]));
    expect(await hasPendingLog(file)).toBe(true);
  });

  it('removes the logs beside a database put in place, and nothing beside a file that is not one', async () => {
    const dir = tempDir('cairn-logs-');
    const file = database(dir);
    for (const s of ['-wal', '-shm', '-journal']) writeFileSync(`${file}${s}`, 'old');
    expect((await dropReplacedLogs(file)).sort()).toEqual([`${file}-journal`, `${file}-shm`, `${file}-wal`]);
    for (const s of ['-wal', '-shm', '-journal']) expect(existsSync(`${file}${s}`)).toBe(false);

    const notes = join(dir, 'notes');
    writeFileSync(notes, 'plain text');
    writeFileSync(`${notes}-wal`, 'mine');
    expect(await dropReplacedLogs(notes)).toEqual([]);
    expect(existsSync(`${notes}-wal`)).toBe(true);
  });

  it('makes a restore plan replace (after a safety snapshot) a database whose file matches but whose log holds more', async () => {
    const { repo } = await initRepo(new MemoryBlobStore());
    const home = join(tempDir('cairn-logs-home-'), 'home');
    mkdirSync(join(home, 'chat'), { recursive: true });
    database(join(home, 'chat'));
    const snapshot = await repo.findSnapshot((await backupOf(repo, [{ label: 'home', path: home }])).snapshotId as string);
    try {
      const request = { snapshot, paths: ['home'], destination: { kind: 'folder' as const, path: join(home, '..') }, existing: 'overwrite' as const };
      // Restoring 'home' into home's parent lands each file on itself: as it was, left alone.
      const as = await planRestore(repo, request);
      expect(as.unchanged).toEqual([join(home, 'chat', 'store.db')]);
      expect(as.existing).toEqual([]);
      writeFileSync(join(home, 'chat', 'store.db-wal'), Buffer.alloc(4096, 1));
      const withLog = await planRestore(repo, request);
      expect(withLog.existing).toEqual([join(home, 'chat', 'store.db')]);
      expect(withLog.safetySnapshot).toBe(true);
    } finally {
      await repo.close();
    }
  });
});

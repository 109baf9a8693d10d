// A pulled database and the log beside it (sqlite-logs.ts). Cursor's CLI keeps each chat in a
// SQLite `store.db`, which sync carries between devices. While a log (`-journal` after a crash
// mid-transaction, `-wal`) beside this device's copy holds part of its state, the pull leaves it
// as it is ("busy"); once the log is gone, the next pull brings the other device's version. A
// pulled database never gets a replaced one's log applied to it.

import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import { runSync } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';

afterAll(() => removeTempDirs());

const CHAT = join('.cursor', 'chats', '5f0c2b8e3a9d4e1f0a1b2c3d4e5f6a7b', 'a1b2c3d4-e5f6-7890-abcd-ef1234567890');

function writeChat(home: string, messages: string[]): string {
  const dir = join(home, CHAT);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'store.db');
  const db = new Database(file);
  db.exec('CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, data BLOB)');
  const put = db.prepare('INSERT OR REPLACE INTO blobs VALUES (?, ?)');
  messages.forEach((m, i) => put.run(`m${i}`, Buffer.from(m)));
  db.close();
  return file;
}

const messagesIn = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT data FROM blobs ORDER BY id').all() as { data: Buffer }[]).map((r) => r.data.toString());
  } finally {
    db.close();
  }
};

describe('a pull onto a database with a log beside it', () => {
  it('leaves it as it is while the log is there, then brings the other device’s version, with no log left to apply', async () => {
    const vault = join(tempDir('cairn-synclog-vault-'), 'v');
    const homeA = tempDir('cairn-synclog-a-');
    const homeB = tempDir('cairn-synclog-b-');
    writeChat(homeA, ['hello']);
    const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
    const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'desktop');
    const sync = (repo: typeof a, home: string) => runSync(repo, { ctx: fixtureContext(home, 'linux'), agents: ['cursor'], mappings: [] });
    try {
      await sync(a, homeA);
      await sync(b, homeB);
      const mine = join(homeB, CHAT, 'store.db');
      expect(messagesIn(mine)).toEqual(['hello']);

      // A goes on with the chat; B's copy gets a journal beside it.
      writeChat(homeA, ['hello', 'how are you']);
      await sync(a, homeA);
      // The journal of a transaction that never finished: its header, then what it would roll back.
      const journal = Buffer.concat([Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]), Buffer.alloc(4088, 7)]);
      // B's Cursor crashes mid-write after B's backup and before its pull.
      const crash = (p: { phase: string }) => void (p.phase === 'pulling' && writeFileSync(`${mine}-journal`, journal));
      const busy = await runSync(b, { ctx: fixtureContext(homeB, 'linux'), agents: ['cursor'], mappings: [], onProgress: crash });
      expect(busy.pull.changes).toContainEqual(expect.objectContaining({ path: mine, action: 'skipped-busy' }));
      expect(existsSync(`${mine}-journal`)).toBe(true);

      // The journal is dealt with (Cursor opened the chat again): the next pull brings A's version.
      rmSync(`${mine}-journal`);
      // A leftover shared-memory file of an earlier WAL is the replaced database's too.
      writeFileSync(`${mine}-shm`, Buffer.alloc(32768));
      const pulled = await sync(b, homeB);
      expect(pulled.pull.changes).toContainEqual(expect.objectContaining({ path: mine, action: 'pulled' }));
      expect(existsSync(`${mine}-shm`)).toBe(false);
      expect(messagesIn(mine)).toEqual(['hello', 'how are you']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

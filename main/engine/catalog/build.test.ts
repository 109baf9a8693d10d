// The catalog built by a real backup of real agent samples: entries from the readers, text in the
// search index, unchanged sessions not read again, another device listing and searching them.

import Database from 'better-sqlite3';
import { appendFileSync, chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../testing/real-agents.ts';
import { ADAPTERS, detectAgents, toBackupSources } from '../agents/index.ts';
import { countFileSessions } from '../sessions/index.ts';
import type { ProgressInfo } from '../../../shared/models.ts';
import type { BackupSource } from '../backup/index.ts';
import { runBackup } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { buildCatalog } from './build.ts';
import type { BuildStats, BuiltCatalog } from './build.ts';
import type { SessionSource } from './prefetch.ts';
import { CatalogPrefetch } from './prefetch.ts';
import { refreshCatalogs } from './refresh.ts';
import { SessionDb } from './session-db.ts';
import type { CatalogRow } from './session-db.ts';

afterAll(() => removeTempDirs());

const samples = realAgentsHome();
if (!samples) process.stderr.write(`[catalog/build] ${REAL_AGENTS_MISSING}\n`);

describe.skipIf(!samples)('the catalog a backup builds', () => {
  it("counts, for each detected agent, the sessions its backup's catalog lists (what the Overview and `cairn agents` say)", async () => {
    const home = join(tempDir('cairn-build-'), 'home');
    cpSync(samples as string, home, { recursive: true });
    const ctx = { home, platform: 'linux' as const, env: {} };
    const detected = (await detectAgents(ctx, { countSessions: countFileSessions })).filter((a) => a.detected);
    const sources = await toBackupSources(ADAPTERS, ctx, detected.map((a) => a.id));
    const { repo } = await initRepo(new LocalBlobStore(join(tempDir('cairn-build-vault-'), 'v')), undefined, 'laptop');
    try {
      await runBackup(repo, { sources, reason: 'manual' });
      const listed = new Map<string, number>();
      for (const s of new SessionDb(repo.db.db).list()) listed.set(s.agent, (listed.get(s.agent) ?? 0) + 1);
      expect(Object.fromEntries(detected.map((a) => [a.id, a.sessions]))).toEqual(Object.fromEntries(detected.map((a) => [a.id, listed.get(a.id) ?? 0])));
      // The adapters' own estimate (session globs, count queries) missed Cursor's editor chats.
      expect(listed.get('cursor')).toBeGreaterThan((await detectAgents(ctx)).find((a) => a.id === 'cursor')?.sessions ?? 0);
    } finally {
      await repo.close();
    }
  });

  it('lists and indexes every Claude Code sample; an unchanged session is not read again; another device finds it by a phrase', async () => {
    const home = join(tempDir('cairn-build-'), 'home');
    cpSync(join(samples as string, '.claude'), join(home, '.claude'), { recursive: true });
    const ctx = { home, platform: 'linux' as const, env: {} };
    const sources = await toBackupSources(ADAPTERS, ctx, ['claude-code']);
    const store = new LocalBlobStore(join(tempDir('cairn-build-vault-'), 'v'));
    const { repo } = await initRepo(store, undefined, 'laptop');
    const warnings: string[] = [];
    try {
      const progress: ProgressInfo[] = [];
      const first = await runBackup(repo, { sources, reason: 'manual', onWarning: (w) => warnings.push(`${w.path}: ${w.message}`), onProgress: (p) => progress.push(p) });
      expect(warnings).toEqual([]);
      // While the catalog waits for its reads, the progress counts them (files and bytes of session files)…
      const reading = progress.filter((p) => p.phase === 'reading sessions');
      const sessionFiles = first.catalog?.read ?? 0;
      expect(reading[0]?.filesTotal).toBe(sessionFiles);
      expect(reading.at(-1)).toMatchObject({ filesDone: sessionFiles, bytesDone: reading[0]?.bytesTotal });
      expect(reading[0]?.bytesTotal).toBeGreaterThan(50_000);
      // …and the phases after it count the backup's files again.
      const after = progress.slice(progress.lastIndexOf(reading.at(-1) as ProgressInfo) + 1);
      expect(after.map((p) => p.phase)).toEqual(expect.arrayContaining(['finishing', 'done']));
      expect(after.at(-1)).toMatchObject({ phase: 'done', filesDone: first.stats.files, filesTotal: first.stats.files });
      expect(first.snapshot?.catalog).toBeDefined();
      const sessions = new SessionDb(repo.db.db);
      const listed = sessions.list();
      // Four main sessions and their sub-agent and workflow transcripts.
      expect(listed.filter((s) => s.role === 'main').map((s) => s.id).sort()).toEqual(['0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f', '22220000-0000-4000-8000-000000000002', 'ses_stage0_large', 'ses_stage0_small']);
      const sub = listed.find((s) => s.role === 'subagent');
      expect(sub?.parentId).toBe('0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f');
      expect(listed.every((s) => s.device === repo.device.id && s.root === 'claude-code/config' && s.updatedAt)).toBe(true);
      const small = listed.find((s) => s.id === 'ses_stage0_small');
      expect(small?.project).toBe('/tmp');
      expect(small?.messages).toBeGreaterThan(0);
      // Searchable at once, with the hit highlighted.
      const hits = sessions.search('"repo search"');
      expect(hits.map((h) => h.session.id)).toEqual(['0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f']);
      expect(hits[0]?.snippet.some((p) => p.hit && /repo search/i.test(p.text))).toBe(true);

      // Something else changes: a new snapshot, but no session is read again.
      writeFileSync(join(home, '.claude', 'settings.json'), '{"theme":"dark"}');
      expect(first.catalog).toMatchObject({ sessions: listed.length, read: listed.length, indexed: listed.length, failed: 0 });
      const second = await runBackup(repo, { sources, reason: 'manual' });
      expect(second.snapshot?.catalog).toBe(first.snapshot?.catalog);
      expect(second.catalog).toMatchObject({ sessions: listed.length, read: 0, indexed: 0 });

      // One session grows by a line: only its page changes; its new words are searchable.
      const file = join(home, '.claude', 'projects', '-tmp-large', 'ses_stage0_large.jsonl');
      appendFileSync(file, `${JSON.stringify({ type: 'user', sessionId: 'ses_stage0_large', uuid: 'u-new', timestamp: '2026-12-04T10:00:00.000Z', cwd: '/tmp/large', message: { role: 'user', content: 'Why does the flamingo invoice round twice?' } })}\n`);
      const oldHits = sessions.search('"running"').filter((h) => h.session.id === 'ses_stage0_large').length;
      expect(oldHits).toBe(1);
      const third = await runBackup(repo, { sources, reason: 'manual' });
      // Read on from where the last read stopped: only the new line is parsed and indexed.
      expect(third.catalog).toMatchObject({ read: 1, resumed: 1, indexed: 1 });
      expect(third.snapshot?.catalog).not.toBe(first.snapshot?.catalog);
      const grown = sessions.list().find((s) => s.id === 'ses_stage0_large');
      expect(grown?.updatedAt).toBe('2026-12-04T10:00:00.000Z');
      expect(sessions.search('flamingo invoice').map((h) => h.session.id)).toEqual(['ses_stage0_large']);
      expect(sessions.search('"running"').filter((h) => h.session.id === 'ses_stage0_large').length).toBe(oldHits);
      // The entry is the one a whole read of the grown file gives (a fresh vault, first backup).
      const fresh = (await initRepo(new LocalBlobStore(join(tempDir('cairn-build-fresh-'), 'v')), undefined, 'laptop')).repo;
      try {
        await runBackup(fresh, { sources, reason: 'manual' });
        const whole = new SessionDb(fresh.db.db).list().find((s) => s.id === 'ses_stage0_large');
        const fields = (s: typeof grown) => s && { title: s.title, project: s.project, startedAt: s.startedAt, updatedAt: s.updatedAt, model: s.model, messages: s.messages, toolCalls: s.toolCalls, files: s.files, bytes: s.bytes };
        expect(fields(grown)).toEqual(fields(whole));
      } finally {
        await fresh.close();
      }

      // Another device lists the laptop's sessions from the catalog alone.
      const other = await openRepo(store, tempDir('cairn-build-state-'), undefined, 'desktop');
      try {
        await other.refreshIndex();
        const theirs = new SessionDb(other.db.db);
        await refreshCatalogs(other.reader(), theirs, await other.listSnapshots());
        expect(theirs.list().map((s) => s.id).sort()).toEqual(sessions.list().map((s) => s.id).sort());
        expect(theirs.list()[0]).toMatchObject({ id: 'ses_stage0_large', deviceName: 'laptop' });
        // Their text is not indexed on this device yet: due for indexing from the vault.
        expect(theirs.unindexed().length).toBe(listed.length);
      } finally {
        await other.close();
      }
    } finally {
      await repo.close();
    }
  });

  it('reads each session once: its text is in the search index when the catalog is built, read in the worker or here', async () => {
    const home = join(tempDir('cairn-build-once-'), 'home');
    cpSync(join(samples as string, '.claude'), join(home, '.claude'), { recursive: true });
    const sources = await toBackupSources(ADAPTERS, { home, platform: 'linux' as const, env: {} }, ['claude-code']);
    const { repo } = await initRepo(new LocalBlobStore(join(tempDir('cairn-build-once-vault-'), 'v')), tempDir('cairn-build-once-state-'), 'laptop');
    try {
      expect(repo.db.db.memory).toBe(false);
      for (const inlineBytes of [0, Number.MAX_SAFE_INTEGER]) {
        // A fresh index each round: 0 sends every file to the worker, the other reads all here.
        const sessions = new SessionDb(repo.db.db);
        repo.db.db.exec('DELETE FROM session_words; DELETE FROM session_text; DELETE FROM session_docs; DELETE FROM catalog_build;');
        const prefetch = new CatalogPrefetch(sessions, sources, { inlineBytes });
        // The catalog step's writes: the files already read go together, not one write each.
        let writes = 0;
        const writing = sessions.writing.bind(sessions);
        sessions.writing = (write, signal) => {
          writes++;
          return writing(write, signal);
        };
        const reads: Promise<unknown>[] = [];
        const read = prefetch.read;
        (prefetch as { read: SessionSource }).read = (...args) => {
          const got = read(...args);
          reads.push(got);
          return got;
        };
        let built: BuiltCatalog | undefined;
        let atCatalog: string[] = [];
        try {
          await backupOf(repo, sources, {
            force: true,
            onFileWalked: (label, rel, file) => prefetch.fileWalked(label, rel, file),
            catalog: async (input) => {
              await Promise.allSettled(reads);
              built = await buildCatalog(input, { sessions, prefetch });
              // No second read after the snapshot: the text came with the metadata.
              // (search() also needs the device's catalog rows, loaded after the snapshot is saved.)
              atCatalog = repo.db.db
                .prepare<[], { id: string }>(`SELECT DISTINCT d.id FROM session_words f JOIN session_docs d ON d.sid = f.rowid >> 20 WHERE session_words MATCH '"repo search"'`)
                .all()
                .map((r) => r.id);
              return built.root;
            },
          });
        } finally {
          await prefetch.close();
        }
        expect(prefetch.workerStarted).toBe(inlineBytes === 0);
        expect(built?.stats).toMatchObject({ read: built?.stats.sessions, indexed: built?.stats.sessions, failed: 0 });
        expect(atCatalog).toEqual(['0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f']);
        // Every file was read before the step began: one write for all of them.
        expect([writes, built?.stats.read]).toEqual([1, 6]);
        // Every session is at its catalog version, and nothing pending is left behind.
        for (const e of built?.pages.flatMap((p) => p.entries ?? []) ?? []) expect(sessions.indexedDigest(e.agent, e.id)).toBe(e.digest);
        expect(repo.db.db.prepare("SELECT count(*) AS n FROM session_docs WHERE agent = ''").get()).toEqual({ n: 0 });
      }
    } finally {
      await repo.close();
    }
  });
});

/** What a whole read of `sources` lists: a fresh vault's first backup of them, and its catalog's stats. */
async function wholeRead(sources: BackupSource[]): Promise<{ stats: BuildStats | undefined; listed: CatalogRow[] }> {
  const fresh = (await initRepo(new LocalBlobStore(join(tempDir('cairn-build-fresh-'), 'v')), undefined, 'laptop')).repo;
  try {
    const whole = await runBackup(fresh, { sources, reason: 'manual' });
    return { stats: whole.catalog, listed: new SessionDb(fresh.db.db).list() };
  } finally {
    await fresh.close();
  }
}

/** A catalog row without what differs from vault to vault (the digest, of content ids) and device to device. */
const vaultFree = ({ digest: _d, device: _v, devices: _vs, snapshot: _s, ...rest }: CatalogRow) => rest;

/** Every session listed is in the index at its catalog version, and the list is what a whole read of the sources lists. */
async function expectAsWholeRead(sessions: SessionDb, sources: BackupSource[]): Promise<CatalogRow[]> {
  const listed = sessions.list();
  for (const s of listed) expect(sessions.indexedDigest(s.agent, s.id)).toBe(s.digest);
  const whole = await wholeRead(sources);
  expect(listed.map(vaultFree)).toEqual(whole.listed.map(vaultFree));
  return listed;
}

describe('an Aider history that grows', () => {
  const run = (i: number, extra = '') => `# aider chat started at 2026-03-${String(1 + (i % 28)).padStart(2, '0')} 10:${String(i % 60).padStart(2, '0')}:00\n\n> Aider v0.82.2\n> Main model: gemini/gemini-2.5-pro with diff-fenced edit format\n\n#### question ${i} about word${i}\n\n${`An answer about the ledger. `.repeat(2600)}run${i}\n${extra}\n`;

  it('reads again only its last run and the new ones; the runs before are kept as they were, at the new version, still found by search', async () => {
    const home = join(tempDir('cairn-build-aider-'), 'home');
    const repoDir = join(home, 'src', 'app');
    const file = join(repoDir, '.aider.chat.history.md');
    // More than the bytes read on the calling thread: the session worker reads it whole (and the
    // calling thread what was appended, later).
    mkdirSync(repoDir, { recursive: true });
    writeFileSync(file, Array.from({ length: 30 }, (_, i) => run(i)).join(''));
    expect(statSync(file).size).toBeGreaterThan(2 * 2 ** 20);
    const sources = await toBackupSources(ADAPTERS, { home, platform: 'linux' as const, env: {}, aiderRepos: [repoDir] }, ['aider']);
    const { repo } = await initRepo(new LocalBlobStore(join(tempDir('cairn-build-aider-vault-'), 'v')), tempDir('cairn-build-aider-state-'), 'laptop');
    try {
      const first = await runBackup(repo, { sources, reason: 'manual' });
      expect(first.catalog).toMatchObject({ sessions: 30, read: 30, kept: 0, indexed: 30, failed: 0 });

      // The last run goes on, and a new one starts.
      appendFileSync(file, `#### and zanzibar too?\n\nYes, zanzibar.\n\n${run(30)}`);
      const second = await runBackup(repo, { sources, reason: 'manual' });
      expect(second.catalog).toMatchObject({ sessions: 31, read: 2, kept: 29, indexed: 2, failed: 0 });
      const sessions = new SessionDb(repo.db.db);
      const listed = sessions.list();
      expect(listed).toHaveLength(31);
      // Every session at its catalog version in the index: the kept ones by their new digest.
      for (const s of listed) expect(sessions.indexedDigest(s.agent, s.id)).toBe(s.digest);
      expect(sessions.search('zanzibar').map((h) => h.session.id)).toEqual(['2026-03-02 10:29:00']);
      expect(sessions.search('run30').map((h) => h.session.id)).toEqual(['2026-03-03 10:30:00']);
      expect(sessions.search('word7').map((h) => h.session.id)).toEqual(['2026-03-08 10:07:00']);

      // Exactly what a whole read of the grown file lists (a fresh vault's first backup).
      const whole = await wholeRead(sources);
      expect(whole.stats).toMatchObject({ read: 31, kept: 0 });
      expect(listed.map(vaultFree)).toEqual(whole.listed.map(vaultFree));

      // Rewritten, not grown (an early run edited): read whole again.
      writeFileSync(file, readFileSync(file, 'utf8').replace('question 3 about', 'question 3 on'));
      const third = await runBackup(repo, { sources, reason: 'manual' });
      expect(third.catalog).toMatchObject({ sessions: 31, read: 31, kept: 0, failed: 0 });
      expect(sessions.search('"question 3 on"').map((h) => h.session.id)).toEqual(['2026-03-04 10:03:00']);
    } finally {
      await repo.close();
    }
  });
});

describe.skipIf(!samples)('an OpenCode database whose sessions change one at a time', () => {
  /** The real 1.16 database with its one session copied `n` times under other ids (`<id>-<k>`). */
  function database(file: string, n: number): void {
    copyFileSync(join(samples as string, '.local', 'share', 'opencode', 'opencode.db'), file);
    chmodSync(file, 0o644);
    const db = new Database(file);
    const copy = (table: string, k: number, ids: string[]) => {
      const cols = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
      const values = cols.map((c) => (ids.includes(c) ? `${c} || '-${k}'` : c === 'slug' ? `slug || '-${k}'` : c)).join(', ');
      db.exec(`INSERT INTO ${table} (${cols.join(', ')}) SELECT ${values} FROM ${table} WHERE id NOT LIKE '%-%'`);
    };
    for (let k = 1; k < n; k++) {
      copy('session', k, ['id']);
      copy('message', k, ['id', 'session_id']);
      copy('part', k, ['id', 'message_id', 'session_id']);
    }
    db.close();
  }

  it('reads again only the sessions whose rows changed; the others are kept, at the new version, still found by search', async () => {
    const home = join(tempDir('cairn-build-opencode-'), 'home');
    const dir = join(home, '.local', 'share', 'opencode');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'opencode.db');
    database(file, 5);
    const sources = await toBackupSources(ADAPTERS, { home, platform: 'linux' as const, env: {} }, ['opencode']);
    const { repo } = await initRepo(new LocalBlobStore(join(tempDir('cairn-build-opencode-vault-'), 'v')), tempDir('cairn-build-opencode-state-'), 'laptop');
    try {
      const first = await runBackup(repo, { sources, reason: 'manual' });
      expect(first.catalog).toMatchObject({ sessions: 5, read: 5, kept: 0, failed: 0 });

      // A part streams into session -3's last message; session -1 is renamed.
      const db = new Database(file);
      const last = db.prepare("SELECT id, message_id FROM part WHERE session_id = 'ses_04ca851f7ffevKrKMHW3RsPK1U-3' ORDER BY time_created DESC LIMIT 1").get() as { id: string; message_id: string };
      db.prepare("INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) VALUES (?, ?, 'ses_04ca851f7ffevKrKMHW3RsPK1U-3', 1785420999000, 1785420999000, ?)").run(`${last.id}z`, last.message_id, JSON.stringify({ type: 'text', text: 'The quokka ledger balances now.' }));
      db.prepare("UPDATE session SET title = 'Renamed by hand', time_updated = 1785420999999 WHERE id = 'ses_04ca851f7ffevKrKMHW3RsPK1U-1'").run();
      db.close();
      const second = await runBackup(repo, { sources, reason: 'manual' });
      expect(second.catalog).toMatchObject({ sessions: 5, read: 2, kept: 3, indexed: 2, failed: 0 });
      const sessions = new SessionDb(repo.db.db);
      const listed = sessions.list();
      for (const s of listed) expect(sessions.indexedDigest(s.agent, s.id)).toBe(s.digest);
      expect(sessions.search('quokka').map((h) => h.session.id)).toEqual(['ses_04ca851f7ffevKrKMHW3RsPK1U-3']);
      expect(listed.find((s) => s.id === 'ses_04ca851f7ffevKrKMHW3RsPK1U-1')?.title).toBe('Renamed by hand');
      expect(sessions.search('"Read SPEC.md"').length).toBe(5);

      // Exactly what a whole read of the changed database lists (a fresh vault's first backup).
      const whole = await wholeRead(sources);
      expect(whole.stats).toMatchObject({ read: 5, kept: 0 });
      expect(listed.map(vaultFree)).toEqual(whole.listed.map(vaultFree));

      // Nothing of any session changed, the file did (a row of another table): every session kept.
      const again = new Database(file);
      again.exec('CREATE TABLE IF NOT EXISTS scratch (x); INSERT INTO scratch VALUES (1);');
      again.close();
      const third = await runBackup(repo, { sources, reason: 'manual' });
      expect(third.catalog).toMatchObject({ sessions: 5, read: 0, kept: 5, failed: 0 });
    } finally {
      await repo.close();
    }
  });
});

/** Backs up `sources` into a fresh vault of its own, then `steps` backups, each after its change; the catalog stats of each. */
async function backupsAfter(sources: BackupSource[], label: string, changes: (() => void)[]): Promise<{ stats: BuildStats[]; sessions: SessionDb; close: () => Promise<void> }> {
  const { repo } = await initRepo(new LocalBlobStore(join(tempDir(`cairn-build-${label}-vault-`), 'v')), tempDir(`cairn-build-${label}-state-`), 'laptop');
  const stats: BuildStats[] = [(await runBackup(repo, { sources, reason: 'manual' })).catalog as BuildStats];
  for (const change of changes) {
    change();
    stats.push((await runBackup(repo, { sources, reason: 'manual' })).catalog as BuildStats);
  }
  return { stats, sessions: new SessionDb(repo.db.db), close: () => repo.close() };
}

describe('a Goose sessions.db whose sessions change one at a time', () => {
  it('reads again only the sessions whose rows changed, a conversation rewritten with new rows too; the others are kept', async () => {
    const home = join(tempDir('cairn-build-goose-'), 'home');
    const dir = join(home, '.local', 'share', 'goose', 'sessions');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'sessions.db');
    // Goose's schema (crates/goose/src/session/session_manager.rs).
    const db = new Database(file);
    db.exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, name TEXT DEFAULT '', description TEXT NOT NULL DEFAULT '', working_dir TEXT NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
      CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, role TEXT NOT NULL, content_json TEXT NOT NULL, created_timestamp INTEGER NOT NULL, metadata_json TEXT);`);
    const text = (t: string) => JSON.stringify([{ type: 'text', text: t }]);
    const addSession = db.prepare("INSERT INTO sessions (id, name, working_dir, created_at, updated_at) VALUES (?, ?, '/home/alice/app', ?, ?)");
    const addMessage = db.prepare('INSERT INTO messages (session_id, role, content_json, created_timestamp) VALUES (?, ?, ?, ?)');
    for (let k = 1; k <= 5; k++) {
      addSession.run(`2026010${k}_1`, `Session ${k}`, `2026-01-0${k} 10:00:00`, `2026-01-0${k} 10:05:00`);
      for (let i = 0; i < 6; i++) addMessage.run(`2026010${k}_1`, i % 2 ? 'assistant' : 'user', text(`message ${i} of session ${k} about the ledger`), 1767261600 + i);
    }
    db.close();
    const sources = await toBackupSources(ADAPTERS, { home, platform: 'linux' as const, env: {} }, ['goose']);
    const edit = (sql: string) => () => {
      const d = new Database(file);
      d.exec(sql);
      d.close();
    };
    const run = await backupsAfter(sources, 'goose', [
      // A message appended to session 3; session 1 renamed.
      edit(`INSERT INTO messages (session_id, role, content_json, created_timestamp) VALUES ('20260103_1', 'assistant', '${text('The quokka ledger balances now.')}', 1767262000);
            UPDATE sessions SET name = 'Renamed by hand' WHERE id = '20260101_1';`),
      // Session 2's conversation rewritten as Goose compacts one (rows deleted, new ones inserted), the same length.
      edit(`DELETE FROM messages WHERE session_id = '20260102_1' AND id = (SELECT max(id) FROM messages WHERE session_id = '20260102_1');
            INSERT INTO messages (session_id, role, content_json, created_timestamp) VALUES ('20260102_1', 'assistant', '${text('message 5 of session 2 about the walrus')}', 1767261605);`),
      // A table no session reads.
      edit('CREATE TABLE scratch (x); INSERT INTO scratch VALUES (1);'),
    ]);
    try {
      expect(run.stats.map((s) => [s.sessions, s.read, s.kept, s.failed])).toEqual([
        [5, 5, 0, 0],
        [5, 2, 3, 0],
        [5, 1, 4, 0],
        [5, 0, 5, 0],
      ]);
      const listed = await expectAsWholeRead(run.sessions, sources);
      expect(run.sessions.search('quokka').map((h) => h.session.id)).toEqual(['20260103_1']);
      expect(run.sessions.search('walrus').map((h) => h.session.id)).toEqual(['20260102_1']);
      expect(listed.find((s) => s.id === '20260101_1')?.title).toBe('Renamed by hand');
    } finally {
      await run.close();
    }
  });
});

describe("Cursor's global composer store whose composers change one at a time", () => {
  it('reads again only the composers whose record or bubbles changed, a bubble rewritten in place too; the others are kept', async () => {
    const home = join(tempDir('cairn-build-cursor-'), 'home');
    const dir = join(home, '.config', 'Cursor', 'User', 'globalStorage');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'state.vscdb');
    // The shape Cursor writes since 2025 (see sessions/readers/cursor.ts): headers in composerData, a row per bubble.
    const db = new Database(file);
    db.exec('CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB); CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);');
    const put = db.prepare('INSERT INTO cursorDiskKV VALUES (?, ?)');
    const composer = (k: number, bubbles: number) => JSON.stringify({ composerId: `c${k}`, name: `Composer ${k}`, createdAt: 1767000000000 + k, lastUpdatedAt: 1767000060000 + k, fullConversationHeadersOnly: Array.from({ length: bubbles }, (_, i) => ({ bubbleId: `b${i}`, type: i % 2 ? 2 : 1 })) });
    const bubble = (i: number, text: string) => JSON.stringify({ type: i % 2 ? 2 : 1, text });
    for (let k = 1; k <= 5; k++) {
      put.run(`composerData:c${k}`, composer(k, 4));
      for (let i = 0; i < 4; i++) put.run(`bubbleId:c${k}:b${i}`, bubble(i, `bubble ${i} of composer ${k} about the ledger`));
    }
    db.close();
    const sources = await toBackupSources(ADAPTERS, { home, platform: 'linux' as const, env: {} }, ['cursor']);
    const change = (rows: [string, string][]) => () => {
      const d = new Database(file);
      for (const [key, value] of rows) d.prepare('INSERT INTO cursorDiskKV VALUES (?, ?)').run(key, value);
      d.close();
    };
    const run = await backupsAfter(sources, 'cursor', [
      // A bubble added to composer 3 (its record lists it).
      change([
        ['bubbleId:c3:b4', bubble(4, 'The quokka ledger balances now.')],
        ['composerData:c3', composer(3, 5)],
      ]),
      // A bubble of composer 2 rewritten, the same length, its record untouched.
      change([['bubbleId:c2:b1', bubble(1, 'bubble 1 of composer 2 about the walrus')]]),
      // A row no composer reads.
      change([['checkpointId:c1:x', '{}']]),
    ]);
    try {
      expect(run.stats.map((s) => [s.sessions, s.read, s.kept, s.failed])).toEqual([
        [5, 5, 0, 0],
        [5, 1, 4, 0],
        [5, 1, 4, 0],
        [5, 0, 5, 0],
      ]);
      await expectAsWholeRead(run.sessions, sources);
      expect(run.sessions.search('quokka').map((h) => h.session.id)).toEqual(['c3']);
      expect(run.sessions.search('walrus').map((h) => h.session.id)).toEqual(['c2']);
    } finally {
      await run.close();
    }
  });
});

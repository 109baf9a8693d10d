import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { removeTempDirs, tempDir } from '../../../testing/repo.ts';
import type { BlobId } from '../../../shared/ids.ts';
import type { CatalogEntry } from './entry.ts';
import { CHUNK_CHARS, ftsQuery, itemAt, queryPhrases, packText, RANK_CANDIDATES, SessionDb, sessionIndexBehind, snippetOf, TextChunker, unpackText } from './session-db.ts';
import { upgradeSessionIndex } from './upgrade.ts';

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

function entry(id: string, extra: Partial<CatalogEntry> = {}): CatalogEntry {
  return { agent: 'claude-code', format: 'claude-code', id, root: 'claude-code/config', path: `projects/x/${id}.jsonl`, files: [`projects/x/${id}.jsonl`], messages: 2, toolCalls: 0, bytes: 10, digest: digest(id), ...extra };
}

function db(): SessionDb {
  return new SessionDb(new Database(':memory:'));
}

const page = (n: number) => digest(`page${n}`) as BlobId;

/**
 * Writes, at `file`, an index as the eighteenth session's Cairn wrote it (FTS5 keeping a plain copy
 * of the text): `sessions` sessions of one 30 KB chunk each. Returns the current schema version and
 * the file's pages.
 */
function writeOlderIndex(file: string, sessions: number): { version: number; before: number } {
  const d = new Database(file);
  d.pragma('journal_mode = WAL');
  const old = new SessionDb(d);
  const words = (i: number) => `Session ${i} talks about the pelican migration and the quarterly invoice run. `.repeat(400);
  const version = Number(old.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'sessions_schema'").get()?.value);
  old.db.exec('DROP TABLE session_words; DROP TABLE session_text;');
  old.db.prepare("UPDATE meta SET value = ? WHERE key = 'sessions_schema'").run(String(version - 2)); // before the steps that pack the text and rename the table
  old.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: Array.from({ length: sessions }, (_, i) => entry(`s${i}`)) }]);
  old.db.transaction(() => {
    for (let i = 0; i < sessions; i++) {
      old.db.prepare('INSERT INTO session_docs (sid, agent, id, digest) VALUES (?, ?, ?, ?)').run(i + 1, 'claude-code', `s${i}`, digest(`s${i}`));
      old.db.prepare('INSERT INTO session_fts (rowid, text, seq) VALUES (?, ?, ?)').run(BigInt(i + 1) * 2n ** 20n, words(i), i === 7 ? '2 5@40' : 0);
    }
  })();
  old.db.pragma('wal_checkpoint(TRUNCATE)');
  const before = Number(old.db.pragma('page_count', { simple: true }));
  old.db.close();
  return { version, before };
}

afterAll(() => removeTempDirs());

/** Two connections to one state database file, as the backup's thread and a session worker have; closed after `use`. */
async function twoConnections(use: (main: SessionDb, worker: SessionDb) => void | Promise<void>): Promise<void> {
  const file = join(tempDir('cairn-sessions-'), 'state.db');
  const open = () => {
    const d = new Database(file);
    d.pragma('journal_mode = WAL');
    return new SessionDb(d);
  };
  const main = open();
  const worker = open();
  try {
    await use(main, worker);
  } finally {
    worker.db.close();
    main.db.close();
  }
}

describe('SessionDb', () => {
  it('lists a session held by two devices once, at its newest version, with both devices', () => {
    const s = db();
    s.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: '2026-12-01T00:00:00Z', catalog: 'c1' }, [
      { id: page(1), entries: [entry('one', { updatedAt: '2026-11-01T00:00:00Z', messages: 2 }), entry('two', { updatedAt: '2026-11-05T00:00:00Z' })] },
    ]);
    s.setDeviceCatalog({ id: 'bbbb', name: 'desktop' }, { id: 's2', time: '2026-12-02T00:00:00Z', catalog: 'c2' }, [
      { id: page(2), entries: [entry('one', { updatedAt: '2026-11-09T00:00:00Z', messages: 8 })] },
    ]);
    const list = s.list();
    expect(list.map((r) => [r.id, r.messages, r.device, r.deviceName, [...r.devices].sort()])).toEqual([
      ['one', 8, 'bbbb', 'desktop', ['aaaa', 'bbbb']],
      ['two', 2, 'aaaa', 'laptop', ['aaaa']],
    ]);
    expect(s.list({ device: 'bbbb' }).map((r) => r.id)).toEqual(['one']);
    expect(s.find('tw').map((r) => r.id)).toEqual(['two']);
    // The device's next catalog replaces its pages: 'one' is gone from the laptop.
    s.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's3', time: '2026-12-03T00:00:00Z', catalog: 'c3' }, [{ id: page(3), entries: [entry('two')] }]);
    expect(s.list({ device: 'aaaa' }).map((r) => r.id)).toEqual(['two']);
    expect(s.list().find((r) => r.id === 'one')?.devices).toEqual(['bbbb']);
  });

  it('finds words and phrases, filtered, with highlighted snippets, and forgets replaced text', () => {
    const s = db();
    s.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [
      {
        id: page(1),
        entries: [
          entry('billing', { project: '/home/alice/shop', updatedAt: '2026-11-02T00:00:00Z' }),
          entry('other', { agent: 'codex', format: 'codex', project: '/home/alice/blog', updatedAt: '2026-11-03T00:00:00Z' }),
        ],
      },
    ]);
    s.indexSession('claude-code', 'billing', digest('billing'), [
      { seq: 0, text: 'Please fix the billing test in invoices.' },
      { seq: 4, text: 'The test for billing now passes; the invoice total was rounded twice.' },
    ]);
    s.indexSession('codex', 'other', digest('other'), [{ seq: 0, text: 'Write a blog post about the test pyramid and billing cycles.' }]);

    expect(s.search('billing').map((h) => h.session.id).sort()).toEqual(['billing', 'other']);
    // A phrase matches the words in that order only.
    const phrase = s.search('"invoice total"');
    expect(phrase.map((h) => [h.session.id, h.seq])).toEqual([['billing', 4]]);
    expect(phrase[0]?.snippet.filter((p) => p.hit).map((p) => p.text)).toEqual(['invoice total']);
    expect(phrase[0]?.snippet.map((p) => p.text).join('')).toContain('was rounded twice');
    // Diacritics and case don't matter; filters narrow.
    expect(s.search('BÏLLING', { agent: 'codex' }).map((h) => h.session.id)).toEqual(['other']);
    expect(s.search('billing', { project: '/home/alice/shop' }).map((h) => h.session.id)).toEqual(['billing']);
    expect(s.search('billing', { since: '2026-11-03T00:00:00Z' }).map((h) => h.session.id)).toEqual(['other']);
    expect(s.search('nothing-like-this')).toEqual([]);
    expect(s.search('   "" * ')).toEqual([]);

    // A new version replaces the old text.
    expect(s.indexedDigest('codex', 'other')).toBe(digest('other'));
    s.indexSession('codex', 'other', 'f'.repeat(64), [{ seq: 0, text: 'Now about gardening.' }]);
    expect(s.search('billing').map((h) => h.session.id)).toEqual(['billing']);
    expect(s.search('gardening').map((h) => h.session.id)).toEqual(['other']);
    // The catalog's digest for 'other' is not the indexed one: it is due for indexing.
    expect(s.unindexed().map((r) => r.id)).toEqual(['other']);
  });

  it('finds words by their beginning with prefix*, alone or ending a phrase, and marks the whole words', () => {
    const s = db();
    s.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: [entry('one'), entry('two'), entry('three')] }]);
    s.indexSession('claude-code', 'one', digest('one'), [{ seq: 0, text: 'The billing tests fail on Mondays.' }]);
    s.indexSession('claude-code', 'two', digest('two'), [{ seq: 0, text: 'Testing the Café terminal by hand.' }]);
    s.indexSession('claude-code', 'three', digest('three'), [{ seq: 0, text: 'We attest that the invoice is right.' }]);
    const ids = (q: string) => s.search(q).map((h) => h.session.id).sort();
    const hits = (q: string) => s.search(q).map((h) => [h.session.id, h.snippet.filter((p) => p.hit).map((p) => p.text)]);

    // A word alone is the word: "test" is in none of them.
    expect(ids('test')).toEqual([]);
    expect(ids('test*')).toEqual(['one', 'two']);
    expect(hits('test*').sort()).toEqual([
      ['one', ['tests']],
      ['two', ['Testing']],
    ]);
    // The prefix ends a phrase; case and diacritics folded as for words.
    expect(hits('"billing tes"*')).toEqual([['one', ['billing tests']]]);
    expect(hits('CAFE TERM*')).toEqual([['two', ['Café', 'terminal']]]);
    // Under MIN_PREFIX letters, `*` is ignored: the word itself.
    expect(ids('te*')).toEqual([]);
    expect(ftsQuery('test* "billing tes"* te* c*')).toBe('"test"* "billing tes"* "te" "c"');
    expect(queryPhrases('test* "billing tes"* te*')).toEqual([['test*'], ['billing', 'tes*'], ['te']]);
  });

  it("shows each hit's snippet from its own session's text, whichever agent indexed first", () => {
    // A Cline session's hit once showed a Claude Code session's text: the snippet was looked up
    // by rowid bound as a JS number, which FTS5 ignored beside MATCH, so every hit got the
    // snippet of the lowest-numbered matching chunk.
    const s = db();
    s.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [
      {
        id: page(1),
        entries: [
          entry('claude-one', { updatedAt: '2026-11-02T00:00:00Z' }),
          entry('1769053680585', { agent: 'cline', format: 'cline', root: 'cline/code', path: 'tasks/1769053680585/api_conversation_history.json', updatedAt: '2026-11-03T00:00:00Z' }),
        ],
      },
    ]);
    s.indexSession('claude-code', 'claude-one', digest('claude-one'), [{ seq: 0, text: 'The walrus deploy script fails on the invoice step.' }]);
    s.indexSession('cline', '1769053680585', digest('1769053680585'), [
      { seq: 0, text: 'Opening words with no match here.' },
      { seq: 3, text: 'The flamingo card game needs an invoice screen.' },
    ]);
    const hits = s.search('invoice');
    expect(hits.map((h) => h.session.agent).sort()).toEqual(['claude-code', 'cline']);
    for (const h of hits) {
      const text = h.snippet.map((p) => p.text).join('');
      expect(h.snippet.filter((p) => p.hit).map((p) => p.text.toLowerCase())).toEqual(['invoice']);
      if (h.session.agent === 'cline') {
        expect(h.seq).toBe(3);
        expect(text).toContain('flamingo');
        expect(text).not.toContain('walrus');
      } else {
        expect(text).toContain('walrus');
        expect(text).not.toContain('flamingo');
      }
    }
    expect(s.search('"flamingo card"').map((h) => [h.session.agent, h.snippet.map((p) => p.text).join('')])).toEqual([['cline', 'The flamingo card game needs an invoice screen.']]);
  });

  it('turns typed text into a safe FTS5 query', () => {
    expect(ftsQuery('fix "billing test" now')).toBe('"fix" "billing test" "now"');
    expect(ftsQuery('a"b OR c*')).toBe('"a""b" "OR" "c"');
    expect(ftsQuery('NEAR( ) -- ;')).toBe('"NEAR("');
    // Whatever is typed, the query is valid FTS5: operators and quotes are only words.
    const s = db();
    for (const typed of ['a"b OR c*', 'NEAR( ) -- ;', '"unclosed', 'x AND', '^start', 'col:val', '(((']) expect(() => s.search(typed)).not.toThrow();
    expect(ftsQuery('')).toBeUndefined();
  });

  it('makes snippets as FTS5 would: the first match in a window of 24 tokens, case and diacritics folded, phrases as one hit', () => {
    const words = Array.from({ length: 60 }, (_, i) => `w${i}`);
    words[30] = 'Café';
    words[31] = 'Crème';
    words[40] = 'cafe';
    const text = words.join(' ');
    const parts = snippetOf(text, queryPhrases('"cafe creme" CAFE'))?.parts;
    expect(parts?.filter((p) => p.hit).map((p) => p.text)).toEqual(['Café Crème', 'cafe']);
    const joined = (parts ?? []).map((p) => p.text).join('');
    expect(joined.startsWith('…w24 ')).toBe(true);
    expect(joined.endsWith('w47…')).toBe(true);
    expect(joined.replace(/…/g, '').split(' ')).toHaveLength(24);
    // At the start and end of the text: no ellipsis; a phrase needs its words in order.
    expect(snippetOf('Fix the billing test.', queryPhrases('"billing test"'))?.parts).toEqual([
      { text: 'Fix the ', hit: false },
      { text: 'billing test', hit: true },
      { text: '.', hit: false },
    ]);
    expect(snippetOf('test billing', queryPhrases('"billing test"'))).toBeUndefined();
    // The hits are the ones FTS5's own snippet() marks.
    const s = db();
    s.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: [entry('one')] }]);
    s.indexSession('claude-code', 'one', digest('one'), [{ seq: 7, text }]);
    const hit = s.search('"café crème"')[0];
    expect(hit?.seq).toBe(7);
    expect(hit?.snippet.filter((p) => p.hit).map((p) => p.text)).toEqual(['Café Crème']);
    // The index keeps no text FTS5 could make snippets from: a table that does is the reference.
    const reference = new Database(':memory:');
    reference.exec("CREATE VIRTUAL TABLE r USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')");
    reference.prepare('INSERT INTO r (text) VALUES (?)').run(text);
    const fts = reference.prepare<[string], { s: string }>("SELECT snippet(r, 0, '[', ']', '…', 24) AS s FROM r WHERE r MATCH ?").get('"café crème"')?.s ?? '';
    expect([...fts.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1])).toEqual(['Café Crème']);
  });

  it("keeps the index's text compressed, not as FTS5's plain copy, and snippets from it", () => {
    const s = db();
    s.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: [entry('one')] }]);
    const text = `${'The billing test failed again after the refactor of the invoice module. '.repeat(200)}Finally the flamingo fixture passed.`;
    s.indexSession('claude-code', 'one', digest('one'), [{ seq: 3, text }]);
    expect(s.db.prepare('SELECT rowid, text FROM session_words').all()).toEqual([{ rowid: expect.any(Number), text: null }]);
    const row = s.db.prepare<[], { seq: number; z: Uint8Array }>('SELECT seq, z FROM session_text').get();
    expect(row?.seq).toBe(3);
    expect(row && unpackText(row.z)).toBe(text);
    expect(row?.z.length).toBeLessThan(text.length / 10);
    expect(s.search('flamingo fixture')[0]?.snippet.filter((p) => p.hit).map((p) => p.text)).toEqual(['flamingo', 'fixture']);
    // Text of every plane round-trips; a damaged value is an error, not other text.
    const mixed = 'Café 🦩 — 日本語 \u0000 end';
    expect(unpackText(packText(mixed))).toBe(mixed);
    const damaged = packText(text).slice();
    damaged[damaged.length - 5] = (damaged[damaged.length - 5] ?? 0) ^ 0xff;
    expect(() => unpackText(damaged)).toThrow();
    // In the index, a damaged row costs its snippet, not the search.
    s.db.prepare('UPDATE session_text SET z = ?').run(damaged);
    expect(s.search('flamingo fixture').map((h) => [h.session.id, h.snippet])).toEqual([['one', []]]);
  });

  it("converts an older index's plain text to compressed text, and gives the space back", () => {
    const file = join(tempDir('cairn-sessions-'), 'state.db');
    const { version, before } = writeOlderIndex(file, 40);
    const open = () => {
      const d = new Database(file);
      d.pragma('journal_mode = WAL');
      return new SessionDb(d);
    };
    const pages = (d: SessionDb) => Number(d.db.pragma('page_count', { simple: true }));

    const s = open();
    expect(s.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'sessions_schema'").get()?.value).toBe(String(version));
    // The older layout's table stays, empty (an older Cairn sharing the folder writes there).
    expect(s.db.prepare('SELECT count(*) AS n FROM session_fts').get()).toEqual({ n: 0 });
    const hit = s.search('"pelican migration"', {}, 50);
    expect(hit).toHaveLength(40);
    expect(s.search('"session 7 talks"')[0]).toMatchObject({ session: { id: 's7' }, seq: 2 });
    expect(new Set(hit[0]?.snippet.filter((p) => p.hit).map((p) => p.text))).toEqual(new Set(['pelican migration']));
    expect(() => s.db.exec("INSERT INTO session_words (session_words) VALUES ('integrity-check')")).not.toThrow();
    // The plain copy's pages went back to the disk (VACUUM), not only to the free list.
    expect(pages(s)).toBeLessThan(before / 4);
    expect(Number(s.db.pragma('freelist_count', { simple: true }))).toBe(0);
    // The converted rows are replaced and removed like new ones.
    s.indexSession('claude-code', 's7', digest('s7 v2'), [{ seq: 0, text: 'A new version about herons.' }]);
    expect(s.search('"session 7 talks"')).toEqual([]);
    s.db.close();
  });

  it("converts an older index in a worker thread, the calling thread's event loop going on meanwhile", async () => {
    const file = join(tempDir('cairn-sessions-'), 'state.db');
    const { version, before } = writeOlderIndex(file, 400);
    // The repository's connection stays open meanwhile (Repository.fromVault).
    const main = new Database(file);
    expect(sessionIndexBehind(main)).toBe(true);
    let turns = 0;
    const ticking = setInterval(() => turns++, 1);
    const converted = await upgradeSessionIndex(main);
    clearInterval(ticking);
    expect(converted).toBe(true);
    expect(turns).toBeGreaterThan(0);
    expect(sessionIndexBehind(main)).toBe(false);
    expect(main.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'sessions_schema'").get()?.value).toBe(String(version));
    expect(Number(main.pragma('page_count', { simple: true }))).toBeLessThan(before / 4);
    const s = new SessionDb(main);
    expect(s.search('"pelican migration"', {}, 500)).toHaveLength(400);
    // A current index: nothing to do, no thread started.
    expect(await upgradeSessionIndex(main)).toBe(false);
    main.close();
  });

  it('leaves the conversion to the first SessionDb when the worker thread fails', async () => {
    const file = join(tempDir('cairn-sessions-'), 'state.db');
    writeOlderIndex(file, 3);
    const main = new Database(file);
    expect(await upgradeSessionIndex(main, new URL('./no-such-worker.ts', import.meta.url))).toBe(false);
    expect(sessionIndexBehind(main)).toBe(true);
    expect(new SessionDb(main).search('"pelican migration"')).toHaveLength(3);
    expect(sessionIndexBehind(main)).toBe(false);
    main.close();
  });

  it('drops pending text without throwing when the database takes no writes; the text stays out of searches', () => {
    // On a full disk the write that drops a failed read's text fails too, on the way out of the
    // failure: thrown from a promise's callback, it ended the process with SQLite's stack instead
    // of "The disk is full".
    const file = join(tempDir('cairn-sessions-'), 'state.db');
    const d = new Database(file);
    d.pragma('journal_mode = WAL');
    const s = new SessionDb(d);
    const w = s.textWriter();
    w.add([{ seq: 0, text: 'a pending note about herons' }]);
    const sid = w.park();
    const readOnly = new SessionDb(new Database(file, { readonly: true }));
    expect(() => readOnly.db.prepare('DELETE FROM session_docs').run()).toThrow(/readonly/);
    expect(() => readOnly.dropPending(sid)).not.toThrow();
    expect(readOnly.search('herons')).toEqual([]);
    // Where writes work, the text goes.
    s.dropPending(sid);
    expect(s.db.prepare('SELECT count(*) AS n FROM session_words').get()).toEqual({ n: 0 });
    readOnly.db.close();
    d.close();
  });

  it('leaves an older Cairn sharing the state folder a table of its own, and clears what it leaves under a sid', () => {
    // A sid is taken from the time (seconds): the two processes below index in the same second
    // (on a loaded machine the test could cross one, and the sid differ).
    vi.spyOn(Date, 'now').mockReturnValue(Date.UTC(2026, 2, 1, 10));
    onTestFinished(() => void vi.restoreAllMocks());
    const s = db();
    s.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: [entry('one'), entry('two')] }]);
    s.db.prepare('UPDATE session_catalog SET updated_at = ?').run('2026-03-01T10:00:00.000Z');
    s.indexSession('claude-code', 'one', digest('one'), [{ seq: 0, text: 'The first version talks about albatrosses.' }]);
    const sid = Number(s.db.prepare<[], { sid: number }>("SELECT sid FROM session_docs WHERE id = 'one'").get()?.sid);
    // What an older Cairn does with the index: its statements still work, on its own table.
    const rowid = BigInt(sid) * 2n ** 20n + 5n;
    s.db.prepare('INSERT INTO session_fts (rowid, text, seq) VALUES (?, ?, ?)').run(rowid, 'older words about cormorants', 3);
    expect(s.db.prepare('SELECT text, seq FROM session_fts WHERE rowid = ?').get(rowid)).toEqual({ text: 'older words about cormorants', seq: 3 });
    expect(s.db.prepare("SELECT snippet(session_fts, 0, '[', ']', '…', 24) AS s FROM session_fts WHERE session_fts MATCH 'cormorants'").get()).toEqual({ s: 'older words about [cormorants]' });
    // It removes a session without knowing this index's tables: the sid is free, its rows are not.
    s.db.prepare('DELETE FROM session_docs WHERE sid = ?').run(sid);
    // The next process takes the sid again (the same time): only the new text is found under it.
    const next = new SessionDb(s.db);
    next.indexSession('claude-code', 'two', digest('two'), [{ seq: 0, text: 'The second session is about herons.' }]);
    expect(next.db.prepare<[], { sid: number }>("SELECT sid FROM session_docs WHERE id = 'two'").get()?.sid).toBe(sid);
    expect(next.search('albatrosses')).toEqual([]);
    expect(next.search('herons').map((h) => h.session.id)).toEqual(['two']);
    expect(next.db.prepare('SELECT count(*) AS n FROM session_text').get()).toEqual({ n: 1 });
    expect(next.db.prepare('SELECT count(*) AS n FROM session_fts').get()).toEqual({ n: 0 });
  });

  it('ranks the newest matching chunks only, so a common word costs the same however many sessions have it', () => {
    const s = db();
    const n = RANK_CANDIDATES + 50;
    s.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: Array.from({ length: n }, (_, i) => entry(`s${i}`)) }]);
    // Indexed oldest first, as indexLocalSessions does; the oldest says 'common' most often.
    for (let i = 0; i < n; i++) s.indexSession('claude-code', `s${i}`, digest(`s${i}`), [{ seq: 0, text: i === 0 ? 'common common common common' : `common word number ${i}` }]);
    const hits = s.search('common', {}, 10);
    expect(hits).toHaveLength(10);
    // s0 is the best match by bm25 but not among the newest RANK_CANDIDATES matching chunks.
    expect(hits.map((h) => h.session.id)).not.toContain('s0');
    // A rarer word is found wherever it is.
    expect(s.search('number 3', {}, 5).map((h) => h.session.id)).toContain('s3');
    expect(s.search('"common common"').map((h) => h.session.id)).toEqual(['s0']);
  });

  it("orders the index by the sessions' time, whatever order they were indexed in (the worker indexes in walk order)", () => {
    const s = db();
    const n = RANK_CANDIDATES + 50;
    s.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: Array.from({ length: n }, (_, i) => entry(`s${i}`)) }]);
    const t0 = Date.UTC(2026, 0, 1) / 1000;
    // Newest first; s0, the oldest, says 'common' most often; s1 and s2 share a second.
    for (let i = n - 1; i >= 0; i--) {
      const w = s.textWriter({ at: t0 + (i === 2 ? 1 : i) * 60 });
      w.add([{ seq: 0, text: i === 0 ? 'common common common common' : `common word number ${i}` }]);
      w.commit('claude-code', `s${i}`, digest(`s${i}`));
    }
    const hits = s.search('common', {}, 10);
    expect(hits).toHaveLength(10);
    expect(hits.map((h) => h.session.id)).not.toContain('s0');
    expect(s.search('"number 2"').map((h) => h.session.id)).toEqual(['s2']);
    expect(s.search('"common common"').map((h) => h.session.id)).toEqual(['s0']);
  });

  it("replaces a session's text without scanning the whole index (its rowid range is bound as integers)", async () => {
    const s = db();
    const n = 8000;
    for (let i = 0; i < n; i++) s.indexSession('claude-code', `s${i}`, digest(`s${i}`), Array.from({ length: 5 }, (_, seq) => ({ seq, text: `lorem ipsum ${i} ${seq}` })));
    const time = (fn: () => unknown) => {
      const t = performance.now();
      fn();
      return performance.now() - t;
    };
    // Visiting every row once: what dropping one session cost when FTS5 ignored the range.
    const scan = Math.min(...[0, 1, 2].map(() => time(() => s.db.prepare('SELECT count(*) FROM session_words').get())));
    const parked = [0, 1, 2].map(() => {
      const w = s.textWriter();
      w.add([{ seq: 0, text: 'short' }]);
      return w.park();
    });
    const drop = Math.min(...parked.map((sid) => time(() => s.dropPending(sid))));
    expect(drop).toBeLessThan(scan / 4);
    // The replaced session's other rows are really gone, the others' are all there.
    s.indexSession('claude-code', 's7', 'f'.repeat(64), [{ seq: 0, text: 'replaced' }]);
    await s.dropRetired();
    expect(s.db.prepare('SELECT count(*) AS n FROM session_words').get()).toEqual({ n: (n - 1) * 5 + 1 });
  });

  it("retires a replaced version's text at once (search no longer finds it) and removes its rows later", async () => {
    const s = db();
    s.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: [entry('long', { digest: 'f'.repeat(64) })] }]);
    // A long session: 100 rows of its old version.
    s.indexSession('claude-code', 'long', digest('long'), Array.from({ length: 100 }, (_, seq) => ({ seq, text: `walrus ledger entry ${seq}` })));
    s.indexSession('claude-code', 'long', 'f'.repeat(64), [{ seq: 0, text: 'the new version talks about otters' }]);
    const rows = () => (s.db.prepare('SELECT count(*) AS n FROM session_words').get() as { n: number }).n;
    // Search no longer finds the old text, though its rows are still there.
    expect(s.search('walrus')).toEqual([]);
    expect(s.search('otters').map((h) => h.session.id)).toEqual(['long']);
    expect(rows()).toBe(101);
    // Another connection opening the database (a session worker) leaves it for dropRetired.
    expect(new SessionDb(s.db).indexedDigest('claude-code', 'long')).toBe('f'.repeat(64));
    expect(rows()).toBe(101);
    expect(await s.dropRetired()).toBe(1);
    expect(rows()).toBe(1);
    expect(s.search('otters').map((h) => h.session.id)).toEqual(['long']);
    expect(await s.dropRetired()).toBe(0);
  });

  it('has FTS5 merge segments 16 at a time (fewer rewrites of the growing index)', () => {
    expect(db().db.prepare<[], { v: number }>("SELECT v FROM session_words_config WHERE k = 'automerge'").get()).toEqual({ v: 16 });
  });

  it('waits for another connection\'s write without holding the event loop, then writes once', async () => {
    await twoConnections(async (main, worker) => {
      const w = worker.textWriter();
      w.add([{ seq: 0, text: 'pelicans over the harbour' }]);
      const sid = w.park();
      // The worker is in the middle of its next write.
      worker.db.prepare('BEGIN IMMEDIATE').run();
      let ticks = 0;
      const ticking = setInterval(() => ticks++, 1);
      let runs = 0;
      const written = main.writing(() => {
        runs++;
        main.commitPending(sid, 'claude-code', 'harbour', digest('harbour'));
        return 'done';
      });
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(ticks).toBeGreaterThan(5);
      expect(runs).toBe(0);
      worker.db.prepare('COMMIT').run();
      expect(await written).toBe('done');
      clearInterval(ticking);
      expect(runs).toBe(1);
      expect(main.indexedDigest('claude-code', 'harbour')).toBe(digest('harbour'));
      // A write that fails for another reason is not tried again.
      await expect(main.writing(() => {
        runs++;
        throw new Error('not a lock');
      })).rejects.toThrow('not a lock');
      expect(runs).toBe(2);
    });
  });

  it("writes many sessions' text in one transaction when writes are shared (a session worker's), each under the sid it was parked with", async () => {
    await twoConnections(async (main, worker) => {
      main.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: ['gannets', 'puffins', 'terns'].map((w) => entry(w)) }]);
      worker.shareWrites(1 << 20);
      let commits = 0;
      const raw = worker.db as unknown as { transaction: Database.Database['transaction'] };
      const transaction = raw.transaction.bind(worker.db);
      raw.transaction = ((fn: (...a: unknown[]) => unknown) => {
        commits++;
        return transaction(fn);
      }) as Database.Database['transaction'];
      const sids = ['gannets', 'puffins', 'terns'].map((word) => {
        const w = worker.textWriter({ at: 1_800_000_000 });
        w.add([{ seq: 0, text: `${word} over the harbour` }]);
        return { word, sid: w.park() };
      });
      // Nothing written yet: another connection sees no pending row.
      expect(commits).toBe(0);
      expect(worker.unwritten).toBe(true);
      expect(main.db.prepare('SELECT count(*) AS n FROM session_docs').get()).toEqual({ n: 0 });
      expect(worker.flushShared()).toBe(true);
      expect(commits).toBe(1);
      expect(worker.unwritten).toBe(false);
      for (const { word, sid } of sids) main.commitPending(worker.sharedSid(sid), 'claude-code', word, digest(word));
      for (const { word } of sids) expect(main.search(word).map((h) => h.session.id)).toEqual([word]);
    });
  });

  it('moves a shared write to another sid when another connection took the reserved one first; drops unwritten text without a write', async () => {
    await twoConnections(async (main, worker) => {
      main.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: [entry('kept'), entry('other')] }]);
      worker.shareWrites(1 << 20);
      const w = worker.textWriter({ at: 1_800_000_000 });
      w.add([{ seq: 0, text: 'kittiwakes nest on the cliff' }]);
      const parked = w.park();
      // The main thread indexes a session of the same second before the worker's write.
      const m = main.textWriter({ at: 1_800_000_000 });
      m.add([{ seq: 0, text: 'fulmars glide past' }]);
      expect(m.park()).toBe(parked);
      main.commitPending(parked, 'claude-code', 'other', digest('other'));
      const dropped = worker.textWriter({ at: 1_800_000_100 });
      dropped.add([{ seq: 0, text: 'shearwaters at dusk' }]);
      dropped.park();
      dropped.discard();
      worker.flushShared();
      const sid = worker.sharedSid(parked);
      expect(sid).not.toBe(parked);
      main.commitPending(sid, 'claude-code', 'kept', digest('kept'));
      expect(main.search('kittiwakes').map((h) => h.session.id)).toEqual(['kept']);
      expect(main.search('fulmars').map((h) => h.session.id)).toEqual(['other']);
      expect(main.search('shearwaters')).toEqual([]);
      expect(main.db.prepare("SELECT count(*) AS n FROM session_docs WHERE agent = ''").get()).toEqual({ n: 0 });
    });
  });

  it('puts its buffer back when a shared write fails, and a discard removes what was written of the lost sessions', async () => {
    await twoConnections(async (main, worker) => {
      main.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: [entry('written'), entry('later')] }]);
      worker.shareWrites(1 << 20);
      const writer = (word: string) => {
        const w = worker.textWriter({ at: 1_800_000_000 });
        w.add([{ seq: 0, text: `${word} in the first chunk` }]);
        return w;
      };
      const written = writer('storm').park();
      const underWay = writer('petrel');
      worker.flushShared();
      const parked = writer('skua').park();
      // The next write fails inside its transaction (a full disk, say).
      worker.db.exec("CREATE TEMP TABLE fail (x); INSERT INTO fail VALUES (1); CREATE TEMP TRIGGER failing BEFORE INSERT ON session_docs WHEN (SELECT count(*) FROM fail) > 0 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;");
      underWay.add([{ seq: 1, text: 'petrel second chunk' }]);
      expect(() => worker.flushShared()).toThrow('disk is full');
      expect(worker.unwritten).toBe(true);
      const lost = worker.discardShared();
      // The session under way and the one parked after the last write.
      expect([...lost].sort()).toEqual([underWay.park(), parked].sort());
      worker.db.exec('DELETE FROM fail');
      // What was written of the session under way is gone; the one written before stays.
      main.commitPending(worker.sharedSid(written), 'claude-code', 'written', digest('written'));
      expect(main.search('storm').map((h) => h.session.id)).toEqual(['written']);
      expect(main.search('petrel')).toEqual([]);
      expect(main.db.prepare("SELECT count(*) AS n FROM session_docs WHERE agent = ''").get()).toEqual({ n: 0 });
      // The lost sids stay taken: a new session's text never gets one a reader may still hold.
      const next = writer('fulmar');
      const sid = next.park();
      expect(lost.has(sid)).toBe(false);
      worker.flushShared();
      main.commitPending(worker.sharedSid(sid), 'claude-code', 'later', digest('later'));
      expect(main.search('fulmar').map((h) => h.session.id)).toEqual(['later']);
    });
  });

  it('keeps shared text buffered while another connection writes, when asked not to wait', async () => {
    await twoConnections(async (main, worker) => {
      main.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: [entry('ledge')] }]);
      worker.shareWrites(1 << 20);
      const w = worker.textWriter({ at: 1_800_000_000 });
      w.add([{ seq: 0, text: 'guillemots on the ledge' }]);
      const sid = w.park();
      main.db.prepare('BEGIN IMMEDIATE').run();
      const started = performance.now();
      expect(worker.flushShared(false)).toBe(false);
      // No sleep in SQLite's busy handler.
      expect(performance.now() - started).toBeLessThan(500);
      expect(worker.unwritten).toBe(true);
      main.db.prepare('COMMIT').run();
      expect(worker.flushShared(false)).toBe(true);
      main.commitPending(worker.sharedSid(sid), 'claude-code', 'ledge', digest('ledge'));
      expect(main.search('guillemots').map((h) => h.session.id)).toEqual(['ledge']);
    });
  });

  it('merges a full level a little at each write, not all at once in the write that fills it (crisis merge only at 64)', () => {
    expect(db().db.prepare<[], { v: number }>("SELECT v FROM session_words_config WHERE k = 'crisismerge'").get()).toEqual({ v: 64 });
  });

  it('ranks at most a few chunks per session: one huge, newest transcript does not crowd out the others', () => {
    const s = db();
    const ids = [...Array.from({ length: 30 }, (_, i) => `s${i}`), 'huge'];
    s.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: ids.map((id) => entry(id)) }]);
    for (const id of ids) {
      const chunks = id === 'huge' ? Array.from({ length: RANK_CANDIDATES + 200 }, (_, seq) => ({ seq, text: `common common ${seq}` })) : [{ seq: 0, text: `common text of ${id}` }];
      s.indexSession('claude-code', id, digest(id), chunks);
    }
    const hits = s.search('common', {}, 20);
    expect(hits).toHaveLength(20);
    expect(hits.map((h) => h.session.id)).toContain('huge');
  });

  it('cuts text into chunks of at most CHUNK_CHARS that start at the item they begin with', () => {
    const c = new TextChunker();
    c.add(0, 'short');
    c.add(1, 'word '.repeat(CHUNK_CHARS / 2)); // 2.5 chunks' worth
    c.add(2, 'tail');
    const chunks = c.finish();
    expect(chunks.every((x) => x.text.length <= CHUNK_CHARS)).toBe(true);
    expect(chunks[0]?.seq).toBe(0);
    expect(chunks.at(-1)?.text.endsWith('tail')).toBe(true);
    expect(chunks.map((x) => x.text).join(' ').replace(/\s+/g, ' ').split(' ').filter((w) => w === 'word')).toHaveLength(CHUNK_CHARS / 2);
  });

  it('points a hit at the item holding the match, not the first item of its chunk', () => {
    const s = db();
    s.setDeviceCatalog({ id: 'aaaa', name: 'laptop' }, { id: 's1', time: 't', catalog: 'c' }, [{ id: page(1), entries: [entry('many')] }]);
    const c = new TextChunker();
    for (let seq = 0; seq < 40; seq++) c.add(seq, seq === 23 ? 'Now check the periwinkle reconciliation ledger.' : `Step ${seq}: filler words here`);
    const chunks = c.finish();
    expect(chunks).toHaveLength(1); // all forty items share one chunk
    s.indexSession('claude-code', 'many', digest('many'), chunks);
    const [hit] = s.search('"periwinkle reconciliation"', {}, 5);
    expect(hit?.seq).toBe(23);
    expect(s.search('filler', {}, 5)[0]?.seq).toBe(0);
    // An index written before items were marked (a number in the seq column) gives the chunk's first item.
    expect(itemAt(7, 1000)).toBe(7);
    expect(itemAt('3 4@10 9@50', 49)).toBe(4);
    expect(itemAt('3 4@10 9@50', 50)).toBe(9);
    expect(itemAt('3 4@10', 2)).toBe(3);
  });
});

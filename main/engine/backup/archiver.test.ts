// The archiver's parts, each alone, on a real vault in memory (real codec, packer and state DB):
// the tree saver, the file saver, the walk, and the progress reporter they share with restore.

import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../shared/errors.ts';
import { initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { ProgressReporter } from '../progress-reporter.ts';
import type { Repository } from '../repository.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import { encodeTree, Packer } from '../vault/index.ts';
import type { BlobCodec, Chunk, ChunkStream, SealedChunk, TreeEntry } from '../vault/index.ts';
import { FileSaver } from './file-saver.ts';
import { BackupOutcome } from './outcome.ts';
import { compileRules } from './rules.ts';
import type { CheckedRoot } from './roots.ts';
import { TreeSaver, virtualRoot } from './tree-saver.ts';
import { walkDir } from './walk.ts';

let repo: Repository;
let packer: Packer;

beforeEach(async () => {
  ({ repo } = await initRepo(new MemoryBlobStore()));
  packer = new Packer(repo.vault, repo.db, { packSize: 1 << 20, concurrency: 2, indexEvery: 16 });
});
afterEach(async () => {
  await repo.close();
});
afterAll(() => removeTempDirs());

function fileSaver(outcome = new BackupOutcome(), reporter = new ProgressReporter('scanning', undefined), copySqlite = async (_src: string, _dest: string) => {}) {
  return new FileSaver({ codec: repo.codec, db: repo.db, packer, outcome, reporter, checkAbort: () => {}, tmpDir: tempDir(), copySqlite, concurrency: 4 });
}

const root = (path: string, extra: Partial<CheckedRoot> = {}): CheckedRoot => ({ label: 'src', path, isDirectory: true, ...extra });

describe('TreeSaver', () => {
  it('stores a tree once under its id, keeps each tree it stored for the local cache, and builds nested labels', async () => {
    const trees = new TreeSaver(repo.codec, packer);
    const entries: TreeEntry[] = [{ name: 'a', type: 'symlink', mode: 0o777, mtimeNs: '1', size: 0, target: 'b' }];
    const id = await trees.saveTree(entries);
    expect(id).toBe(repo.codec.idOf(encodeTree(entries)));
    expect(await trees.saveTree(entries)).toBe(id);
    // The second time the tree is stored already (this run added it): nothing to cache again.
    expect(trees.trees.map(([t]) => t)).toEqual([id]);
    await packer.flush();
    expect(packer.uploadedBytes).toBeGreaterThan(0);
    expect(repo.db.getBlob(id)?.type).toBe('tree');

    const top = await virtualRoot([{ label: 'agent/config', path: '/x', tree: id }, { label: 'other', path: '/y', tree: id }], (e) => trees.saveTree(e));
    expect(top.map((e) => e.name)).toEqual(['agent', 'other']);
    expect(top[1]?.subtree).toBe(id);
    await expect(virtualRoot([{ label: 'a', path: '/x', tree: id }, { label: 'a/b', path: '/y', tree: id }], (e) => trees.saveTree(e))).rejects.toThrow(/both a source and a folder/);
  });
});

describe('FileSaver', () => {
  it('takes an unchanged database from the file cache though its stored copy is smaller than the file', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const db = new Database(path);
    db.exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT); INSERT INTO kv VALUES ('chat', 'hello')");
    const insert = db.prepare('INSERT INTO kv VALUES (?, ?)');
    for (let i = 0; i < 200; i++) insert.run(`token-${i}`, 'x'.repeat(2000));
    db.exec("DELETE FROM kv WHERE k LIKE 'token-%'");
    db.close();
    // A real copy without the free pages, as a scrubbed copy is: smaller than the file.
    let copies = 0;
    const copy = async (src: string, dest: string) => {
      copies++;
      const from = new Database(src, { readonly: true });
      from.exec(`VACUUM INTO '${dest.replace(/'/g, "''")}'`);
      from.close();
    };
    const rules = compileRules({ sqlite: ['**/*.db'] });
    const at = { source: root(dir), rel: 'state.db', abs: path, name: 'state.db' };
    const first = fileSaver(new BackupOutcome(), undefined, copy);
    const entry = await first.save(rules, at);
    expect(copies).toBe(1);
    expect(entry?.size).toBeLessThan(statSync(path).size);
    await packer.flush();
    repo.db.replaceFiles(first.files);

    const again = new BackupOutcome();
    const second = fileSaver(again, undefined, copy);
    expect((await second.save(rules, at))?.content).toEqual(entry?.content);
    expect(copies).toBe(1);
    expect(again.stats).toMatchObject({ unchangedFiles: 1, changedFiles: 0 });
    expect(second.cacheDirty).toBe(false);
  });

  it('warns of a database it could not copy, and goes on: one holding credentials is also kept local', async () => {
    // A damaged agent database (OpenCode's holds every session and the account's tokens) failed
    // the copy's check and was kept local as a credential file is, with no warning: the backup
    // said only "secrets never uploaded: 1 file(s)".
    const dir = tempDir();
    writeFileSync(join(dir, 'opencode.db'), 'SQLite format 3\u0000 and then nothing a database holds');
    const rules = compileRules({ sqlite: ['**/*.db'] });
    const outcome = new BackupOutcome();
    const damaged = async () => {
      throw new IntegrityError("The copy of the database failed SQLite's check: *** in database main ***");
    };
    const saver = fileSaver(outcome, undefined, damaged);
    const source = root(dir, { contentRules: [{ kind: 'sqlite-delete', glob: 'opencode.db', table: 'account', why: 'OpenCode account tokens' }] });
    expect(await saver.save(rules, { source, rel: 'opencode.db', abs: join(dir, 'opencode.db'), name: 'opencode.db' })).toBeUndefined();
    expect(outcome.keptLocal).toEqual([{ path: 'src/opencode.db', why: expect.stringContaining("failed SQLite's check") }]);
    expect(outcome.warnings).toEqual([{ path: join(dir, 'opencode.db'), reason: 'unreadable', message: expect.stringMatching(/opencode\.db was not backed up: The copy of the database failed SQLite's check.*stays on this computer\. The next backup tries again\.$/) }]);

    // One no credential rule names failed the whole backup: it is left out with a warning too.
    const plain = new BackupOutcome();
    expect(await fileSaver(plain, undefined, damaged).save(rules, { source: root(dir), rel: 'opencode.db', abs: join(dir, 'opencode.db'), name: 'opencode.db' })).toBeUndefined();
    expect(plain.keptLocal).toEqual([]);
    expect(plain.warnings).toEqual([{ path: join(dir, 'opencode.db'), reason: 'unreadable', message: expect.stringMatching(/was not backed up: .*Earlier snapshots keep the versions they hold\. The next backup tries again\.$/) }]);
  });

  it('chunks a new file, takes it from the file cache when unchanged, and keeps a credential file local', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'hello '.repeat(1000));
    writeFileSync(join(dir, 'key.pem'), 'secret');
    const rules = compileRules({ secrets: ['**/*.pem'] });
    const outcome = new BackupOutcome();
    const first = fileSaver(outcome);
    const entry = await first.save(rules, { source: root(dir), rel: 'notes.txt', abs: join(dir, 'notes.txt'), name: 'notes.txt' });
    expect(entry).toMatchObject({ name: 'notes.txt', type: 'file', size: 6000 });
    expect(await first.save(rules, { source: root(dir), rel: 'key.pem', abs: join(dir, 'key.pem'), name: 'key.pem' })).toBeUndefined();
    expect(outcome.keptLocal).toEqual([{ path: 'src/key.pem', why: expect.stringContaining('credential file') }]);
    expect(outcome.stats).toMatchObject({ files: 1, newFiles: 1, unchangedFiles: 0, secretsSkipped: 1, bytes: 6000 });
    expect(first.cacheDirty).toBe(true);
    await packer.flush();
    repo.db.replaceFiles(first.files);

    const again = new BackupOutcome();
    const second = fileSaver(again);
    const same = await second.save(rules, { source: root(dir), rel: 'notes.txt', abs: join(dir, 'notes.txt'), name: 'notes.txt' });
    expect(same?.content).toEqual(entry?.content);
    expect(again.stats).toMatchObject({ files: 1, newFiles: 0, changedFiles: 0, unchangedFiles: 1, newBytes: 0 });
    expect(second.cacheDirty).toBe(false);
  });

  it('gives the file cache only what changed: new and changed entries, and the paths no longer saved', async () => {
    const dir = tempDir();
    for (const name of ['a.txt', 'b.txt', 'c.txt']) writeFileSync(join(dir, name), `${name} `.repeat(500));
    const rules = compileRules({});
    const save = (saver: FileSaver, name: string) => saver.save(rules, { source: root(dir), rel: name, abs: join(dir, name), name });
    const first = fileSaver();
    for (const name of ['a.txt', 'b.txt', 'c.txt']) await save(first, name);
    await packer.flush();
    const initial = first.cacheChanges();
    expect(initial.map((c) => [c.label, [...c.put.keys()].sort(), c.removed])).toEqual([['src', ['a.txt', 'b.txt', 'c.txt'], []]]);
    repo.db.updateFiles(initial);

    writeFileSync(join(dir, 'b.txt'), 'changed '.repeat(600));
    writeFileSync(join(dir, 'd.txt'), 'new '.repeat(600));
    const second = fileSaver();
    for (const name of ['a.txt', 'b.txt', 'd.txt']) await save(second, name);
    await packer.flush();
    const changes = second.cacheChanges();
    // a.txt is unchanged: not written again; c.txt was not saved this time: removed.
    expect(changes.map((c) => [c.label, [...c.put.keys()].sort(), c.removed])).toEqual([['src', ['b.txt', 'd.txt'], ['c.txt']]]);
    repo.db.updateFiles(changes);
    const cache = repo.db.getFiles('src');
    expect([...cache.keys()].sort()).toEqual(['a.txt', 'b.txt', 'd.txt']);
    for (const [path, entry] of second.files.get('src') ?? []) expect(cache.get(path)).toEqual(entry);
  });

  it('leaves out a file that vanished after it was listed, counted, not a warning', async () => {
    const dir = tempDir();
    const outcome = new BackupOutcome();
    const entry = await fileSaver(outcome).save(compileRules({}), { source: root(dir), rel: 'gone.txt', abs: join(dir, 'gone.txt'), name: 'gone.txt' });
    expect(entry).toBeUndefined();
    expect(outcome.warnings).toEqual([]);
    expect(outcome.stats.vanished).toBe(1);
  });
});

describe('walkDir', () => {
  it('turns folders into trees, keeps links, counts FIFOs and skips credential folders', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    mkdirSync(join(dir, '.ssh'));
    writeFileSync(join(dir, 'sub', 'deeper', 'f.txt'), 'x');
    writeFileSync(join(dir, '.ssh', 'id'), 'k');
    execFileSync('ln', ['-s', 'sub', join(dir, 'link')]);
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const outcome = new BackupOutcome();
    const trees = new TreeSaver(repo.codec, packer);
    const entries = await walkDir({ files: fileSaver(outcome), trees, outcome, checkAbort: () => {} }, root(dir), compileRules({ secrets: ['.ssh'] }), '', dir, 0);
    expect(entries.map((e) => [e.name, e.type])).toEqual([['link', 'symlink'], ['sub', 'dir']]);
    expect(entries[0]?.target).toBe('sub');
    expect(outcome.stats).toMatchObject({ files: 1, dirs: 2, specialSkipped: 1, secretsSkipped: 1 });
    expect(outcome.keptLocal[0]?.path).toBe('src/.ssh');
    // sub's tree and deeper's tree, deepest first.
    expect(trees.trees).toHaveLength(2);
    expect(entries[1]?.subtree).toBe(trees.trees[1]?.[0]);
  });
});

describe('walkDir back-pressure', () => {
  it('waits for a file slot before it looks at the next file: what is pending stays bounded, not one task per file', async () => {
    const dir = tempDir();
    for (let d = 0; d < 10; d++) {
      mkdirSync(join(dir, `d${d}`));
      for (let f = 0; f < 20; f++) writeFileSync(join(dir, `d${d}`, `f${f}.txt`), `folder ${d} file ${f}`);
    }
    // Every file's read waits at the gate until it opens.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const gated = <T extends Chunk | SealedChunk>(inner: ChunkStream<T>): ChunkStream<T> => ({
      get size() {
        return inner.size;
      },
      get resumedAt() {
        return inner.resumedAt;
      },
      get tail() {
        return inner.tail;
      },
      async *[Symbol.asyncIterator]() {
        await gate;
        yield* inner;
      },
    });
    const codec: BlobCodec = { ...repo.codec, chunkFile: (path, extras) => gated(repo.codec.chunkFile(path, extras)), chunkAndSeal: (path, extras) => gated(repo.codec.chunkAndSeal(path, extras)) };
    const rules = compileRules({});
    const classify = rules.classify.bind(rules);
    let looked = 0;
    rules.classify = (rel) => {
      looked++;
      return classify(rel);
    };
    const outcome = new BackupOutcome();
    const files = new FileSaver({ codec, db: repo.db, packer, outcome, reporter: new ProgressReporter('scanning', undefined), checkAbort: () => {}, tmpDir: tempDir(), copySqlite: async () => {}, concurrency: 4 });
    const walked = walkDir({ files, trees: new TreeSaver(codec, packer), outcome, checkAbort: () => {} }, root(dir), rules, '', dir, 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Four files hold the slots; the walk waits with the fifth. It had looked at all 200 before.
    expect(looked).toBe(5);
    open();
    const entries = await walked;
    expect(looked).toBe(200);
    expect(entries.map((e) => e.name)).toEqual([...Array(10).keys()].map((d) => `d${d}`));
    expect(outcome.stats).toMatchObject({ files: 200, dirs: 10 });
  });
});

describe('ProgressReporter', () => {
  it('reports at most every interval, always on a phase change, and never hands out its own record', () => {
    let t = 1_000;
    const seen: { phase: string; filesDone: number }[] = [];
    const reporter = new ProgressReporter('scanning', (p) => seen.push(p), () => t, 100);
    reporter.fileDone();
    t = 1_050;
    reporter.fileDone();
    t = 1_150;
    reporter.fileDone();
    reporter.phase('uploading');
    expect(seen.map((p) => [p.phase, p.filesDone])).toEqual([['scanning', 1], ['scanning', 3], ['uploading', 3]]);
    expect(seen[0]).not.toBe(reporter.progress);
  });

  it('never reports more done than the total: an estimated total grows to what was done', () => {
    const seen: { filesDone: number; filesTotal?: number; bytesDone: number; bytesTotal?: number }[] = [];
    const reporter = new ProgressReporter('uploading', (p) => seen.push(p), () => 0, 0);
    Object.assign(reporter.progress, { filesTotal: 2, bytesTotal: 100 });
    reporter.fileDone(60);
    reporter.fileDone(60);
    reporter.fileDone(10);
    expect(seen.map((p) => [p.filesDone, p.filesTotal, p.bytesDone, p.bytesTotal])).toEqual([
      [1, 2, 60, 100],
      [2, 2, 120, 120],
      [3, 3, 130, 130],
    ]);
  });
});

// A live home changes under a backup, and a local process may try to make it read what it did
// not walk: files that vanish or get swapped for links are warnings, never aborts, and nothing
// outside the walked tree is ever captured.

import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { restore } from '../restore/index.ts';
import type { Repository } from '../repository.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import type { BlobCodec } from '../vault/index.ts';

let repo: Repository;

beforeAll(async () => {
  ({ repo } = await initRepo(new MemoryBlobStore()));
});

afterAll(async () => {
  await repo.close();
  removeTempDirs();
});

async function entriesOf(snapshotId: string, label: string): Promise<string[]> {
  const snap = await repo.findSnapshot(snapshotId);
  const reader = repo.reader();
  const out: string[] = [];
  for await (const r of reader.walk(await reader.resolve(snap, label))) if (r.entry.type !== 'dir') out.push(r.path.slice(label.length + 1));
  return out.sort();
}

describe('files that change under a backup', () => {
  it('counts a file deleted between the walk and the read (not a warning: nothing is lost), keeps the rest, and saves it next time', async () => {
    const home = tempDir('cairn-vanish-');
    for (const name of ['a.txt', 'b.txt', 'gone.txt', 'z.txt']) writeFileSync(join(home, name), `${name}\n`.repeat(100));
    // The race, made certain: the file is deleted just before the worker opens it.
    const vanish = (path: string | Uint8Array) => {
      if (String(path).endsWith('gone.txt')) unlinkSync(String(path));
    };
    const codec: BlobCodec = {
      ...repo.codec,
      chunkFile: (path, extras) => (vanish(path), repo.codec.chunkFile(path, extras)),
      chunkAndSeal: (path, extras) => (vanish(path), repo.codec.chunkAndSeal(path, extras)),
    };
    const result = await backupOf(repo, [{ label: 'h1', path: home }], { codec });
    expect(result.warnings).toEqual([]);
    expect(result.stats.vanished).toBe(1);
    expect(result.snapshot?.stats.vanished).toBe(1);
    expect(await entriesOf(result.snapshotId as string, 'h1')).toEqual(['a.txt', 'b.txt', 'z.txt']);

    // The next backup tries it again.
    writeFileSync(join(home, 'gone.txt'), 'back\n');
    const next = await backupOf(repo, [{ label: 'h1', path: home }]);
    expect(next.warnings).toEqual([]);
    expect(await entriesOf(next.snapshotId as string, 'h1')).toEqual(['a.txt', 'b.txt', 'gone.txt', 'z.txt']);
  });

  it('counts files deleted between the listing and their stat, with no warning', async () => {
    const home = tempDir('cairn-vanish-stat-');
    for (let i = 0; i < 40; i++) writeFileSync(join(home, `f${String(i).padStart(2, '0')}.txt`), `file ${i}\n`);
    let deleted = false;
    const result = await backupOf(repo, [{ label: 'h2', path: home }], {
      fileConcurrency: 1,
      // Once the first file is saved, the last ones are deleted (they were listed already, and
      // one file at a time means none of them was looked at yet). Progress reports are throttled,
      // so they can't say when the first file is done: under load they came after f30 was read.
      onFileWalked: () => {
        if (!deleted) {
          deleted = true;
          for (let i = 30; i < 40; i++) rmSync(join(home, `f${i}.txt`));
        }
      },
    });
    expect(deleted).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(result.stats.vanished).toBe(10);
    expect(await entriesOf(result.snapshotId as string, 'h2')).toHaveLength(30);
  });

  it('reads again, once, a file saved anew under its name (a temporary file renamed over it) while it was read: no warning', async () => {
    const home = tempDir('cairn-rewrite-');
    const path = join(home, 'chat.json');
    writeFileSync(path, JSON.stringify({ messages: ['hello'] }));
    writeFileSync(join(home, 'other.txt'), 'other\n');
    let rewritten = false;
    // The agent saves its chat the usual way just as the worker opens the file: a new file (a new inode) under the name.
    const rewrite = (p: string | Uint8Array) => {
      if (rewritten || !String(p).endsWith('chat.json')) return;
      rewritten = true;
      writeFileSync(`${path}.tmp`, JSON.stringify({ messages: ['hello', 'how are you'] }));
      renameSync(`${path}.tmp`, path);
    };
    const codec: BlobCodec = {
      ...repo.codec,
      chunkFile: (p, extras) => (rewrite(p), repo.codec.chunkFile(p, extras)),
      chunkAndSeal: (p, extras) => (rewrite(p), repo.codec.chunkAndSeal(p, extras)),
    };
    const result = await backupOf(repo, [{ label: 'h3', path: home }], { codec });
    expect(rewritten).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(await entriesOf(result.snapshotId as string, 'h3')).toEqual(['chat.json', 'other.txt']);
    const snap = await repo.findSnapshot(result.snapshotId as string);
    const reader = repo.reader();
    const entry = (await reader.resolve(snap, 'h3/chat.json')).entry;
    expect(Buffer.from(await reader.readFile(entry)).toString()).toBe(JSON.stringify({ messages: ['hello', 'how are you'] }));
  });

  it('never follows a file swapped for a link to outside the tree: 200 rounds of the race capture nothing outside it', async () => {
    const base = tempDir('cairn-swap-');
    const home = join(base, 'home');
    const outside = join(base, 'outside');
    mkdirSync(join(home, 'sub'), { recursive: true });
    mkdirSync(outside);
    const secret = `TOP SECRET ${'x'.repeat(64)}\n`;
    writeFileSync(join(outside, 'shadow'), secret);
    writeFileSync(join(outside, 'data.txt'), secret);
    writeFileSync(join(home, 'notes.txt'), 'my notes\n');
    writeFileSync(join(home, 'sub', 'data.txt'), 'my data\n');
    // Another process swaps, as fast as it can: notes.txt <-> a link to outside/shadow, and the
    // folder sub <-> a link to outside (which holds a data.txt too).
    const swapper = spawnSwapper(home, outside);
    const rounds = 200;
    const seen = { file: 0, link: 0, changed: 0, vanished: 0 };
    const started = Date.now();
    try {
      for (let i = 0; i < rounds && Date.now() - started < 90_000; i++) {
        const result = await backupOf(repo, [{ label: 'swap', path: home }], { force: true });
        for (const w of result.warnings) if (w.reason === 'changed') seen.changed++;
        seen.vanished += result.stats.vanished ?? 0;
        const snap = await repo.findSnapshot(result.snapshotId as string);
        const reader = repo.reader();
        for await (const r of reader.walk(await reader.resolve(snap, 'swap'))) {
          if (r.entry.type === 'file') seen.file++;
          if (r.entry.type === 'symlink') seen.link++;
        }
      }
    } finally {
      swapper.kill('SIGKILL');
    }
    // The secret's content never reached the vault: its blob id is in no index.
    expect(repo.db.getBlob(repo.codec.idOf(new TextEncoder().encode(secret)))).toBeUndefined();
    // The race was live: the walk saw links, and reads found swapped files.
    process.stdout.write(`symlink swap race: ${rounds} rounds in ${Date.now() - started} ms; files ${seen.file}, links ${seen.link}, swapped-while-read warnings ${seen.changed}, vanished ${seen.vanished}\n`);
    expect(seen.link).toBeGreaterThan(0);
    expect(seen.changed + seen.vanished).toBeGreaterThan(0);
  }, 120_000);
});

function spawnSwapper(home: string, outside: string): ChildProcess {
  const script = `
    const fs = require('node:fs'); const path = require('node:path');
    const [home, outside] = process.argv.slice(1);
    const notes = path.join(home, 'notes.txt'), sub = path.join(home, 'sub');
    for (let i = 0; ; i++) {
      try {
        fs.symlinkSync(path.join(outside, 'shadow'), notes + '.lnk'); fs.renameSync(notes + '.lnk', notes);
        fs.writeFileSync(notes + '.new', 'my notes ' + i + '\\n'); fs.renameSync(notes + '.new', notes);
        fs.renameSync(sub, sub + '.real'); fs.symlinkSync(outside, sub);
        fs.unlinkSync(sub); fs.renameSync(sub + '.real', sub);
      } catch {}
    }`;
  const child = spawn(process.execPath, ['-e', script, home, outside], { stdio: 'ignore' });
  return child;
}

describe('a home with unusual names and links', () => {
  it('backs up and restores an absolute symlink, a non-UTF-8 name, a backslash name and a colon name exactly; a FIFO is counted and left out', async () => {
    const base = tempDir('cairn-names-');
    const home = join(base, 'home');
    mkdirSync(join(home, 'sub'), { recursive: true });
    writeFileSync(join(home, 'back\\slash.txt'), 'backslash\n');
    writeFileSync(join(home, 'a:b.jsonl'), '{"colon":true}\n');
    writeFileSync(join(home, 'sub', 'plain.txt'), 'plain\n');
    writeFileSync(bytesPath(home, 'latin1-', [0xe9], '.txt'), 'latin1\n');
    symlinkSync('/etc/hostname', join(home, 'abs-link'));
    symlinkSync('../outside-the-home', join(home, 'sub', 'up-link'));
    execFileSync('mkfifo', [join(home, 'pipe')]);
    const result = await backupOf(repo, [{ label: 'names', path: home }]);
    expect(result.warnings).toEqual([]);
    expect(result.stats.specialSkipped).toBe(1);

    const target = tempDir('cairn-names-restore-');
    const snap = await repo.findSnapshot(result.snapshotId as string);
    const restored = await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: snap, target });
    expect(restored.renamed).toEqual([]);
    expect(byteTree(join(target, 'names'))).toEqual(byteTree(home, (name) => name === 'pipe'));
    expect(existsSync(join(target, 'names', 'pipe'))).toBe(false);
    expect(readdirSync(join(target, 'names')).length).toBe(5);
  });

  it('stores names that are not valid UTF-8 as bytes and restores them exactly, in folders and clashing with look-alikes', async () => {
    const home = tempDir('cairn-latin1-');
    writeFileSync(join(home, 'ok.txt'), 'ok');
    writeFileSync(bytesPath(home, 'latin1-', [0xe9], '.txt'), 'latin1');
    // A real name spelled like the display form of the one above, and one with U+FFFD.
    writeFileSync(join(home, 'latin1-\\xE9.txt'), 'look-alike');
    writeFileSync(join(home, 'latin1-\uFFFD.txt'), 'replacement char');
    const dir = bytesPath(home, 'dir-', [0xff, 0xfe], '');
    mkdirSync(dir);
    writeFileSync(Buffer.concat([dir, Buffer.from('/inner-'), Buffer.from([0x80]), Buffer.from('.json')]), '{"inner":1}');
    symlinkSync('ok.txt', bytesPath(home, 'link-', [0xc3], ''));
    const result = await backupOf(repo, [{ label: 'latin1', path: home }]);
    expect(result.warnings).toEqual([]);
    expect(result.stats.files).toBe(5);
    // cairn ls shows display names: unique, UTF-8, the bytes escaped.
    const names = await entriesOf(result.snapshotId as string, 'latin1');
    expect(names).toEqual(expect.arrayContaining(['latin1-\\xE9.txt', 'latin1-\uFFFD.txt', 'ok.txt', 'dir-\\xFF\\xFE/inner-\\x80.json', 'link-\\xC3']));
    expect(names).toHaveLength(6);
    expect(new Set(names).size).toBe(6);

    // The same home backs up to the same tree (deterministic ids: nothing new the second time).
    const again = await backupOf(repo, [{ label: 'latin1', path: home }], { force: true });
    expect(again.stats.newBytes).toBe(0);
    const [a, b] = await Promise.all([repo.findSnapshot(result.snapshotId as string), repo.findSnapshot(again.snapshotId as string)]);
    expect(b.tree).toBe(a.tree);

    const target = tempDir('cairn-latin1-restore-');
    await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: a, target });
    expect(byteTree(join(target, 'latin1'))).toEqual(byteTree(home));
    // Restoring one path by its display name writes its exact bytes.
    const one = tempDir('cairn-latin1-one-');
    await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: a, target: one, paths: ['latin1/dir-\\xFF\\xFE'] });
    expect(byteTree(one)).toEqual({ [`${Buffer.from([0x64, 0x69, 0x72, 0x2d, 0xff, 0xfe]).toString('hex')}/`]: 'dir', [`${Buffer.from('dir-').toString('hex')}fffe/${Buffer.from('inner-').toString('hex')}80${Buffer.from('.json').toString('hex')}`]: '{"inner":1}' });
  });
});

/** A path under `dir` whose last name is `head`, the given bytes, then `tail`. */
function bytesPath(dir: string, head: string, bytes: number[], tail: string): Buffer {
  return Buffer.concat([Buffer.from(`${dir}/${head}`), Buffer.from(bytes), Buffer.from(tail)]);
}

/** Every entry under `root` by the hex of its name bytes: file content, link target or 'dir'. */
function byteTree(root: string, skip: (name: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: Buffer, rel: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })) {
      if (skip(d.name.toString('utf8'))) continue;
      const key = `${rel}${d.name.toString('hex')}`;
      const abs = Buffer.concat([dir, Buffer.from('/'), d.name]);
      if (d.isDirectory()) {
        out[`${key}/`] = 'dir';
        walk(abs, `${key}/`);
      } else if (d.isSymbolicLink()) out[key] = `-> ${readlinkSync(abs, 'utf8')}`;
      else out[key] = readFileSync(abs, 'utf8');
    }
  };
  walk(Buffer.from(root), '');
  return out;
}

describe('folders the walk lists but cannot look at', () => {
  it('a folder past the system path length limit: a warning naming it, never silence; the rest is saved', async () => {
    const home = tempDir('cairn-deep-');
    writeFileSync(join(home, 'top.json'), '{}');
    // 18 folders of 240 characters, each made from the one before (as deep trees are made): past
    // Linux's 4,096-character path limit from the 17th on.
    const x = 'x'.repeat(240);
    const make = `const fs = require('node:fs'); process.chdir(process.argv[1]); for (let i = 0; i < 18; i++) { fs.mkdirSync(process.argv[2]); process.chdir(process.argv[2]); } fs.writeFileSync('deep.json', '{}');`;
    try {
      execFileSync(process.execPath, ['-e', make, home, x]);
      const result = await backupOf(repo, [{ label: 'deep', path: home }]);
      // Before: the folder was left out of the snapshot and nothing said so.
      expect(result.warnings).toEqual([{ path: expect.stringContaining('…'), reason: 'unreadable', message: expect.stringMatching(/can't be read: its path is too long for this system \(\d+ characters\)\. Move it to a shallower folder to back it up\.$/) }]);
      expect(await entriesOf(result.snapshotId as string, 'deep')).toEqual(['top.json']);
    } finally {
      // rm goes down folder by folder (Node's rmSync can't reach past the limit).
      execFileSync('rm', ['-rf', home]);
    }
  });
});

// Snapshots written by someone holding the key (or by a bug) must not make a restore write
// outside its target: names with `..`, separators, NUL, absolute or escaping symlinks, and
// symlinks planted in the target folder are all refused, and nothing is written.

import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import type { BlobId, SnapshotId } from '../../../shared/ids.ts';
import type { Repository } from '../repository.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import { encodeTree, Packer } from '../vault/index.ts';
import type { BlobType, SnapshotRecord, TreeEntry } from '../vault/index.ts';
import { restore } from './index.ts';

let repo: Repository;

beforeAll(async () => {
  ({ repo } = await initRepo(new MemoryBlobStore()));
});

afterAll(async () => {
  await repo.close();
  removeTempDirs();
});

const NS = `${Date.UTC(2026, 0, 1)}000000`;
const file = (name: string, content: BlobId): TreeEntry => ({ name, type: 'file', mode: 0o644, mtimeNs: NS, size: 4, content: [content] });
const dir = (name: string, subtree: BlobId): TreeEntry => ({ name, type: 'dir', mode: 0o755, mtimeNs: NS, size: 0, subtree });
const link = (name: string, target: string): TreeEntry => ({ name, type: 'symlink', mode: 0o777, mtimeNs: NS, size: 0, target });

/** Writes a snapshot whose root folder `x` holds `entries` (which may reference blob 'evil'). */
async function craft(build: (evil: BlobId, put: (entries: TreeEntry[]) => Promise<BlobId>) => Promise<TreeEntry[]>): Promise<SnapshotRecord> {
  const packer = new Packer(repo.vault, repo.db, { packSize: 1 << 20, concurrency: 1, indexEvery: 100 });
  const put = async (bytes: Uint8Array, type: BlobType): Promise<BlobId> => {
    const id = repo.codec.idOf(bytes);
    const [sealed] = await repo.codec.compressAndSeal([{ id, data: bytes }]);
    await packer.add({ id, type, rawLength: bytes.length, sealed: sealed!.sealed });
    return id;
  };
  const evil = await put(Buffer.from('evil'), 'data');
  const tree = (entries: TreeEntry[]) => put(encodeTree(entries), 'tree');
  const x = await tree(await build(evil, tree));
  const root = await tree([dir('x', x)]);
  await packer.flush();
  const record: SnapshotRecord = {
    version: 1,
    id: randomBytes(32).toString('hex') as SnapshotId,
    device: repo.device.id,
    deviceName: 'attacker',
    hostname: 'h',
    time: new Date().toISOString(),
    tree: root,
    roots: [{ label: 'x', path: '/x', tree: x }],
    reason: 'manual',
    pinned: false,
    stats: { files: 0, dirs: 0, bytes: 0, newBytes: 0, uploadedBytes: 0, newFiles: 0, changedFiles: 0, unchangedFiles: 0, secretsSkipped: 0, durationMs: 0 },
  };
  await repo.vault.saveSnapshot(record);
  return record;
}

function setup() {
  const base = tempDir('cairn-safety-');
  const target = join(base, 'target');
  const outside = join(base, 'outside');
  mkdirSync(target);
  mkdirSync(outside);
  return { base, target, outside };
}

const run = (snapshot: SnapshotRecord, target: string) => restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot, target });

describe('restore refuses paths that would escape the target', () => {
  it.each([
    ['..', (evil: BlobId, put: (e: TreeEntry[]) => Promise<BlobId>) => put([file('pwned', evil)]).then((t) => [dir('..', t)])],
    ['a name with a slash', async (evil: BlobId) => [file('../../outside/pwned', evil)]],
    ['a NUL in a name', async (evil: BlobId) => [file('ok\0../../pwned', evil)]],
    ['an empty name', async (evil: BlobId) => [file('', evil)]],
    ['a symlink with a NUL', async () => [link('l', 'a\0b')]],
  ])('%s', async (_what, build) => {
    const { target, outside, base } = setup();
    const snap = await craft(build as never);
    await expect(run(snap, target)).rejects.toMatchObject({ code: 'unsafe_path' });
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(target)).toEqual([]);
    expect(existsSync(join(base, 'pwned'))).toBe(false);
  });

  it('does not write through a symlink planted in the target folder', async () => {
    const { target, outside } = setup();
    symlinkSync(outside, join(target, 'x'));
    const snap = await craft(async (evil) => [file('pwned', evil)]);
    await expect(run(snap, target)).rejects.toMatchObject({ code: 'unsafe_path', message: expect.stringMatching(/symbolic link/) });
    expect(readdirSync(outside)).toEqual([]);
  });

  it('restores absolute and outward links as links, and never writes through one', async () => {
    const { target, outside } = setup();
    // A crafted tree naming `d` twice: a link to outside, and a folder holding a file.
    const snap = await craft(async (evil, put) => [link('passwd', '/etc/passwd'), link('up', '../../../outside'), link('d', outside), dir('d', await put([file('pwned', evil)]))]);
    await run(snap, target).catch(() => undefined);
    expect(readdirSync(outside)).toEqual([]);
    const clean = setup();
    const snap2 = await craft(async () => [link('passwd', '/etc/passwd'), link('up', '../../../outside')]);
    await run(snap2, clean.target);
    expect(readlinkSync(join(clean.target, 'x', 'passwd'))).toBe('/etc/passwd');
    expect(readlinkSync(join(clean.target, 'x', 'up'))).toBe('../../../outside');
  });

  it('restores names that are legal where they were made (a backslash, a colon), and maps them on Windows', async () => {
    const { target } = setup();
    const snap = await craft(async (evil) => [file('back\\slash.txt', evil), file('a:b', evil), file('con.txt', evil)]);
    const result = await run(snap, target);
    expect(readdirSync(join(target, 'x')).sort()).toEqual(['a:b', 'back\\slash.txt', 'con.txt']);
    expect(result.renamed).toEqual([]);
    const win = setup();
    const mapped = await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: snap, target: win.target, platform: 'win32' });
    // `con.txt` written as it is on Windows goes to the console device: the file would be lost.
    expect(readdirSync(join(win.target, 'x')).sort()).toEqual(['a\uFF1Ab', 'back\uFF3Cslash.txt', 'con\uFF3F.txt']);
    expect(mapped.renamed).toEqual([
      { path: 'x/a:b', restoredAs: 'a\uFF1Ab', dest: join(win.target, 'x', 'a\uFF1Ab') },
      { path: 'x/back\\slash.txt', restoredAs: 'back\uFF3Cslash.txt', dest: join(win.target, 'x', 'back\uFF3Cslash.txt') },
      { path: 'x/con.txt', restoredAs: 'con\uFF3F.txt', dest: join(win.target, 'x', 'con\uFF3F.txt') },
    ]);
  });

  it('restores a symlink that stays inside', async () => {
    const { target } = setup();
    const snap = await craft(async (evil) => [file('real.txt', evil), link('alias.txt', 'real.txt')]);
    await run(snap, target);
    expect(readlinkSync(join(target, 'x', 'alias.txt'))).toBe('real.txt');
    expect(readFileSync(join(target, 'x', 'alias.txt'), 'utf8')).toBe('evil');
  });
});

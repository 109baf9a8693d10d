// A file of another device's snapshot damaged in the vault (its blob fails authentication): the
// pull writes nothing for it, lists it as not pulled, and pulls the other files. One such object
// stopped the whole pull, and every sync after it.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BlobId } from '../../../shared/ids.ts';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import { runSync } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { keys } from '../vault/index.ts';

afterAll(() => removeTempDirs());

describe('sync past a damaged object', () => {
  it("pulls the other files and lists the damaged one as not pulled, writing nothing for it", async () => {
    const vault = join(tempDir('cairn-damagedsync-vault-'), 'v');
    const homeA = tempDir('cairn-damagedsync-a-');
    const homeB = tempDir('cairn-damagedsync-b-');
    const project = '-home-alice-src-app';
    mkdirSync(join(homeA, '.claude', 'projects', project), { recursive: true });
    mkdirSync(join(homeB, '.claude', 'projects'), { recursive: true });
    const line = (who: string) => JSON.stringify({ type: 'user', uuid: who, timestamp: '2026-11-01T00:00:01.000Z', message: { role: 'user', content: `hello from ${who}` } });
    writeFileSync(join(homeA, '.claude', 'projects', project, 'good.jsonl'), `${line('good')}\n`);
    writeFileSync(join(homeA, '.claude', 'projects', project, 'bad.jsonl'), `${line('bad')}\n`);

    const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
    const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'desktop');
    try {
      await runSync(a, { ctx: fixtureContext(homeA, 'linux'), agents: ['claude-code'], mappings: [] });
      // One byte of bad.jsonl's blob altered in its pack.
      const id = a.db.getFile('claude-code/config', `projects/${project}/bad.jsonl`)?.content[0];
      const at = id ? a.db.getBlob(id) : undefined;
      if (!at) throw new Error('the test expects bad.jsonl stored in one blob');
      const pack = join(vault, ...keys.pack(at.pack).split('/'));
      const fd = openSync(pack, 'r+');
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, at.offset + 20);
      writeSync(fd, Buffer.of((byte[0] ?? 0) ^ 0xff), 0, 1, at.offset + 20);
      closeSync(fd);

      const { pull } = await runSync(b, { ctx: fixtureContext(homeB, 'linux'), agents: ['claude-code'], mappings: [] });
      const pulled = join(homeB, '.claude', 'projects', project);
      expect(readFileSync(join(pulled, 'good.jsonl'), 'utf8')).toBe(`${line('good')}\n`);
      expect(() => readFileSync(join(pulled, 'bad.jsonl'))).toThrow(/ENOENT/);
      expect(pull.skipped).toEqual([{ path: `claude-code/config/projects/${project}/bad.jsonl`, device: 'laptop', why: expect.stringMatching(/^it is damaged in the vault \(.*failed authentication.*\); nothing was written for it\. Check the vault reading its data \('cairn check --read-data'\)$/) }]);
      expect(pull.changes.map((c) => c.path)).toEqual([join(pulled, 'good.jsonl')]);
    } finally {
      await a.close();
      await b.close();
    }
  });
  it('pulls the other files past a pack missing from the vault, listing the files it held as not pulled', async () => {
    // A missing pack (deleted, or never uploaded) stopped the whole pull with "The object 'data/…'
    // does not exist", every sync after it.
    const vault = join(tempDir('cairn-lostsync-vault-'), 'v');
    const homeA = tempDir('cairn-lostsync-a-');
    const homeB = tempDir('cairn-lostsync-b-');
    const project = '-home-alice-src-app';
    mkdirSync(join(homeA, '.claude', 'projects', project), { recursive: true });
    mkdirSync(join(homeB, '.claude', 'projects'), { recursive: true });
    const line = (who: string) => JSON.stringify({ type: 'user', uuid: who, timestamp: '2026-11-01T00:00:01.000Z', message: { role: 'user', content: `hello from ${who}` } });
    writeFileSync(join(homeA, '.claude', 'projects', project, 'good.jsonl'), `${line('good')}\n`);
    // Big and incompressible, and backed up after good.jsonl (a pack of that sync holds only its data) (~26 MB): its middle fills a pack of its own (8 MiB), before any folder listing.
    const big = Array.from({ length: 400 }, () => JSON.stringify({ type: 'user', message: { role: 'user', content: randomBytes(48 * 1024).toString('base64') } })).join('\n');

    const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
    const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'desktop');
    try {
      await runSync(a, { ctx: fixtureContext(homeA, 'linux'), agents: ['claude-code'], mappings: [] });
      writeFileSync(join(homeA, '.claude', 'projects', project, 'big.jsonl'), `${big}\n`);
      await runSync(a, { ctx: fixtureContext(homeA, 'linux'), agents: ['claude-code'], mappings: [] });
      const content = a.db.getFile('claude-code/config', `projects/${project}/big.jsonl`)?.content ?? [];
      const id = content[Math.floor(content.length / 2)];
      const at = id ? a.db.getBlob(id) : undefined;
      const goodAt = a.db.getBlob(a.db.getFile('claude-code/config', `projects/${project}/good.jsonl`)?.content[0] as BlobId);
      if (!at || !goodAt || at.pack === goodAt.pack) throw new Error('the test expects the middle of big.jsonl in a pack of its own');
      const pack = join(vault, ...keys.pack(at.pack).split('/'));
      expect(existsSync(pack)).toBe(true);
      rmSync(pack);

      const { pull } = await runSync(b, { ctx: fixtureContext(homeB, 'linux'), agents: ['claude-code'], mappings: [] });
      const pulled = join(homeB, '.claude', 'projects', project);
      expect(readFileSync(join(pulled, 'good.jsonl'), 'utf8')).toBe(`${line('good')}\n`);
      expect(existsSync(join(pulled, 'big.jsonl'))).toBe(false);
      expect(pull.skipped).toEqual([{ path: `claude-code/config/projects/${project}/big.jsonl`, device: 'laptop', why: expect.stringMatching(/^it is missing or unreadable in the vault \(The object 'data\/.*' does not exist.*\); nothing was written for it\. Check the vault reading its data \('cairn check --read-data'\)$/) }]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

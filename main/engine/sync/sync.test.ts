// Two and three devices (separate homes and state dirs) sharing one vault on a real S3 server.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server } from '../../../testing/s3-server.ts';
import type { S3Server } from '../../../testing/s3-server.ts';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import type { PathMapping } from '../../../shared/models.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import { runBackup, runSync } from '../operations.ts';
import type { Repository } from '../repository.ts';
import { S3BlobStore } from '../storage/index.ts';
import { listConflicts, readTheirsTail, resolveConflict } from './index.ts';

let server: S3Server;

interface Device {
  name: string;
  home: string;
  repo: Repository;
  claude: string;
  mappings: PathMapping[];
}

const line = (n: number, who: string) => JSON.stringify({ type: 'user', uuid: `${who}-${n}`, timestamp: new Date(Date.UTC(2026, 10, 1, 0, 0, n)).toISOString(), message: { role: 'user', content: `${who} says ${n}` } });

function store(bucket: string) {
  return new S3BlobStore({ bucket, prefix: 'cairn', endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
}

async function device(bucket: string, name: string, init: boolean, mappings: PathMapping[] = []): Promise<Device> {
  const home = tempDir(`cairn-${name}-`);
  const claude = join(home, '.claude');
  mkdirSync(join(claude, 'projects'), { recursive: true });
  const repo = init ? (await initRepo(store(bucket), tempDir(), name)).repo : await openRepo(store(bucket), tempDir(), undefined, name);
  return { name, home, repo, claude, mappings };
}

const sync = (d: Device) => runSync(d.repo, { ctx: fixtureContext(d.home, 'linux'), agents: ['claude-code'], mappings: d.mappings });
const session = (d: Device, project: string, id: string) => join(d.claude, 'projects', project, `${id}.jsonl`);

function write(path: string, text: string) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

beforeAll(async () => {
  server = await startS3Server();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

describe('sync between devices', () => {
  let a: Device;
  let b: Device;
  const project = '-home-alice-src-app';

  beforeAll(async () => {
    await server.createBucket('sync');
    a = await device('sync', 'laptop', true);
    b = await device('sync', 'desktop', false);
  });

  afterAll(async () => {
    await a.repo.close();
    await b.repo.close();
  });

  it('brings a session created on A to B', async () => {
    write(session(a, project, 's1'), `${line(1, 'a')}\n${line(2, 'a')}\n`);
    await sync(a);
    const result = await sync(b);
    expect(result.pull.changes).toContainEqual(expect.objectContaining({ action: 'pulled', path: session(b, project, 's1') }));
    expect(readFileSync(session(b, project, 's1'), 'utf8')).toBe(readFileSync(session(a, project, 's1'), 'utf8'));
    expect(a.repo.device.id).not.toBe(b.repo.device.id);
  });

  it("pulls another device's newest backup, not the safety snapshot a restore took after it", async () => {
    write(session(a, project, 's-before-restore'), `${line(1, 'a')}\n`);
    await sync(a);
    // A then restores over a changed file: its newest snapshot holds only that file, under safety/.
    const replaced = join(a.home, 'restored');
    write(join(replaced, 'notes.txt'), 'what the restore replaced\n');
    await runBackup(a.repo, { sources: [{ label: 'safety/restored', path: replaced }], reason: 'before-restore', force: true });
    const newest = (await b.repo.listSnapshots(a.repo.device.id)).at(-1);
    expect(newest?.reason).toBe('before-restore');
    const result = await sync(b);
    expect(result.pull.changes).toContainEqual(expect.objectContaining({ action: 'pulled', path: session(b, project, 's-before-restore') }));
  });

  it('fast-forwards a transcript extended on one side, without a conflict', async () => {
    appendFileSync(session(a, project, 's1'), `${line(3, 'a')}\n`);
    await sync(a);
    const result = await sync(b);
    expect(result.pull.conflicts).toEqual([]);
    expect(readFileSync(session(b, project, 's1'), 'utf8')).toBe(readFileSync(session(a, project, 's1'), 'utf8'));
    // And back the other way: B continues the session, A picks it up.
    appendFileSync(session(b, project, 's1'), `${line(4, 'b')}\n`);
    await sync(b);
    const back = await sync(a);
    expect(back.pull.conflicts).toEqual([]);
    expect(readFileSync(session(a, project, 's1'), 'utf8')).toContain('b says 4');
  });

  it('keeps every line of history.jsonl edited on both sides', async () => {
    write(join(a.claude, 'history.jsonl'), `${line(10, 'a')}\n${line(12, 'a')}\n`);
    write(join(b.claude, 'history.jsonl'), `${line(11, 'b')}\n${line(13, 'b')}\n`);
    await sync(a);
    await sync(b);
    await sync(a);
    const onA = readFileSync(join(a.claude, 'history.jsonl'), 'utf8');
    const onB = readFileSync(join(b.claude, 'history.jsonl'), 'utf8');
    for (const n of [10, 11, 12, 13]) {
      expect(onA).toContain(`says ${n}`);
      expect(onB).toContain(`says ${n}`);
    }
    expect(onA).toBe(onB);
    expect(onA.trim().split('\n')).toHaveLength(4);
  });

  it('does not bring back a file deleted on B', async () => {
    write(session(a, project, 'gone'), `${line(1, 'x')}\n`);
    await sync(a);
    await sync(b);
    expect(existsSync(session(b, project, 'gone'))).toBe(true);
    rmSync(session(b, project, 'gone'));
    await sync(b);
    appendFileSync(session(a, project, 'gone'), `${line(2, 'x')}\n`);
    await sync(a);
    const result = await sync(b);
    expect(existsSync(session(b, project, 'gone'))).toBe(false);
    expect(result.pull.changes).toContainEqual(expect.objectContaining({ action: 'kept-deleted' }));
    // The vault still has it: a local deletion never deletes data.
    const latestA = await b.repo.findSnapshot('latest', a.repo.device.id);
    await expect(b.repo.reader().resolve(latestA, `claude-code/config/projects/${project}/gone.jsonl`)).resolves.toBeTruthy();
  });

  it('turns edits on both sides into one conflict with both versions, and each resolution does what it says', async () => {
    const conflicted: string[] = [];
    for (const id of ['keep-mine', 'keep-theirs', 'keep-both', 'theirs-gone', 'both-gone']) {
      write(session(a, project, id), `${line(1, id)}\n`);
      conflicted.push(id);
    }
    await sync(a);
    await sync(b);
    for (const id of conflicted) {
      write(session(a, project, id), `${line(1, id)}\nA rewrote this line\n`);
      write(session(b, project, id), `B rewrote the whole file ${id}\n`);
    }
    await sync(a);
    const result = await sync(b);
    expect(result.pull.conflicts).toHaveLength(5);
    const conflicts = listConflicts(b.repo).filter((c) => c.status === 'open');
    expect(conflicts).toHaveLength(5);
    for (const c of conflicts) {
      expect(readFileSync(c.path, 'utf8')).toMatch(/^B rewrote/);
      expect(readFileSync(c.theirsPath, 'utf8')).toContain('A rewrote this line');
      expect(c.theirsPath).toMatch(/\.conflict-laptop-\d{8}-\d{6}\.jsonl$/);
      expect(c.otherDeviceName).toBe('laptop');
    }
    const byId = (name: string) => conflicts.find((c) => c.path.endsWith(`${name}.jsonl`))!;
    let safety = 0;
    const resolve = (name: string, keep: 'mine' | 'theirs' | 'both') =>
      resolveConflict({ repo: b.repo, id: byId(name).id, keep, safetySnapshot: async () => void safety++ });

    const mine = await resolve('keep-mine', 'mine');
    expect(readFileSync(mine.path, 'utf8')).toMatch(/^B rewrote/);
    expect(existsSync(mine.theirsPath)).toBe(false);

    if (process.platform === 'linux') {
      // Not under an agent that has the file open (it would go on writing the replaced one).
      const agent = spawn('sh', ['-c', 'exec 3>>"$1"; echo ready; exec sleep 60', 'sh', byId('keep-theirs').path], { stdio: ['ignore', 'pipe', 'ignore'] });
      try {
        await new Promise<void>((resolve) => agent.stdout.once('data', () => resolve()));
        await expect(resolve('keep-theirs', 'theirs')).rejects.toMatchObject({ code: 'locked', message: expect.stringContaining(`sleep (pid ${agent.pid}) has ${byId('keep-theirs').path} open`) });
        expect(safety).toBe(0);
        expect(readFileSync(byId('keep-theirs').path, 'utf8')).toMatch(/^B rewrote/);
      } finally {
        agent.kill('SIGKILL');
        await new Promise((done) => agent.once('exit', done));
      }
    }
    const theirs = await resolve('keep-theirs', 'theirs');
    expect(readFileSync(theirs.path, 'utf8')).toContain('A rewrote this line');
    expect(existsSync(theirs.theirsPath)).toBe(false);
    expect(safety).toBe(1);

    // Their copy beside ours deleted meanwhile: their version is read from their snapshot (before:
    // "Their copy … is gone, so it can't replace yours. Restore it from a snapshot of laptop").
    rmSync(byId('theirs-gone').theirsPath);
    // The compare view shows that version too (before: an empty side).
    expect((await readTheirsTail(b.repo, byId('theirs-gone').id, 1 << 20)).bytes.toString('utf8')).toBe(`${line(1, 'theirs-gone')}\nA rewrote this line\n`);
    const gone = await resolve('theirs-gone', 'theirs');
    expect(readFileSync(gone.path, 'utf8')).toBe(`${line(1, 'theirs-gone')}\nA rewrote this line\n`);
    expect(safety).toBe(2);

    const both = await resolve('keep-both', 'both');
    expect(readFileSync(both.path, 'utf8')).toMatch(/^B rewrote/);
    expect(readFileSync(both.theirsPath, 'utf8')).toContain('A rewrote this line');
    expect(both.theirsPath).toMatch(/\.from-laptop-\d{8}-\d{6}\.jsonl$/);
    // Keep both with their copy deleted: theirs is written from their snapshot under the name the
    // screen gave it (before: nothing written, though the screen said "Theirs stays beside yours").
    rmSync(byId('both-gone').theirsPath);
    const bothGone = await resolve('both-gone', 'both');
    expect(readFileSync(bothGone.theirsPath, 'utf8')).toContain('A rewrote this line');
    expect(bothGone.theirsPath).toMatch(/both-gone\.from-laptop-\d{8}-\d{6}\.jsonl$/);
    expect(listConflicts(b.repo).filter((c) => c.status === 'open')).toEqual([]);

    // The decisions reach A: no conflict there, B's choices arrive, both copies of keep-both.
    await sync(b);
    const onA = await sync(a);
    expect(onA.pull.conflicts).toEqual([]);
    expect(readdirSync(join(a.claude, 'projects', project)).some((n) => n.includes('.conflict-'))).toBe(false);
    expect(readFileSync(session(a, project, 'keep-mine'), 'utf8')).toMatch(/^B rewrote/);
    expect(readFileSync(session(a, project, 'keep-theirs'), 'utf8')).toContain('A rewrote this line');
    expect(readFileSync(session(a, project, 'theirs-gone'), 'utf8')).toContain('A rewrote this line');
    expect(readFileSync(session(a, project, 'keep-both'), 'utf8')).toMatch(/^B rewrote/);
    const copy = readdirSync(join(a.claude, 'projects', project)).find((n) => n.startsWith('keep-both.from-laptop-'));
    expect(copy && readFileSync(join(a.claude, 'projects', project, copy), 'utf8')).toContain('A rewrote this line');
  });
});

describe('path mapping', () => {
  it('puts a Claude Code session from /home/alice under the /Users/alice project folder', async () => {
    await server.createBucket('mapping');
    const linux = await device('mapping', 'linux-box', true);
    const mac = await device('mapping', 'mac', false, [{ from: '/home/alice', to: '/Users/alice' }]);
    try {
      write(session(linux, '-home-alice-src-app', 'mapped'), `${line(1, 'linux')}\n`);
      await sync(linux);
      await sync(mac);
      expect(existsSync(session(mac, '-Users-alice-src-app', 'mapped'))).toBe(true);
      expect(existsSync(session(mac, '-home-alice-src-app', 'mapped'))).toBe(false);
    } finally {
      await linux.repo.close();
      await mac.repo.close();
    }
  });
});

describe('three devices', () => {
  it('converges: a session started on each device reaches the other two', async () => {
    await server.createBucket('three');
    const devices = [await device('three', 'one', true), await device('three', 'two', false), await device('three', 'three', false)];
    try {
      for (const d of devices) write(session(d, '-p', `from-${d.name}`), `${line(1, d.name)}\n`);
      for (const d of devices) await sync(d);
      for (const d of devices) await sync(d);
      for (const d of devices) for (const other of devices) expect(existsSync(session(d, '-p', `from-${other.name}`))).toBe(true);
    } finally {
      for (const d of devices) await d.repo.close();
    }
  });
});

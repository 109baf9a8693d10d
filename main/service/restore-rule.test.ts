// The one restore rule, through the app's handlers and the `cairn` command: a restore does what
// its plan says (existing files kept unless overwriting is asked for), and overwriting takes a
// safety snapshot of exactly the files replaced — the same one from the CLI and from the app —
// under their original paths, never of the folder around them.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressInfo, SnapshotSummary } from '../../shared/models.ts';
import type { SnapshotRecord } from '../engine/vault/index.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { waitForJob } from '../../testing/service.ts';
import { buildClaudeCodeFixture } from '../engine/agents/fixtures.ts';
import { contextFromProcess } from '../engine/agents/index.ts';
import { executeRestore, planRestore } from '../engine/restore-request.ts';
import { Repository } from '../engine/repository.ts';
import { LocalBlobStore } from '../engine/storage/index.ts';
import { createWorkerCodec } from '../engine/workers/index.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';
import type { CairnService } from './index.ts';

const CLI = fileURLToPath(new URL('../cli/cairn.ts', import.meta.url));
const PASSPHRASE = 'a long passphrase';


describe('one restore rule for the CLI and the app', () => {
  let service: CairnService;
  let home: string;
  let vault: string;
  let base: string;
  let snap: SnapshotSummary;
  let transcript: { path: string; name: string; local: string };

  /** Every file path in a snapshot, below its roots' labels. */
  async function files(snapshotId: string, path = ''): Promise<string[]> {
    const out: string[] = [];
    for (const e of await service.handlers['snapshots.tree']({ snapshotId, path })) {
      if (e.type === 'dir') out.push(...(await files(snapshotId, e.path)));
      else out.push(e.path);
    }
    return out;
  }

  const safetySnapshots = async () => (await service.handlers['snapshots.list']({})).filter((s) => s.reason === 'before-restore');

  beforeAll(async () => {
    base = tempDir('cairn-restore-rule-');
    home = join(base, 'home');
    vault = join(base, 'vault');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    service = await createCairnService({ stateDir: join(base, 'state'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
    await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: vault }, passphrase: PASSPHRASE, deviceName: 'laptop' });
    expect((await waitForJob(service, (await service.handlers['sync.now']({})).jobId)).status).toBe('done');
    [snap] = (await service.handlers['snapshots.list']({})) as [SnapshotSummary];
    const projects = await service.handlers['snapshots.tree']({ snapshotId: snap.id, path: 'claude-code/config/projects' });
    const project = projects.find((e) => e.type === 'dir');
    const entry = (await service.handlers['snapshots.tree']({ snapshotId: snap.id, path: project?.path ?? '' })).find((e) => e.name.endsWith('.jsonl'));
    if (!project || !entry) throw new Error('the fixture has no Claude Code transcript');
    transcript = { path: entry.path, name: entry.name, local: join(home, '.claude', 'projects', project.name, entry.name) };
  });

  afterAll(async () => {
    await service.close();
    removeTempDirs();
  });

  it('in place, unchecked overwrite keeps a changed local file, and says so first', async () => {
    writeFileSync(transcript.local, 'changed here\n');
    const request = { snapshotId: snap.id, paths: [transcript.path], target: { kind: 'original' as const }, overwrite: false };
    const plan = await service.handlers['snapshots.restorePlan'](request);
    expect(plan).toMatchObject({ files: 1, existing: 1, existingSample: [transcript.local], existingAction: 'keep', safetySnapshot: false });
    const job = await waitForJob(service, (await service.handlers['snapshots.restore'](request)).jobId);
    expect(job.status).toBe('done');
    expect(job.summary).toMatch(/1 existing file\(s\) kept/);
    expect(readFileSync(transcript.local, 'utf8')).toBe('changed here\n');
    expect(await safetySnapshots()).toHaveLength(0);
  });

  it('in place with overwrite: a safety snapshot of exactly that file, at its original path, shown as changed', async () => {
    const request = { snapshotId: snap.id, paths: [transcript.path], target: { kind: 'original' as const }, overwrite: true };
    expect(await service.handlers['snapshots.restorePlan'](request)).toMatchObject({ existing: 1, existingAction: 'overwrite', safetySnapshot: true });
    expect((await waitForJob(service, (await service.handlers['snapshots.restore'](request)).jobId)).status).toBe('done');
    expect(readFileSync(transcript.local, 'utf8')).not.toBe('changed here\n');
    const [safety] = await safetySnapshots();
    if (!safety) throw new Error('no safety snapshot');
    expect(await files(safety.id)).toEqual([`safety/${transcript.path}`]);
    const held = await service.handlers['snapshots.readFile']({ snapshotId: safety.id, path: `safety/${transcript.path}`, maxBytes: 1024 });
    expect(held.text).toBe('changed here\n');
    const diff = await service.handlers['snapshots.diff']({ snapshotId: safety.id });
    expect(diff).toEqual([{ path: `safety/${transcript.path}`, change: 'changed', sizeBefore: expect.any(Number), sizeAfter: 13 }]);
  });

  it('with overwrite, a file whose credentials the snapshots never hold is kept, not replaced by its scrubbed copy', async () => {
    const settings = join(home, '.claude', 'settings.json');
    const before = readFileSync(settings, 'utf8');
    expect(before).toContain('ANTHROPIC_API_KEY');
    const request = { snapshotId: snap.id, paths: ['claude-code/config/settings.json'], target: { kind: 'original' as const }, overwrite: true };
    // The plan says so before anything happens (it said "will be replaced", and a safety
    // snapshot of nothing was taken), and writes nothing for it.
    expect(await service.handlers['snapshots.restorePlan'](request)).toMatchObject({ existing: 1, heldBack: 1, heldBackSample: [settings], writeFiles: 0, safetySnapshot: false, withoutCredentials: 0 });
    const safetyBefore = (await safetySnapshots()).length;
    const job = await waitForJob(service, (await service.handlers['snapshots.restore'](request)).jobId);
    expect(job.status).toBe('done');
    expect(readFileSync(settings, 'utf8')).toBe(before);
    expect(job.summary).toContain('1 existing file(s) kept as they were (1 of them because the safety snapshot could not hold them as they are: credentials never leave this computer');
    expect(job.summary).not.toContain('replaced file(s)');
    expect(await safetySnapshots()).toHaveLength(safetyBefore);
  });

  it('a file backed up without its credentials: the snapshot, the plan and the result name it and the keys it lacks', async () => {
    expect(snap.scrubbed).toEqual([{ path: 'claude-code/config/settings.json', why: expect.stringContaining('ANTHROPIC_API_KEY'), removed: ['env.ANTHROPIC_API_KEY'] }]);
    const target = join(base, 'without-credentials');
    const request = { snapshotId: snap.id, paths: ['claude-code/config/settings.json'], target: { kind: 'folder' as const, path: target }, overwrite: false };
    expect(await service.handlers['snapshots.restorePlan'](request)).toMatchObject({ writeFiles: 1, withoutCredentials: 1, withoutCredentialsSample: [{ path: join(target, 'settings.json'), removed: ['env.ANTHROPIC_API_KEY'] }] });
    const job = await waitForJob(service, (await service.handlers['snapshots.restore'](request)).jobId);
    expect(job.status).toBe('done');
    expect(job.summary).toContain(`1 file was restored without the credentials removed from it before upload, which never leave the computer they were on: ${join(target, 'settings.json')} (env.ANTHROPIC_API_KEY).`);
    expect(readFileSync(join(target, 'settings.json'), 'utf8')).not.toContain('ANTHROPIC_API_KEY');
    // A later snapshot that didn't read the file again still says it.
    writeFileSync(join(home, '.claude', 'new-note.json'), '{}');
    expect((await waitForJob(service, (await service.handlers['sync.now']({})).jobId)).status).toBe('done');
    const [newest] = (await service.handlers['snapshots.list']({})).filter((s) => s.reason !== 'before-restore');
    expect(newest?.id).not.toBe(snap.id);
    expect(newest?.scrubbed?.map((s) => s.path)).toContain('claude-code/config/settings.json');
  });

  it('a file or link where the snapshot has a folder: refused by the plan, named, and nothing made or written', async () => {
    const project = transcript.path.split('/').slice(0, -1).join('/');
    const target = join(base, 'in-the-way');
    mkdirSync(join(target, 'projects'), { recursive: true });
    const inTheWay = join(target, 'projects', basename(project));
    writeFileSync(inTheWay, 'not a folder\n');
    const request = { snapshotId: snap.id, paths: ['claude-code/config/projects'], target: { kind: 'folder' as const, path: target }, overwrite: true };
    const refusal = { code: 'config', message: `Nothing was restored: ${inTheWay} is in the way, where the snapshot has a folder. Move or rename it, or restore into another folder.` };
    await expect(service.handlers['snapshots.restorePlan'](request)).rejects.toMatchObject(refusal);
    // The job refuses the same way (it stopped half-way through, made folders, and was worded as an unsafe name in the snapshot).
    expect(await waitForJob(service, (await service.handlers['snapshots.restore'](request)).jobId)).toMatchObject({ status: 'failed', error: refusal });
    expect(readdirSync(join(target, 'projects'))).toEqual([basename(project)]);
    rmSync(inTheWay);
    symlinkSync(base, inTheWay);
    await expect(service.handlers['snapshots.restorePlan'](request)).rejects.toMatchObject({ code: 'config', message: expect.stringContaining(`${inTheWay} (a link to ${base}) is in the way`) });
    expect(readdirSync(join(target, 'projects'))).toEqual([basename(project)]);
  });

  it('into a folder that is a file, or lies under one: refused before the plan, saying what to do, and nothing written', async () => {
    const file = join(base, 'a-file');
    writeFileSync(file, 'mine\n');
    const request = (path: string) => ({ snapshotId: snap.id, paths: [transcript.path], target: { kind: 'folder' as const, path }, overwrite: false });
    await expect(service.handlers['snapshots.restorePlan'](request(file))).rejects.toMatchObject({ code: 'config', message: `${file} is a file, not a folder. Choose a folder to restore into (a new one is made).` });
    await expect(service.handlers['snapshots.restore'](request(join(file, 'sub')))).rejects.toMatchObject({ code: 'config', message: `Cairn can't make the folder ${join(file, 'sub')}: ${file} is a file. Choose another folder to restore into.` });
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
  });

  it('into a folder with overwrite: the CLI and the app take the same safety snapshot, of the replaced files only', async () => {
    const prepare = (name: string) => {
      const target = join(base, name);
      mkdirSync(target, { recursive: true });
      writeFileSync(join(target, transcript.name), 'an older copy\n');
      writeFileSync(join(target, 'unrelated notes.txt'), 'not touched by the restore\n');
      return target;
    };
    const before = new Set((await safetySnapshots()).map((s) => s.id));
    const newSafety = async () => (await safetySnapshots()).filter((s) => !before.has(s.id));

    const appTarget = prepare('app-target');
    const job = await waitForJob(service, (await service.handlers['snapshots.restore']({ snapshotId: snap.id, paths: [transcript.path], target: { kind: 'folder', path: appTarget }, overwrite: true })).jobId);
    expect(job.status).toBe('done');
    const [fromApp] = await newSafety();
    if (!fromApp) throw new Error('the app took no safety snapshot');
    before.add(fromApp.id);

    const cliTarget = prepare('cli-target');
    const cli = spawnSync(process.execPath, [CLI, 'restore', '--repo', vault, '--snapshot', snap.id, '--target', cliTarget, '--path', transcript.path, '--overwrite'], {
      env: { ...process.env, CAIRN_PASSPHRASE: PASSPHRASE, CAIRN_STATE_DIR: join(base, 'cli-state'), CAIRN_THREADS: '1', HOME: home },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(cli.status, cli.stderr).toBe(0);
    const [fromCli] = await newSafety();
    if (!fromCli) throw new Error('the CLI took no safety snapshot');

    const relative = async (s: SnapshotSummary) => (await files(s.id)).map((p) => p.slice(p.indexOf('/', 'safety/'.length) + 1));
    expect(await relative(fromApp)).toEqual([transcript.name]);
    expect(await relative(fromCli)).toEqual(await relative(fromApp));
    for (const s of [fromApp, fromCli]) {
      const [only] = await files(s.id);
      expect((await service.handlers['snapshots.readFile']({ snapshotId: s.id, path: only ?? '', maxBytes: 1024 })).text).toBe('an older copy\n');
    }
    expect(readFileSync(join(appTarget, 'unrelated notes.txt'), 'utf8')).toBe('not touched by the restore\n');
  });

  describe('what is already there as in the snapshot is left alone', () => {
    let project: string;
    let target: string;
    const request = (folder: string, overwrite: boolean) => ({ snapshotId: snap.id, paths: [project], target: { kind: 'folder' as const, path: folder }, overwrite });
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [CLI, 'restore', '--repo', vault, '--snapshot', snap.id, '--path', project, ...args], {
        env: { ...process.env, CAIRN_PASSPHRASE: PASSPHRASE, CAIRN_STATE_DIR: join(base, 'cli-state'), CAIRN_THREADS: '1', HOME: home },
        encoding: 'utf8',
        timeout: 120_000,
      });

    beforeAll(async () => {
      project = transcript.path.slice(0, transcript.path.lastIndexOf('/'));
      target = join(base, 'same-target');
      expect((await waitForJob(service, (await service.handlers['snapshots.restore'](request(target, false))).jobId)).status).toBe('done');
    });

    it('the plan tells files that match from files that differ, and only those are replaced and kept in a safety snapshot', async () => {
      const folder = join(target, project.slice(project.lastIndexOf('/') + 1));
      const names = readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((n) => statSync(join(folder, n)).isFile());
      expect(names.length).toBeGreaterThan(1);
      const inodes = new Map(names.map((n) => [n, statSync(join(folder, n)).ino]));
      writeFileSync(join(folder, transcript.name), 'edited since\n');
      const other = names.find((n) => n !== transcript.name) ?? '';
      chmodSync(join(folder, other), 0o600 ^ (statSync(join(folder, other)).mode & 0o777) ? 0o600 : 0o640);
      const before = new Set((await safetySnapshots()).map((s) => s.id));

      const plan = await service.handlers['snapshots.restorePlan'](request(target, true));
      expect(plan).toMatchObject({ files: names.length, unchanged: names.length - 2, existing: 2, writeFiles: 2, existingAction: 'overwrite', safetySnapshot: true });
      expect([...plan.existingSample].sort()).toEqual([join(folder, transcript.name), join(folder, other)].sort());
      const job = await waitForJob(service, (await service.handlers['snapshots.restore'](request(target, true))).jobId);
      expect(job.status).toBe('done');
      expect(job.summary).toContain(`Restored 2 file(s) into ${target}; ${names.length - 2} file(s) already matched the snapshot and were left as they are`);
      // The files that matched were not written again (a restored file is a new inode, renamed into place).
      for (const n of names.filter((x) => x !== transcript.name && x !== other)) expect(statSync(join(folder, n)).ino, n).toBe(inodes.get(n));
      expect(statSync(join(folder, transcript.name)).ino).not.toBe(inodes.get(transcript.name));
      const [safety] = (await safetySnapshots()).filter((s) => !before.has(s.id));
      if (!safety) throw new Error('no safety snapshot');
      expect((await files(safety.id)).map((p) => basename(p)).sort()).toEqual([transcript.name, basename(other)].sort());
    });

    it('restoring again into a folder that already matches is not refused: there is nothing to replace', async () => {
      const run = cli(['--target', target]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/\d+ file\(s\) in .* already match the snapshot: left as they are\./);
      expect(run.stdout).toMatch(new RegExp(`^Nothing to write: all \\d+ file\\(s\\) of snapshot ${snap.id.slice(0, 8)} are already in ${target} as the snapshot holds them`));
      writeFileSync(join(target, project.slice(project.lastIndexOf('/') + 1), transcript.name), 'edited again\n');
      const refused = cli(['--target', target]);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('A file already exists in the target');
    });

    type Overwrite = { snapshot: SnapshotRecord; paths: string[]; destination: { kind: 'folder'; path: string }; existing: 'overwrite' };
    /** The engine itself, on the same vault, as another state folder; `overwrite` makes a request to restore `paths` of the snapshot into `folder`. */
    async function withRepo(fn: (repo: Repository, overwrite: (paths: string[], folder: string) => Overwrite) => Promise<void>): Promise<void> {
      const repo = await Repository.open({ store: new LocalBlobStore(vault), stateDir: join(base, 'engine-state'), secret: { passphrase: PASSPHRASE }, deviceName: 'engine', makeCodec: (v) => createWorkerCodec(v, { threads: 1 }) });
      try {
        const record = (await repo.listSnapshots()).find((r) => r.id === snap.id);
        if (!record) throw new Error('no snapshot');
        await fn(repo, (paths, folder) => ({ snapshot: record, paths, destination: { kind: 'folder', path: folder }, existing: 'overwrite' }));
      } finally {
        await repo.close();
      }
    }

    it('comparing reports its progress, and a cancel stops it before anything is written', async () => {
      await withRepo(async (repo, overwrite) => {
        const req = overwrite([project], target);
        const seen: ProgressInfo[] = [];
        const plan = await planRestore(repo, req, { onProgress: (p) => seen.push(p) });
        const compared = plan.existing.length + plan.unchanged.length;
        expect(compared).toBeGreaterThan(1);
        expect(seen.every((p) => p.phase === 'comparing' && p.filesTotal === compared)).toBe(true);
        expect(seen.at(-1)).toMatchObject({ filesDone: compared, bytesDone: seen.at(-1)?.bytesTotal });
        const cancel = new AbortController();
        cancel.abort();
        await expect(planRestore(repo, req, { signal: cancel.signal })).rejects.toMatchObject({ code: 'cancelled' });
      });
    });

    it('planning again reads only the files that changed since (the dialog plans on every change of its options)', async () => {
      await withRepo(async (repo, overwrite) => {
        const req = overwrite([project], target);
        const reads: string[] = [];
        const codec = repo.codec;
        const chunkFile = codec.chunkFile.bind(codec);
        codec.chunkFile = (path, extras) => {
          reads.push(String(path));
          return chunkFile(path, extras);
        };
        const first = await planRestore(repo, req);
        expect(reads.length).toBeGreaterThan(0);
        reads.length = 0;
        expect(await planRestore(repo, req)).toEqual(first);
        expect(reads).toEqual([]);
        // The same size, other bytes: only that file is read again, and it now differs.
        const edited = first.unchanged[0] ?? '';
        const text = readFileSync(edited);
        writeFileSync(edited, Buffer.from(text.map((b) => (b === 0x61 ? 0x62 : b === 0x62 ? 0x61 : b))));
        const third = await planRestore(repo, req);
        expect(reads).toEqual([edited]);
        expect(third.existing).toContain(edited);
      });
    });

    it('a file that appears after the plan is kept: only what the plan found (and the safety snapshot holds) is replaced', async () => {
      await withRepo(async (repo, overwrite) => {
        const folder = join(base, 'race-target');
        const req = overwrite([transcript.path], folder);
        const plan = await planRestore(repo, req);
        expect(plan).toMatchObject({ existing: [], unchanged: [], safetySnapshot: false });
        mkdirSync(folder, { recursive: true });
        writeFileSync(join(folder, transcript.name), 'written while the dialog was open\n');
        const done = await executeRestore(repo, req, plan, { ctx: contextFromProcess({ home, env: {}, platform: 'linux' }) });
        expect(done).toMatchObject({ files: 0, kept: 1, overwritten: 0 });
        expect(readFileSync(join(folder, transcript.name), 'utf8')).toBe('written while the dialog was open\n');
      });
    });
  });

  it("a backup after restores shows its changes against the backup before, not against a safety snapshot", async () => {
    writeFileSync(transcript.local, 'the next thing typed\n');
    expect((await waitForJob(service, (await service.handlers['sync.now']({})).jobId)).status).toBe('done');
    const [newest] = await service.handlers['snapshots.list']({});
    expect(newest?.reason).not.toBe('before-restore');
    const diff = await service.handlers['snapshots.diff']({ snapshotId: newest?.id ?? '' });
    expect(diff).toEqual([{ path: transcript.path, change: 'changed', sizeBefore: expect.any(Number), sizeAfter: 21 }]);
  });

  it('each backup shows its changes against the last backup of its own line: the agents\' against theirs, the notes\' against theirs', async () => {
    // `cairn backup ~/notes` on this machine (its state folder is the app's) between two of the app's backups.
    const notes = join(base, 'notes');
    mkdirSync(notes, { recursive: true });
    writeFileSync(join(notes, 'todo.md'), '- the billing test\n');
    const backupNotes = () => {
      const cli = spawnSync(process.execPath, [CLI, 'backup', '--repo', vault, notes], {
        env: { ...process.env, CAIRN_PASSPHRASE: PASSPHRASE, CAIRN_STATE_DIR: join(base, 'state'), CAIRN_THREADS: '1', HOME: home },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(cli.status, cli.stderr).toBe(0);
    };
    backupNotes();
    writeFileSync(transcript.local, 'and the next thing\n');
    expect((await waitForJob(service, (await service.handlers['sync.now']({})).jobId)).status).toBe('done');
    const [newest, folders] = await service.handlers['snapshots.list']({});
    expect(folders?.roots.map((r) => r.label)).toEqual(['notes']);
    const diff = await service.handlers['snapshots.diff']({ snapshotId: newest?.id ?? '' });
    expect(diff).toEqual([{ path: transcript.path, change: 'changed', sizeBefore: 21, sizeAfter: 19 }]);

    // The notes again, one line added: against the notes' last backup, not the agents'.
    writeFileSync(join(notes, 'todo.md'), '- the billing test\n- the release\n');
    backupNotes();
    const [again] = await service.handlers['snapshots.list']({});
    expect(await service.handlers['snapshots.diff']({ snapshotId: again?.id ?? '' })).toEqual([{ path: 'notes/todo.md', change: 'changed', sizeBefore: 19, sizeAfter: 33 }]);
  });
});

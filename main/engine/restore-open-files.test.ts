// A restore that would replace a file another program holds open (a running agent's transcript
// or database) refuses before writing anything: the program would go on writing the old file,
// and what it wrote next would be lost. Linux only (/proc); elsewhere nothing is found.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { CairnError } from '../../shared/errors.ts';
import { contextFromProcess } from './agents/index.ts';
import { openersOf } from './open-files.ts';
import { executeRestore, planRestore } from './restore-request.ts';
import type { RestoreRequest } from './restore-request.ts';
import { MemoryBlobStore } from './storage/index.ts';

afterAll(() => removeTempDirs());

/** A program (sh, then its sleep) with `file` open for appending, as an agent has its transcript. */
async function holdOpen(file: string): Promise<{ pid: number; stop: () => void }> {
  const child = spawn('sh', ['-c', 'exec 3>>"$1"; echo ready; exec sleep 60', 'sh', file], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return { pid: child.pid as number, stop: () => child.kill('SIGKILL') };
}

describe.skipIf(process.platform !== 'linux')('a restore over a file a program holds open', () => {
  it('refuses, naming the program and the file, and writes nothing; once it is closed, restores', async () => {
    const { repo } = await initRepo(new MemoryBlobStore());
    let stop = () => undefined as void;
    try {
      // Backed up from <parent>/home as root 'home': a restore into <parent> puts it back in place.
      const parent = tempDir('cairn-open-');
      const home = join(parent, 'home');
      mkdirSync(home);
      const transcript = join(home, 'session.jsonl');
      writeFileSync(transcript, '{"turn":1}\n');
      writeFileSync(join(home, 'other.jsonl'), '{"other":1}\n');
      const backed = await backupOf(repo, [{ label: 'home', path: home }]);
      const snapshot = await repo.findSnapshot(backed.snapshotId as string);
      writeFileSync(transcript, '{"turn":1}\n{"turn":2}\n');
      writeFileSync(join(home, 'other.jsonl'), '{"other":2}\n');
      const held = await holdOpen(transcript);
      stop = held.stop;
      expect((await openersOf([transcript])).map((o) => o.pid)).toContain(held.pid);

      const request: RestoreRequest = { snapshot, paths: [], destination: { kind: 'folder', path: parent }, existing: 'overwrite' };
      const ctx = contextFromProcess({ home, env: {}, platform: 'linux' });
      const plan = await planRestore(repo, request);
      expect(plan.existing.sort()).toEqual([join(home, 'other.jsonl'), transcript]);
      // Before: both files were replaced, and the program went on appending to a file no one sees.
      const error = await executeRestore(repo, request, plan, { ctx }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(CairnError);
      expect((error as CairnError).code).toBe('locked');
      expect((error as CairnError).message).toContain(`sleep (pid ${held.pid}) has ${transcript} open`);
      expect((error as CairnError).message).toContain('Nothing was written: close');
      expect(readFileSync(transcript, 'utf8')).toBe('{"turn":1}\n{"turn":2}\n');
      expect(readFileSync(join(home, 'other.jsonl'), 'utf8')).toBe('{"other":2}\n');
      expect((await repo.listSnapshots()).filter((s) => s.reason === 'before-restore')).toEqual([]);

      held.stop();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const done = await executeRestore(repo, request, await planRestore(repo, request), { ctx });
      expect(done.overwritten).toBe(2);
      expect(readFileSync(transcript, 'utf8')).toBe('{"turn":1}\n');
    } finally {
      stop();
      await repo.close();
    }
  });
});

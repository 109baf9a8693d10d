import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import { makeStateDirPrivate, sweepTemporaryFiles } from './private-dir.ts';

afterAll(() => removeTempDirs());

const mode = (p: string) => statSync(p).mode & 0o777;

describe.skipIf(process.platform === 'win32')("Cairn's state folder", () => {
  it('is made private (folders 0700, files 0600, state.db included) when a repository opens', async () => {
    const state = join(tempDir('cairn-private-'), 'state');
    // As an older Cairn (or a umask of 022) left it.
    mkdirSync(join(state, 'vaults', 'old'), { recursive: true, mode: 0o755 });
    writeFileSync(join(state, 'vaults', 'old', 'state.db'), '', { mode: 0o644 });
    chmodSync(state, 0o755);
    const { repo } = await initRepo(new MemoryBlobStore(), state);
    try {
      const vaultDir = join(state, 'vaults', repo.vault.id);
      for (const dir of [state, join(state, 'vaults'), vaultDir, join(vaultDir, 'tmp'), join(state, 'vaults', 'old')]) expect(mode(dir), dir).toBe(0o700);
      for (const file of [join(vaultDir, 'state.db'), join(vaultDir, 'device.json'), join(state, 'vaults', 'old', 'state.db')]) expect(mode(file), file).toBe(0o600);
    } finally {
      await repo.close();
    }
  });

  it("sweeps a killed backup's temporary database copies, and leaves a live run's alone", () => {
    const tmp = tempDir('cairn-sweep-');
    // A pid that ran and is gone: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    mkdirSync(join(tmp, `backup-${dead}-abc123`));
    writeFileSync(join(tmp, `backup-${dead}-abc123`, 'x.sqlite.cairn-0a1b2c.tmp'), 'token rows');
    mkdirSync(join(tmp, 'backup-Xy12Zq')); // named by an older Cairn (no pid)
    mkdirSync(join(tmp, `backup-${process.pid}-live01`));
    expect(sweepTemporaryFiles(tmp)).toBe(2);
    expect(existsSync(join(tmp, `backup-${dead}-abc123`))).toBe(false);
    expect(existsSync(join(tmp, 'backup-Xy12Zq'))).toBe(false);
    expect(existsSync(join(tmp, `backup-${process.pid}-live01`))).toBe(true);
  });

  it("leaves alone what isn't Cairn's in a shared state folder", () => {
    const state = tempDir('cairn-private-shared-');
    writeFileSync(join(state, 'notes.txt'), 'mine', { mode: 0o644 });
    mkdirSync(join(state, 'project'), { mode: 0o755 });
    chmodSync(join(state, 'notes.txt'), 0o644);
    chmodSync(join(state, 'project'), 0o755);
    makeStateDirPrivate(state);
    expect(mode(state)).toBe(0o700);
    expect(mode(join(state, 'notes.txt'))).toBe(0o644);
    expect(mode(join(state, 'project'))).toBe(0o755);
  });

  it('does not follow a link planted in the state folder', () => {
    const base = tempDir('cairn-private-link-');
    const outside = join(base, 'outside.txt');
    writeFileSync(outside, 'x', { mode: 0o644 });
    chmodSync(outside, 0o644);
    const state = join(base, 'state');
    mkdirSync(state);
    spawnSync('ln', ['-s', outside, join(state, 'vaults')]);
    makeStateDirPrivate(state);
    expect(mode(outside)).toBe(0o644);
    expect(mode(state)).toBe(0o700);
  });
});

// A machine that took over a device (`cairn devices adopt`, the app's "This computer replaces…")
// restores that device's snapshots in their places: they were made on the machine it replaces,
// whose home was elsewhere. Before, they counted as this machine's own because the device is, and
// `cairn restore --snapshot latest --original` — the command adopt prints — wrote into the old
// machine's paths (measured by hand: 2 files into the old home's agent folders, none into the new).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { fixtureContext } from './agents/fixtures.ts';
import { agentSources, runBackup } from './operations.ts';
import { agentLocalRoots, executeRestore, planRestore } from './restore-request.ts';
import type { RestoreRequest } from './restore-request.ts';
import { LocalBlobStore } from './storage/index.ts';

// The machine's host name, as the engine reads it: the old laptop's, then the new one's.
const machine = vi.hoisted(() => ({ host: 'old-laptop' }));
vi.mock('node:os', async (importOriginal) => {
  const os = await importOriginal<typeof import('node:os')>();
  return { ...os, hostname: () => machine.host, default: { ...os, hostname: () => machine.host } };
});

afterAll(removeTempDirs);

/** Claude Code's folder name for a project (its path, `/` as `-`). */
const projectName = (path: string) => path.replace(/[^A-Za-z0-9]/g, '-');

describe("a machine that took over a device restores the device's snapshots to its own places", () => {
  it("into this machine's agent folders, the other machine's paths mapped; nothing into the old home", async () => {
    const base = tempDir('cairn-adopted-');
    const vault = join(base, 'vault');
    const oldHome = join(base, 'home-alice');
    const newHome = join(base, 'home-bob');
    mkdirSync(newHome);
    const oldProject = join(oldHome, '.claude', 'projects', projectName(join(oldHome, 'src', 'app')));
    mkdirSync(oldProject, { recursive: true });
    writeFileSync(join(oldProject, 'chat.jsonl'), '{"type":"user","message":{"role":"user","content":"the billing test"}}\n');

    const { repo: old } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
    try {
      await runBackup(old, { ...(await agentSources({ ctx: fixtureContext(oldHome, 'linux'), agents: ['claude-code'] })), reason: 'manual' });
    } finally {
      await old.close();
    }
    // The old laptop is gone; its copy of the file changes nothing (it must not be written to).
    writeFileSync(join(oldProject, 'chat.jsonl'), 'left on the old disk\n');

    machine.host = 'new-laptop';
    const repo = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'new');
    try {
      await repo.adopt('laptop');
      const ctx = fixtureContext(newHome, 'linux');
      const request: RestoreRequest = { snapshot: await repo.findSnapshot('latest'), paths: [], destination: { kind: 'original' }, existing: 'overwrite', localRoot: agentLocalRoots(async () => ctx), mappings: [{ from: oldHome, to: newHome }] };
      const plan = await planRestore(repo, request, { ctx });
      const done = await executeRestore(repo, request, plan, { ctx });
      expect(done.files).toBe(1);
      expect(readFileSync(join(newHome, '.claude', 'projects', projectName(join(newHome, 'src', 'app')), 'chat.jsonl'), 'utf8')).toContain('the billing test');
      expect(readFileSync(join(oldProject, 'chat.jsonl'), 'utf8')).toBe('left on the old disk\n');
      expect(done.safetySnapshotId).toBeUndefined();
      expect(existsSync(join(newHome, '.claude', 'projects', projectName(join(oldHome, 'src', 'app'))))).toBe(false);
    } finally {
      await repo.close();
    }
  });
});

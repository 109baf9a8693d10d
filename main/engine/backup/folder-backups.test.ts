// `cairn backup ~/notes` on a device whose agents are backed up all day: a backup of folders
// named by hand is a line of its own (shared/backup-lines.ts), not the device's newest backup of
// its agents. Before, it became the device's newest: another device syncing pulled nothing from
// it (a session appended to just before never reached it), `latest` restored the notes alone,
// `--keep-last 1` forgot the device's only backup of its agents, the next backup of the agents
// found everything changed, and `--agent X` after it kept none of the other agents.

import { mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import { agentSources, forget, forgetSnapshots, labelPaths, runBackup, runSync, setPinned } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { newestBackups } from '../vault/index.ts';

afterAll(() => removeTempDirs());

const line = (who: string) => `${JSON.stringify({ type: 'user', uuid: who, timestamp: '2026-11-01T00:00:01.000Z', message: { role: 'user', content: `hello from ${who}` } })}\n`;

describe('a backup of folders named by hand', () => {
  it("doesn't take the place of the device's backup of its agents: sync, latest, retention and the next backups", async () => {
    const vault = join(tempDir('cairn-folders-vault-'), 'v');
    const homeA = tempDir('cairn-folders-a-');
    const homeB = tempDir('cairn-folders-b-');
    const project = join(homeA, '.claude', 'projects', '-home-alice-src-app');
    mkdirSync(project, { recursive: true });
    mkdirSync(join(homeA, '.gemini', 'tmp'), { recursive: true });
    mkdirSync(join(homeB, '.claude', 'projects'), { recursive: true });
    const session = join(project, 'chat.jsonl');
    writeFileSync(session, line('first'));
    const notes = join(homeA, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'todo.md'), '- the billing test\n');

    const ctxA = fixtureContext(homeA, 'linux');
    const { repo: a } = await initRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), 'laptop');
    const b = await openRepo(new LocalBlobStore(vault, { fsync: false }), tempDir(), undefined, 'desktop');
    try {
      const all = await agentSources({ ctx: ctxA, agents: ['claude-code', 'gemini-cli'] });
      await runBackup(a, { ...all, reason: 'manual' });
      appendFileSync(session, line('second'));
      const agents = await runBackup(a, { ...all, reason: 'manual' });
      const folders = await runBackup(a, { sources: labelPaths([notes]), agents: [], reason: 'cli' });
      expect(folders.snapshot?.roots.map((r) => r.label)).toEqual(['notes']);

      // Another device syncs after both: it gets the appended line.
      await runSync(b, { ctx: fixtureContext(homeB, 'linux'), agents: ['claude-code'], mappings: [] });
      expect(readFileSync(join(homeB, '.claude', 'projects', '-home-alice-src-app', 'chat.jsonl'), 'utf8')).toBe(line('first') + line('second'));

      // `latest` is the agents' backup; the notes' backup is still the newest of the device's history.
      expect((await a.findSnapshot('latest')).id).toBe(agents.snapshotId);
      expect(newestBackups(await b.listSnapshots()).get(a.device.id)?.id).toBe(agents.snapshotId);
      expect(folders.snapshot?.parent).toBe(agents.snapshotId);
      // Asked for a path of the notes (`cairn ls notes`, `restore --path ~/notes/todo.md`): the notes' backup.
      expect((await a.findSnapshot('latest', undefined, undefined, ['notes/todo.md'])).id).toBe(folders.snapshotId);
      expect((await a.findSnapshot('latest', undefined, undefined, [join(notes, 'todo.md')])).id).toBe(folders.snapshotId);
      expect((await a.findSnapshot('latest', undefined, undefined, ['claude-code/config/projects'])).id).toBe(agents.snapshotId);

      // The agents again, nothing changed: compared with their own last backup, not the notes'.
      const again = await runBackup(a, { ...all, reason: 'manual' });
      expect(again.unchanged).toBe(true);
      expect(again.snapshotId).toBe(agents.snapshotId);
      // The notes again: the same.
      const notesAgain = await runBackup(a, { sources: labelPaths([notes]), agents: [], reason: 'cli' });
      expect(notesAgain.unchanged).toBe(true);
      expect(notesAgain.snapshotId).toBe(folders.snapshotId);

      // One agent named (`--agent gemini-cli`) after the notes: the others are kept from the agents' backup.
      writeFileSync(join(homeA, '.gemini', 'tmp', 'note.txt'), 'x');
      const one = await runBackup(a, { ...(await agentSources({ ctx: ctxA, agents: ['gemini-cli'] })), reason: 'manual', keepOtherAgents: true });
      expect(one.snapshot?.roots.map((r) => r.agent)).toContain('claude-code');
      expect(one.snapshot?.seq).toBe((folders.snapshot?.seq ?? 0) + 1);

      // Each device's last 1 keeps the agents' newest and the notes' newest.
      const kept = await forget(a, { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 }, true);
      expect(kept.keep.filter((k) => k.snapshot.device === a.device.id).map((k) => k.snapshot.id).sort()).toEqual([one.snapshotId, folders.snapshotId].sort());

      // Which every policy keeps: forgotten by name (`cairn forget ID`); a device's newest backup, or a pinned one, is not.
      await expect(forgetSnapshots(a, [(one.snapshotId ?? '').slice(0, 8)], false)).rejects.toMatchObject({ code: 'config', message: expect.stringContaining("is laptop's newest backup") });
      await setPinned(a, agents.snapshotId ?? '', true);
      await expect(forgetSnapshots(a, [agents.snapshotId ?? ''], false)).rejects.toMatchObject({ code: 'config', message: expect.stringContaining('is pinned') });
      const gone = await forgetSnapshots(a, [(folders.snapshotId ?? '').slice(0, 8)], false);
      expect(gone.forget.map((s) => s.id)).toEqual([folders.snapshotId]);
      expect((await a.listSnapshots()).map((s) => s.id)).not.toContain(folders.snapshotId);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

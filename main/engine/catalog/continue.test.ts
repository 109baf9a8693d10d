// Continue on this machine for a Claude Code sub-agent: Claude Code resumes a session by the id of
// its own `<project>/<id>.jsonl`, and a sub-agent's conversation only inside the session that
// started it, so the parent session is what is put here and what the command resumes. Continued
// again after more was written here, this machine's longer copy is kept.

import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { ADAPTERS, toBackupSources } from '../agents/index.ts';
import { buildClaudeCodeFixture } from '../agents/fixtures.ts';
import { runBackup, safetySnapshot } from '../operations.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { TreeReader } from '../vault/index.ts';
import { refreshSessions } from './access.ts';
import { continueSession } from './continue.ts';
import { SessionDb } from './session-db.ts';

afterAll(() => removeTempDirs());

const PARENT = '0d6c3f1e-7a2b-4c5d-9e8f-000000000001';

describe('continuing a Claude Code sub-agent on another machine', () => {
  it('puts its parent session here with it and resumes the parent, the only id claude --resume knows; again later, keeps what was written here since', async () => {
    const root = tempDir('cairn-continue-');
    const laptop = { home: join(root, 'laptop'), platform: 'linux' as const, env: {} };
    const desktop = { home: join(root, 'desktop'), platform: 'linux' as const, env: {} };
    mkdirSync(desktop.home, { recursive: true });
    await buildClaudeCodeFixture({ home: laptop.home, platform: 'linux' });
    const store = new LocalBlobStore(join(root, 'vault'));
    const { repo: a } = await initRepo(store, tempDir('cairn-state-'), 'laptop');
    await runBackup(a, { sources: await toBackupSources(ADAPTERS, laptop, ['claude-code']), reason: 'manual' });
    await a.close();
    const b = await openRepo(store, tempDir('cairn-state-'), undefined, 'desktop');
    try {
      await refreshSessions(b);
      const [sub] = new SessionDb(b.db.db).find('agent-a1b2c3', 'claude-code');
      expect(sub).toMatchObject({ role: 'subagent', parentId: PARENT });
      // Files new here are written as they stream from the vault, never read whole first (a 288 MB
      // transcript took ~1 GB of memory to continue).
      const whole = vi.spyOn(TreeReader.prototype, 'readFile');
      const result = await continueSession(b, sub as NonNullable<typeof sub>, { ctx: desktop, safetySnapshot: (paths) => safetySnapshot(b, paths) });
      expect(whole).not.toHaveBeenCalled();
      whole.mockRestore();

      expect(result.command).toBe(`claude --resume ${PARENT}`);
      const project = join(desktop.home, '.claude', 'projects', '-home-alice-src-app');
      expect(readFileSync(join(project, `${PARENT}.jsonl`)).equals(readFileSync(join(laptop.home, '.claude', 'projects', '-home-alice-src-app', `${PARENT}.jsonl`)))).toBe(true);
      expect(existsSync(join(project, PARENT, 'subagents', 'agent-a1b2c3.jsonl'))).toBe(true);
      expect(result.written).toContain(join(project, `${PARENT}.jsonl`));
      expect(result.notes.join(' ')).toMatch(/sub-agent/);

      // Continued here since: continuing again keeps this machine's copy, which goes on past the
      // backed-up one, instead of putting the older version back over it.
      const transcript = join(project, `${PARENT}.jsonl`);
      appendFileSync(transcript, `${JSON.stringify({ type: 'user', sessionId: PARENT, uuid: 'here', message: { role: 'user', content: 'written on the desktop' } })}\n`);
      const [parent] = new SessionDb(b.db.db).find(PARENT, 'claude-code');
      const again = await continueSession(b, parent as NonNullable<typeof parent>, { ctx: desktop, safetySnapshot: (paths) => safetySnapshot(b, paths) });
      expect(readFileSync(transcript, 'utf8')).toContain('written on the desktop');
      expect(again.replaced).toEqual([]);
      expect(again.unchanged).toContain(transcript);
      expect(again.notes.join(' ')).toContain(`Kept ${transcript}`);

      // A copy here that stopped earlier (the backed-up one goes on from it): replaced, unasked.
      const backedUp = readFileSync(transcript).subarray(0, readFileSync(transcript).length - Buffer.byteLength(`${JSON.stringify({ type: 'user', sessionId: PARENT, uuid: 'here', message: { role: 'user', content: 'written on the desktop' } })}\n`));
      writeFileSync(transcript, backedUp.subarray(0, backedUp.indexOf(10) + 1));
      const caughtUp = await continueSession(b, parent as NonNullable<typeof parent>, { ctx: desktop, safetySnapshot: (paths) => safetySnapshot(b, paths) });
      expect(caughtUp.replaced).toContain(transcript);
      expect(readFileSync(transcript).equals(backedUp)).toBe(true);

      // A copy here with changes of its own (continued here too): refused, nothing written,
      // until asked for; then replaced, but not while a program has it open (Linux): the agent
      // in that session would go on writing the replaced file.
      writeFileSync(transcript, `${JSON.stringify({ type: 'user', sessionId: PARENT, uuid: 'other', message: { role: 'user', content: 'a different start' } })}\n`);
      await expect(continueSession(b, parent as NonNullable<typeof parent>, { ctx: desktop, safetySnapshot: (paths) => safetySnapshot(b, paths) })).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/^Nothing was written: this machine's copy of the session has changes the one from .* doesn't \(.*\.jsonl\) — it was continued here too\..*cairn continue .* --replace/),
      });
      expect(readFileSync(transcript, 'utf8')).toContain('a different start');
      if (process.platform === 'linux') {
        const agent = spawn('sh', ['-c', 'exec 3>>"$1"; echo ready; exec sleep 60', 'sh', transcript], { stdio: ['ignore', 'pipe', 'ignore'] });
        try {
          await new Promise<void>((resolve) => agent.stdout.once('data', () => resolve()));
          await expect(continueSession(b, parent as NonNullable<typeof parent>, { ctx: desktop, safetySnapshot: (paths) => safetySnapshot(b, paths), replace: true })).rejects.toMatchObject({
            code: 'locked',
            message: expect.stringContaining(`sleep (pid ${agent.pid}) has ${transcript} open`),
          });
          expect(readFileSync(transcript, 'utf8')).toContain('a different start');
        } finally {
          agent.kill('SIGKILL');
          await new Promise((done) => agent.once('exit', done));
        }
      }
      const replaced = await continueSession(b, parent as NonNullable<typeof parent>, { ctx: desktop, safetySnapshot: (paths) => safetySnapshot(b, paths), replace: true });
      expect(replaced.replaced).toContain(transcript);
      expect(readFileSync(transcript).equals(backedUp)).toBe(true);
    } finally {
      await b.close();
    }
  });
});

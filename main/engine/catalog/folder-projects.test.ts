// Cursor's CLI chats and agent transcripts name their project only by the MD5 or slug of its path:
// where another session of the same device is in that project, the catalog names it (the
// Sessions screen's project groups and filter, `cd <project> && cursor-agent --resume <id>`).

import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../testing/real-agents.ts';
import { ADAPTERS, toBackupSources } from '../agents/index.ts';
import { runBackup } from '../operations.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import type { CatalogEntry } from './entry.ts';
import { withFolderProjects } from './project-folders.ts';
import { SessionDb } from './session-db.ts';

afterAll(() => removeTempDirs());

const samples = realAgentsHome();
if (!samples) process.stderr.write(`[catalog/folder-projects] ${REAL_AGENTS_MISSING}\n`);
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const entry = (e: Partial<CatalogEntry> & Pick<CatalogEntry, 'format' | 'path'>): CatalogEntry => ({ agent: 'cursor', id: e.path, root: 'cursor', files: [e.path], messages: 1, toolCalls: 0, bytes: 1, digest: 'd', ...e });

describe("Cursor sessions' projects", () => {
  it('are the known project whose MD5 or slug names their folder, and none where two projects share a slug', () => {
    const known = [entry({ agent: 'claude-code', format: 'claude-code', path: 'p/a.jsonl', project: '/home/u/app' }), entry({ format: 'cursor-composer', path: 'ws', project: '/home/u/a-b' }), entry({ format: 'cursor-chat', path: 'ws2', project: '/home/u/a/b' })];
    const out = withFolderProjects([
      ...known,
      entry({ format: 'cursor-cli', path: `chats/${md5('/home/u/app')}/c1/store.db` }),
      entry({ format: 'cursor-cli', path: `chats/${md5('/elsewhere')}/c2/store.db` }),
      entry({ format: 'cursor-transcript', path: 'projects/home-u-app/agent-transcripts/t1/t1.jsonl' }),
      entry({ format: 'cursor-transcript', path: 'projects/home-u-a-b/agent-transcripts/t2/t2.jsonl' }),
      entry({ format: 'cursor-cli', path: `chats/${md5('/x')}/c3/store.db`, project: '/kept' }),
      entry({ agent: 'gemini-cli', format: 'gemini-json', path: `tmp/${sha256('/home/u/app')}/chats/session-1.json` }),
    ]);
    expect(out.slice(3).map((e) => e.project)).toEqual(['/home/u/app', undefined, '/home/u/app', undefined, '/kept', '/home/u/app']);
    expect(out.slice(0, 3)).toEqual(known);
  });

  it.skipIf(!samples)('are in the catalog a backup of the real samples builds, beside a Claude Code session in the project', async () => {
    const home = join(tempDir('cairn-cursor-projects-'), 'home');
    const project = join(home, 'src', 'app');
    const chat = join(home, '.cursor', 'chats', md5(project), 'a1b2c3d4-e5f6-7890-abcd-ef1234567890');
    mkdirSync(chat, { recursive: true });
    copyFileSync(join(samples as string, '.cursor/chats/5f0c2b8e3a9d4e1f0a1b2c3d4e5f6a7b/a1b2c3d4-e5f6-7890-abcd-ef1234567890/store.db'), join(chat, 'store.db'));
    const transcripts = join(home, '.cursor', 'projects', project.replace(/[^a-zA-Z0-9]/g, '-').replace(/^-+/, ''), 'agent-transcripts');
    cpSync(join(samples as string, '.cursor/projects/tmp/agent-transcripts/8e72ca80-0000-4000-8000-00000000c001'), join(transcripts, '8e72ca80-0000-4000-8000-00000000c001'), { recursive: true });
    const claude = join(home, '.claude', 'projects', project.replace(/[^a-zA-Z0-9]/g, '-'));
    mkdirSync(claude, { recursive: true });
    writeFileSync(join(claude, 's1.jsonl'), `${JSON.stringify({ type: 'user', cwd: project, sessionId: 's1', uuid: 'u1', timestamp: '2026-12-01T10:00:00.000Z', message: { role: 'user', content: 'fix the billing test' } })}\n`);
    const ctx = { home, platform: 'linux' as const, env: {} };
    const { repo } = await initRepo(new MemoryBlobStore(), undefined, 'laptop');
    try {
      await runBackup(repo, { sources: await toBackupSources(ADAPTERS, ctx, ['claude-code', 'cursor']), reason: 'manual' });
      const rows = new SessionDb(repo.db.db).list();
      const cursor = rows.filter((r) => r.agent === 'cursor').map((r) => [r.format, r.role ?? 'main', r.project]);
      expect(cursor.filter(([format]) => format === 'cursor-cli')).toEqual([['cursor-cli', 'main', project]]);
      expect(cursor.filter(([format]) => format === 'cursor-transcript').every(([, , p]) => p === project)).toBe(true);
      expect(cursor.filter(([format]) => format === 'cursor-transcript').length).toBeGreaterThan(0);
    } finally {
      await repo.close();
    }
  });

  it.skipIf(!samples)('are the projects the agents here name without a session in them: Claude Code\'s ~/.claude.json, an editor\'s workspace', async () => {
    const home = join(tempDir('cairn-cursor-known-'), 'home');
    const app = join(home, 'src', 'app');
    const shop = join(home, 'work', 'shop');
    const chat = join(home, '.cursor', 'chats', md5(app), 'a1b2c3d4-e5f6-7890-abcd-ef1234567890');
    mkdirSync(chat, { recursive: true });
    copyFileSync(join(samples as string, '.cursor/chats/5f0c2b8e3a9d4e1f0a1b2c3d4e5f6a7b/a1b2c3d4-e5f6-7890-abcd-ef1234567890/store.db'), join(chat, 'store.db'));
    const transcripts = join(home, '.cursor', 'projects', shop.replace(/[^a-zA-Z0-9]/g, '-').replace(/^-+/, ''), 'agent-transcripts');
    cpSync(join(samples as string, '.cursor/projects/tmp/agent-transcripts/8e72ca80-0000-4000-8000-00000000c003'), join(transcripts, '8e72ca80-0000-4000-8000-00000000c003'), { recursive: true });
    // Claude Code ran in ~/src/app once (no transcript kept); Cursor's editor opened ~/work/shop (no chat).
    writeFileSync(join(home, '.claude.json'), JSON.stringify({ projects: { [app]: { allowedTools: [] } } }));
    const workspace = join(home, '.config', 'Cursor', 'User', 'workspaceStorage', '0f0e0d0c');
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(workspace, 'workspace.json'), JSON.stringify({ folder: pathToFileURL(shop).href }));
    const ctx = { home, platform: 'linux' as const, env: {} };
    const { repo } = await initRepo(new MemoryBlobStore(), undefined, 'laptop');
    try {
      await runBackup(repo, { sources: await toBackupSources(ADAPTERS, ctx, ['cursor']), reason: 'manual' });
      const rows = new SessionDb(repo.db.db).list().filter((r) => r.agent === 'cursor');
      // Before: no project for either (no other session of the device was in it).
      expect(rows.filter((r) => r.format === 'cursor-cli').map((r) => r.project)).toEqual([app]);
      expect(rows.filter((r) => r.format === 'cursor-transcript').map((r) => r.project)).toEqual([shop]);
    } finally {
      await repo.close();
    }
  });
});

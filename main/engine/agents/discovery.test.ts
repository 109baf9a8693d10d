// What only the disk tells the adapters: Aider's repositories with no configuration, the
// folders the user adds or removes, moved Aider histories, Codex's sqlite_home, Roo's
// customStoragePath; and the newer places of Goose, Cline and Claude Desktop's Cowork mode.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureContext, makeTempHome } from './fixtures.ts';
import { prepareContext } from './discovery.ts';
import { ADAPTERS } from './registry.ts';
import { toBackupSources } from './sources.ts';
import { listIncludedFiles } from './walk.ts';

let home: string;
beforeEach(() => {
  home = makeTempHome('cairn-discovery-');
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

function aiderRepo(path: string): string {
  write(join(path, '.aider.chat.history.md'), '# aider chat started at 2026-11-30 09:00:00\n');
  mkdirSync(join(path, '.git'), { recursive: true });
  return path;
}

async function backedUp(ctx: ReturnType<typeof fixtureContext>, agent: string): Promise<string[]> {
  const out: string[] = [];
  for (const s of await toBackupSources(ADAPTERS, ctx, [agent])) for await (const f of listIncludedFiles(s)) out.push(f.absPath);
  return out.sort();
}

describe('Aider with no configuration', () => {
  it('finds repositories in the common project folders, below depth limits and skipping heavy trees', async () => {
    const one = aiderRepo(join(home, 'src', 'one'));
    const deep = aiderRepo(join(home, 'code', 'github.com', 'alice', 'deep'));
    aiderRepo(join(home, 'src', 'one', 'node_modules', 'pkg'));
    aiderRepo(join(home, 'src', 'a', 'b', 'c', 'd', 'too-deep'));
    const ctx = await prepareContext(fixtureContext(home, 'linux'));
    expect(ctx.aiderRepos).toEqual([deep, one].sort());
  });

  it('finds repositories the other agents name, wherever they are', async () => {
    const claude = aiderRepo(join(home, 'elsewhere', 'claude-proj'));
    const claudeCwd = aiderRepo(join(home, 'elsewhere', 'claude-cwd'));
    const codex = aiderRepo(join(home, 'elsewhere', 'codex-proj'));
    const gemini = aiderRepo(join(home, 'elsewhere', 'gemini-proj'));
    const geminiRoot = aiderRepo(join(home, 'elsewhere', 'gemini-root'));
    const cursor = aiderRepo(join(home, 'elsewhere', 'cursor-proj'));
    write(join(home, '.claude.json'), JSON.stringify({ projects: { [claude]: {} } }));
    write(join(home, '.claude', 'projects', '-x', 'a.jsonl'), `${JSON.stringify({ type: 'user', cwd: join(claudeCwd, 'sub') })}\n`);
    mkdirSync(join(claudeCwd, 'sub'));
    write(join(home, '.codex', 'sessions', '2026', '11', '30', 'rollout-2026-11-30T09-00-00-x.jsonl'), `${JSON.stringify({ type: 'session_meta', payload: { id: 'x', cwd: codex } })}\n`);
    write(join(home, '.gemini', 'projects.json'), JSON.stringify({ projects: { [gemini]: 'gemini-proj' } }));
    write(join(home, '.gemini', 'tmp', 'gemini-root', '.project_root'), geminiRoot);
    write(join(home, '.config', 'Cursor', 'User', 'workspaceStorage', 'abc', 'workspace.json'), JSON.stringify({ folder: pathToFileURL(cursor).href }));
    const ctx = await prepareContext(fixtureContext(home, 'linux'));
    expect(ctx.aiderRepos).toEqual([claude, claudeCwd, codex, cursor, gemini, geminiRoot].sort());
    expect((await backedUp(ctx, 'aider')).length).toBe(6);
  });

  it('scans the folders the user adds and never those the user removes', async () => {
    const added = aiderRepo(join(home, 'clients', 'acme'));
    const removed = aiderRepo(join(home, 'src', 'private'));
    const kept = aiderRepo(join(home, 'src', 'kept'));
    const ctx = await prepareContext(fixtureContext(home, 'linux', { extraFolders: [join(home, 'clients')], ignoredFolders: [removed] }));
    expect(ctx.aiderRepos).toEqual([added, kept].sort());
  });

  it('backs up .aider.llm.history and histories moved by the environment or .aider.conf.yml', async () => {
    const repo = aiderRepo(join(home, 'src', 'app'));
    write(join(repo, '.aider.llm.history'), 'TO LLM 2026-11-30\n');
    write(join(repo, '.aider.conf.yml'), '# moved\nchat-history-file: notes/aider-chat.md\nmap-tokens: 2048\n');
    const moved = write(join(repo, 'notes', 'aider-chat.md'), '# aider chat started at 2026-11-30 10:00:00\n');
    const fromEnv = write(join(home, 'logs', 'aider-input.txt'), '# 2026-11-30\n+hi\n');
    const ctx = await prepareContext(fixtureContext(home, 'linux', { env: { AIDER_INPUT_HISTORY_FILE: fromEnv } }));
    expect(ctx.aiderHistoryFiles).toEqual([fromEnv, moved].sort());
    const files = await backedUp(ctx, 'aider');
    for (const f of [join(repo, '.aider.llm.history'), join(repo, '.aider.chat.history.md'), join(repo, '.aider.conf.yml'), moved, fromEnv]) expect(files).toContain(f);
  });
});

describe('moved and newer locations', () => {
  it("copies Codex databases from config.toml's sqlite_home, without its logs", async () => {
    const elsewhere = join(home, 'codex-db');
    write(join(home, '.codex', 'config.toml'), `sqlite_home = "${elsewhere}"\n`);
    write(join(elsewhere, 'state_5.sqlite'), '');
    write(join(elsewhere, 'logs_2.sqlite'), '');
    const ctx = await prepareContext(fixtureContext(home, 'linux'));
    expect(ctx.codexSqliteHome).toBe(elsewhere);
    const sources = await toBackupSources(ADAPTERS, ctx, ['codex']);
    const sqlite = sources.find((s) => s.label === 'codex/sqlite');
    expect(sqlite?.path).toBe(elsewhere);
    expect(await backedUp(ctx, 'codex')).toEqual([join(elsewhere, 'state_5.sqlite'), join(home, '.codex', 'config.toml')].sort());
  });

  it("follows Roo's customStoragePath from the editor's settings.json (JSONC)", async () => {
    const custom = join(home, 'roo-tasks');
    write(join(home, '.config', 'Code', 'User', 'settings.json'), `{\n  // Roo keeps its tasks on the data disk\n  "roo-cline.customStoragePath": "${custom}",\n}\n`);
    const task = write(join(custom, 'tasks', '1769053680585', 'api_conversation_history.json'), '[]');
    const ctx = await prepareContext(fixtureContext(home, 'linux'));
    expect(ctx.rooStoragePaths).toEqual([custom]);
    expect(await backedUp(ctx, 'cline')).toContain(task);
  });

  it("backs up Cline's Documents/Cline, Goose's ~/.agents and Claude Desktop's Cowork transcripts", async () => {
    const rule = write(join(home, 'Documents', 'Cline', 'Rules', 'style.md'), 'Use tabs.\n');
    const plugin = write(join(home, '.agents', 'plugins', 'jira', 'plugin.yaml'), 'name: jira\n');
    const agent = write(join(home, '.agents', 'agents', 'reviewer.md'), 'You review.\n');
    const cowork = write(join(home, 'Library', 'Application Support', 'Claude', 'local-agent-mode-sessions', 'a', 'b', '.claude', 'projects', '-tmp', 's.jsonl'), '{}\n');
    const ctx = await prepareContext(fixtureContext(home, 'darwin'));
    expect(await backedUp(ctx, 'cline')).toContain(rule);
    expect(await backedUp(ctx, 'goose')).toEqual([agent, plugin].sort());
    expect(await backedUp(ctx, 'claude-code')).toContain(cowork);
  });
});

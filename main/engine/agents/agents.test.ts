import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentInfo, Platform } from '../../../shared/models.ts';
import { detectAgents } from './detect.ts';
import { buildAllFixtures, makeTempHome } from './fixtures.ts';
import type { AgentFixture } from './fixtures.ts';
import { ADAPTERS, AGENT_IDS } from './registry.ts';
import { toBackupSources } from './sources.ts';
import type { AgentContext } from './types.ts';
import { listIncludedFiles } from './walk.ts';

async function listed(ctx: AgentContext, id: string): Promise<string[]> {
  const out: string[] = [];
  for (const source of await toBackupSources(ADAPTERS, ctx, [id])) {
    for await (const file of listIncludedFiles(source)) out.push(file.absPath);
  }
  return out.sort();
}

const PLATFORMS: Platform[] = ['linux', 'darwin', 'win32'];

describe.each(PLATFORMS)('on a %s layout', (platform) => {
  let home: string;
  let ctx: AgentContext;
  let fixtures: Record<string, AgentFixture>;
  let infos: AgentInfo[];

  beforeAll(async () => {
    home = makeTempHome(`cairn-${platform}-`);
    ({ fixtures, ctx } = await buildAllFixtures({ home, platform }));
    infos = await detectAgents(ctx);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('reports every adapter once, in registry order', () => {
    expect(infos.map((i) => i.id)).toEqual(AGENT_IDS);
  });

  it.each(AGENT_IDS)('detects %s with the files, bytes and sessions of its fixture', (id) => {
    const info = infos.find((i) => i.id === id);
    const fixture = fixtures[id];
    expect(info && fixture).toBeTruthy();
    if (!info || !fixture) return;
    expect(info.detected).toBe(true);
    expect(info.enabled).toBe(true);
    expect(info.files).toBe(fixture.included.length);
    expect(info.bytes).toBe(fixture.bytes);
    expect(info.sessions).toBe(fixture.sessions);
    expect(info.roots.every((r) => r.exists)).toBe(true);
    expect(info.roots.reduce((n, r) => n + r.files, 0)).toBe(info.files);
  });

  it.each(AGENT_IDS)('backs up every included file of %s, and no secret, sidecar or excluded file', async (id) => {
    const fixture = fixtures[id];
    if (!fixture) throw new Error(`no fixture for ${id}`);
    const files = await listed(ctx, id);
    expect(files).toEqual([...fixture.included].sort());
    for (const secret of fixture.secrets) expect(files).not.toContain(secret);
    for (const other of fixture.excluded) expect(files).not.toContain(other);
    expect(files.some((f) => /-(wal|shm|journal)$/.test(f))).toBe(false);
  });
});

describe('override variables', () => {
  const homes: string[] = [];
  const temp = (): string => {
    const h = makeTempHome();
    homes.push(h);
    return h;
  };
  afterAll(() => {
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });

  async function detectOne(ctx: AgentContext, id: string): Promise<AgentInfo> {
    const info = (await detectAgents(ctx)).find((i) => i.id === id);
    if (!info) throw new Error(id);
    return info;
  }

  function expectMatches(info: AgentInfo, fixture: AgentFixture): void {
    expect(info.detected).toBe(true);
    expect(info.files).toBe(fixture.included.length);
    expect(info.bytes).toBe(fixture.bytes);
    expect(info.sessions).toBe(fixture.sessions);
  }

  it('CLAUDE_CONFIG_DIR relocates Claude Code, and its .claude.json', async () => {
    const { buildClaudeCodeFixture, fixtureContext } = await import('./fixtures.ts');
    const home = temp();
    const dir = join(home, 'accounts', 'work');
    const fixture = await buildClaudeCodeFixture({ home, platform: 'linux' }, dir);
    const ctx = fixtureContext(home, 'linux', { env: { CLAUDE_CONFIG_DIR: dir } });
    expectMatches(await detectOne(ctx, 'claude-code'), fixture);
    const roots = ADAPTERS.find((a) => a.id === 'claude-code')?.roots(ctx) ?? [];
    expect(roots.map((r) => r.path)).toEqual([dir, join(dir, '.claude.json')]);
    expect((await listed(ctx, 'claude-code')).sort()).toEqual([...fixture.included].sort());
  });

  it('CODEX_HOME relocates Codex', async () => {
    const { buildCodexFixture, fixtureContext } = await import('./fixtures.ts');
    const home = temp();
    const dir = join(home, 'state', 'codex');
    const fixture = await buildCodexFixture({ home, platform: 'darwin' }, dir);
    expectMatches(await detectOne(fixtureContext(home, 'darwin', { env: { CODEX_HOME: dir } }), 'codex'), fixture);
    expect((await detectOne(fixtureContext(home, 'darwin'), 'codex')).detected).toBe(false);
  });

  it('GOOSE_PATH_ROOT relocates Goose on every OS', async () => {
    const { buildGooseFixture, fixtureContext } = await import('./fixtures.ts');
    const home = temp();
    const dir = join(home, 'goose-root');
    const fixture = await buildGooseFixture({ home, platform: 'win32' }, dir);
    for (const platform of PLATFORMS) expectMatches(await detectOne(fixtureContext(home, platform, { env: { GOOSE_PATH_ROOT: dir } }), 'goose'), fixture);
  });

  it('GEMINI_CLI_HOME replaces the home folder of Gemini CLI', async () => {
    const { buildGeminiCliFixture, fixtureContext } = await import('./fixtures.ts');
    const home = temp();
    const dir = join(home, 'profiles', 'work');
    const fixture = await buildGeminiCliFixture({ home, platform: 'linux' }, dir);
    expectMatches(await detectOne(fixtureContext(home, 'linux', { env: { GEMINI_CLI_HOME: dir } }), 'gemini-cli'), fixture);
  });

  it('CLINE_DIR and CLINE_DATA_DIR relocate Cline data', async () => {
    const { buildClineFixture, fixtureContext } = await import('./fixtures.ts');
    const home = temp();
    const fixture = await buildClineFixture({ home, platform: 'linux' }, join(home, 'cline-home', 'data'));
    expectMatches(await detectOne(fixtureContext(home, 'linux', { env: { CLINE_DIR: join(home, 'cline-home') } }), 'cline'), fixture);
    expectMatches(await detectOne(fixtureContext(home, 'linux', { env: { CLINE_DIR: '/nowhere', CLINE_DATA_DIR: join(home, 'cline-home', 'data') } }), 'cline'), fixture);
  });

  it('XDG_* variables relocate OpenCode and Goose; APPDATA relocates Goose and Cursor on Windows', async () => {
    const { buildGooseFixture, buildOpencodeFixture, buildCursorFixture, fixtureContext } = await import('./fixtures.ts');
    const real = temp();
    const elsewhere = temp();
    const opencode = await buildOpencodeFixture({ home: real, platform: 'linux' });
    const goose = await buildGooseFixture({ home: real, platform: 'linux' });
    const xdg = { XDG_DATA_HOME: join(real, '.local', 'share'), XDG_CONFIG_HOME: join(real, '.config'), XDG_STATE_HOME: join(real, '.local', 'state') };
    const ctx = fixtureContext(elsewhere, 'linux', { env: xdg });
    expectMatches(await detectOne(ctx, 'opencode'), opencode);
    expectMatches(await detectOne(ctx, 'goose'), goose);

    const win = temp();
    const winGoose = await buildGooseFixture({ home: win, platform: 'win32' });
    const winCursor = await buildCursorFixture({ home: win, platform: 'win32' });
    const winCtx = fixtureContext(elsewhere, 'win32', { env: { APPDATA: join(win, 'AppData', 'Roaming') } });
    expectMatches(await detectOne(winCtx, 'goose'), winGoose);
    const cursor = await detectOne(winCtx, 'cursor');
    expect(cursor.roots.map((r) => r.path)).toEqual([join(win, 'AppData', 'Roaming', 'Cursor', 'User')]);
    expect(cursor.files).toBe(winCursor.included.filter((f) => f.includes('AppData')).length);
  });

  it('ignores relative override values, as the agents do', async () => {
    const { buildCodexFixture, fixtureContext } = await import('./fixtures.ts');
    const home = temp();
    const fixture = await buildCodexFixture({ home, platform: 'linux' });
    expectMatches(await detectOne(fixtureContext(home, 'linux', { env: { CODEX_HOME: 'relative/codex' } }), 'codex'), fixture);
  });

  it('CODEX_SQLITE_HOME adds the relocated databases as their own root', async () => {
    const { fixtureContext } = await import('./fixtures.ts');
    const home = temp();
    const roots = ADAPTERS.find((a) => a.id === 'codex')?.roots(fixtureContext(home, 'linux', { env: { CODEX_SQLITE_HOME: join(home, 'db') } })) ?? [];
    expect(roots.map((r) => r.label)).toEqual(['codex/home', 'codex/sqlite']);
  });
});

describe('a home with no agent installed', () => {
  it('reports every agent as not detected, without throwing', async () => {
    const home = makeTempHome();
    try {
      const { fixtureContext } = await import('./fixtures.ts');
      const infos = await detectAgents(fixtureContext(home, 'linux', { scanFolders: [join(home, 'src')] }));
      expect(infos).toHaveLength(AGENT_IDS.length);
      for (const info of infos) {
        expect(info.detected).toBe(false);
        expect(info.enabled).toBe(false);
        expect(info.files).toBe(0);
        expect(info.sessions).toBe(0);
        expect(info.roots.every((r) => !r.exists)).toBe(true);
      }
      expect(JSON.parse(JSON.stringify(infos))).toEqual(infos);
      expect(await toBackupSources(ADAPTERS, fixtureContext(home, 'linux'), AGENT_IDS)).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

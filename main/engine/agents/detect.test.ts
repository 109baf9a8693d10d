import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentInfo } from '../../../shared/models.ts';
import { findAiderRepos, prepareContext } from './discovery.ts';
import { detectAgents } from './detect.ts';
import { buildAllFixtures, buildClaudeCodeFixture, buildLargeClaudeTree, fixtureContext, makeTempHome } from './fixtures.ts';
import { formatAgentSummary, formatAgentsTable, formatBytes } from './format.ts';

const homes: string[] = [];
function temp(): string {
  const h = makeTempHome();
  homes.push(h);
  return h;
}
afterEach(() => {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

describe('detectAgents', () => {
  it('is fast on a tree of 5,000 transcripts and skips excluded trees without reading them', async () => {
    const home = temp();
    const { ctx } = await buildAllFixtures({ home, platform: 'linux' });
    const big = buildLargeClaudeTree(home, 5000, { bytesPerFile: 2048 });
    for (let i = 0; i < 1000; i++) {
      const dir = join(home, '.cline', 'data', 'checkpoints', String(i % 10), 'objects');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `obj${i}`), 'x');
    }
    const started = performance.now();
    const infos = await detectAgents(ctx);
    const elapsed = performance.now() - started;
    const claude = infos.find((i) => i.id === 'claude-code');
    expect(claude?.sessions).toBe(3 + big.files);
    expect(infos.find((i) => i.id === 'cline')?.files).toBe(16);
    // Measured ~0.15-0.3 s on the 2-core build machine; the bound only catches a regression
    // to something pathological (e.g. walking excluded trees or reading file contents).
    expect(elapsed).toBeLessThan(10_000);
  });

  it('marks as enabled only the ids the user enabled', async () => {
    const home = temp();
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    const infos = await detectAgents(fixtureContext(home, 'linux'), { enabledIds: ['codex'] });
    expect(infos.find((i) => i.id === 'claude-code')).toMatchObject({ detected: true, enabled: false });
    expect(infos.find((i) => i.id === 'codex')).toMatchObject({ detected: false, enabled: true });
  });

  it('lists the rules of each root, prefixed with the root label', async () => {
    const infos = await detectAgents(fixtureContext(temp(), 'linux'));
    const codex = infos.find((i) => i.id === 'codex');
    expect(codex?.secrets).toContain('codex/home:auth.json');
    expect(codex?.syncable).toContain('codex/home:sessions/**');
    expect(codex?.include).toEqual(['codex/home:**']);
  });

  it('stops when its signal is aborted', async () => {
    const home = temp();
    buildLargeClaudeTree(home, 200);
    const controller = new AbortController();
    controller.abort();
    await expect(detectAgents(fixtureContext(home, 'linux'), { signal: controller.signal })).rejects.toThrow();
  });
});

describe('Aider repositories', () => {
  it('are found under the scan folders down to the depth asked, not through skipped folders', async () => {
    const home = temp();
    const mark = (dir: string): void => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, '.aider.input.history'), '+hi\n');
    };
    mark(join(home, 'src', 'one'));
    mark(join(home, 'src', 'a', 'b', 'two'));
    mark(join(home, 'src', 'node_modules', 'pkg'));
    mark(join(home, 'src', 'a', 'b', 'c', 'd', 'e', 'deep'));
    expect(await findAiderRepos([join(home, 'src')], 3)).toEqual([join(home, 'src', 'a', 'b', 'two'), join(home, 'src', 'one')]);
    expect(await findAiderRepos([join(home, 'missing')])).toEqual([]);
    const ctx = await prepareContext(fixtureContext(home, 'linux', { scanFolders: [join(home, 'src')], aiderRepos: [join(home, 'listed')] }));
    expect(ctx.aiderRepos).toEqual([join(home, 'listed'), join(home, 'src', 'a', 'b', 'two'), join(home, 'src', 'one')]);
  });
});

describe('formatting', () => {
  const info = (over: Partial<AgentInfo>): AgentInfo => ({
    id: 'claude-code',
    displayName: 'Claude Code',
    detected: true,
    enabled: true,
    roots: [{ path: '/home/alice/.claude', exists: true, files: 9000, bytes: 1_932_735_283 }],
    files: 9000,
    bytes: 1_932_735_283,
    sessions: 4445,
    include: [],
    exclude: [],
    secrets: [],
    syncable: [],
    ...over,
  });

  it('says what the wizard says', () => {
    expect(formatAgentSummary(info({}))).toBe('Claude Code (1.80 GiB, 4,445 sessions)');
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(250 * 1024 * 1024)).toBe('250 MiB');
  });

  it('prints a table of detected agents and names the missing ones', () => {
    const table = formatAgentsTable([info({}), info({ id: 'codex', displayName: 'Codex', detected: false, enabled: false, roots: [], bytes: 0, files: 0, sessions: 0 })]);
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^AGENT\s+ENABLED\s+SIZE\s+FILES\s+SESSIONS\s+LOCATION$/);
    expect(lines[1]).toMatch(/^Claude Code\s+yes\s+1\.80 GiB\s+9,000\s+4,445\s+\/home\/alice\/\.claude$/);
    expect(lines.at(-1)).toBe('Not found: Codex.');
  });

  it('says so cleanly when nothing is installed', () => {
    expect(formatAgentsTable([info({ detected: false })])).toBe('No coding agents found on this machine (looked for Claude Code).\n');
  });
});

describe('Aider labels', () => {
  it('stay distinct when two repository paths share a slug', async () => {
    const { aiderAdapter } = await import('./adapters/aider.ts');
    const labels = aiderAdapter.roots(fixtureContext('/home/alice', 'linux', { aiderRepos: ['/a/b-c', '/a/b/c', '/x/app'] })).map((r) => r.label);
    expect(new Set(labels).size).toBe(3);
    expect(labels).toContain('aider/x-app');
  });
});

// What a backup asks before each run, "which agents are here", must answer as detection does but
// without detection's counting: the app asks it every few minutes, and counting walks every file,
// copies each session database to query it and reads every Aider history.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../testing/real-agents.ts';
import { agentSources } from '../operations.ts';
import { detectAgents, presentAgents } from './detect.ts';
import { buildAllFixtures, buildLargeClaudeTree, fixtureContext, makeTempHome } from './fixtures.ts';

const seen = vi.hoisted(() => ({ lstat: 0, copyFile: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    lstat: ((...args: unknown[]) => {
      seen.lstat++;
      return (fs.lstat as (...a: unknown[]) => unknown)(...args);
    }) as typeof fs.lstat,
    copyFile: ((...args: unknown[]) => {
      seen.copyFile++;
      return (fs.copyFile as (...a: unknown[]) => unknown)(...args);
    }) as typeof fs.copyFile,
  };
});

const homes: string[] = [];
afterEach(() => {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});
function temp(): string {
  const h = makeTempHome();
  homes.push(h);
  return h;
}
const detectedIds = async (ctx: Parameters<typeof detectAgents>[0]) => (await detectAgents(ctx)).filter((a) => a.detected).map((a) => a.id);
const counted = async <T>(run: () => Promise<T>): Promise<{ result: T; lstat: number; copyFile: number }> => {
  seen.lstat = 0;
  seen.copyFile = 0;
  const result = await run();
  return { result, lstat: seen.lstat, copyFile: seen.copyFile };
};

describe('presentAgents', () => {
  it('finds the agents detection finds, without stat-ing every file or copying a database to count sessions', async () => {
    const home = temp();
    const { ctx } = await buildAllFixtures({ home, platform: 'linux' });
    buildLargeClaudeTree(home, 600, { bytesPerFile: 256 });
    const detection = await counted(() => detectedIds(ctx));
    const presence = await counted(() => presentAgents(ctx));
    expect(presence.result).toEqual(detection.result);
    expect(presence.result).toEqual(expect.arrayContaining(['claude-code', 'codex', 'goose', 'opencode', 'cursor', 'cline', 'aider']));
    // Detection stats every file (and counts sessions in databases and histories).
    expect(detection.lstat).toBeGreaterThan(600);
    expect(presence.copyFile).toBe(0);
    expect(presence.lstat).toBeLessThan(detection.lstat / 4);
    // And so does a backup's choice of sources (the app's and the CLI's).
    const sources = await counted(() => agentSources({ ctx }));
    expect(sources.result.agents).toEqual(detection.result);
    expect(sources.copyFile).toBe(0);
    expect(sources.lstat).toBeLessThan(detection.lstat / 4);
  });

  it('leaves out an agent whose folder holds only what a backup never takes', async () => {
    const home = temp();
    const ctx = fixtureContext(home, 'linux');
    // Cursor's home folder counts only by the files a backup takes from it.
    mkdirSync(join(home, '.cursor', 'extensions'), { recursive: true });
    writeFileSync(join(home, '.cursor', 'argv.json'), '{}');
    writeFileSync(join(home, '.cursor', 'extensions', 'extensions.json'), '[]');
    expect(await detectedIds(ctx)).not.toContain('cursor');
    expect(await presentAgents(ctx)).not.toContain('cursor');
    mkdirSync(join(home, '.cursor', 'projects', 'home-alice-app', 'agent-transcripts'), { recursive: true });
    writeFileSync(join(home, '.cursor', 'projects', 'home-alice-app', 'agent-transcripts', 's.jsonl'), '{}\n');
    expect(await detectedIds(ctx)).toContain('cursor');
    expect(await presentAgents(ctx)).toContain('cursor');
  });

  const real = realAgentsHome();
  if (!real) process.stderr.write(`[agents/present] ${REAL_AGENTS_MISSING}\n`);
  it.skipIf(!real)('agrees with detection on the real agents’ files', async () => {
    const ctx = fixtureContext(real as string, 'linux');
    const ids = await presentAgents(ctx);
    expect(ids).toEqual(await detectedIds(ctx));
    expect(ids.length).toBeGreaterThanOrEqual(6);
  });
});

import { mkdir, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentFileWatcher, isIgnoredChange } from './agent-file-watcher.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (predicate()) resolve();
      else if (Date.now() > deadline) reject(new Error('timed out waiting for a file event'));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

describe('isIgnoredChange', () => {
  it('ignores SQLite side files, temp files and Cairn’s own folder', () => {
    expect(isIgnoredChange('/h/.goose/sessions.db-wal', [])).toBe(true);
    expect(isIgnoredChange('/h/.goose/sessions.db-shm', [])).toBe(true);
    expect(isIgnoredChange('/h/.config/Cairn/state.db', ['/h/.config/Cairn'])).toBe(true);
    expect(isIgnoredChange('/h/.config/Cairn', ['/h/.config/Cairn'])).toBe(true);
    expect(isIgnoredChange('/h/.config/Cairnish/x', ['/h/.config/Cairn'])).toBe(false);
    expect(isIgnoredChange('/h/.claude/projects/p/s.jsonl', ['/h/.config/Cairn'])).toBe(false);
  });
});

describe('AgentFileWatcher (real chokidar)', () => {
  it('reports changes under the watched roots and not under ignored folders', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cairn-watch-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const agent = join(root, 'agent');
    const own = join(agent, 'cairn-state');
    await mkdir(join(agent, 'projects'), { recursive: true });
    await mkdir(own, { recursive: true });

    const watcher = new AgentFileWatcher([agent], { ignoreUnder: [own] });
    cleanups.push(() => watcher.close());
    const seen: string[] = [];
    const unsubscribe = watcher.onChange((path) => seen.push(path));
    await watcher.ready();

    await writeFile(join(own, 'state.db'), 'x');
    await writeFile(join(agent, 'projects', 'db-wal'), 'x');
    const session = join(agent, 'projects', 'session.jsonl');
    await writeFile(session, '{"a":1}\n');
    await waitFor(() => seen.includes(session));
    await appendFile(session, '{"a":2}\n');
    await waitFor(() => seen.filter((path) => path === session).length >= 2);
    expect(seen.some((path) => path.startsWith(own))).toBe(false);

    unsubscribe();
    const before = seen.length;
    await appendFile(session, '{"a":3}\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.length).toBe(before);
  });
});

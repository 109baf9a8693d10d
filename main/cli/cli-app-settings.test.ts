// The app's settings on a machine are that machine's choices, and the CLI run there honours them
// where its flags say nothing: the agents switched off in Settings are not backed up or synced,
// Settings' path mappings apply to sync and continue, and `forget` without --keep-* applies
// Settings' retention. Before, the CLI ignored the file: `cairn backup` uploaded an agent the
// user had switched off in the app, and `cairn forget` forgot what the app's policy keeps.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_SOURCE, cliMachine } from '../../testing/cli.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { describePolicy } from './commands/sync-commands.ts';
import { withAppMappings } from './context.ts';

afterAll(() => removeTempDirs());

const put = (path: string, text: string) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};

const claudeLine = (cwd: string, text: string) => `${JSON.stringify({ type: 'user', sessionId: 's1', cwd, timestamp: '2026-12-01T10:00:00.000Z', message: { role: 'user', content: text } })}\n`;

/** Settings as the app saves them in the state folder's config.json (beside what is there). */
function saveSettings(stateDir: string, settings: Record<string, unknown>): void {
  const file = join(stateDir, 'config.json');
  let current: Record<string, unknown> = { version: 1 };
  try {
    current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // none yet
  }
  put(file, JSON.stringify({ ...current, settings }));
}

describe("the CLI on a machine where the app saved settings", () => {
  it('backs up and syncs only the agents switched on, applies the mappings, and forgets by the retention set there', () => {
    const base = tempDir('cairn-cli-settings-');
    const laptop = cliMachine(base, 'laptop', 'settings everywhere');
    const desktop = cliMachine(base, 'desktop', 'settings everywhere');
    put(join(laptop.home, '.claude/projects/-home-alice-app/s1.jsonl'), claudeLine('/home/alice/app', 'the billing test'));
    put(join(laptop.home, '.gemini/tmp/0123abcd/chats/session-2026-12-01T10-00-aaaa.json'), JSON.stringify({ sessionId: 'g1', messages: [] }));
    expect(laptop.run('init').code).toBe(0);
    saveSettings(join(base, 'laptop-state'), { enabledAgents: ['claude-code'], retention: { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 } });

    const agents = spawnSync(process.execPath, [CLI_SOURCE, 'agents', '--json'], { env: laptop.env, encoding: 'utf8' });
    expect((JSON.parse(agents.stdout) as { agents: { id: string; enabled: boolean; detected: boolean }[] }).agents.filter((a) => a.detected).map((a) => [a.id, a.enabled])).toEqual([
      ['claude-code', true],
      ['gemini-cli', false],
    ]);

    const backed = laptop.run('backup');
    expect(backed.code, backed.stderr).toBe(0);
    expect(backed.stderr).toContain('Backing up Claude Code.');
    expect(backed.stderr).toContain(`Left out, as Cairn's settings say (${join(base, 'laptop-state', 'config.json')}): Gemini CLI. Name one with --agent to back it up anyway.`);
    const listed = laptop.run('ls', '--json');
    expect(listed.stdout).toContain('claude-code');
    expect(listed.stdout).not.toContain('gemini');
    // --agent still takes what is named, and the snapshot keeps Claude Code as it was (a one-off).
    const named = laptop.run('backup', '--agent', 'gemini-cli', '--json');
    expect(named.code, named.stderr).toBe(0);
    expect((JSON.parse(named.stdout) as { keptAgents?: string[] }).keptAgents).toEqual(['claude-code']);
    const both = laptop.run('ls', '--json').stdout;
    expect(both).toContain('gemini');
    expect(both).toContain('claude-code');
    expect(laptop.run('backup').code).toBe(0);

    // Everything switched off: said, nothing backed up.
    saveSettings(join(base, 'laptop-state'), { enabledAgents: ['codex'] });
    const none = laptop.run('backup');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("is switched off in Cairn's settings");

    // forget without flags: the app's policy (the last one per device), and says which it applied.
    saveSettings(join(base, 'laptop-state'), { retention: { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 } });
    const dry = laptop.run('forget', '--dry-run', '--json');
    const decision = JSON.parse(dry.stdout) as { policyFrom: string; forget: unknown[]; keep: unknown[] };
    expect(decision.policyFrom).toBe('settings');
    expect([decision.keep.length, decision.forget.length]).toEqual([1, 2]);
    expect(laptop.run('forget', '--dry-run').stdout).toContain(`Policy (Cairn's settings, ${join(base, 'laptop-state', 'config.json')}): each device's last 1;`);
    expect((JSON.parse(laptop.run('forget', '--dry-run', '--keep-last', '5', '--json').stdout) as { forget: unknown[] }).forget).toEqual([]);

    // The desktop maps the laptop's home to its own, as its Settings say, with no --map.
    saveSettings(join(base, 'desktop-state'), { pathMappings: [{ from: '/home/alice', to: '/Users/bob' }] });
    put(join(desktop.home, '.claude/settings.json'), '{}');
    const synced = desktop.run('sync', '--json');
    expect(synced.code, synced.stderr).toBe(0);
    expect(readFileSync(join(desktop.home, '.claude/projects/-Users-bob-app/s1.jsonl'), 'utf8')).toContain('the billing test');

    // A restore of the laptop's snapshot to its places maps the same way; --map wins for its
    // folder. With no ~/.claude here yet (Claude Code never ran), it is still this home's.
    rmSync(join(desktop.home, '.claude'), { recursive: true });
    const restored = desktop.run('restore', '--snapshot', 'latest', '--device', 'laptop', '--original');
    expect(restored.code, restored.stderr).toBe(0);
    expect(readFileSync(join(desktop.home, '.claude/projects/-Users-bob-app/s1.jsonl'), 'utf8')).toContain('the billing test');
    expect(existsSync(join(desktop.home, '.claude/projects/-home-alice-app'))).toBe(false);
    expect(existsSync(join(laptop.home, '.claude/projects/-Users-bob-app'))).toBe(false);
    expect(desktop.run('restore', '--snapshot', 'latest', '--device', 'laptop', '--original', '--map', '/home/alice=/Users/carol').code).toBe(0);
    expect(existsSync(join(desktop.home, '.claude/projects/-Users-carol-app/s1.jsonl'))).toBe(true);
    expect(desktop.run('restore', '--snapshot', 'latest', '--target', join(base, 'out'), '--map', '/a=/b').stderr).toContain('--map goes with --original');
  });

  it('lets a --map for the same folder win over the one in settings', () => {
    const settings = { file: '/x/config.json', mappings: [{ from: '/home/alice', to: '/Users/bob' }, { from: '/srv', to: '/data' }], retention: { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 } };
    expect(withAppMappings([{ from: '/home/alice', to: '/Users/alice' }], settings)).toEqual([
      { from: '/srv', to: '/data' },
      { from: '/home/alice', to: '/Users/alice' },
    ]);
    expect(withAppMappings([], undefined)).toEqual([]);
    expect(describePolicy({ keepLast: 20, keepHourly: 24, keepDaily: 1, keepWeekly: 0, keepMonthly: 12 })).toBe("each device's last 20, and its newest of each of the last 24 hours, 1 day, 12 months");
  });
});

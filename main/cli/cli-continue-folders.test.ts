// Continue on a machine whose project lives elsewhere, for the agents that name a project's
// folder after its path instead of using the path: Gemini CLI (a registry slug, or the path's
// SHA-256) and Cursor's agent transcripts (the path with dashes). The session's files must land
// in the folder this machine's agent looks in for the mapped project, and Gemini's ownership
// marker of the other machine's project must not be written here.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../testing/real-agents.ts';
import { cliMachine } from '../../testing/cli.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { aiderRun } from '../engine/catalog/continue.ts';
import { geminiFolder } from '../engine/catalog/project-folders.ts';

afterAll(() => removeTempDirs());

const samples = realAgentsHome();
if (!samples) process.stderr.write(`[cli/continue-folders] ${REAL_AGENTS_MISSING}\n`);

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const put = (path: string, text: string) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};

const ALICE = '/home/alice/src/app';
const BOB = '/Users/bob/src/app';
const GEMINI_ID = 'b1c2d3e4-0000-4000-8000-00000000abcd';
const CURSOR_ID = '8e72ca80-0000-4000-8000-00000000c003';

/** A machine of its own (home, state) that shares the vault in `base`. */
const machine = (base: string, name: string) => cliMachine(base, name, 'folders everywhere');

describe.skipIf(!samples)('cairn continue into project-named folders', () => {
  it('puts Gemini and Cursor sessions in the folders this machine’s agents use for the mapped project', () => {
    const base = tempDir('cairn-cli-folders-');
    const laptop = machine(base, 'laptop');
    const desktop = machine(base, 'desktop');

    // The laptop: a Gemini chat in the registry's slug folder of its project (the legacy JSON
    // shape of the real sample, hash of the laptop's path), and a Cursor agent transcript (the
    // real sample's lines) in Cursor's folder for the same project.
    const chat = JSON.parse(readFileSync(join(samples as string, '.gemini/tmp/0b7dfb1274ee51b336813b17f2ddab1f56b6591f723e7314126bbd502c69e9c9/chats/session-2026-01-16T18-34-3739ef95.json'), 'utf8')) as Record<string, unknown>;
    const chatName = 'session-2026-12-01T10-00-b1c2d3e4.json';
    put(join(laptop.home, '.gemini/projects.json'), JSON.stringify({ projects: { [ALICE]: 'app' } }));
    put(join(laptop.home, '.gemini/tmp/app/.project_root'), ALICE);
    put(join(laptop.home, '.gemini/tmp/app/chats', chatName), JSON.stringify({ ...chat, sessionId: GEMINI_ID, projectHash: sha256(ALICE) }, null, 2));
    const transcript = readFileSync(join(samples as string, '.cursor/projects/tmp/agent-transcripts', CURSOR_ID, `${CURSOR_ID}.jsonl`));
    put(join(laptop.home, '.cursor/projects/home-alice-src-app/agent-transcripts', CURSOR_ID, `${CURSOR_ID}.jsonl`), transcript.toString('utf8'));
    expect(laptop.run('init').code).toBe(0);
    const backed = laptop.run('backup', '--json');
    expect(backed.code, backed.stderr).toBe(0);

    // The desktop's Gemini already knows the project, under its own slug.
    put(join(desktop.home, '.gemini/projects.json'), JSON.stringify({ projects: { [BOB]: 'bob-app' } }));
    put(join(desktop.home, '.gemini/tmp/bob-app/.project_root'), BOB);

    const gemini = desktop.run('continue', GEMINI_ID, '--map', '/home/alice=/Users/bob', '--json');
    expect(gemini.code, gemini.stderr).toBe(0);
    const g = JSON.parse(gemini.stdout) as { written: string[]; command?: string; project?: string };
    const target = join(desktop.home, '.gemini/tmp/bob-app/chats', chatName);
    expect(g.written).toEqual([target]);
    expect(g.project).toBe(BOB);
    const written = JSON.parse(readFileSync(target, 'utf8')) as { projectHash: string; messages: unknown[] };
    expect(written.projectHash).toBe(sha256(BOB));
    expect(written.messages).toEqual(chat.messages);
    // The desktop's marker still names the desktop's project; no folder named for the laptop's.
    expect(readFileSync(join(desktop.home, '.gemini/tmp/bob-app/.project_root'), 'utf8')).toBe(BOB);
    expect(existsSync(join(desktop.home, '.gemini/tmp/app'))).toBe(false);

    const cursor = desktop.run('continue', CURSOR_ID, '--map', '/home/alice=/Users/bob', '--json');
    expect(cursor.code, cursor.stderr).toBe(0);
    const c = JSON.parse(cursor.stdout) as { written: string[] };
    const cursorTarget = join(desktop.home, '.cursor/projects/Users-bob-src-app/agent-transcripts', CURSOR_ID, `${CURSOR_ID}.jsonl`);
    expect(c.written).toEqual([cursorTarget]);
    expect(readFileSync(cursorTarget)).toEqual(transcript);
  });
});

describe.skipIf(!samples)('cairn sync into project-named folders', () => {
  it('pulls Gemini and Cursor sessions into the folders this machine’s agents use, and back without a conflict', () => {
    const base = tempDir('cairn-cli-sync-folders-');
    const laptop = machine(base, 'laptop');
    const desktop = machine(base, 'desktop');
    const chat = readFileSync(join(samples as string, '.gemini/tmp/0b7dfb1274ee51b336813b17f2ddab1f56b6591f723e7314126bbd502c69e9c9/chats/session-2026-01-16T18-34-3739ef95.json'));
    const chatName = 'session-2026-01-16T18-34-3739ef95.json';
    put(join(laptop.home, '.gemini/projects.json'), JSON.stringify({ projects: { [ALICE]: 'app' } }));
    put(join(laptop.home, '.gemini/tmp/app/.project_root'), ALICE);
    put(join(laptop.home, '.gemini/tmp/app/chats', chatName), chat.toString('utf8'));
    const transcript = readFileSync(join(samples as string, '.cursor/projects/tmp/agent-transcripts', CURSOR_ID, `${CURSOR_ID}.jsonl`));
    const cursorRel = join('agent-transcripts', CURSOR_ID, `${CURSOR_ID}.jsonl`);
    put(join(laptop.home, '.cursor/projects/home-alice-src-app', cursorRel), transcript.toString('utf8'));
    expect(laptop.run('init').code).toBe(0);
    const backed = laptop.run('backup', '--json');
    expect(backed.code, backed.stderr).toBe(0);

    put(join(desktop.home, '.gemini/projects.json'), JSON.stringify({ projects: { [BOB]: 'bob-app' } }));
    put(join(desktop.home, '.gemini/tmp/bob-app/.project_root'), BOB);
    const synced = desktop.run('sync', '--map', '/home/alice=/Users/bob', '--json');
    expect(synced.code, synced.stderr).toBe(0);
    expect(readFileSync(join(desktop.home, '.gemini/tmp/bob-app/chats', chatName))).toEqual(chat);
    expect(readFileSync(join(desktop.home, '.cursor/projects/Users-bob-src-app', cursorRel))).toEqual(transcript);
    expect(existsSync(join(desktop.home, '.gemini/tmp/app'))).toBe(false);
    expect(existsSync(join(desktop.home, '.cursor/projects/home-alice-src-app'))).toBe(false);

    // The desktop backs the pulled sessions up under its own folders; the laptop takes them back
    // into its own folders as the same files: no conflict, no second copy.
    expect(desktop.run('backup').code).toBe(0);
    const back = laptop.run('sync', '--map', '/Users/bob=/home/alice', '--json');
    expect(back.code, back.stderr).toBe(0);
    const pulled = JSON.parse(back.stdout) as { conflicts: unknown[]; changes: { path: string; action: string }[] };
    expect(pulled.conflicts).toEqual([]);
    expect(pulled.changes).toEqual([]);
    expect(existsSync(join(laptop.home, '.gemini/tmp/bob-app'))).toBe(false);
    expect(existsSync(join(laptop.home, '.cursor/projects/Users-bob-src-app'))).toBe(false);
    expect(readFileSync(join(laptop.home, '.gemini/tmp/app/chats', chatName))).toEqual(chat);
  });
});

describe("Gemini CLI's folder for a project", () => {
  it('is the registry’s slug, else a folder whose marker names the project, else the path’s SHA-256', async () => {
    const root = tempDir('cairn-gemini-folder-');
    expect(await geminiFolder(root, BOB)).toBe(sha256(BOB));
    put(join(root, 'tmp/found/.project_root'), `${BOB}\n`);
    expect(await geminiFolder(root, BOB)).toBe('found');
    put(join(root, 'projects.json'), JSON.stringify({ projects: { [BOB]: 'listed' } }));
    expect(await geminiFolder(root, BOB)).toBe('listed');
    // A registry entry whose folder another project owns is not taken.
    put(join(root, 'tmp/listed/.project_root'), '/somewhere/else');
    expect(await geminiFolder(root, BOB)).toBe('found');
    // A slug that is not one folder name is ignored.
    put(join(root, 'projects.json'), JSON.stringify({ projects: { [BOB]: '../escape' } }));
    expect(await geminiFolder(root, BOB)).toBe('found');
  });
});

describe.skipIf(!samples)('cairn continue of an Aider run', () => {
  it('adds the run to the history in the mapped project here, keeping this machine’s own runs, once', () => {
    const base = tempDir('cairn-cli-aider-');
    const laptop = machine(base, 'laptop');
    const desktop = machine(base, 'desktop');
    const history = readFileSync(join(samples as string, 'src/simple-calculator/.aider.chat.history.md'));
    mkdirSync(join(laptop.home, 'src/calc'), { recursive: true });
    writeFileSync(join(laptop.home, 'src/calc/.aider.chat.history.md'), history);
    expect(laptop.run('init').code).toBe(0);
    expect(laptop.run('backup').code).toBe(0);
    const [run] = JSON.parse(laptop.run('sessions', '--agent', 'aider', '--json').stdout) as { id: string; project: string }[];
    expect(run?.project).toBe(join(laptop.home, 'src/calc'));

    // The desktop has no such folder (the machines share this test's disk: the laptop's goes).
    rmSync(join(laptop.home, 'src'), { recursive: true });
    const missing = desktop.run('continue', run?.id as string);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`Aider keeps a session in its project's folder, and this machine has no ${join(laptop.home, 'src/calc')}`);
    expect(missing.stderr).toContain('--map');

    // Its clone of the project elsewhere, with a history of its own (a run the laptop never had).
    const mine = '# aider chat started at 2026-11-30 09:00:00\n\n#### a run of the desktop\n\nIts answer.\n';
    put(join(desktop.home, 'work/calc/.aider.chat.history.md'), mine);
    const map = `${join(laptop.home, 'src/calc')}=${join(desktop.home, 'work/calc')}`;
    const cont = desktop.run('continue', run?.id as string, '--map', map, '--json');
    expect(cont.code, cont.stderr).toBe(0);
    const target = join(desktop.home, 'work/calc/.aider.chat.history.md');
    const result = JSON.parse(cont.stdout) as { written: string[]; command: string };
    expect(result.written).toEqual([target]);
    expect(result.command).toBe(`cd ${join(desktop.home, 'work/calc')} && aider --restore-chat-history`);
    expect(readFileSync(target)).toEqual(Buffer.concat([Buffer.from(mine), history]));
    // Again: the run is there already.
    const again = JSON.parse(desktop.run('continue', run?.id as string, '--map', map, '--json').stdout) as { written: string[]; unchanged: string[] };
    expect(again.written).toEqual([]);
    expect(again.unchanged).toEqual([target]);
    expect(readFileSync(target)).toEqual(Buffer.concat([Buffer.from(mine), history]));
  });
});

describe('aiderRun', () => {
  it('cuts one run out of a history: by its time, the n-th of a repeated time, or all of a history without headers', () => {
    const h = Buffer.from('# aider chat started at 2026-01-01 10:00:00\r\nfirst é\n# aider chat started at 2026-01-02 10:00:00\nsecond\n# aider chat started at 2026-01-02 10:00:00\nthird\n');
    expect(aiderRun(h, '2026-01-01 10:00:00')?.toString()).toBe('# aider chat started at 2026-01-01 10:00:00\r\nfirst é\n');
    expect(aiderRun(h, '2026-01-02 10:00:00')?.toString()).toBe('# aider chat started at 2026-01-02 10:00:00\nsecond\n');
    expect(aiderRun(h, '2026-01-02 10:00:00#2')?.toString()).toBe('# aider chat started at 2026-01-02 10:00:00\nthird\n');
    expect(aiderRun(h, '2026-01-03 10:00:00')).toBeUndefined();
    expect(aiderRun(Buffer.from('no header'), '')?.toString()).toBe('no header');
  });
});

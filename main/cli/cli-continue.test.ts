// `cairn continue` for agents whose sessions live in a database, an IDE, or legacy files: the
// laptop backs up real OpenCode and Cursor samples and Goose stores built from Goose's schema; the
// desktop, which already has sessions of its own in its OpenCode and Goose databases, continues
// the laptop's sessions. A database-held session is merged into the desktop's database (its own
// sessions stay, message ids don't collide, paths are mapped) — never by replacing the file; each
// agent's own resume command is printed, and for Cursor's editor chats what to do instead.

import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../testing/real-agents.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));
afterAll(() => removeTempDirs());

const samples = realAgentsHome();
if (!samples) process.stderr.write(`[cli/continue] ${REAL_AGENTS_MISSING}\n`);

const OPENCODE_SESSION = 'ses_04ca851f7ffevKrKMHW3RsPK1U';

/** Copies of the samples are read-only like the originals: the desktop's agents must write theirs. */
function writable(dir: string): void {
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath, e.name);
    chmodSync(p, e.isDirectory() ? 0o755 : 0o644);
  }
  chmodSync(dir, 0o755);
}

/** A Goose ≥1.10 sessions.db (crates/goose/src/session schema) holding one session. */
function gooseDb(file: string, id: string, workingDir: string, texts: string[]): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const db = new Database(file);
  db.exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, name TEXT DEFAULT '', description TEXT NOT NULL DEFAULT '', working_dir TEXT NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, model_config_json TEXT);
    CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, role TEXT NOT NULL, content_json TEXT NOT NULL, created_timestamp INTEGER NOT NULL, metadata_json TEXT, message_id TEXT);`);
  db.prepare('INSERT INTO sessions (id, name, working_dir, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, `Session ${id}`, workingDir, '2026-01-01 10:00:00', '2026-01-01 10:05:00');
  const add = db.prepare('INSERT INTO messages (session_id, role, content_json, created_timestamp) VALUES (?, ?, ?, ?)');
  texts.forEach((t, i) => add.run(id, i % 2 === 0 ? 'user' : 'assistant', JSON.stringify([{ type: 'text', text: t }]), 1767261600 + i));
  db.close();
}

describe.skipIf(!samples)('cairn continue for database, IDE and legacy sessions', () => {
  it('merges OpenCode and Goose database sessions into the desktop’s databases and prints each agent’s own way to resume', () => {
    const base = tempDir('cairn-cli-continue-');
    const vault = join(base, 'vault');
    const machine = (name: string) => {
      const home = join(base, name);
      mkdirSync(home);
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, CAIRN_PASSPHRASE: 'continue anywhere', CAIRN_STATE_DIR: join(base, `${name}-state`), CAIRN_THREADS: '1' };
      for (const k of ['XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME']) delete env[k];
      return {
        home,
        run: (...args: string[]) => {
          const r = spawnSync(process.execPath, [CLI, ...args, '--repo', vault, '--device-name', name], { env, encoding: 'utf8', timeout: 120_000 });
          return { code: r.status, stdout: r.stdout, stderr: r.stderr };
        },
        json: <T>(...args: string[]): T => {
          const r = spawnSync(process.execPath, [CLI, ...args, '--json', '--repo', vault, '--device-name', name], { env, encoding: 'utf8', timeout: 120_000 });
          if (r.status !== 0) throw new Error(`cairn ${args.join(' ')} failed: ${r.stderr}`);
          return JSON.parse(r.stdout) as T;
        },
      };
    };
    const laptop = machine('laptop');
    const desktop = machine('desktop');
    const ocData = (home: string) => join(home, '.local', 'share', 'opencode');
    const gooseSessions = (home: string) => join(home, '.local', 'share', 'goose', 'sessions');

    // The laptop: real OpenCode and Cursor samples, Goose stores of both generations.
    cpSync(join(samples as string, '.local', 'share', 'opencode'), ocData(laptop.home), { recursive: true });
    cpSync(join(samples as string, '.cursor'), join(laptop.home, '.cursor'), { recursive: true });
    cpSync(join(samples as string, '.config', 'Cursor'), join(laptop.home, '.config', 'Cursor'), { recursive: true });
    writable(laptop.home);
    gooseDb(join(gooseSessions(laptop.home), 'sessions.db'), '20260101_1', '/home/alice/app', ['why does the build fail?', 'A missing import.', 'fix it', 'Fixed.']);
    writeFileSync(join(gooseSessions(laptop.home), '20250301_120000.jsonl'), `${[{ working_dir: '/home/alice/app', description: 'Legacy one', message_count: 1 }, { role: 'user', created: 1740830400, content: [{ type: 'text', text: 'hello goose' }] }].map((l) => JSON.stringify(l)).join('\n')}\n`);
    expect(laptop.run('init').code).toBe(0);
    const backed = laptop.run('backup', '--json');
    expect(backed.code, backed.stderr).toBe(0);

    // The desktop already has sessions of its own in both databases.
    cpSync(join(samples as string, '.local', 'share', 'opencode', 'opencode.db'), join(ocData(desktop.home), 'opencode.db'));
    writable(ocData(desktop.home));
    const own = new Database(join(ocData(desktop.home), 'opencode.db'));
    own.pragma('foreign_keys = OFF');
    own.exec(`UPDATE session SET id = 'ses_desktop_own', title = 'Desktop own' WHERE id = '${OPENCODE_SESSION}';
      UPDATE message SET id = 'd_' || id, session_id = 'ses_desktop_own';
      UPDATE part SET id = 'd_' || id, message_id = 'd_' || message_id, session_id = 'ses_desktop_own';`);
    const count = (db: Database.Database, sql: string, ...args: unknown[]) => (db.prepare(sql).get(...args) as { n: number }).n;
    const ownMessages = count(own, 'SELECT count(*) AS n FROM message');
    const ownParts = count(own, 'SELECT count(*) AS n FROM part');
    own.close();
    gooseDb(join(gooseSessions(desktop.home), 'sessions.db'), '20251201_1', '/srv/app', ['desktop question', 'desktop answer']);

    const listed = desktop.json<{ id: string; agent: string; format: string }[]>('sessions');
    expect(new Set(listed.map((s) => s.format))).toEqual(new Set(['opencode-db', 'opencode-storage', 'goose-db', 'goose-jsonl', 'cursor-chat', 'cursor-transcript', 'cursor-cli']));

    // OpenCode: merged into the desktop's opencode.db, path-mapped; its own session is kept.
    type Result = { written: string[]; unchanged: string[]; replaced: string[]; command?: string; howTo?: string; notes: string[]; project?: string };
    const oc = desktop.json<Result>('continue', OPENCODE_SESSION, '--map', '/workspace=/srv/ws');
    const ocDb = join(ocData(desktop.home), 'opencode.db');
    expect(oc.replaced).toEqual([ocDb]);
    expect(oc.written).toEqual([]);
    expect(oc.command).toBe(`cd /srv/ws && opencode --session ${OPENCODE_SESSION}`);
    // The laptop's copy of the sample (never the sample itself: opening it would leave -wal/-shm files there).
    const src = new Database(join(ocData(laptop.home), 'opencode.db'), { readonly: true });
    const merged = new Database(ocDb, { readonly: true });
    expect(count(merged, 'SELECT count(*) AS n FROM message WHERE session_id = ?', OPENCODE_SESSION)).toBe(count(src, 'SELECT count(*) AS n FROM message WHERE session_id = ?', OPENCODE_SESSION));
    expect(count(merged, 'SELECT count(*) AS n FROM part WHERE session_id = ?', OPENCODE_SESSION)).toBe(count(src, 'SELECT count(*) AS n FROM part WHERE session_id = ?', OPENCODE_SESSION));
    expect(count(merged, "SELECT count(*) AS n FROM message WHERE session_id = 'ses_desktop_own'")).toBe(ownMessages);
    expect(count(merged, "SELECT count(*) AS n FROM part WHERE session_id = 'ses_desktop_own'")).toBe(ownParts);
    expect((merged.prepare('SELECT directory FROM session WHERE id = ?').get(OPENCODE_SESSION) as { directory: string }).directory).toBe('/srv/ws');
    expect(merged.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(merged.pragma('foreign_key_check')).toEqual([]);
    src.close();
    merged.close();
    // Again: the rows are already there; nothing changes.
    const ocAgain = desktop.json<Result>('continue', OPENCODE_SESSION, '--map', '/workspace=/srv/ws');
    expect(ocAgain.replaced).toEqual([]);
    expect(ocAgain.unchanged).toEqual([ocDb]);

    // Goose sessions.db: merged; the desktop's message ids are kept, the laptop's get fresh ones.
    const goose = desktop.json<Result>('continue', '20260101_1', '--map', '/home/alice=/srv');
    const gDb = join(gooseSessions(desktop.home), 'sessions.db');
    expect(goose.replaced).toEqual([gDb]);
    expect(goose.command).toBe('cd /srv/app && goose session --resume --session-id 20260101_1');
    const g = new Database(gDb, { readonly: true });
    const texts = (id: string) => (g.prepare('SELECT content_json FROM messages WHERE session_id = ? ORDER BY id').all(id) as { content_json: string }[]).map((r) => (JSON.parse(r.content_json) as { text: string }[])[0]?.text);
    expect(texts('20260101_1')).toEqual(['why does the build fail?', 'A missing import.', 'fix it', 'Fixed.']);
    expect(texts('20251201_1')).toEqual(['desktop question', 'desktop answer']);
    expect((g.prepare("SELECT working_dir FROM sessions WHERE id = '20260101_1'").get() as { working_dir: string }).working_dir).toBe('/srv/app');
    g.close();

    // Goose legacy JSONL: its own file, resumed by name.
    const legacy = desktop.json<Result>('continue', '20250301_120000');
    expect(legacy.written).toEqual([join(gooseSessions(desktop.home), '20250301_120000.jsonl')]);
    expect(legacy.command).toBe('cd /home/alice/app && goose session --resume --name 20250301_120000');

    // Cursor CLI chat store: written whole, resumed with cursor-agent.
    const cli = desktop.json<Result>('continue', 'a1b2c3d4-e5f6-7890-abcd-ef1234567890');
    expect(cli.written).toHaveLength(1);
    expect(cli.written[0]).toMatch(/\.cursor\/chats\/5f0c2b8e3a9d4e1f0a1b2c3d4e5f6a7b\/a1b2c3d4-e5f6-7890-abcd-ef1234567890\/store\.db$/);
    expect(cli.command).toBe('cursor-agent --resume a1b2c3d4-e5f6-7890-abcd-ef1234567890');
    // Again, beside a log of this machine's copy (its cursor-agent was killed): changes of this
    // machine's own, so refused (exit 10, nothing written) until asked for with --replace; then
    // the copy, log included, is what the safety snapshot keeps; the log doesn't stay to be
    // applied to the session's.
    const store = cli.written[0] as string;
    writeFileSync(`${store}-wal`, Buffer.alloc(4096, 1));
    const refused = desktop.run('continue', 'a1b2c3d4-e5f6-7890-abcd-ef1234567890');
    expect(refused.code).toBe(10);
    expect(refused.stderr).toContain("this machine's copy of the session has changes the one from laptop doesn't");
    expect(existsSync(`${store}-wal`)).toBe(true);
    const again = desktop.json<Result>('continue', 'a1b2c3d4-e5f6-7890-abcd-ef1234567890', '--replace');
    expect(again.replaced).toEqual([store]);
    expect(existsSync(`${store}-wal`)).toBe(false);

    // Cursor's editor chats: restored, but no command resumes them: what to do instead.
    const ideChat = listed.find((s) => s.format === 'cursor-chat');
    expect(ideChat).toBeDefined();
    const ide = desktop.json<Result>('continue', ideChat!.id, '--agent', 'cursor');
    expect(ide.command).toBeUndefined();
    expect(ide.howTo).toMatch(/in Cursor; the chat is in the Composer \(Agent\) history/);
    expect(ide.written.every((f) => existsSync(f) && statSync(f).size > 0)).toBe(true);
    const printed = desktop.run('continue', ideChat!.id, '--agent', 'cursor');
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/Composer \(Agent\) history/);
    expect(printed.stdout).not.toMatch(/cursor-agent --resume [0-9a-f]/);
  });
});

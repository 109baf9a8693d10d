// Fixture homes for tests and benchmarks: for each agent and each OS layout, a realistic tree in
// a temporary home, built at run time (no checked-in binaries): transcripts, SQLite databases in
// WAL mode whose recent rows live only in `-wal`, sidecar files, caches, and secret files and
// secrets planted inside files. Paths are written out literally per OS rather than derived from
// the adapters, so the tests check the adapters against the agents' real layouts.

import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Platform } from '../../../shared/models.ts';
import type { AgentContext } from './types.ts';

export type Expectation = 'included' | 'secret' | 'excluded';

export interface AgentFixture {
  agent: string;
  /** Files a backup must contain (a database counts once; its sidecars are `excluded`). */
  included: string[];
  /** Files that must never be uploaded. */
  secrets: string[];
  /** Other files a backup must leave out: caches, logs, sidecars, other programs' data. */
  excluded: string[];
  /** Bytes detection must report: included files, plus each database's `-wal`. */
  bytes: number;
  sessions: number;
  /** Credentials planted inside included files (DB rows, JSON keys): scrubbing must remove them. */
  innerSecrets: string[];
}

export interface FixtureOptions {
  home: string;
  platform: Platform;
}

/** A temporary folder; remove it with `rmSync(path, { recursive: true, force: true })`. */
export function makeTempHome(prefix = 'cairn-home-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The context tests use: no variables from the real environment leak in. */
export function fixtureContext(home: string, platform: Platform, extra: Partial<AgentContext> = {}): AgentContext {
  return { home, platform, env: {}, ...extra };
}

/** A token-looking string, unique per call, easy to search for in bytes. */
export function fakeSecret(kind: string): string {
  return `cairn-test-${kind}-${randomBytes(12).toString('hex')}`;
}

export interface WalDatabaseSpec {
  /** Schema and rows that end up in the main file (checkpointed). */
  base: (db: Database.Database) => void;
  /** Rows written after the checkpoint: they exist only in the `-wal` sidecar. */
  recent?: (db: Database.Database) => void;
}

/**
 * Writes a WAL-mode database at `path` as a running agent leaves it: main file, `-wal` holding the
 * recent transactions, and `-shm`. Built in a scratch folder and copied while still open, because
 * closing the last connection would checkpoint the WAL away.
 */
export function createWalDatabase(path: string, spec: WalDatabaseSpec): void {
  const scratch = mkdtempSync(join(tmpdir(), 'cairn-wal-'));
  const tmp = join(scratch, 'db');
  const db = new Database(tmp);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    spec.base(db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    spec.recent?.(db);
    mkdirSync(dirname(path), { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(tmp + suffix)) copyFileSync(tmp + suffix, path + suffix);
  } finally {
    db.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Records what a builder writes and what each file is expected to become. */
export class FixtureWriter {
  readonly fixture: AgentFixture;
  private readonly sqlitePaths: string[] = [];

  constructor(agent: string) {
    this.fixture = { agent, included: [], secrets: [], excluded: [], bytes: 0, sessions: 0, innerSecrets: [] };
  }

  file(path: string, content: string | Buffer, expect: Expectation): this {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    this.record(path, expect);
    return this;
  }

  jsonl(path: string, records: readonly unknown[], expect: Expectation = 'included'): this {
    return this.file(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n', expect);
  }

  json(path: string, value: unknown, expect: Expectation = 'included'): this {
    return this.file(path, `${JSON.stringify(value, null, 2)}\n`, expect);
  }

  /** A WAL database; its `-wal` and `-shm` are recorded as excluded. */
  sqlite(path: string, spec: WalDatabaseSpec, expect: Expectation = 'included'): this {
    createWalDatabase(path, spec);
    this.record(path, expect);
    if (expect === 'included') this.sqlitePaths.push(path);
    for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) this.fixture.excluded.push(path + suffix);
    return this;
  }

  sessions(n: number): this {
    this.fixture.sessions += n;
    return this;
  }

  secretInside(value: string): string {
    this.fixture.innerSecrets.push(value);
    return value;
  }

  private record(path: string, expect: Expectation): void {
    const list = expect === 'included' ? this.fixture.included : expect === 'secret' ? this.fixture.secrets : this.fixture.excluded;
    list.push(path);
  }

  /** Computes the expected bytes from the files as written. */
  done(): AgentFixture {
    let bytes = 0;
    for (const path of this.fixture.included) bytes += statSync(path).size;
    for (const path of this.sqlitePaths) if (existsSync(`${path}-wal`)) bytes += statSync(`${path}-wal`).size;
    this.fixture.bytes = bytes;
    return this.fixture;
  }
}

function uuid(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `0d6c3f1e-7a2b-4c5d-9e8f-${hex}`;
}

/** Where VS Code-family editors keep `User` on each OS, written out literally. */
export function editorUserDir(home: string, platform: Platform, product: string): string {
  switch (platform) {
    case 'linux':
      return join(home, '.config', product, 'User');
    case 'darwin':
      return join(home, 'Library', 'Application Support', product, 'User');
    case 'win32':
      return join(home, 'AppData', 'Roaming', product, 'User');
  }
}

function transcript(session: string, turns: number): unknown[] {
  const lines: unknown[] = [];
  for (let i = 0; i < turns; i++) {
    lines.push({ type: 'user', sessionId: session, uuid: `${session}-u${i}`, message: { role: 'user', content: `question ${i}` } });
    lines.push({ type: 'assistant', sessionId: session, uuid: `${session}-a${i}`, message: { role: 'assistant', content: [{ type: 'text', text: `answer ${i}` }] } });
  }
  return lines;
}

export async function buildClaudeCodeFixture({ home }: FixtureOptions, root = join(home, '.claude')): Promise<AgentFixture> {
  const w = new FixtureWriter('claude-code');
  const apiKey = w.secretInside(fakeSecret('anthropic-key'));
  w.json(join(root, 'settings.json'), { model: 'opus', cleanupPeriodDays: 30, env: { ANTHROPIC_API_KEY: apiKey, DISABLE_TELEMETRY: '1' } });
  w.file(join(root, 'CLAUDE.md'), '# Personal instructions\nPrefer small commits.\n', 'included');
  w.jsonl(join(root, 'history.jsonl'), [
    { display: 'fix the build', timestamp: 1717236000000, project: '/home/alice/src/app' },
    { display: 'add tests', timestamp: 1717239600000, project: '/home/alice/src/lib' },
  ]);
  const app = join(root, 'projects', '-home-alice-src-app');
  w.jsonl(join(app, `${uuid(1)}.jsonl`), transcript(uuid(1), 3)).sessions(1);
  w.jsonl(join(app, `${uuid(2)}.jsonl`), transcript(uuid(2), 1)).sessions(1);
  w.jsonl(join(app, uuid(1), 'subagents', 'agent-a1b2c3.jsonl'), transcript('agent-a1b2c3', 1));
  w.file(join(app, uuid(1), 'tool-results', 'toolu_01.txt'), 'long tool output\n'.repeat(20), 'included');
  w.file(join(app, 'memory', 'MEMORY.md'), '- The app uses pnpm.\n', 'included');
  w.jsonl(join(root, 'projects', '-home-alice-src-lib', `${uuid(3)}.jsonl`), transcript(uuid(3), 2)).sessions(1);
  w.json(join(root, 'todos', `${uuid(1)}-agent-${uuid(1)}.json`), [{ content: 'write docs', status: 'pending' }]);
  w.file(join(root, 'file-history', uuid(1), '3f2a9c@v1'), 'export const x = 1;\n', 'included');
  w.file(join(root, 'commands', 'review.md'), 'Review the diff.\n', 'included');
  w.json(join(root, '.credentials.json'), { claudeAiOauth: { accessToken: fakeSecret('oauth'), refreshToken: fakeSecret('refresh') } }, 'secret');
  w.file(join(root, 'debug', `${uuid(1)}.txt`), 'debug trace\n', 'excluded');
  w.json(join(root, 'statsig', 'statsig.cached.evaluations.json'), { x: 1 }, 'excluded');
  w.file(join(root, 'shell-snapshots', 'snapshot-bash-1.sh'), `export GITHUB_TOKEN=${fakeSecret('gh')}\n`, 'excluded');
  w.file(join(root, 'ide', '41234.lock'), '{}', 'excluded');
  // Machine state beside the folder: opt-in only, never in a default backup.
  w.json(join(home, '.claude.json'), { numStartups: 3, mcpServers: { gh: { command: 'gh-mcp', env: { GITHUB_TOKEN: fakeSecret('gh') } } } }, 'excluded');
  return w.done();
}

export async function buildCodexFixture({ home }: FixtureOptions, root = join(home, '.codex')): Promise<AgentFixture> {
  const w = new FixtureWriter('codex');
  w.file(join(root, 'config.toml'), 'model = "gpt-5-codex"\napproval_policy = "on-request"\n\n[mcp_servers.docs]\ncommand = "docs-mcp"\nbearer_token_env_var = "DOCS_TOKEN"\n', 'included');
  w.file(join(root, 'AGENTS.md'), 'Run the tests before committing.\n', 'included');
  const a = `${uuid(11)}`;
  const b = `${uuid(12)}`;
  w.jsonl(join(root, 'history.jsonl'), [{ session_id: a, ts: 1717236000, text: 'fix lint' }]);
  w.jsonl(join(root, 'session_index.jsonl'), [{ id: a, thread_name: 'lint', updated_at: '2025-06-01T10:00:00Z' }]);
  w.jsonl(join(root, 'sessions', '2025', '06', '01', `rollout-2025-06-01T10-00-00-${a}.jsonl`), [
    { type: 'session_meta', payload: { id: a, cwd: '/home/alice/src/app' } },
    { type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'fix lint' }] } },
  ]).sessions(1);
  w.file(join(root, 'sessions', '2025', '06', '02', `rollout-2025-06-02T09-30-00-${b}.jsonl.zst`), randomBytes(600), 'included').sessions(1);
  w.jsonl(join(root, 'archived_sessions', `rollout-2025-05-20T08-00-00-${uuid(13)}.jsonl`), [{ type: 'session_meta', payload: { id: uuid(13) } }]).sessions(1);
  w.sqlite(join(root, 'state_5.sqlite'), {
    base: (db) => {
      db.exec('CREATE TABLE threads (id TEXT PRIMARY KEY, rollout_path TEXT, title TEXT)');
      db.prepare('INSERT INTO threads VALUES (?, ?, ?)').run(a, 'sessions/2025/06/01/x.jsonl', 'lint');
    },
    recent: (db) => {
      db.prepare('INSERT INTO threads VALUES (?, ?, ?)').run(b, 'sessions/2025/06/02/y.jsonl', 'recent only in wal');
    },
  });
  w.json(join(root, 'auth.json'), { OPENAI_API_KEY: fakeSecret('openai'), tokens: { refresh_token: fakeSecret('refresh') } }, 'secret');
  w.file(join(root, 'log', 'codex-tui.log'), 'INFO started\n', 'excluded');
  w.sqlite(join(root, 'logs_2.sqlite'), { base: (db) => db.exec('CREATE TABLE logs (msg TEXT); INSERT INTO logs VALUES (1)') }, 'excluded');
  return w.done();
}

export async function buildGooseFixture({ home, platform }: FixtureOptions, pathRoot?: string): Promise<AgentFixture> {
  const w = new FixtureWriter('goose');
  let config: string;
  let data: string;
  let state: string | undefined;
  if (pathRoot) {
    config = join(pathRoot, 'config');
    data = join(pathRoot, 'data');
    state = join(pathRoot, 'state');
  } else if (platform === 'win32') {
    config = join(home, 'AppData', 'Roaming', 'Block', 'goose', 'config');
    data = join(home, 'AppData', 'Roaming', 'Block', 'goose', 'data');
  } else {
    // XDG on macOS too: Goose uses etcetera's choose_app_strategy.
    config = join(home, '.config', 'goose');
    data = join(home, '.local', 'share', 'goose');
    state = join(home, '.local', 'state', 'goose');
  }
  w.file(join(config, 'config.yaml'), 'GOOSE_PROVIDER: anthropic\nGOOSE_MODEL: claude-sonnet-4\nextensions:\n  developer:\n    enabled: true\n    type: builtin\n', 'included');
  w.file(join(config, 'history.txt'), 'list the files\nrun the tests\n', 'included');
  w.file(join(config, 'secrets.yaml'), `ANTHROPIC_API_KEY: ${fakeSecret('anthropic')}\n`, 'secret');
  w.json(join(config, 'databricks', 'oauth', 'tokens.json'), { access_token: fakeSecret('databricks') }, 'secret');
  w.sqlite(join(data, 'sessions', 'sessions.db'), {
    base: (db) => {
      db.exec('CREATE TABLE sessions (id TEXT PRIMARY KEY, working_dir TEXT, description TEXT)');
      db.exec('CREATE TABLE messages (id INTEGER PRIMARY KEY, session_id TEXT, role TEXT, content_json TEXT)');
      const insert = db.prepare('INSERT INTO sessions VALUES (?, ?, ?)');
      for (let i = 1; i <= 3; i++) insert.run(`20250601_${i}`, '/home/alice/src/app', `session ${i}`);
      db.prepare('INSERT INTO messages (session_id, role, content_json) VALUES (?, ?, ?)').run('20250601_1', 'user', '[{"type":"text","text":"hi"}]');
    },
    recent: (db) => {
      db.prepare('INSERT INTO sessions VALUES (?, ?, ?)').run('20250602_1', '/home/alice/src/app', 'only in wal');
    },
  });
  w.sessions(4);
  // A pre-database session file, already migrated: counted once, by the larger count.
  w.jsonl(join(data, 'sessions', '20240101_1.jsonl'), [{ working_dir: '/home/alice' }, { role: 'user', content: [{ type: 'text', text: 'hello' }] }]);
  w.file(join(data, 'logs', 'server.log'), 'started\n', 'excluded');
  if (state) w.file(join(state, 'logs', 'cli', '2025-06-01', 'goose.log'), 'log line\n', 'excluded');
  return w.done();
}

export async function buildGeminiCliFixture({ home }: FixtureOptions, cliHome = home): Promise<AgentFixture> {
  const w = new FixtureWriter('gemini-cli');
  const root = join(cliHome, '.gemini');
  const token = w.secretInside(fakeSecret('github'));
  w.json(join(root, 'settings.json'), { security: { auth: { selectedType: 'oauth-personal' } }, mcpServers: { github: { command: 'github-mcp', env: { GITHUB_TOKEN: token } } } });
  w.file(join(root, 'GEMINI.md'), 'Answer briefly.\n', 'included');
  w.json(join(root, 'projects.json'), { projects: { '/home/alice/src/app': 'app' } });
  const project = join(root, 'tmp', 'app');
  w.json(join(project, 'chats', 'session-2025-06-01T10-00-1a2b3c4d.json'), { sessionId: uuid(21), messages: [{ type: 'user', content: 'hi' }] }).sessions(1);
  w.jsonl(join(project, 'chats', 'session-2025-06-02T11-00-5e6f7a8b.jsonl'), [{ sessionId: uuid(22) }, { type: 'user', content: 'again' }]).sessions(1);
  w.json(join(project, 'logs.json'), [{ sessionId: uuid(21), type: 'user', message: 'hi' }]);
  w.json(join(root, 'oauth_creds.json'), { access_token: fakeSecret('google'), refresh_token: fakeSecret('refresh') }, 'secret');
  w.json(join(root, 'google_accounts.json'), { active: 'alice@example.com' }, 'secret');
  w.file(join(root, '.env'), `GEMINI_API_KEY=${fakeSecret('gemini')}\n`, 'secret');
  w.json(join(root, 'mcp-oauth-tokens.json'), { github: { accessToken: fakeSecret('mcp') } }, 'secret');
  w.file(join(root, 'antigravity-browser-profile', 'Default', 'Cookies'), randomBytes(64), 'excluded');
  w.file(join(root, 'tmp', 'bin', 'rg'), randomBytes(128), 'excluded');
  w.file(join(root, 'history', 'app', 'HEAD'), 'ref: refs/heads/main\n', 'excluded');
  return w.done();
}

export async function buildOpencodeFixture({ home }: FixtureOptions): Promise<AgentFixture> {
  const w = new FixtureWriter('opencode');
  // xdg-basedir: the same folders on every OS, Windows included.
  const data = join(home, '.local', 'share', 'opencode');
  const config = join(home, '.config', 'opencode');
  const state = join(home, '.local', 'state', 'opencode');
  const access = w.secretInside(fakeSecret('opencode-access'));
  const refresh = w.secretInside(fakeSecret('opencode-refresh'));
  w.sqlite(join(data, 'opencode.db'), {
    base: (db) => {
      db.exec('CREATE TABLE session (id TEXT PRIMARY KEY, title TEXT, directory TEXT, time_created INTEGER, time_updated INTEGER)');
      db.exec('CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, data TEXT)');
      db.exec('CREATE TABLE account (id TEXT PRIMARY KEY, email TEXT, url TEXT, access_token TEXT, refresh_token TEXT, token_expiry INTEGER)');
      db.exec('CREATE TABLE control_account (email TEXT, url TEXT, access_token TEXT, refresh_token TEXT, active INTEGER)');
      db.exec('CREATE TABLE account_state (id INTEGER PRIMARY KEY, active_account_id TEXT, active_org_id TEXT)');
      const s = db.prepare('INSERT INTO session VALUES (?, ?, ?, ?, ?)');
      s.run('ses_1', 'fix build', '/home/alice/src/app', 1, 2);
      s.run('ses_2', 'write docs', '/home/alice/src/app', 3, 4);
      db.prepare('INSERT INTO message VALUES (?, ?, ?)').run('msg_1', 'ses_1', '{"role":"user"}');
      db.prepare('INSERT INTO account VALUES (?, ?, ?, ?, ?, ?)').run('acc_1', 'alice@example.com', 'https://opencode.ai', access, refresh, 0);
      db.prepare('INSERT INTO account_state VALUES (1, ?, NULL)').run('acc_1');
    },
    recent: (db) => {
      db.prepare('INSERT INTO session VALUES (?, ?, ?, ?, ?)').run('ses_3', 'only in wal', '/home/alice/src/lib', 5, 6);
      db.prepare('INSERT INTO control_account VALUES (?, ?, ?, ?, 1)').run('alice@example.com', 'https://opencode.ai', access, refresh);
    },
  });
  w.sessions(3);
  w.json(join(data, 'storage', 'session', 'info', 'proj1', 'ses_1.json'), { id: 'ses_1', title: 'fix build' });
  w.json(join(data, 'storage', 'message', 'ses_1', 'msg_1.json'), { id: 'msg_1', role: 'user' });
  w.json(join(data, 'auth.json'), { anthropic: { type: 'api', key: fakeSecret('anthropic') } }, 'secret');
  w.json(join(data, 'mcp-auth.json'), { docs: { tokens: { accessToken: fakeSecret('mcp') } } }, 'secret');
  w.file(join(data, 'log', '2025-06-01T100000.log'), 'INFO\n', 'excluded');
  w.file(join(data, 'snapshot', 'proj1', 'HEAD'), 'ref: refs/heads/main\n', 'excluded');
  w.file(join(data, 'bin', 'rg'), randomBytes(64), 'excluded');
  const key = w.secretInside(fakeSecret('provider-key'));
  w.json(join(config, 'opencode.json'), { $schema: 'https://opencode.ai/config.json', provider: { anthropic: { options: { apiKey: key, baseURL: 'https://api.anthropic.com' } } } });
  w.file(join(config, 'agent', 'reviewer.md'), '---\ndescription: reviews\n---\nReview.\n', 'included');
  w.jsonl(join(state, 'prompt-history.jsonl'), [{ input: 'fix build' }, { input: 'write docs' }]);
  return w.done();
}

function vscdb(w: FixtureWriter, path: string, items: Record<string, string>, composers: number): void {
  w.sqlite(path, {
    base: (db) => {
      db.exec('CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)');
      db.exec('CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)');
      const put = db.prepare('INSERT INTO ItemTable VALUES (?, ?)');
      for (const [k, v] of Object.entries(items)) put.run(k, v);
    },
    recent: (db) => {
      const put = db.prepare('INSERT INTO cursorDiskKV VALUES (?, ?)');
      for (let i = 1; i <= composers; i++) put.run(`composerData:${uuid(40 + i)}`, JSON.stringify({ composerId: uuid(40 + i), conversation: [] }));
    },
  });
}

export async function buildCursorFixture({ home, platform }: FixtureOptions): Promise<AgentFixture> {
  const w = new FixtureWriter('cursor');
  const user = editorUserDir(home, platform, 'Cursor');
  const access = w.secretInside(fakeSecret('cursor-access'));
  const refresh = w.secretInside(fakeSecret('cursor-refresh'));
  const stored = w.secretInside(fakeSecret('secret-storage'));
  vscdb(
    w,
    join(user, 'globalStorage', 'state.vscdb'),
    {
      'cursorAuth/accessToken': access,
      'cursorAuth/refreshToken': refresh,
      'cursorAuth/cachedEmail': 'alice@example.com',
      'secret://{"extensionId":"vscode.github-authentication","key":"github.auth"}': stored,
      'workbench.panel.height': '300',
    },
    2,
  );
  w.sessions(2);
  w.file(join(user, 'globalStorage', 'state.vscdb.backup'), `SQLite format 3\0${access}`, 'excluded');
  w.file(join(user, 'globalStorage', 'ms-python.python', 'cache.bin'), randomBytes(256), 'excluded');
  vscdb(w, join(user, 'workspaceStorage', 'a1b2c3d4', 'state.vscdb'), { 'workbench.explorer.views.state': '{}' }, 0);
  w.json(join(user, 'workspaceStorage', 'a1b2c3d4', 'workspace.json'), { folder: 'file:///home/alice/src/app' });
  w.json(join(user, 'settings.json'), { 'editor.fontSize': 14 });
  w.file(join(user, 'History', '-5c1f', 'entries.json'), '{}', 'excluded');
  const dot = join(home, '.cursor');
  const transcripts = join(dot, 'projects', 'home-alice-src-app', 'agent-transcripts');
  w.jsonl(join(transcripts, `${uuid(51)}.jsonl`), [{ role: 'user', message: { content: [{ type: 'text', text: 'hi' }] } }]).sessions(1);
  w.jsonl(join(transcripts, uuid(52), `${uuid(52)}.jsonl`), [{ role: 'assistant', message: { content: [{ type: 'text', text: 'hello' }] } }]).sessions(1);
  w.sqlite(join(dot, 'chats', 'f00dbabe', uuid(53), 'store.db'), {
    base: (db) => db.exec("CREATE TABLE blobs (id TEXT PRIMARY KEY, data BLOB); CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('0', 'agent chat')"),
    recent: (db) => db.exec("INSERT INTO blobs VALUES ('b1', x'00ff')"),
  });
  w.sessions(1);
  w.file(join(dot, 'rules', 'style.mdc'), '---\nalwaysApply: true\n---\nUse tabs.\n', 'included');
  const token = w.secretInside(fakeSecret('mcp-env'));
  w.json(join(dot, 'mcp.json'), { mcpServers: { linear: { command: 'linear-mcp', env: { LINEAR_API_KEY: token } } } });
  w.json(join(dot, 'extensions', 'ext.one-1.0.0', 'package.json'), { name: 'one' }, 'excluded');
  w.json(join(dot, 'cli-config.json'), { authInfo: { email: 'alice@example.com' } }, 'excluded');
  return w.done();
}

function clineTask(w: FixtureWriter, dir: string, id: string): void {
  w.json(join(dir, 'tasks', id, 'api_conversation_history.json'), [{ role: 'user', content: [{ type: 'text', text: `<task>${id}</task>` }] }]);
  w.json(join(dir, 'tasks', id, 'ui_messages.json'), [{ ts: 1, type: 'say', say: 'text', text: id }]);
  w.json(join(dir, 'tasks', id, 'task_metadata.json'), { files_in_context: [] });
  w.sessions(1);
}

export async function buildClineFixture({ home, platform }: FixtureOptions, dataDir = join(home, '.cline', 'data')): Promise<AgentFixture> {
  const w = new FixtureWriter('cline');
  clineTask(w, dataDir, '1717236000000');
  clineTask(w, dataDir, '1717239600000');
  w.json(join(dataDir, 'state', 'taskHistory.json'), [{ id: '1717236000000' }, { id: '1717239600000' }]);
  w.json(join(dataDir, 'globalState.json'), { mode: 'act', actModeApiProvider: 'anthropic' });
  const token = w.secretInside(fakeSecret('cline-mcp'));
  w.json(join(dataDir, 'settings', 'cline_mcp_settings.json'), { mcpServers: { gh: { command: 'gh-mcp', env: { GITHUB_TOKEN: token }, disabled: false } } });
  w.json(join(dataDir, 'secrets.json'), { apiKey: fakeSecret('anthropic') }, 'secret');
  w.json(join(dataDir, 'settings', 'providers.json'), { providers: { cline: { settings: { auth: { accessToken: fakeSecret('cline') } } } } }, 'secret');
  w.file(join(dataDir, 'checkpoints', '12345', '.git', 'HEAD'), 'ref: refs/heads/main\n', 'excluded');

  const code = join(editorUserDir(home, platform, 'Code'), 'globalStorage', 'saoudrizwan.claude-dev');
  clineTask(w, code, '1717300000000');
  w.file(join(code, 'checkpoints', '999', '.git', 'objects', 'ab', 'cdef'), randomBytes(512), 'excluded');
  w.file(join(code, 'puppeteer', '.chromium-browser-snapshots', 'chrome'), randomBytes(256), 'excluded');
  w.json(join(editorUserDir(home, platform, 'Code'), 'globalStorage', 'github.copilot-chat', 'state.json'), { x: 1 }, 'excluded');

  const roo = join(editorUserDir(home, platform, 'Windsurf'), 'profiles', '4a3f2c1b', 'globalStorage', 'rooveterinaryinc.roo-cline');
  clineTask(w, roo, uuid(61));
  w.file(join(roo, 'settings', 'custom_modes.yaml'), 'customModes: []\n', 'included');
  // VS Code Insiders installed without either extension: not a Cline root.
  w.json(join(editorUserDir(home, platform, 'Code - Insiders'), 'settings.json'), { 'editor.fontSize': 13 }, 'excluded');
  return w.done();
}

/** Aider repositories: two under `<home>/src` (found by scanning), one listed explicitly. */
export async function buildAiderFixture({ home }: FixtureOptions): Promise<AgentFixture & { scanFolders: string[]; aiderRepos: string[] }> {
  const w = new FixtureWriter('aider');
  const chat = (starts: number): string =>
    Array.from({ length: starts }, (_, i) => `\n# aider chat started at 2025-06-0${i + 1} 10:00:00\n\n#### fix the bug\n\nDone.\n`).join('');
  const app = join(home, 'src', 'app');
  w.file(join(app, '.aider.chat.history.md'), chat(2), 'included').sessions(2);
  w.file(join(app, '.aider.input.history'), '\n# 2025-06-01 10:00:00\n+fix the bug\n', 'included');
  w.file(join(app, '.aider.conf.yml'), 'model: sonnet\nauto-commits: false\n', 'included');
  w.file(join(app, '.env'), `ANTHROPIC_API_KEY=${fakeSecret('anthropic')}\n`, 'secret');
  w.file(join(app, 'src', 'main.py'), 'print("hi")\n', 'excluded');
  w.file(join(app, '.git', 'HEAD'), 'ref: refs/heads/main\n', 'excluded');
  w.file(join(app, '.aider.tags.cache.v4', 'cache.db'), randomBytes(64), 'excluded');
  const lib = join(home, 'src', 'team', 'libs', 'lib');
  w.file(join(lib, '.aider.chat.history.md'), chat(1), 'included').sessions(1);
  // Too deep below the scan folder: not found, not backed up.
  w.file(join(home, 'src', 'a', 'b', 'c', 'd', 'e', '.aider.chat.history.md'), chat(1), 'excluded');
  const tool = join(home, 'work', 'tool');
  w.file(join(tool, '.aider.chat.history.md'), chat(1), 'included').sessions(1);
  const key = w.secretInside(fakeSecret('openai'));
  w.file(join(tool, '.aider.conf.yml'), `model: gpt-4o\nopenai-api-key: ${key}\n`, 'included');
  return { ...w.done(), scanFolders: [join(home, 'src')], aiderRepos: [tool] };
}

export type FixtureBuilder = (options: FixtureOptions) => Promise<AgentFixture>;

export const FIXTURE_BUILDERS: Readonly<Record<string, FixtureBuilder>> = {
  'claude-code': (o) => buildClaudeCodeFixture(o),
  codex: (o) => buildCodexFixture(o),
  goose: (o) => buildGooseFixture(o),
  'gemini-cli': (o) => buildGeminiCliFixture(o),
  opencode: (o) => buildOpencodeFixture(o),
  cursor: (o) => buildCursorFixture(o),
  cline: (o) => buildClineFixture(o),
  aider: (o) => buildAiderFixture(o),
};

/** Every agent's fixture in one home, and the context that finds the Aider repositories. */
export async function buildAllFixtures(options: FixtureOptions): Promise<{ fixtures: Record<string, AgentFixture>; ctx: AgentContext }> {
  const fixtures: Record<string, AgentFixture> = {};
  let aider: { scanFolders: string[]; aiderRepos: string[] } = { scanFolders: [], aiderRepos: [] };
  for (const [id, build] of Object.entries(FIXTURE_BUILDERS)) {
    if (id === 'aider') {
      const built = await buildAiderFixture(options);
      aider = { scanFolders: built.scanFolders, aiderRepos: built.aiderRepos };
      fixtures[id] = built;
    } else {
      fixtures[id] = await build(options);
    }
  }
  return { fixtures, ctx: fixtureContext(options.home, options.platform, aider) };
}

/**
 * A large Claude Code tree for benchmarks: `files` transcripts of about `bytesPerFile` bytes
 * spread over `projects` project folders.
 */
export function buildLargeClaudeTree(home: string, files: number, options: { projects?: number; bytesPerFile?: number } = {}): { files: number; bytes: number } {
  const projects = options.projects ?? 50;
  const line = `${JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: 'x'.repeat(200) }] } })}\n`;
  const body = line.repeat(Math.max(1, Math.round((options.bytesPerFile ?? 4096) / line.length)));
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const dir = join(home, '.claude', 'projects', `-home-alice-src-p${i % projects}`);
    if (i < projects) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${uuid(100000 + i)}.jsonl`), body);
    bytes += body.length;
  }
  return { files, bytes };
}

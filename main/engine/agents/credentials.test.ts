// Each credential location the adapters list, tested against a realistic sample: what a backup
// uploads holds none of it, and what stays local is said to.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRules, planUpload, rulesFor, scrubSqliteCopy } from '../backup/index.ts';
import type { BackupSource } from '../backup/index.ts';
import { fakeSecret, fixtureContext, makeTempHome } from './fixtures.ts';
import { ADAPTERS } from './registry.ts';
import { toBackupSources, withAgentRules } from './sources.ts';
import type { AgentBackupSource, AgentContext } from './types.ts';

let home: string;
let ctx: AgentContext;

beforeAll(() => {
  home = makeTempHome('cairn-creds-');
  ctx = fixtureContext(home, 'linux', { scanFolders: [] });
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function source(agent: string, label: string): Promise<AgentBackupSource> {
  const found = (await toBackupSources(ADAPTERS, ctx, [agent], { keepMissing: true })).find((s) => s.label === label);
  if (!found) throw new Error(`no ${label}`);
  return found;
}

function db(path: string, sql: string, rows: [string, unknown[]][] = []): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const d = new Database(path);
  d.exec(sql);
  for (const [stmt, params] of rows) d.prepare(stmt).run(...params);
  d.close();
}

describe('credential files are secret wherever a rule names them', () => {
  it.each([
    ['codex', 'codex/home', 'shell_snapshots/019fc8be.sh'],
    ['codex', 'codex/home', 'auth.json'],
    ['gemini-cli', 'gemini-cli/home', 'cli-browser-profile/Default/Cookies'],
    ['gemini-cli', 'gemini-cli/home', 'antigravity/antigravity-browser-profile/Default/Login Data'],
    ['gemini-cli', 'gemini-cli/home', 'gemini-credentials.json'],
    ['claude-code', 'claude-code/config', 'shell-snapshots/snapshot-bash-1.sh'],
    ['claude-code', 'claude-code/config', '.credentials.json'],
    ['cursor', 'cursor/user', 'globalStorage/state.vscdb.backup'],
    ['opencode', 'opencode/data', 'mcp-auth.json'],
    ['goose', 'goose/config', 'secrets.yaml'],
  ])('%s: %s/%s', async (agent, label, rel) => {
    const rules = compileRules(await source(agent, label));
    const parts = rel.split('/');
    // Either a folder on the way is skipped as secret, or the file is.
    const dirSecret = parts.slice(0, -1).some((_, i) => rules.skipDir(parts.slice(0, i + 1).join('/')) === 'secret');
    expect(dirSecret || rules.classify(rel) === 'secret').toBe(true);
  });

  it('includes Antigravity CLI transcripts and brain notes that the old `antigravity*` rule dropped', async () => {
    const rules = compileRules(await source('gemini-cli', 'gemini-cli/home'));
    expect(rules.classify('antigravity-cli/brain/abc/.system_generated/logs/transcript.jsonl')).toBe('included');
    expect(rules.classify('antigravity/brain/abc/task.md')).toBe('included');
    expect(rules.classify('antigravity-cli/settings.json')).toBe('included');
    expect(rules.classify('tmp/p/chats/session-1.jsonl.tmp-4242')).toBe('excluded');
    expect(rules.classify('tmp/p/chats/session-1.jsonl.unreadable-1767000000')).toBe('excluded');
  });

  it('copies Codex databases in sqlite/ consistently and leaves its log databases out', async () => {
    const rules = compileRules(await source('codex', 'codex/home'));
    expect(rules.isSqlite('sqlite/state_5.sqlite')).toBe(true);
    expect(rules.classify('sqlite/logs_2.sqlite')).toBe('excluded');
    expect(rules.classify('logs_2.sqlite')).toBe('excluded');
  });
});

describe('credentials inside databases', () => {
  it('empties OpenCode session_share.secret, keeps the share, and proves the copy is free of it', async () => {
    const secret = fakeSecret('share');
    const path = join(home, 'oc', 'opencode.db');
    db(path, 'CREATE TABLE session (id TEXT PRIMARY KEY); CREATE TABLE session_share (session_id TEXT PRIMARY KEY, id TEXT NOT NULL, secret TEXT NOT NULL, url TEXT NOT NULL)', [
      ['INSERT INTO session VALUES (?)', ['ses_1']],
      ['INSERT INTO session_share VALUES (?, ?, ?, ?)', ['ses_1', 'shr_1', secret, 'https://opncd.ai/s/shr_1']],
    ]);
    const rules = rulesFor((await source('opencode', 'opencode/data')).contentRules, 'opencode.db');
    expect(await scrubSqliteCopy(path, rules)).toEqual({ rowsDeleted: 1, tables: ['session_share'] });
    expect(readFileSync(path).includes(secret)).toBe(false);
    const d = new Database(path, { readonly: true });
    expect(d.prepare('SELECT url, secret FROM session_share').get()).toEqual({ url: 'https://opncd.ai/s/shr_1', secret: '' });
    d.close();
  });

  it('deletes the WorkosCursorSessionToken, cursorAuth/* and secret:// rows of state.vscdb', async () => {
    const token = fakeSecret('workos');
    const access = fakeSecret('access');
    const vault = fakeSecret('secretstorage');
    const path = join(home, 'cursor', 'state.vscdb');
    db(path, 'CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)', [
      ['INSERT INTO ItemTable VALUES (?, ?)', ['WorkosCursorSessionToken', `user_01::${token}`]],
      ['INSERT INTO ItemTable VALUES (?, ?)', ['cursorAuth/accessToken', access]],
      ['INSERT INTO ItemTable VALUES (?, ?)', ['secret://{"extensionId":"x","key":"k"}', vault]],
      ['INSERT INTO ItemTable VALUES (?, ?)', ['workbench.panel.height', '300']],
    ]);
    const rules = rulesFor((await source('cursor', 'cursor/user')).contentRules, 'globalStorage/state.vscdb');
    expect((await scrubSqliteCopy(path, rules)).rowsDeleted).toBe(3);
    const bytes = readFileSync(path);
    for (const s of [token, access, vault]) expect(bytes.includes(s)).toBe(false);
  });

  it('VACUUMs even when no row matched, so a credential the agent deleted earlier leaves no free page behind', async () => {
    const old = fakeSecret('freed');
    const path = join(home, 'freed', 'opencode.db');
    db(path, `CREATE TABLE account (id TEXT, access_token TEXT); CREATE TABLE session (id TEXT); INSERT INTO account VALUES ('a', '${old}'); INSERT INTO session VALUES ('s')`);
    // The agent logs out: its row is deleted but, without secure_delete, its bytes stay in a free page.
    const agent = new Database(path);
    agent.exec('DELETE FROM account');
    agent.close();
    expect(readFileSync(path).includes(old)).toBe(true);
    await scrubSqliteCopy(path, rulesFor((await source('opencode', 'opencode/data')).contentRules, 'opencode.db'));
    expect(readFileSync(path).includes(old)).toBe(false);
  });

  it('refuses a copy that still holds a removed value elsewhere: the database stays local', async () => {
    const token = fakeSecret('dup');
    const path = join(home, 'dup', 'opencode.db');
    db(path, 'CREATE TABLE account (id TEXT, access_token TEXT); CREATE TABLE log (line TEXT)', [
      ['INSERT INTO account VALUES (?, ?)', ['a', token]],
      ['INSERT INTO log VALUES (?)', [`login with ${token}`]],
    ]);
    await expect(scrubSqliteCopy(path, rulesFor((await source('opencode', 'opencode/data')).contentRules, 'opencode.db'))).rejects.toThrow(/still in the scrubbed copy/);
  });
});

describe('credentials inside config files', () => {
  async function plan(agent: string, label: string, rel: string, text: string) {
    const src = agent === 'aider' ? (await toBackupSources(ADAPTERS, { ...ctx, aiderRepos: [join(home, 'x')], prepared: true }, ['aider'], { keepMissing: true }))[0] : await source(agent, label);
    if (!src) throw new Error(label);
    const path = join(home, 'plan', rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return planUpload(path, rel, src.contentRules);
  }

  it('keeps a Goose config.yaml with extension envs local, and uploads one without', async () => {
    expect((await plan('goose', 'goose/config', 'config.yaml', 'GOOSE_PROVIDER: openai\nextensions:\n  github:\n    type: stdio\n    envs:\n      GITHUB_PERSONAL_ACCESS_TOKEN: ghp_x\n')).action).toBe('skip');
    expect((await plan('goose', 'goose/config', 'config.yaml', 'GOOSE_PROVIDER: openai\nOPENAI_API_KEY: sk-abc\n')).action).toBe('skip');
    expect((await plan('goose', 'goose/config', 'config.yaml', 'GOOSE_PROVIDER: openai\nextensions:\n  dev:\n    type: builtin\n    env_keys: [GITHUB_TOKEN]\n')).action).toBe('bytes');
  });

  it('keeps a Codex config.toml with an MCP token local, and uploads one naming only a variable', async () => {
    expect((await plan('codex', 'codex/home', 'config.toml', '[mcp_servers.gh]\ncommand = "gh-mcp"\nenv = { GITHUB_TOKEN = "ghp_y" }\n')).action).toBe('skip');
    expect((await plan('codex', 'codex/home', 'config.toml', '[mcp_servers.gh]\nurl = "https://x"\nbearer_token = "tok_z"\n')).action).toBe('skip');
    expect((await plan('codex', 'codex/home', 'config.toml', '[mcp_servers.gh]\nurl = "https://x"\nbearer_token_env_var = "GH"\n')).action).toBe('bytes');
  });

  it('reads .aider.conf.yml as YAML: a key is a credential, map-tokens is a setting', async () => {
    expect((await plan('aider', 'aider/x', '.aider.conf.yml', 'model: sonnet\napi-key:\n  - anthropic=sk-ant-1\n')).action).toBe('skip');
    expect((await plan('aider', 'aider/x', '.aider.conf.yml', 'model: sonnet\nmap-tokens: 1024\nchat-history-file: notes/chat.md\n')).action).toBe('bytes');
  });

  it('removes env keys from Claude settings.json and Gemini MCP env from settings.json', async () => {
    const claude = await plan('claude-code', 'claude-code/config', 'settings.json', JSON.stringify({ env: { ANTHROPIC_API_KEY: 'sk-ant-2', DISABLE_TELEMETRY: '1' }, model: 'opus' }));
    expect(claude.action === 'bytes' && JSON.parse(claude.data.toString())).toEqual({ env: { DISABLE_TELEMETRY: '1' }, model: 'opus' });
    const gemini = await plan('gemini-cli', 'gemini-cli/home', 'settings.json', JSON.stringify({ mcpServers: { gh: { command: 'x', env: { TOKEN: 'ghp_3' } } } }));
    expect(gemini.action === 'bytes' && JSON.parse(gemini.data.toString())).toEqual({ mcpServers: { gh: { command: 'x' } } });
  });
});

describe('folder mode lends the agents rules to the folders given', () => {
  it('applies content and secret rules at the agent folder inside a plain folder, and at any depth from the home', () => {
    const plain: BackupSource = { label: 'home', path: home };
    const [withRules] = withAgentRules([plain], ctx);
    if (!withRules) throw new Error('no source');
    const rules = compileRules(withRules);
    expect(rules.skipDir('.codex/shell_snapshots')).toBe('secret');
    expect(rules.isSqlite('.local/share/opencode/opencode.db')).toBe(true);
    expect(rulesFor(withRules.contentRules, '.local/share/opencode/opencode.db').map((r) => r.kind)).toContain('sqlite-clear');
    expect(rulesFor(withRules.contentRules, '.claude/settings.json')).not.toEqual([]);
    expect(rulesFor(withRules.contentRules, '.claude.json')).not.toEqual([]);
    expect(rulesFor(withRules.contentRules, 'src/app/.aider.conf.yml')).not.toEqual([]);
    // A copy of a home under another folder.
    const [elsewhere] = withAgentRules([{ label: 'old', path: join(home, '..') }], ctx);
    if (!elsewhere) throw new Error('no source');
    expect(compileRules(elsewhere).skipDir('old-home/.codex/shell_snapshots')).toBe('secret');
  });
});

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAllFixtures, makeTempHome } from './fixtures.ts';
import type { AgentFixture } from './fixtures.ts';
import { ADAPTERS, AGENT_IDS } from './registry.ts';
import { holdsSqliteCredentials, planUpload, redactJson, rulesFor, scrubSqliteCopy } from '../backup/index.ts';
import { toBackupSources } from './sources.ts';
import { copySqliteConsistent } from './sqlite-copy.ts';
import type { AgentBackupSource, AgentContext, ContentRule } from './types.ts';
import { listIncludedFiles } from './walk.ts';

let home: string;
let ctx: AgentContext;
let fixtures: Record<string, AgentFixture>;

beforeAll(async () => {
  home = makeTempHome('cairn-scrub-');
  ({ fixtures, ctx } = await buildAllFixtures({ home, platform: 'linux' }));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** What the backup engine would upload for one file: the bytes, or undefined when it stays local. */
async function uploaded(source: AgentBackupSource, relPath: string, absPath: string, sqlite: boolean): Promise<Buffer | undefined> {
  if (sqlite) {
    const copy = join(home, `upload-${Math.random().toString(36).slice(2)}.db`);
    await copySqliteConsistent(absPath, copy);
    await scrubSqliteCopy(copy, rulesFor(source.contentRules, relPath));
    const bytes = readFileSync(copy);
    rmSync(copy);
    return bytes;
  }
  const plan = await planUpload(absPath, relPath, source.contentRules);
  if (plan.action === 'skip') return undefined;
  return plan.action === 'bytes' ? plan.data : readFileSync(absPath);
}

describe('secrets inside files', () => {
  it.each(AGENT_IDS)('no credential planted inside a file of %s reaches an upload', async (id) => {
    const fixture = fixtures[id];
    if (!fixture) throw new Error(id);
    const blobs: Buffer[] = [];
    for (const source of await toBackupSources(ADAPTERS, ctx, [id])) {
      for await (const f of listIncludedFiles(source)) {
        const bytes = await uploaded(source, f.relPath, f.absPath, f.sqlite);
        if (bytes) blobs.push(bytes);
      }
    }
    expect(blobs.length).toBeGreaterThan(0);
    const all = Buffer.concat(blobs).toString('latin1');
    for (const secret of fixture.innerSecrets) expect(all).not.toContain(secret);
  });

  it('deletes Cursor auth tokens and editor secret storage from a state.vscdb copy, keeping the chats', async () => {
    const [source] = (await toBackupSources(ADAPTERS, ctx, ['cursor'])).filter((s) => s.label === 'cursor/user');
    if (!source) throw new Error('no cursor/user source');
    const copy = join(home, 'vscdb-copy.db');
    const original = join(source.path, 'globalStorage', 'state.vscdb');
    await copySqliteConsistent(original, copy);
    const result = await scrubSqliteCopy(copy, rulesFor(source.contentRules, 'globalStorage/state.vscdb'));
    expect(result).toEqual({ rowsDeleted: 4, tables: ['ItemTable'] });
    const db = new Database(copy, { readonly: true });
    expect(db.prepare('SELECT key FROM ItemTable').pluck().all()).toEqual(['workbench.panel.height']);
    expect(db.prepare("SELECT count(*) FROM cursorDiskKV WHERE key LIKE 'composerData:%'").pluck().get()).toBe(2);
    db.close();
    // The agent's own database is never touched.
    const live = new Database(original, { readonly: true });
    expect(live.prepare("SELECT count(*) FROM ItemTable WHERE key LIKE 'cursorAuth/%'").pluck().get()).toBe(3);
    live.close();
  });

  it('empties OpenCode credential tables in the copy and keeps every session', async () => {
    const [source] = await toBackupSources(ADAPTERS, ctx, ['opencode']);
    if (!source) throw new Error('no opencode source');
    const copy = join(home, 'opencode-copy.db');
    await copySqliteConsistent(join(source.path, 'opencode.db'), copy);
    expect((await scrubSqliteCopy(copy, rulesFor(source.contentRules, 'opencode.db'))).tables.sort()).toEqual(['account', 'account_state', 'control_account']);
    const db = new Database(copy, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM session').pluck().get()).toBe(3);
    expect(db.prepare('SELECT count(*) FROM account').pluck().get()).toBe(0);
    db.close();
  });

  it('skips tables an older schema does not have', async () => {
    const path = join(home, 'plain.db');
    const db = new Database(path);
    db.exec('CREATE TABLE session (id TEXT)');
    db.close();
    const rule: ContentRule = { kind: 'sqlite-delete', glob: '*.db', table: 'account', why: 'test' };
    expect(await scrubSqliteCopy(path, [rule])).toEqual({ rowsDeleted: 0, tables: [] });
  });

  it('removes credential keys from JSON files and keeps the rest', async () => {
    const [config] = await toBackupSources(ADAPTERS, ctx, ['claude-code']);
    if (!config) throw new Error('no claude source');
    const plan = await planUpload(join(config.path, 'settings.json'), 'settings.json', config.contentRules);
    expect(plan.action).toBe('bytes');
    if (plan.action !== 'bytes') return;
    expect(plan.redacted).toBe(1);
    expect(JSON.parse(plan.data.toString('utf8'))).toEqual({ model: 'opus', cleanupPeriodDays: 30, env: { DISABLE_TELEMETRY: '1' } });
  });

  it('matches redaction paths per key, case-insensitively, with wildcards', () => {
    const value = { mcpServers: { a: { env: { X: '1' }, command: 'a' }, b: { headers: { Authorization: 'Bearer t' } } }, projects: { '/home/a/b.c': { mcpServers: { c: { env: {} } } } } };
    expect(redactJson(value, ['mcpServers.*.env', 'mcpServers.*.headers', 'projects.*.mcpServers.*.env'])).toBe(3);
    expect(value).toEqual({ mcpServers: { a: { command: 'a' }, b: {} }, projects: { '/home/a/b.c': { mcpServers: { c: {} } } } });
    const env = { env: { OPENAI_API_KEY: 'k', GitHub_Token: 't', PATH: '/bin' } };
    redactJson(env, ['env.*{key,token}*']);
    expect(env).toEqual({ env: { PATH: '/bin' } });
  });

  it('keeps files it cannot rewrite on the machine when they hold a credential', async () => {
    const aider = (await toBackupSources(ADAPTERS, ctx, ['aider'])).find((s) => s.path.endsWith('tool'));
    if (!aider) throw new Error('no aider tool repo');
    expect((await planUpload(join(aider.path, '.aider.conf.yml'), '.aider.conf.yml', aider.contentRules)).action).toBe('skip');
    const app = (await toBackupSources(ADAPTERS, ctx, ['aider'])).find((s) => s.path.endsWith('app'));
    if (!app) throw new Error('no aider app repo');
    expect((await planUpload(join(app.path, '.aider.conf.yml'), '.aider.conf.yml', app.contentRules)).action).toBe('bytes');

    const [codex] = await toBackupSources(ADAPTERS, ctx, ['codex']);
    if (!codex) throw new Error('no codex source');
    const toml = join(codex.path, 'config.toml');
    // `bearer_token_env_var` only names a variable: uploaded.
    expect((await planUpload(toml, 'config.toml', codex.contentRules)).action).toBe('bytes');
    writeFileSync(toml, '[mcp_servers.gh.env]\nGITHUB_TOKEN = "ghp_123"\n');
    expect((await planUpload(toml, 'config.toml', codex.contentRules)).action).toBe('skip');
  });

  it('keeps a JSON file local when it cannot be parsed', async () => {
    const path = join(home, 'mcp.json');
    writeFileSync(path, '{ "mcpServers": { // a comment\n } }');
    const rule: ContentRule = { kind: 'json-redact', glob: 'mcp.json', paths: ['mcpServers.*.env'], why: 'test' };
    expect((await planUpload(path, 'mcp.json', [rule])).action).toBe('skip');
  });

  it('reads nothing when no rule applies', async () => {
    expect(await planUpload(join(home, 'does-not-exist'), 'notes.md', [])).toEqual({ action: 'as-is' });
  });
});

describe('holdsSqliteCredentials (what an in-place restore may replace)', () => {
  it('finds rows a rule would delete or a column it would empty, and nothing in a clean database', () => {
    const rules: ContentRule[] = [
      { kind: 'sqlite-delete', glob: 'x.db', table: 'account', why: 'tokens' },
      { kind: 'sqlite-clear', glob: 'x.db', table: 'session_share', columns: ['secret'], why: 'share secret' },
    ];
    const path = join(home, 'holds.db');
    const db = new Database(path);
    db.exec("CREATE TABLE session_share (id TEXT, secret TEXT NOT NULL); INSERT INTO session_share VALUES ('s1', '')");
    db.close();
    // No account table, and the share's secret already emptied (as a restored copy has it).
    expect(holdsSqliteCredentials(path, rules)).toBe(false);
    const again = new Database(path);
    again.exec("INSERT INTO session_share VALUES ('s2', 'a-secret-value')");
    again.close();
    expect(holdsSqliteCredentials(path, rules)).toBe(true);
    // Not a database: it can't be shown to hold none.
    writeFileSync(join(home, 'not.db'), 'plain text');
    expect(holdsSqliteCredentials(join(home, 'not.db'), rules)).toBe(true);
  });
});

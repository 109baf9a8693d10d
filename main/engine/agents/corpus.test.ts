// The adapters against real agent-written files (../shared/real-agents/home, see SOURCES.md
// there), copied to a temporary home with fake credentials planted where each agent keeps them,
// a Goose database built with Goose's own schema (no public sample exists), an Antigravity CLI
// transcript, and a live Codex database whose newest rows are only in its -wal. With no
// configuration at all: every agent is found, a backup and a restore give back every file
// (databases compared by their dump), and no planted credential is anywhere in the vault's
// decrypted blobs or in the restore.

import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobId } from '../../../shared/ids.ts';
import type { AgentInfo } from '../../../shared/models.ts';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../testing/real-agents.ts';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import type { Repository } from '../repository.ts';
import { restore } from '../restore/index.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { detectAgents } from './detect.ts';
import { createWalDatabase, fakeSecret, fixtureContext } from './fixtures.ts';
import { ADAPTERS, AGENT_IDS } from './registry.ts';
import { toBackupSources } from './sources.ts';
import type { AgentBackupSource, AgentContext } from './types.ts';

const real = realAgentsHome();
if (!real) process.stderr.write(`[agents/corpus] ${REAL_AGENTS_MISSING}\n`);

/** A database as text: schema, then every row of every table in rowid order (what `.dump` compares). */
function dump(path: string): string {
  // Read a copy: opening the file itself would leave -wal/-shm beside it.
  const dir = tempDir('cairn-dump-');
  for (const s of ['', '-wal', '-shm']) if (existsSync(path + s)) copyFileSync(path + s, join(dir, `db${s}`));
  const db = new Database(join(dir, 'db'), { readonly: true });
  try {
    const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string; sql: string }[];
    return tables
      .map((t) => {
        const rows = db.prepare(`SELECT * FROM "${t.name.replace(/"/g, '""')}"`).raw().all();
        return `${t.sql};\n${rows.map((r) => JSON.stringify(r, (_, v: unknown) => (Buffer.isBuffer(v) ? `x'${v.toString('hex')}'` : typeof v === 'bigint' ? v.toString() : v))).join('\n')}`;
      })
      .join('\n');
  } finally {
    db.close();
  }
}

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** SQLite sidecar files below `dir`, relative. */
function sidecars(dir: string): string[] {
  return files(dir)
    .filter((f) => /-(wal|shm|journal)$/.test(f))
    .map((f) => relative(dir, f))
    .sort();
}

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

function exec(path: string, sql: string, params: unknown[] = []): void {
  const db = new Database(path);
  try {
    if (params.length > 0) db.prepare(sql).run(...params);
    else db.exec(sql);
  } finally {
    db.close();
  }
}

/** Goose's session database as its own code creates it (crates/goose/src/session/session_manager.rs, schema v5). */
function gooseDatabase(path: string): void {
  createWalDatabase(path, {
    base: (db) => {
      db.exec(`
        CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
        INSERT INTO schema_version (version) VALUES (5);
        CREATE TABLE sessions (
          id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
          user_set_name BOOLEAN DEFAULT FALSE, session_type TEXT NOT NULL DEFAULT 'user', working_dir TEXT NOT NULL,
          created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
          extension_data TEXT DEFAULT '{}', total_tokens INTEGER, input_tokens INTEGER, output_tokens INTEGER,
          accumulated_total_tokens INTEGER, accumulated_input_tokens INTEGER, accumulated_output_tokens INTEGER,
          schedule_id TEXT, recipe_json TEXT, user_recipe_values_json TEXT);
        CREATE TABLE messages (
          id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL REFERENCES sessions(id), role TEXT NOT NULL,
          content_json TEXT NOT NULL, created_timestamp INTEGER NOT NULL, timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
          tokens INTEGER, metadata_json TEXT);
        CREATE INDEX idx_messages_session ON messages(session_id);
        CREATE INDEX idx_messages_timestamp ON messages(timestamp);
        CREATE INDEX idx_sessions_updated ON sessions(updated_at DESC);
        CREATE INDEX idx_sessions_type ON sessions(session_type);`);
      db.prepare("INSERT INTO sessions (id, name, session_type, working_dir, created_at, updated_at) VALUES (?, ?, 'user', ?, '2026-11-30 09:00:00', '2026-11-30 09:05:00')").run('20261130_1', 'rename the helper', '/home/alice/src/tool');
      const msg = db.prepare('INSERT INTO messages (session_id, role, content_json, created_timestamp) VALUES (?, ?, ?, ?)');
      msg.run('20261130_1', 'user', JSON.stringify([{ type: 'text', text: 'rename the helper' }]), 1796029200);
      msg.run('20261130_1', 'assistant', JSON.stringify([{ type: 'text', text: 'Done: helper is now format_row.' }]), 1796029260);
    },
    recent: (db) => {
      db.prepare("INSERT INTO sessions (id, name, session_type, working_dir) VALUES (?, ?, 'user', ?)").run('20261201_1', 'add a test', '/home/alice/src/tool');
      db.prepare('INSERT INTO messages (session_id, role, content_json, created_timestamp) VALUES (?, ?, ?, ?)').run('20261201_1', 'user', JSON.stringify([{ type: 'text', text: 'add a test' }]), 1796115600);
    },
  });
}

describe.skipIf(!real)('every adapter on real agent files', () => {
  let home: string;
  let ctx: AgentContext;
  let infos: AgentInfo[];
  let repo: Repository;
  let sources: AgentBackupSource[];
  let target: string;
  let vaultDir: string;
  const planted: Record<string, string[]> = {};
  /** Files whose bytes change on the way (redacted JSON): compared without the credential. */
  const redacted = new Set<string>();
  /** Databases whose planted rows are removed: expected dump computed independently. */
  const scrubbed = new Map<string, (db: Database.Database) => void>();
  let codexState: string;
  let sidecarsBefore: string[];

  const plant = (agent: string, kind: string): string => {
    const s = fakeSecret(`${agent}-${kind}`);
    (planted[agent] ??= []).push(s);
    return s;
  };

  beforeAll(async () => {
    home = tempDir('cairn-corpus-home-');
    cpSync(real as string, home, { recursive: true });

    // Claude Code
    write(join(home, '.claude', '.credentials.json'), JSON.stringify({ claudeAiOauth: { accessToken: plant('claude-code', 'oauth') } }));
    write(join(home, '.claude', 'settings.json'), JSON.stringify({ model: 'opus', env: { ANTHROPIC_API_KEY: plant('claude-code', 'apikey'), DISABLE_TELEMETRY: '1' } }, null, 2));
    redacted.add(join(home, '.claude', 'settings.json'));
    write(join(home, '.claude', 'shell-snapshots', 'snapshot-zsh-1.sh'), `export GITHUB_TOKEN=${plant('claude-code', 'shell')}\n`);
    write(join(home, '.claude.json'), JSON.stringify({ primaryApiKey: plant('claude-code', 'primary'), projects: { [join(home, 'src', 'simple-calculator')]: { allowedTools: [] } } }));

    // Codex: credentials, and the desktop app's live databases in sqlite/
    write(join(home, '.codex', 'auth.json'), JSON.stringify({ OPENAI_API_KEY: plant('codex', 'auth') }));
    write(join(home, '.codex', 'shell_snapshots', '019fc8be-3658-7ca3-9e29-000000000000.sh'), `export OPENAI_API_KEY=${plant('codex', 'shell')}\nexport PATH=/usr/bin\n`);
    write(join(home, '.codex', 'config.toml'), `model = "gpt-5-codex"\n\n[mcp_servers.github]\ncommand = "github-mcp"\n\n[mcp_servers.github.env]\nGITHUB_PERSONAL_ACCESS_TOKEN = "${plant('codex', 'mcp')}"\n`);
    codexState = join(home, '.codex', 'sqlite', 'state_5.sqlite');
    createWalDatabase(codexState, {
      base: (db) => {
        db.exec('CREATE TABLE threads (id TEXT PRIMARY KEY, rollout_path TEXT NOT NULL, cwd TEXT NOT NULL, title TEXT, updated_at INTEGER)');
        const t = db.prepare('INSERT INTO threads VALUES (?, ?, ?, ?, ?)');
        for (let i = 0; i < 50; i++) t.run(`thread-${i}`, `sessions/2026/08/03/rollout-${i}.jsonl`, '/home/alice/src/app', `thread ${i}`, 1786000000 + i);
      },
      recent: (db) => {
        const t = db.prepare('INSERT INTO threads VALUES (?, ?, ?, ?, ?)');
        for (let i = 50; i < 80; i++) t.run(`thread-${i}`, `sessions/2026/08/04/rollout-${i}.jsonl`, '/home/alice/src/app', `thread ${i}`, 1786000000 + i);
      },
    });
    createWalDatabase(join(home, '.codex', 'sqlite', 'logs_2.sqlite'), { base: (db) => db.exec("CREATE TABLE logs (line TEXT); INSERT INTO logs VALUES ('request sent')") });

    // Gemini CLI and Antigravity CLI
    write(join(home, '.gemini', 'oauth_creds.json'), JSON.stringify({ access_token: plant('gemini-cli', 'oauth'), refresh_token: plant('gemini-cli', 'refresh') }));
    write(join(home, '.gemini', 'cli-browser-profile', 'Default', 'Cookies'), `SQLite-ish cookie store ${plant('gemini-cli', 'cookie')}`);
    write(join(home, '.gemini', 'settings.json'), JSON.stringify({ mcpServers: { github: { command: 'github-mcp', env: { GITHUB_TOKEN: plant('gemini-cli', 'mcp') } } } }, null, 2));
    redacted.add(join(home, '.gemini', 'settings.json'));
    write(
      join(home, '.gemini', 'antigravity-cli', 'brain', '6f1c2d3e-0000-4000-8000-000000000001', '.system_generated', 'logs', 'transcript.jsonl'),
      `${JSON.stringify({ type: 'user', text: 'list the failing tests' })}\n${JSON.stringify({ type: 'model', text: 'Two tests fail in calc.test.js.' })}\n`,
    );
    write(join(home, '.gemini', 'antigravity-cli', 'settings.json'), JSON.stringify({ model: 'gemini-3-pro' }, null, 2));

    // OpenCode: the real database gets an account and a share secret; legacy share file.
    const ocDb = join(home, '.local', 'share', 'opencode', 'opencode.db');
    const session = (() => {
      const db = new Database(ocDb);
      try {
        return (db.prepare('SELECT id FROM session LIMIT 1').pluck().get() as string | undefined) ?? 'ses_none';
      } finally {
        db.close();
      }
    })();
    const accountToken = plant('opencode', 'account');
    const shareSecret = plant('opencode', 'share');
    {
      const db = new Database(ocDb);
      const accountCols = (db.prepare('PRAGMA table_info(account)').all() as { name: string; notnull: number; dflt_value: unknown }[]);
      const values = accountCols.map((c) => (c.name === 'access_token' ? accountToken : c.name.includes('time') ? 0 : `${c.name}-x`));
      db.prepare(`INSERT INTO account (${accountCols.map((c) => `"${c.name}"`).join(', ')}) VALUES (${accountCols.map(() => '?').join(', ')})`).run(...values);
      const shareCols = (db.prepare('PRAGMA table_info(session_share)').all() as { name: string }[]).map((c) => c.name);
      const share: Record<string, unknown> = { session_id: session, id: 'shr_1', secret: shareSecret, url: 'https://opncd.ai/s/shr_1' };
      db.prepare(`INSERT INTO session_share (${shareCols.map((c) => `"${c}"`).join(', ')}) VALUES (${shareCols.map(() => '?').join(', ')})`).run(...shareCols.map((c) => share[c] ?? 0));
      db.close();
    }
    scrubbed.set(ocDb, (db) => {
      db.exec("DELETE FROM account; UPDATE session_share SET secret = ''");
    });
    write(join(home, '.local', 'share', 'opencode', 'auth.json'), JSON.stringify({ anthropic: { type: 'api', key: plant('opencode', 'auth') } }));
    write(join(home, '.local', 'share', 'opencode', 'storage', 'session_share', `${session}.json`), JSON.stringify({ id: 'shr_0', secret: plant('opencode', 'legacy-share'), url: 'https://opncd.ai/s/shr_0' }));
    redacted.add(join(home, '.local', 'share', 'opencode', 'storage', 'session_share', `${session}.json`));

    // Cursor: the real workspace database gets login rows; a global one with the same.
    const ws = join(home, '.config', 'Cursor', 'User', 'workspaceStorage', 'f87f6e0b2cf1ae8645cc0c5ffaa99529', 'state.vscdb');
    const global = join(home, '.config', 'Cursor', 'User', 'globalStorage', 'state.vscdb');
    mkdirSync(join(global, '..'), { recursive: true });
    exec(global, "CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB); CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB); INSERT INTO ItemTable VALUES ('workbench.panel.height', '300')");
    for (const path of [ws, global]) {
      exec(path, 'INSERT INTO ItemTable VALUES (?, ?)', ['cursorAuth/accessToken', plant('cursor', 'access')]);
      exec(path, 'INSERT INTO ItemTable VALUES (?, ?)', ['cursorAuth/refreshToken', plant('cursor', 'refresh')]);
      exec(path, 'INSERT INTO ItemTable VALUES (?, ?)', ['WorkosCursorSessionToken', `user_01::${plant('cursor', 'workos')}`]);
      exec(path, 'INSERT INTO ItemTable VALUES (?, ?)', ['secret://{"extensionId":"anysphere.cursor","key":"k"}', plant('cursor', 'secretstorage')]);
      scrubbed.set(path, (db) => db.exec("DELETE FROM ItemTable WHERE key LIKE 'cursorAuth/%' OR key LIKE 'secret://%' OR key = 'WorkosCursorSessionToken'"));
    }
    copyFileSync(global, `${global}.backup`);

    // Cline
    const cline = join(home, '.config', 'Code', 'User', 'globalStorage', 'saoudrizwan.claude-dev');
    write(join(cline, 'settings', 'cline_mcp_settings.json'), JSON.stringify({ mcpServers: { gh: { command: 'gh', env: { GITHUB_TOKEN: plant('cline', 'mcp') } } } }, null, 2));
    redacted.add(join(cline, 'settings', 'cline_mcp_settings.json'));
    write(join(cline, 'secrets.json'), JSON.stringify({ apiKey: plant('cline', 'secrets') }));

    // Goose: no public sample; built with its own schema.
    gooseDatabase(join(home, '.local', 'share', 'goose', 'sessions', 'sessions.db'));
    write(join(home, '.config', 'goose', 'config.yaml'), `GOOSE_PROVIDER: anthropic\nextensions:\n  github:\n    type: stdio\n    cmd: github-mcp\n    envs:\n      GITHUB_PERSONAL_ACCESS_TOKEN: ${plant('goose', 'envs')}\n`);
    write(join(home, '.config', 'goose', 'secrets.yaml'), `ANTHROPIC_API_KEY: ${plant('goose', 'secrets')}\n`);

    // Aider: keys beside the real repository.
    const calc = join(home, 'src', 'simple-calculator');
    write(join(calc, '.env'), `OPENAI_API_KEY=${plant('aider', 'env')}\n`);
    write(join(calc, '.aider.conf.yml'), `model: sonnet\napi-key:\n  - anthropic=${plant('aider', 'conf')}\n`);

    sidecarsBefore = sidecars(home);
    // No configuration: no scan folders, no repositories named.
    ctx = fixtureContext(home, 'linux');
    infos = await detectAgents(ctx);
    sources = await toBackupSources(ADAPTERS, ctx, AGENT_IDS);
    vaultDir = tempDir('cairn-corpus-vault-');
    ({ repo } = await initRepo(new LocalBlobStore(vaultDir)));
    const result = await backupOf(repo, sources);
    target = tempDir('cairn-corpus-restore-');
    await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: await repo.findSnapshot(result.snapshotId as string), target });
  }, 240_000);

  afterAll(async () => {
    await repo?.close();
    if (home) rmSync(home, { recursive: true, force: true });
    removeTempDirs();
  });

  /** Where a file of the home comes back in the restore, or undefined when no root holds it. */
  function restoredPath(original: string): string | undefined {
    for (const s of sources) {
      if (s.agent === 'aider' && s.kind === 'dir' && join(original, '..') !== s.path) continue;
      if (s.kind === 'file' ? original === s.path : original.startsWith(`${s.path}/`)) {
        const rel = s.kind === 'file' ? '' : relative(s.path, original);
        const out = join(target, ...s.label.split('/'), ...(rel ? rel.split('/') : [basename(s.path)]));
        return out;
      }
    }
    return undefined;
  }

  it('finds all eight agents with no configuration', () => {
    expect(infos.filter((i) => i.detected).map((i) => i.id)).toEqual(AGENT_IDS);
  });

  it('backs up the Antigravity CLI transcript and every Aider history', () => {
    const transcript = join(home, '.gemini', 'antigravity-cli', 'brain', '6f1c2d3e-0000-4000-8000-000000000001', '.system_generated', 'logs', 'transcript.jsonl');
    for (const f of [transcript, ...['.aider.chat.history.md', '.aider.input.history', '.aider.llm.history'].map((n) => join(home, 'src', 'simple-calculator', n))]) {
      const back = restoredPath(f);
      expect(back && existsSync(back), f).toBe(true);
      expect(readFileSync(back as string).equals(readFileSync(f))).toBe(true);
    }
  });

  it('restores every real file byte for byte, and every database with the same dump', () => {
    for (const f of files(real as string)) {
      const mine = join(home, relative(real as string, f));
      const back = restoredPath(mine);
      // SQLite sidecars are folded into the database copy; a repository's own files are not
      // Aider's state.
      if (/-(wal|shm|journal)$/.test(mine) || ['.gitignore', join('src', 'App.js')].some((n) => mine === join(home, 'src', 'simple-calculator', n))) continue;
      expect(back, mine).toBeDefined();
      if (!back) continue;
      expect(existsSync(back), mine).toBe(true);
      if (readFileSync(mine).subarray(0, 16).toString('latin1') === 'SQLite format 3\0') {
        const fix = scrubbed.get(mine);
        let expected = dump(mine);
        if (fix) {
          const dir = tempDir('cairn-expected-');
          for (const s of ['', '-wal', '-shm']) if (existsSync(mine + s)) copyFileSync(mine + s, join(dir, `db${s}`));
          const db = new Database(join(dir, 'db'));
          fix(db);
          db.close();
          expected = dump(join(dir, 'db'));
        }
        expect(dump(back), mine).toBe(expected);
      } else if (!redacted.has(mine)) {
        expect(readFileSync(back).equals(readFileSync(mine)), mine).toBe(true);
      }
    }
  });

  it('restores the live-WAL Codex sqlite/state_5.sqlite with every row, and leaves its log database out', () => {
    const back = restoredPath(codexState) as string;
    const db = new Database(back, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM threads').pluck().get()).toBe(80);
    } finally {
      db.close();
    }
    expect(dump(back)).toBe(dump(codexState));
    expect(existsSync(restoredPath(join(home, '.codex', 'sqlite', 'logs_2.sqlite')) as string)).toBe(false);
  });

  it('has no planted credential in any decrypted blob of the vault, in its raw bytes, or in the restore', async () => {
    const secrets = Object.values(planted).flat();
    expect(secrets.length).toBeGreaterThan(25);
    const reader = repo.reader();
    const ids = (repo.db.db.prepare('SELECT id FROM blobs').pluck().all() as Buffer[]).map((b) => b.toString('hex') as BlobId);
    expect(ids.length).toBeGreaterThan(20);
    const leaks: string[] = [];
    for (const id of ids) {
      const plain = Buffer.from(await reader.readBlob(id));
      for (const s of secrets) if (plain.includes(s)) leaks.push(`blob ${id.slice(0, 12)}: ${s}`);
    }
    for (const f of [...files(vaultDir), ...files(target)]) {
      const bytes = readFileSync(f);
      for (const s of secrets) if (bytes.includes(s)) leaks.push(`${f}: ${s}`);
    }
    expect(leaks).toEqual([]);
  });

  it('records in the snapshot which files stayed local, and why', async () => {
    const snap = (await repo.listSnapshots())[0];
    const kept = (snap?.keptLocal ?? []).map((k) => k.path);
    for (const p of ['codex/home/shell_snapshots', 'codex/home/auth.json', 'codex/home/config.toml', 'gemini-cli/home/cli-browser-profile', 'goose/config/config.yaml', 'claude-code/config/.credentials.json']) {
      expect(kept, p).toContain(p);
    }
    expect(kept.some((p) => p.startsWith('aider/') && p.endsWith('/.aider.conf.yml'))).toBe(true);
    expect(snap?.keptLocal?.every((k) => k.why.length > 0)).toBe(true);
  });

  it('leaves no -wal, -shm or -journal in the agents folders that was not there before', () => {
    expect(sidecarsBefore.length).toBeGreaterThan(0);
    expect(sidecars(home)).toEqual(sidecarsBefore);
  });
});

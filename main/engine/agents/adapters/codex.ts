// Codex (CLI and desktop app): `~/.codex` (CODEX_HOME). Its SQLite databases (state_5.sqlite,
// goals, memories, logs_*.sqlite) sit at the top of the home, or in `<home>/sqlite/` where the
// desktop app puts them (it sets CODEX_SQLITE_HOME=<home>/sqlite for its server), or wherever
// CODEX_SQLITE_HOME or `sqlite_home` in config.toml says (`prepareContext` reads that key).
// Verified in openai/codex: codex-rs/state/src/lib.rs (database names, CODEX_SQLITE_HOME),
// state/src/paths.rs (sessions/, rollout-*.jsonl), core/src/shell_snapshot.rs
// (shell_snapshots/*.sh: `export` lines of the whole environment, kept 3 days), core config
// (mcp_servers.*.{env,http_headers,bearer_token}, model_providers.*.experimental_bearer_token).

import { isAbsolute, join, relative } from 'node:path';
import { envPath } from '../context.ts';
import { SECRET_SETTING_GLOB } from '../credentials.ts';
import type { AgentAdapter, AgentContext, AgentRoot, ContentRule } from '../types.ts';

/** Every place Codex keeps a credential, relative to its home. */
export const CODEX_CREDENTIALS = {
  files: [
    // ChatGPT login or API key.
    'auth.json',
    '.credentials.json',
    // The user's whole shell environment as `export` lines: API keys, tokens.
    'shell_snapshots',
  ],
  config: {
    kind: 'skip-if-keys',
    glob: '**/config.toml',
    format: 'toml',
    paths: [
      'mcp_servers.*.env',
      'mcp_servers.*.http_headers',
      'mcp_servers.*.bearer_token',
      'model_providers.*.http_headers',
      'model_providers.*.experimental_bearer_token',
      `**.${SECRET_SETTING_GLOB}`,
    ],
    why: 'config.toml holds MCP server env values, headers or bearer tokens; TOML is not rewritten, so it stays local',
  },
} as const satisfies { files: readonly string[]; config: ContentRule };

const SQLITE = ['*.sqlite', '*.db', 'sqlite/*.sqlite', 'sqlite/*.db'];
/** Diagnostic logs: large, machine-specific, and they echo prompts and tool output. */
const LOG_DBS = ['**/logs_*.sqlite', '**/logs.db'];

export const codexAdapter: AgentAdapter = {
  id: 'codex',
  displayName: 'Codex',
  roots(ctx: AgentContext): AgentRoot[] {
    const home = envPath(ctx, 'CODEX_HOME') ?? join(ctx.home, '.codex');
    const sqliteHome = envPath(ctx, 'CODEX_SQLITE_HOME') ?? ctx.codexSqliteHome;
    const inHome = sqliteHome !== undefined ? relative(home, sqliteHome) : undefined;
    const nested = inHome !== undefined && inHome !== '' && !inHome.startsWith('..') && !isAbsolute(inHome) ? inHome.split('\\').join('/') : undefined;
    const sqlite = nested ? [...SQLITE, `${nested}/*.sqlite`, `${nested}/*.db`] : SQLITE;
    const roots: AgentRoot[] = [
      {
        label: 'codex/home',
        path: home,
        kind: 'dir',
        exclude: ['log', 'cache', 'tmp', '.tmp', 'thread-writer-locks', 'models_cache.json', ...LOG_DBS],
        secrets: CODEX_CREDENTIALS.files,
        sqlite,
        appendOnly: ['sessions/**/rollout-*.jsonl', 'archived_sessions/**/rollout-*.jsonl', 'history.jsonl', 'session_index.jsonl'],
        sharedLogs: ['history.jsonl', 'session_index.jsonl'],
        syncable: ['sessions/**', 'archived_sessions/**', 'history.jsonl', 'session_index.jsonl'],
        sessions: ['sessions/**/rollout-*.{jsonl,jsonl.zst}', 'archived_sessions/**/rollout-*.{jsonl,jsonl.zst}'],
        contentRules: [CODEX_CREDENTIALS.config],
      },
    ];
    if (sqliteHome && inHome !== '' && !nested) {
      roots.push({
        label: 'codex/sqlite',
        path: sqliteHome,
        kind: 'dir',
        include: ['*.sqlite', '*.db'],
        exclude: LOG_DBS,
        sqlite: ['*.sqlite', '*.db'],
        maxDepth: 0,
      });
    }
    return roots;
  },
};

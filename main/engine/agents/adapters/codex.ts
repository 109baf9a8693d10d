// Codex CLI: `~/.codex` (CODEX_HOME), SQLite state DBs possibly relocated by CODEX_SQLITE_HOME.
// Verified in openai/codex: codex-rs/state/src/lib.rs (state_5.sqlite, logs_2.sqlite,
// goals_1.sqlite, memories_1.sqlite, CODEX_SQLITE_HOME), state/src/paths.rs (sessions/,
// rollout-*.jsonl), rollout ARCHIVED_SESSIONS_SUBDIR = archived_sessions, find_codex_home.

import { join } from 'node:path';
import { envPath } from '../context.ts';
import type { AgentAdapter, AgentContext, AgentRoot, ContentRule } from '../types.ts';

/** A TOML `key = value` line whose key names a credential (env tables of MCP servers, bearer tokens). */
const TOML_SECRET_LINE = String.raw`^\s*"?[\w.-]*(api[_-]?key|token|secret|password)"?\s*=`;

const SQLITE = ['*.sqlite', '*.db'];
/** Diagnostic logs: large, machine-specific, and they echo prompts and tool output. */
const LOG_DBS = ['logs_*.sqlite', 'logs.db'];

export const codexAdapter: AgentAdapter = {
  id: 'codex',
  displayName: 'Codex',
  roots(ctx: AgentContext): AgentRoot[] {
    const home = envPath(ctx, 'CODEX_HOME') ?? join(ctx.home, '.codex');
    const sqliteHome = envPath(ctx, 'CODEX_SQLITE_HOME');
    const configRule: ContentRule = {
      kind: 'skip-if-match',
      glob: 'config.toml',
      pattern: TOML_SECRET_LINE,
      why: 'config.toml may hold MCP server env values or bearer tokens; TOML is not rewritten, so such a file stays local',
    };
    const roots: AgentRoot[] = [
      {
        label: 'codex/home',
        path: home,
        kind: 'dir',
        exclude: ['log', 'cache', 'tmp', '.tmp', 'thread-writer-locks', 'models_cache.json', ...LOG_DBS],
        secrets: ['auth.json', '.credentials.json'],
        sqlite: SQLITE,
        appendOnly: ['sessions/**/rollout-*.jsonl', 'archived_sessions/**/rollout-*.jsonl', 'history.jsonl', 'session_index.jsonl'],
        sharedLogs: ['history.jsonl', 'session_index.jsonl'],
        syncable: ['sessions/**', 'archived_sessions/**', 'history.jsonl', 'session_index.jsonl'],
        sessions: ['sessions/**/rollout-*.{jsonl,jsonl.zst}', 'archived_sessions/**/rollout-*.{jsonl,jsonl.zst}'],
        contentRules: [configRule],
      },
    ];
    if (sqliteHome && sqliteHome !== home) {
      roots.push({
        label: 'codex/sqlite',
        path: sqliteHome,
        kind: 'dir',
        include: SQLITE,
        exclude: LOG_DBS,
        sqlite: SQLITE,
        maxDepth: 0,
      });
    }
    return roots;
  },
};

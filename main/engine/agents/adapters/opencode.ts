// OpenCode: XDG data, config and state folders on every OS (the `xdg-basedir` package, so
// Windows too uses `<home>/.local/share/opencode`). Verified in anomalyco/opencode (formerly
// sst/opencode): packages/opencode/src/global/index.ts, storage/db.ts (opencode.db or
// opencode-<channel>.db, WAL), account/account.sql.ts (tables `account`, `control_account` with
// access and refresh tokens).

import { join } from 'node:path';
import { baseDirs } from '../context.ts';
import type { AgentAdapter, AgentContext, AgentRoot } from '../types.ts';
import { SECRET_KEY_GLOB } from './claude-code.ts';

const DB = 'opencode*.db';

export const opencodeAdapter: AgentAdapter = {
  id: 'opencode',
  displayName: 'OpenCode',
  roots(ctx: AgentContext): AgentRoot[] {
    const dirs = baseDirs(ctx);
    return [
      {
        label: 'opencode/data',
        path: join(dirs.xdgData, 'opencode'),
        kind: 'dir',
        // Logs, downloaded binaries, and the per-project git snapshots and worktrees.
        exclude: ['log', 'bin', 'snapshot', 'worktree'],
        secrets: ['auth.json', 'mcp-auth.json'],
        sqlite: [DB],
        syncable: ['storage/**'],
        sessions: ['storage/session/**/ses_*.json'],
        sessionQueries: [{ kind: 'sqlite', glob: DB, sql: 'SELECT count(*) FROM session' }],
        contentRules: [
          { kind: 'sqlite-delete', glob: DB, table: 'account', why: 'OpenCode account access and refresh tokens' },
          { kind: 'sqlite-delete', glob: DB, table: 'control_account', why: 'legacy account tokens' },
          { kind: 'sqlite-delete', glob: DB, table: 'account_state', why: 'points at the deleted accounts' },
        ],
      },
      {
        label: 'opencode/config',
        path: join(dirs.xdgConfig, 'opencode'),
        kind: 'dir',
        exclude: ['node_modules', 'bun.lock', 'package-lock.json'],
        contentRules: [
          {
            kind: 'json-redact',
            glob: 'opencode.json',
            paths: [`provider.*.options.${SECRET_KEY_GLOB}`, 'mcp.*.environment', 'mcp.*.headers'],
            why: 'provider API keys and MCP environments can be written inline',
          },
          {
            // JSONC (comments) can't be rewritten safely: kept local when it names a credential.
            kind: 'skip-if-match',
            glob: 'opencode.jsonc',
            pattern: String.raw`"[^"]*(api[_-]?key|token|secret|password)[^"]*"\s*:\s*"[^"{]`,
            why: 'inline credentials in a JSONC file',
          },
        ],
      },
      {
        label: 'opencode/state',
        path: join(dirs.xdgState, 'opencode'),
        kind: 'dir',
        appendOnly: ['prompt-history.jsonl'],
        sharedLogs: ['prompt-history.jsonl'],
        syncable: ['prompt-history.jsonl'],
      },
    ];
  },
};

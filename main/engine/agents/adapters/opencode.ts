// OpenCode: XDG data, config and state folders on every OS (the `xdg-basedir` package, so
// Windows too uses `<home>/.local/share/opencode`). Verified in anomalyco/opencode (formerly
// sst/opencode): packages/opencode/src/global/index.ts, storage/db.ts (opencode.db or
// opencode-<channel>.db, WAL), account/account.sql.ts (tables `account`, `control_account` with
// access and refresh tokens), share/share.sql.ts (`session_share.secret`, NOT NULL),
// storage/json-migration.ts (legacy storage/session_share/<id>.json: {id, secret, url}),
// auth/index.ts (auth.json), mcp/auth.ts (mcp-auth.json).

import { join } from 'node:path';
import { baseDirs } from '../context.ts';
import { SECRET_KEY_GLOB } from '../credentials.ts';
import type { AgentAdapter, AgentContext, AgentRoot, ContentRule } from '../types.ts';

const DB = 'opencode*.db';
const TOKEN_COLUMNS = ['access_token', 'refresh_token'];
const CONFIG_SECRETS = [`provider.*.options.${SECRET_KEY_GLOB}`, 'mcp.*.environment', 'mcp.*.headers', 'mcp.*.oauth.clientSecret'];

/** Every place OpenCode keeps a credential, relative to its data and config folders. */
export const OPENCODE_CREDENTIALS = {
  files: ['auth.json', 'mcp-auth.json'],
  database: [
    { kind: 'sqlite-delete', glob: DB, table: 'account', secretColumns: TOKEN_COLUMNS, why: 'OpenCode account access and refresh tokens' },
    { kind: 'sqlite-delete', glob: DB, table: 'control_account', secretColumns: TOKEN_COLUMNS, why: 'legacy account tokens' },
    { kind: 'sqlite-delete', glob: DB, table: 'account_state', secretColumns: [], why: 'points at the deleted accounts' },
    { kind: 'sqlite-clear', glob: DB, table: 'session_share', columns: ['secret'], why: 'the secret that lets its holder update or delete a shared session' },
  ],
  legacyShares: { kind: 'json-redact', glob: 'storage/session_share/*.json', paths: ['secret'], why: 'the secret of a shared session (legacy storage)' },
  config: { kind: 'json-redact', glob: '**/opencode.json', paths: CONFIG_SECRETS, why: 'provider API keys and MCP environments can be written inline' },
  configJsonc: { kind: 'skip-if-keys', glob: '**/opencode.jsonc', format: 'jsonc', paths: CONFIG_SECRETS, why: 'inline credentials in a JSONC file (comments would be lost if rewritten)' },
} as const satisfies { files: readonly string[]; database: readonly ContentRule[]; legacyShares: ContentRule; config: ContentRule; configJsonc: ContentRule };

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
        secrets: OPENCODE_CREDENTIALS.files,
        sqlite: [DB],
        syncable: ['storage/**'],
        sessions: ['storage/session/**/ses_*.json'],
        sessionQueries: [{ kind: 'sqlite', glob: DB, sql: 'SELECT count(*) FROM session' }],
        contentRules: [...OPENCODE_CREDENTIALS.database, OPENCODE_CREDENTIALS.legacyShares],
      },
      {
        label: 'opencode/config',
        path: join(dirs.xdgConfig, 'opencode'),
        kind: 'dir',
        exclude: ['node_modules', 'bun.lock', 'package-lock.json'],
        contentRules: [OPENCODE_CREDENTIALS.config, OPENCODE_CREDENTIALS.configJsonc],
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

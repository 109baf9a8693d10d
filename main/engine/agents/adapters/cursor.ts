// Cursor: the editor's `User` folder (chats and composer state inside `state.vscdb` SQLite
// databases, global and per workspace) and `~/.cursor` (agent transcripts, CLI chats in
// `store.db`, rules, MCP config). Login tokens live in the `ItemTable` of `state.vscdb` under
// `cursorAuth/*` keys (accessToken, refreshToken) and the web session cookie
// `WorkosCursorSessionToken`; VS Code's secret storage under `secret://*` keys: all deleted
// from the consistent copy before upload, and the copy is checked to be free of them.

import { join } from 'node:path';
import { vscodeUserDir } from '../context.ts';
import { MCP_SERVER_SECRETS, SECRET_SETTING_GLOB } from '../credentials.ts';
import type { AgentAdapter, AgentContext, AgentRoot, ContentRule } from '../types.ts';

/** Rows of a VS Code-family `state.vscdb` that hold credentials. */
export const VSCDB_SECRET_ROWS: ContentRule = {
  kind: 'sqlite-delete',
  glob: '**/state.vscdb',
  table: 'ItemTable',
  where: "key LIKE 'cursorAuth/%' OR key LIKE 'secret://%' OR key LIKE '%WorkosCursorSessionToken%' OR CAST(value AS TEXT) LIKE '%WorkosCursorSessionToken%'",
  secretColumns: ['value'],
  why: 'Cursor login tokens (cursorAuth/*, WorkosCursorSessionToken) and editor secret storage (secret://*)',
};

/** Every place Cursor keeps a credential. */
export const CURSOR_CREDENTIALS = {
  database: [VSCDB_SECRET_ROWS],
  settings: { kind: 'skip-if-keys', glob: '**/settings.json', format: 'jsonc', paths: [`**.${SECRET_SETTING_GLOB}`], why: 'extension settings holding API keys (JSONC is not rewritten)' },
  mcp: { kind: 'json-redact', glob: '**/mcp.json', paths: MCP_SERVER_SECRETS, why: 'MCP server environments and headers carry tokens' },
} as const satisfies { database: readonly ContentRule[]; settings: ContentRule; mcp: ContentRule };

export const cursorAdapter: AgentAdapter = {
  id: 'cursor',
  displayName: 'Cursor',
  roots(ctx: AgentContext): AgentRoot[] {
    return [
      {
        label: 'cursor/user',
        path: vscodeUserDir(ctx, 'Cursor'),
        kind: 'dir',
        include: ['globalStorage/state.vscdb', 'workspaceStorage/*/state.vscdb', 'workspaceStorage/*/workspace.json', 'settings.json', 'keybindings.json', 'snippets/**'],
        // VS Code keeps a plain copy of each database beside it: same tokens, same data.
        secrets: ['**/*.vscdb.backup'],
        sqlite: ['**/*.vscdb'],
        syncable: [],
        sessionQueries: [{ kind: 'sqlite', glob: 'globalStorage/state.vscdb', sql: "SELECT count(*) FROM cursorDiskKV WHERE key LIKE 'composerData:%'" }],
        contentRules: [...CURSOR_CREDENTIALS.database, CURSOR_CREDENTIALS.settings],
        presence: 'files',
      },
      {
        label: 'cursor/home',
        path: join(ctx.home, '.cursor'),
        kind: 'dir',
        include: ['projects/*/agent-transcripts/**', 'chats/**', 'rules/**', 'commands/**', 'skills/**', 'mcp.json'],
        sqlite: ['chats/**/*.db'],
        appendOnly: ['projects/*/agent-transcripts/**/*.jsonl'],
        syncable: ['projects/*/agent-transcripts/**', 'chats/**'],
        sessions: ['projects/*/agent-transcripts/**/*.{jsonl,txt}', 'chats/*/*/store.db'],
        contentRules: [CURSOR_CREDENTIALS.mcp],
        presence: 'files',
      },
    ];
  },
};

// Cursor: the editor's `User` folder (chats and composer state inside `state.vscdb` SQLite
// databases, global and per workspace) and `~/.cursor` (agent transcripts, CLI chats in
// `store.db`, rules, MCP config). Login tokens live in the `ItemTable` of `state.vscdb` under
// `cursorAuth/*` keys, and VS Code's secret storage under `secret://*` keys: both are deleted
// from the consistent copy before upload.

import { join } from 'node:path';
import { vscodeUserDir } from '../context.ts';
import type { AgentAdapter, AgentContext, AgentRoot, ContentRule } from '../types.ts';

/** Rows of a VS Code-family `state.vscdb` that hold credentials. */
export const VSCDB_SECRET_ROWS: ContentRule = {
  kind: 'sqlite-delete',
  glob: '**/state.vscdb',
  table: 'ItemTable',
  where: "key LIKE 'cursorAuth/%' OR key LIKE 'secret://%'",
  why: 'Cursor login tokens (cursorAuth/*) and editor secret storage (secret://*)',
};

/** A settings line of a JSONC file whose key names a credential and whose value is a string. */
const JSONC_SECRET_LINE = String.raw`"[^"]*(api[_-]?key|token|secret|password)[^"]*"\s*:\s*"[^"]`;

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
        exclude: ['**/*.vscdb.backup'],
        sqlite: ['**/*.vscdb'],
        syncable: [],
        sessionQueries: [{ kind: 'sqlite', glob: 'globalStorage/state.vscdb', sql: "SELECT count(*) FROM cursorDiskKV WHERE key LIKE 'composerData:%'" }],
        contentRules: [
          VSCDB_SECRET_ROWS,
          { kind: 'skip-if-match', glob: 'settings.json', pattern: JSONC_SECRET_LINE, why: 'extension settings holding API keys (JSONC is not rewritten)' },
        ],
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
        contentRules: [
          { kind: 'json-redact', glob: 'mcp.json', paths: ['mcpServers.*.env', 'mcpServers.*.headers'], why: 'MCP server environments and headers carry tokens' },
        ],
        presence: 'files',
      },
    ];
  },
};

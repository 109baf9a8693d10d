// Cline and Roo Code: Cline's own data folder (`~/.cline/data`, CLINE_DIR, CLINE_DATA_DIR, shared
// by its CLI and JetBrains clients) and the extensions' global storage in every VS Code-family
// editor, in the default profile and in named profiles. Verified in cline/cline (CLINE_DIR and
// CLINE_DATA_DIR resolution, `data/settings/cline_mcp_settings.json`, `settings/providers.json`
// holding plaintext auth) and RooCodeInc/Roo-Code (tasks/<id>/{api_conversation_history,
// ui_messages,task_metadata}.json under `rooveterinaryinc.roo-cline`).

import { join } from 'node:path';
import { envPath, vscodeUserDir } from '../context.ts';
import type { AgentAdapter, AgentContext, AgentRoot, ContentRule } from '../types.ts';

const EXTENSIONS = '{saoudrizwan.claude-dev,rooveterinaryinc.roo-cline}';

/** VS Code-family editors whose global storage may hold Cline or Roo: folder name -> label. */
export const VSCODE_HOSTS: ReadonlyArray<readonly [string, string]> = [
  ['Code', 'code'],
  ['Code - Insiders', 'code-insiders'],
  ['VSCodium', 'vscodium'],
  ['Cursor', 'cursor'],
  ['Windsurf', 'windsurf'],
];

const MCP_REDACT: ContentRule = {
  kind: 'json-redact',
  glob: '**/{cline_mcp_settings,mcp_settings}.json',
  paths: ['mcpServers.*.env', 'mcpServers.*.headers'],
  why: 'MCP server environments and headers carry tokens',
};

/** Shadow git repositories of checkpoints (often GBs), the browser Cline downloads, caches. */
const HEAVY = ['**/checkpoints', '**/puppeteer', '**/cache', '**/logs'];

export const clineAdapter: AgentAdapter = {
  id: 'cline',
  displayName: 'Cline / Roo',
  roots(ctx: AgentContext): AgentRoot[] {
    const clineDir = envPath(ctx, 'CLINE_DIR') ?? join(ctx.home, '.cline');
    const dataDir = envPath(ctx, 'CLINE_DATA_DIR') ?? join(clineDir, 'data');
    const roots: AgentRoot[] = [
      {
        label: 'cline/data',
        path: dataDir,
        kind: 'dir',
        exclude: HEAVY,
        secrets: ['secrets.json', 'settings/providers.json'],
        sqlite: ['**/*.db'],
        syncable: ['tasks/**', 'state/taskHistory.json'],
        sessions: ['tasks/*/api_conversation_history.json'],
        sessionQueries: [{ kind: 'sqlite', glob: 'sessions.db', sql: 'SELECT count(*) FROM sessions' }],
        contentRules: [MCP_REDACT],
      },
    ];
    for (const [folder, slug] of VSCODE_HOSTS) {
      roots.push({
        label: `cline/${slug}`,
        path: vscodeUserDir(ctx, folder),
        kind: 'dir',
        include: [`globalStorage/${EXTENSIONS}/**`, `profiles/*/globalStorage/${EXTENSIONS}/**`],
        exclude: HEAVY,
        secrets: ['**/secrets.json', '**/settings/providers.json'],
        syncable: ['**/tasks/**'],
        sessions: ['**/tasks/*/api_conversation_history.json'],
        contentRules: [MCP_REDACT],
        presence: 'files',
      });
    }
    return roots;
  },
};

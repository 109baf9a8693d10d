// Cline and Roo Code: Cline's own data folder (`~/.cline/data`, CLINE_DIR, CLINE_DATA_DIR, shared
// by its CLI and JetBrains clients), its global Rules, Workflows, Hooks and MCP settings in
// `~/Documents/Cline/`, and the extensions' global storage in every VS Code-family editor, in the
// default profile and in named profiles. Roo's `roo-cline.customStoragePath` setting moves its
// tasks elsewhere (`prepareContext` reads it from each editor's settings.json). Verified in
// cline/cline (CLINE_DIR and CLINE_DATA_DIR resolution, `data/settings/cline_mcp_settings.json`,
// `settings/providers.json` holding plaintext auth, Documents/Cline/{Rules,Workflows,Hooks,MCP})
// and RooCodeInc/Roo-Code (tasks/<id>/{api_conversation_history,ui_messages,task_metadata}.json
// under `rooveterinaryinc.roo-cline`, utils/storage.ts getStorageBasePath/customStoragePath).

import { join } from 'node:path';
import { envPath, vscodeUserDir } from '../context.ts';
import { MCP_SERVER_SECRETS } from '../credentials.ts';
import type { AgentAdapter, AgentContext, AgentRoot, ContentRule } from '../types.ts';
import { pathSlug } from './aider.ts';

const EXTENSIONS = '{saoudrizwan.claude-dev,rooveterinaryinc.roo-cline}';

/** VS Code-family editors whose global storage may hold Cline or Roo: folder name -> label. */
export const VSCODE_HOSTS: ReadonlyArray<readonly [string, string]> = [
  ['Code', 'code'],
  ['Code - Insiders', 'code-insiders'],
  ['VSCodium', 'vscodium'],
  ['Cursor', 'cursor'],
  ['Windsurf', 'windsurf'],
];

/** Every place Cline and Roo keep a credential. */
export const CLINE_CREDENTIALS = {
  files: ['**/secrets.json', '**/settings/providers.json'],
  mcp: {
    kind: 'json-redact',
    glob: '**/{cline_mcp_settings,mcp_settings}.json',
    paths: MCP_SERVER_SECRETS,
    why: 'MCP server environments and headers carry tokens',
  },
} as const satisfies { files: readonly string[]; mcp: ContentRule };

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
        secrets: CLINE_CREDENTIALS.files,
        sqlite: ['**/*.db'],
        syncable: ['tasks/**', 'state/taskHistory.json'],
        sessions: ['tasks/*/api_conversation_history.json'],
        sessionQueries: [{ kind: 'sqlite', glob: 'sessions.db', sql: 'SELECT count(*) FROM sessions' }],
        contentRules: [CLINE_CREDENTIALS.mcp],
      },
      {
        label: 'cline/documents',
        path: join(ctx.home, 'Documents', 'Cline'),
        kind: 'dir',
        include: ['Rules/**', 'Workflows/**', 'Hooks/**', 'MCP/**'],
        secrets: CLINE_CREDENTIALS.files,
        contentRules: [CLINE_CREDENTIALS.mcp],
        presence: 'files',
      },
    ];
    for (const [folder, slug] of VSCODE_HOSTS) {
      roots.push({
        label: `cline/${slug}`,
        path: vscodeUserDir(ctx, folder),
        kind: 'dir',
        include: [`globalStorage/${EXTENSIONS}/**`, `profiles/*/globalStorage/${EXTENSIONS}/**`],
        exclude: HEAVY,
        secrets: CLINE_CREDENTIALS.files,
        syncable: ['**/tasks/**'],
        sessions: ['**/tasks/*/api_conversation_history.json'],
        contentRules: [CLINE_CREDENTIALS.mcp],
        presence: 'files',
      });
    }
    for (const path of ctx.rooStoragePaths ?? []) {
      roots.push({
        label: `cline/roo-${pathSlug(path)}`,
        path,
        kind: 'dir',
        include: ['tasks/**', 'settings/**'],
        exclude: HEAVY,
        secrets: CLINE_CREDENTIALS.files,
        syncable: ['tasks/**'],
        sessions: ['tasks/*/api_conversation_history.json'],
        contentRules: [CLINE_CREDENTIALS.mcp],
        presence: 'files',
      });
    }
    return roots;
  },
};

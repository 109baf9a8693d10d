// Gemini CLI: `~/.gemini`, where GEMINI_CLI_HOME replaces the home folder (so the root becomes
// `$GEMINI_CLI_HOME/.gemini`). Verified in google-gemini/gemini-cli:
// packages/core/src/config/storage.ts (oauth_creds.json, google_accounts.json,
// mcp-oauth-tokens.json, tmp/<project>/chats, history/<project> shadow repositories) and
// utils/paths.ts `homedir()` honouring GEMINI_CLI_HOME.

import { join } from 'node:path';
import { envPath } from '../context.ts';
import type { AgentAdapter, AgentContext, AgentRoot } from '../types.ts';
import { SECRET_KEY_GLOB } from './claude-code.ts';

export const geminiCliAdapter: AgentAdapter = {
  id: 'gemini-cli',
  displayName: 'Gemini CLI',
  roots(ctx: AgentContext): AgentRoot[] {
    const home = envPath(ctx, 'GEMINI_CLI_HOME') ?? ctx.home;
    return [
      {
        label: 'gemini-cli/home',
        path: join(home, '.gemini'),
        kind: 'dir',
        exclude: [
          // Antigravity's browser profiles (cookies, caches): not Gemini CLI state.
          'antigravity*',
          // Downloaded tools and the shadow git repositories behind /restore: large, rebuilt.
          'tmp/bin',
          'history',
        ],
        secrets: ['oauth_creds.json', 'google_accounts.json', 'mcp-oauth-tokens*.json', 'gemini-credentials.json', 'a2a-oauth-tokens*.json'],
        appendOnly: ['tmp/*/chats/session-*.jsonl', 'tmp/*/shell_history'],
        syncable: ['tmp/*/chats/**', 'tmp/*/logs.json'],
        sessions: ['tmp/*/chats/session-*.{json,jsonl}'],
        contentRules: [
          {
            kind: 'json-redact',
            glob: 'settings.json',
            paths: ['mcpServers.*.env', 'mcpServers.*.headers', `security.auth.${SECRET_KEY_GLOB}`],
            why: 'MCP server environments and headers in settings.json commonly carry tokens',
          },
        ],
      },
    ];
  },
};

// Gemini CLI and Antigravity CLI: both write into `~/.gemini`, where GEMINI_CLI_HOME replaces the
// home folder (the root becomes `$GEMINI_CLI_HOME/.gemini`). Antigravity CLI, which Google moved
// Gemini CLI users to in June 2026, keeps its conversations at
// `antigravity-cli/brain/<id>/.system_generated/logs/transcript.jsonl` (the IDE earlier:
// `antigravity/brain/<id>/*.md`) and its settings at `antigravity-cli/settings.json`.
// Verified in google-gemini/gemini-cli: packages/core/src/config/storage.ts (oauth_creds.json,
// google_accounts.json, mcp-oauth-tokens.json, a2a-oauth-tokens.json, tmp/<project>/chats,
// history/<project> shadow repositories, projects.json), services/fileKeychain.ts
// (gemini-credentials.json), agents/browser/browserManager.ts (cli-browser-profile/: the browser
// agent's Chrome profile, cookies and saved logins), services/chatRecordingService.ts
// (`<chat>.tmp-<pid>` while writing, `<chat>.unreadable-<time>` for a damaged one; subagent
// chats at chats/<parent>/<id>.jsonl), utils/paths.ts `homedir()` honouring GEMINI_CLI_HOME.

import { join } from 'node:path';
import { envPath } from '../context.ts';
import { MCP_SERVER_SECRETS, SECRET_KEY_GLOB } from '../credentials.ts';
import type { AgentAdapter, AgentContext, AgentRoot, ContentRule } from '../types.ts';

/** Every place Gemini CLI and Antigravity keep a credential, relative to `~/.gemini`. */
export const GEMINI_CREDENTIALS = {
  files: [
    '**/oauth_creds.json',
    '**/google_accounts.json',
    '**/mcp-oauth-tokens*.json',
    '**/a2a-oauth-tokens*.json',
    '**/gemini-credentials.json',
    // Browser profiles (cookies, saved logins) of the browser agent and of Antigravity.
    'cli-browser-profile',
    '**/*browser-profile*',
    '**/*browser_profile*',
  ],
  settings: {
    kind: 'json-redact',
    glob: '**/{settings.json,mcp_config.json,gemini-extension.json}',
    paths: [...MCP_SERVER_SECRETS, `security.auth.${SECRET_KEY_GLOB}`],
    why: 'MCP server environments and headers in settings.json commonly carry tokens',
  },
} as const satisfies { files: readonly string[]; settings: ContentRule };

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
          // Downloaded tools, speech models and the shadow git repositories behind /restore:
          // large, rebuilt by the agent.
          'tmp/bin',
          'history',
          'whisper_models',
          // A chat being written (renamed over the chat when done) and a damaged one set aside.
          'tmp/*/chats/**/*.tmp-*',
          'tmp/*/chats/**/*.unreadable-*',
          // Antigravity's caches and recordings: not conversations.
          'antigravity*/browser_recordings',
          'antigravity*/code_tracker',
          'antigravity*/implicit',
        ],
        secrets: GEMINI_CREDENTIALS.files,
        // Top-level chats only: subagent chats (chats/<parent>/<id>.jsonl) are rewritten.
        appendOnly: ['tmp/*/chats/session-*.jsonl', 'tmp/*/shell_history'],
        syncable: ['tmp/*/chats/**', 'tmp/*/logs.json'],
        sessions: ['tmp/*/chats/session-*.{json,jsonl}', 'antigravity-cli/brain/*/.system_generated/logs/transcript.jsonl'],
        contentRules: [GEMINI_CREDENTIALS.settings],
      },
    ];
  },
};

// Claude Code: everything under `~/.claude` (or CLAUDE_CONFIG_DIR), plus `~/.claude.json`, the
// machine state file that can hold MCP server secrets and the API key: opt-in, and redacted.
// Claude Desktop's Cowork mode (macOS) runs Claude Code with its own config folders under
// `~/Library/Application Support/Claude/local-agent-mode-sessions/**/.claude`: their projects
// are backed up too. Verified against code.claude.com/docs/en/claude-directory (CLAUDE_CONFIG_DIR
// relocates every `~/.claude` path; `.claude.json` then lives inside it) and settings (env).

import { join } from 'node:path';
import { baseDirs, envPath } from '../context.ts';
import { MCP_SERVER_SECRETS, SECRET_KEY_GLOB } from '../credentials.ts';
import type { AgentAdapter, AgentContext, AgentRoot, ContentRule } from '../types.ts';

export { SECRET_KEY_GLOB };

/** Every place Claude Code keeps a credential, relative to its config folder. */
export const CLAUDE_CREDENTIALS = {
  files: [
    // OAuth tokens on Linux and Windows (macOS: the keychain).
    '**/.credentials.json',
    // Snapshots of the user's shell environment (exported tokens included) and per-session env.
    'shell-snapshots',
    'session-env',
  ],
  settings: {
    kind: 'json-redact',
    glob: '**/{settings,settings.local}.json',
    paths: [`env.${SECRET_KEY_GLOB}`, ...MCP_SERVER_SECRETS],
    why: 'settings.json `env` carries ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN or proxy tokens',
  },
  state: {
    kind: 'json-redact',
    glob: '**/.claude.json',
    paths: ['primaryApiKey', 'customApiKeyResponses', ...MCP_SERVER_SECRETS],
    why: 'the API key, MCP server environments and headers live in this file',
  },
} as const satisfies { files: readonly string[]; settings: ContentRule; state: ContentRule };

export const claudeCodeAdapter: AgentAdapter = {
  id: 'claude-code',
  displayName: 'Claude Code',
  roots(ctx: AgentContext): AgentRoot[] {
    const override = envPath(ctx, 'CLAUDE_CONFIG_DIR');
    const configDir = override ?? join(ctx.home, '.claude');
    const stateFile = override ? join(override, '.claude.json') : join(ctx.home, '.claude.json');
    const roots: AgentRoot[] = [
      {
        label: 'claude-code/config',
        path: configDir,
        kind: 'dir',
        exclude: [
          // Machine state and its backups: the opt-in `claude-code/state` root covers it.
          '.claude.json',
          '.claude.json.*',
          'backups/.claude.json*',
          // Diagnostics, caches: worthless on another machine.
          'debug',
          'statsig',
          'telemetry',
          'cache',
          'downloads',
          'ide',
          'plugins/cache',
          'plugins/marketplaces',
          '**/*.lock',
        ],
        secrets: CLAUDE_CREDENTIALS.files,
        // Workflow runs (`<session>/subagents/workflows/<run>/`) are rewritten, not appended to.
        appendOnly: ['projects/*/*.jsonl', 'projects/*/*/subagents/*.jsonl', 'history.jsonl'],
        sharedLogs: ['history.jsonl'],
        syncable: ['projects/**', 'history.jsonl', 'todos/**', 'plans/**', 'file-history/**'],
        sessions: ['projects/*/*.jsonl', '!projects/*/agent-*.jsonl'],
        contentRules: [CLAUDE_CREDENTIALS.settings, CLAUDE_CREDENTIALS.state],
      },
      {
        label: 'claude-code/state',
        path: stateFile,
        kind: 'file',
        optIn: true,
        contentRules: [CLAUDE_CREDENTIALS.state],
      },
    ];
    if (ctx.platform === 'darwin') {
      roots.push({
        label: 'claude-code/cowork',
        path: join(baseDirs(ctx).appConfig, 'Claude', 'local-agent-mode-sessions'),
        kind: 'dir',
        include: ['**/.claude/projects/**'],
        secrets: CLAUDE_CREDENTIALS.files.map((g) => (g.startsWith('**/') ? g : `**/.claude/${g}`)),
        appendOnly: ['**/.claude/projects/*/*.jsonl'],
        sessions: ['**/.claude/projects/*/*.jsonl', '!**/.claude/projects/*/agent-*.jsonl'],
        contentRules: [CLAUDE_CREDENTIALS.settings, CLAUDE_CREDENTIALS.state],
        presence: 'files',
      });
    }
    return roots;
  },
};

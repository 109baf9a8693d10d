// Claude Code: everything under `~/.claude` (or CLAUDE_CONFIG_DIR), plus `~/.claude.json`, the
// machine state file that can hold MCP server secrets and the API key: opt-in, and redacted.
// Verified against code.claude.com/docs/en/claude-directory (CLAUDE_CONFIG_DIR relocates every
// `~/.claude` path; `.claude.json` then lives inside it).

import { join } from 'node:path';
import { envPath } from '../context.ts';
import type { AgentAdapter, AgentContext, AgentRoot } from '../types.ts';

/** JSON keys whose values look like credentials, matched per key (case-insensitive). */
export const SECRET_KEY_GLOB = '*{key,token,secret,password,passwd,auth,credential,cookie}*';

export const claudeCodeAdapter: AgentAdapter = {
  id: 'claude-code',
  displayName: 'Claude Code',
  roots(ctx: AgentContext): AgentRoot[] {
    const override = envPath(ctx, 'CLAUDE_CONFIG_DIR');
    const configDir = override ?? join(ctx.home, '.claude');
    const stateFile = override ? join(override, '.claude.json') : join(ctx.home, '.claude.json');
    return [
      {
        label: 'claude-code/config',
        path: configDir,
        kind: 'dir',
        exclude: [
          // Machine state and its backups: the opt-in `claude-code/state` root covers it.
          '.claude.json',
          '.claude.json.*',
          'backups/.claude.json*',
          // Diagnostics, caches and per-machine snapshots of the shell environment (which can
          // hold exported tokens): worthless on another machine, risky to upload.
          'debug',
          'statsig',
          'telemetry',
          'cache',
          'downloads',
          'ide',
          'shell-snapshots',
          'session-env',
          'plugins/cache',
          'plugins/marketplaces',
          '**/*.lock',
        ],
        secrets: ['.credentials.json'],
        appendOnly: ['projects/*/*.jsonl', 'projects/*/*/subagents/*.jsonl', 'history.jsonl'],
        sharedLogs: ['history.jsonl'],
        syncable: ['projects/**', 'history.jsonl', 'todos/**', 'plans/**', 'file-history/**'],
        sessions: ['projects/*/*.jsonl', '!projects/*/agent-*.jsonl'],
        contentRules: [
          {
            kind: 'json-redact',
            glob: '{settings,settings.local}.json',
            paths: [`env.${SECRET_KEY_GLOB}`],
            why: 'settings.json `env` often carries ANTHROPIC_API_KEY or proxy tokens',
          },
        ],
      },
      {
        label: 'claude-code/state',
        path: stateFile,
        kind: 'file',
        optIn: true,
        contentRules: [
          {
            kind: 'json-redact',
            glob: '.claude.json',
            paths: [
              'primaryApiKey',
              'customApiKeyResponses',
              'mcpServers.*.env',
              'mcpServers.*.headers',
              'projects.*.mcpServers.*.env',
              'projects.*.mcpServers.*.headers',
            ],
            why: 'the API key, MCP server environments and headers live in this file',
          },
        ],
      },
    ];
  },
};

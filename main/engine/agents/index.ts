// Agent adapters: where each coding agent (Claude Code, Codex, Goose, Gemini CLI, OpenCode,
// Cursor, Cline/Roo, Aider) keeps its state on Linux, macOS and Windows, which of it a backup
// takes, which files are SQLite, append-only or syncable, and which never leave the machine.
// Also detection for the wizard and `cairn agents`, the shared walker, consistent SQLite copies
// and the scrubbing of secrets that live inside files.

export type { AgentAdapter, AgentBackupSource, AgentContext, AgentRoot, ContentRule, SessionQuery } from './types.ts';
export { ADAPTERS, AGENT_IDS } from './registry.ts';
export { baseDirs, contextFromProcess, vscodeUserDir } from './context.ts';
export { COMMON_PROJECT_FOLDERS, findAiderRepos, prepareContext, projectFoldersFromAgents } from './discovery.ts';
export type { BaseDirs } from './context.ts';
export { detectAgents, presentAgents } from './detect.ts';
export type { DetectOptions } from './detect.ts';
export { rootToSource, toBackupSources, withAgentRules } from './sources.ts';
export type { ToBackupSourcesOptions } from './sources.ts';
export { listIncludedFiles } from './walk.ts';
export type { IncludedFile, SkipReason, WalkOptions } from './walk.ts';
export { copySqliteConsistent, isSqliteFile } from './sqlite-copy.ts';
export type { SqliteCopyOptions, SqliteCopyResult } from './sqlite-copy.ts';
export { formatAgentSummary, formatAgentsTable, formatBytes, formatCount } from './format.ts';
export { AGENT_PATHS_FILE, agentPathsContext, loadAgentPaths, updateAgentPaths } from './agent-paths.ts';
export type { AgentPaths } from './agent-paths.ts';

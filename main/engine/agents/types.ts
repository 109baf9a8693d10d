// The shape of an agent adapter: pure data plus a root resolver. Nothing here touches the disk;
// the context carries everything an adapter may look at, so tests can simulate every OS layout
// on one machine with a fixture home.

import type { BackupSource } from '../backup/index.ts';
import type { Platform } from '../../../shared/models.ts';

/** Everything a root resolver may look at. Injected so tests can simulate any OS and home. */
export interface AgentContext {
  /** Absolute home folder (`os.homedir()` in production). */
  home: string;
  /** Which OS layout to resolve. Paths are still joined with the host's `path` module. */
  platform: Platform;
  /** Environment variables: agents' overrides (CLAUDE_CONFIG_DIR, CODEX_HOME, …), XDG_*, APPDATA. */
  env: Record<string, string | undefined>;
  /** Windows roaming application data; defaults to `env.APPDATA`, then `<home>/AppData/Roaming`. */
  appData?: string;
  /** Windows local application data; defaults to `env.LOCALAPPDATA`, then `<home>/AppData/Local`. */
  localAppData?: string;
  /** XDG base folders; default to the XDG_* variables when absolute, then the spec's defaults. */
  xdgConfigHome?: string;
  xdgDataHome?: string;
  xdgStateHome?: string;
  /** Aider keeps its state per repository: repositories known to hold it (see `prepareContext`). */
  aiderRepos?: readonly string[];
  /** Aider history files moved out of their repository (`chat-history-file`, ...). */
  aiderHistoryFiles?: readonly string[];
  /**
   * Folders to search for Aider repositories. Undefined: the common project folders of the home
   * (~/src, ~/code, ~/projects, ...) plus `extraFolders`; `[]`: no scan.
   */
  scanFolders?: readonly string[];
  /** How deep below each scan folder to look; default 4. */
  scanDepth?: number;
  /** Folders the user added (`cairn agents --add-path`): scanned like the common ones. */
  extraFolders?: readonly string[];
  /** Folders the user removed (`--remove-path`): never scanned or used, nor anything below. */
  ignoredFolders?: readonly string[];
  /** Codex's `sqlite_home` from its config.toml. */
  codexSqliteHome?: string;
  /** Roo Code's `roo-cline.customStoragePath` from the editors' settings. */
  rooStoragePaths?: readonly string[];
  /**
   * Project folders the agents here name (`projectFoldersFromAgents`: Claude Code's projects,
   * Codex's and Gemini CLI's, the editors' workspaces), found by `prepareContext`.
   */
  knownProjects?: readonly string[];
  /** Set once `prepareContext` has read the disk. */
  prepared?: boolean;
}

import type { ContentRule } from '../backup/index.ts';

export type { ContentRule };

/** A count of sessions that can't be read from file names. */
export type SessionQuery =
  | {
      /** A query on the root's databases matching `glob`; returns one row with one integer. */
      kind: 'sqlite';
      glob: string;
      sql: string;
    }
  | {
      /** Lines starting with `prefix` in the files matching `glob` (Aider's chat history). */
      kind: 'lines';
      glob: string;
      prefix: string;
    };

export interface AgentRoot {
  /** Stable label, `<agent>/<role>`: `claude-code/config`. */
  label: string;
  /** Absolute path of the folder or file. */
  path: string;
  kind: 'dir' | 'file';
  /** Only files matching one of these are included; omitted means every file. */
  include?: readonly string[];
  /** Files and folders skipped (a folder that matches is skipped with its content). */
  exclude?: readonly string[];
  /** Never uploaded, whatever `include` says; added to DEFAULT_SECRET_GLOBS. */
  secrets?: readonly string[];
  /** SQLite databases: copied with the online backup API, never as bytes. */
  sqlite?: readonly string[];
  /** JSONL (or text) files that only grow: sync takes the longer one when one extends the other. */
  appendOnly?: readonly string[];
  /** Append-only logs shared by all sessions (history.jsonl): union-merged on sync. */
  sharedLogs?: readonly string[];
  /** Files sync may bring from other devices: transcripts, not machine settings. */
  syncable?: readonly string[];
  /** Files that each count as one session. */
  sessions?: readonly string[];
  /** Session counts read from inside files; a root's count is the larger of these and `sessions`. */
  sessionQueries?: readonly SessionQuery[];
  /** Secrets inside files: applied by the backup engine to the copy before upload. */
  contentRules?: readonly ContentRule[];
  /**
   * When the root counts as present: `path` (it exists) or `files` (it holds at least one
   * included file: for shared folders such as an editor's `User` folder).
   */
  presence?: 'path' | 'files';
  /** Not backed up unless the user asks for it (e.g. machine state that may hold secrets). */
  optIn?: boolean;
  /** Deepest folder level walked below `path` (0: only its direct files). */
  maxDepth?: number;
}

export interface AgentAdapter {
  /** Stable id: `claude-code`, `codex`, … */
  readonly id: string;
  readonly displayName: string;
  /** Where this agent keeps its state on the context's OS. Pure: no I/O. */
  roots(ctx: AgentContext): AgentRoot[];
}

/**
 * A BackupSource with the adapter's sync and content rules. Assignable to BackupSource; the
 * backup engine must honour `contentRules`, and the sync engine `appendOnly`, `sharedLogs`
 * and `syncable`.
 */
export interface AgentBackupSource extends BackupSource {
  agent: string;
  kind: 'dir' | 'file';
  appendOnly?: readonly string[];
  sharedLogs?: readonly string[];
  syncable?: readonly string[];
  contentRules?: readonly ContentRule[];
  maxDepth?: number;
  /**
   * AgentContext.knownProjects: the catalog names by them the project of sessions kept in a
   * folder named only by a hash or slug of its path (Cursor's CLI chats and transcripts, Gemini
   * CLI's older folders) when no other session of the device is in it.
   */
  projects?: readonly string[];
}

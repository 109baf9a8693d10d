// What a backup reads: a root folder plus rules. Agent adapters produce these; the CLI makes one
// per PATH argument. Globs are picomatch patterns matched against the path relative to `path`,
// with `/` separators (`dot: true`).

export interface BackupSource {
  /** Stable label within a snapshot, e.g. `claude-code/config` or an absolute path for the CLI. */
  label: string;
  /** Agent id when the source comes from an adapter (`claude-code`, `codex`, …). */
  agent?: string;
  /** Absolute path of a folder or a single file. */
  path: string;
  /** When given, only files matching one of these are included. */
  include?: readonly string[];
  /** Files and folders matching any of these are skipped. */
  exclude?: readonly string[];
  /** Files matching these never leave the machine, whatever `include` says. */
  secrets?: readonly string[];
  /** Files matching these are SQLite databases, copied with the online backup API. */
  sqlite?: readonly string[];
  /** Secrets inside files: scrubbed from what is uploaded, never from the agent's own files. */
  contentRules?: readonly ContentRule[];
  /** Deepest folder level walked below `path` (0: only its direct files). */
  maxDepth?: number;
  /**
   * A path the user named (CLI PATH): that it doesn't exist, loops or can't be read fails the
   * backup. Otherwise (an adapter's root, listed because it existed) it is a warning.
   */
  required?: boolean;
}

/**
 * A rule for secrets that live *inside* a file, which path rules cannot exclude. The backup
 * engine applies these to the copy it is about to upload, never to the agent's own file.
 */
export type ContentRule =
  | {
      /** Delete rows from a table of a SQLite copy (then VACUUM so no freed page keeps them). */
      kind: 'sqlite-delete';
      /** Which files of the root (relative glob) the rule applies to. */
      glob: string;
      table: string;
      /** SQL condition; omitted deletes every row. Only literals written by adapters, never user input. */
      where?: string;
      /**
       * Columns holding the credential itself: their values are searched for in the scrubbed
       * copy. Omitted: every column. (An e-mail or URL in the same row may rightly appear
       * elsewhere; it must not keep the whole database local.)
       */
      secretColumns?: readonly string[];
      why: string;
    }
  | {
      /** Empty columns of some rows of a table of a SQLite copy (then VACUUM): the rest of the row is kept. */
      kind: 'sqlite-clear';
      glob: string;
      table: string;
      columns: readonly string[];
      /** SQL condition; omitted clears the columns of every row. Adapter literals only. */
      where?: string;
      why: string;
    }
  | {
      /** Remove keys from a JSON file. Paths are dotted, `*` matches any key at that level. */
      kind: 'json-redact';
      glob: string;
      paths: readonly string[];
      why: string;
    }
  | {
      /**
       * Keep the whole file local when one of these keys holds a value (a non-empty string, list
       * or table; numbers and booleans are settings, not credentials): for structured formats
       * that can't be rewritten faithfully (YAML and TOML lose comments, JSONC its comments).
       * Paths as for `json-redact`; a file that doesn't parse stays local too.
       */
      kind: 'skip-if-keys';
      glob: string;
      format: 'yaml' | 'toml' | 'jsonc';
      paths: readonly string[];
      why: string;
    }
  | {
      /** Skip the whole file when its text matches: for text formats with no structure (shell). */
      kind: 'skip-if-match';
      glob: string;
      /** A regular expression source, tested with the `m` and `i` flags. */
      pattern: string;
      why: string;
    };


/** Default secret rules: apply to every source in addition to its own. */
export const DEFAULT_SECRET_GLOBS: readonly string[] = [
  '**/.credentials.json',
  '**/auth.json',
  '**/oauth_creds.json',
  '**/google_accounts.json',
  '**/secrets.yaml',
  '**/secrets.json',
  '**/.env',
  '**/.env.*',
  '**/*.pem',
  '**/id_rsa',
  '**/id_ed25519',
];

/**
 * Never uploaded: SQLite's sidecar files are folded into the database copy; Cairn's own temporary
 * files (a pull's, a restore's, atomic-file.ts's), which a killed run can leave in an agent's
 * folder, are never anyone's data, and uploaded they would be pulled onto every other device.
 */
export const ALWAYS_EXCLUDED_GLOBS: readonly string[] = [
  '**/*-wal',
  '**/*-shm',
  '**/*-journal',
  '**/.*.cairn-sync-*.tmp',
  '**/.*.cairn-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f].tmp',
  '**/.*.cairn-tmp-*',
];

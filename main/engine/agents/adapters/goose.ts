// Goose: config, data and state folders from the `etcetera` crate's app strategy (XDG on Linux
// *and* macOS, `%APPDATA%\Block\goose\{config,data}` on Windows), or `$GOOSE_PATH_ROOT/{config,
// data,state}` when that variable holds an absolute path; plugins and agents in
// `~/.agents/{plugins,agents}` (`$GOOSE_PATH_ROOT/.agents`). Verified in block/goose:
// crates/goose/src/config/paths.rs, config/base/secrets.rs (secrets.yaml in the config dir,
// when the keyring is off), config.yaml (extensions with literal `envs` and `headers`);
// sessions in `<data>/sessions/sessions.db` (tables `sessions`, `messages`, `schema_version`:
// session/session_manager.rs) and, before that, `sessions/<id>.jsonl`, whose writer rewrote the
// whole file (metadata on the first line) on every save: not append-only.

import { join } from 'node:path';
import { baseDirs, envPath } from '../context.ts';
import { SECRET_SETTING_GLOB } from '../credentials.ts';
import type { AgentAdapter, AgentContext, AgentRoot, ContentRule } from '../types.ts';

/** Every place Goose keeps a credential, relative to its folders. */
export const GOOSE_CREDENTIALS = {
  files: ['**/secrets.yaml', '**/*oauth*', '**/*oauth*/**', '**/*token*.json', '**/*credentials*'],
  config: {
    kind: 'skip-if-keys',
    glob: '**/config.yaml',
    format: 'yaml',
    paths: ['extensions.*.envs', 'extensions.*.headers', `**.${SECRET_SETTING_GLOB}`, '**.*_TOKEN', '**.*_KEY'],
    why: 'config.yaml holds extension `envs`/`headers` or provider keys; YAML is not rewritten, so it stays local',
  },
} as const satisfies { files: readonly string[]; config: ContentRule };

export const gooseAdapter: AgentAdapter = {
  id: 'goose',
  displayName: 'Goose',
  roots(ctx: AgentContext): AgentRoot[] {
    const root = envPath(ctx, 'GOOSE_PATH_ROOT');
    let config: string;
    let data: string;
    let state: string | undefined;
    if (root) {
      config = join(root, 'config');
      data = join(root, 'data');
      state = join(root, 'state');
    } else if (ctx.platform === 'win32') {
      const dirs = baseDirs(ctx);
      config = join(dirs.appData, 'Block', 'goose', 'config');
      data = join(dirs.appData, 'Block', 'goose', 'data');
      // etcetera has no state folder on Windows: Goose falls back to the data folder.
    } else {
      const dirs = baseDirs(ctx);
      config = join(dirs.xdgConfig, 'goose');
      data = join(dirs.xdgData, 'goose');
      state = join(dirs.xdgState, 'goose');
    }
    const roots: AgentRoot[] = [
      {
        label: 'goose/config',
        path: config,
        kind: 'dir',
        secrets: GOOSE_CREDENTIALS.files,
        appendOnly: ['history.txt'],
        sharedLogs: ['history.txt'],
        syncable: ['history.txt'],
        contentRules: [GOOSE_CREDENTIALS.config],
      },
      {
        label: 'goose/data',
        path: data,
        kind: 'dir',
        exclude: ['logs', '**/*.log'],
        secrets: GOOSE_CREDENTIALS.files,
        sqlite: ['**/*.db'],
        syncable: ['sessions/*.jsonl'],
        sessions: ['sessions/*.jsonl'],
        sessionQueries: [{ kind: 'sqlite', glob: 'sessions/sessions.db', sql: 'SELECT count(*) FROM sessions' }],
      },
      {
        label: 'goose/agents',
        path: join(root ?? ctx.home, '.agents'),
        kind: 'dir',
        include: ['plugins/**', 'agents/**'],
        secrets: GOOSE_CREDENTIALS.files,
        contentRules: [GOOSE_CREDENTIALS.config],
        presence: 'files',
      },
    ];
    if (state) {
      roots.push({ label: 'goose/state', path: state, kind: 'dir', exclude: ['logs', '**/*.log'], secrets: GOOSE_CREDENTIALS.files });
    }
    return roots;
  },
};

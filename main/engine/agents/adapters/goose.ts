// Goose: config, data and state folders from the `etcetera` crate's app strategy (XDG on Linux
// *and* macOS, `%APPDATA%\Block\goose\{config,data}` on Windows), or `$GOOSE_PATH_ROOT/{config,
// data,state}` when that variable holds an absolute path. Verified in block/goose:
// crates/goose/src/config/paths.rs and config/base/secrets.rs (secrets.yaml in the config dir);
// sessions in `<data>/sessions/sessions.db` (table `sessions`).

import { join } from 'node:path';
import { baseDirs, envPath } from '../context.ts';
import type { AgentAdapter, AgentContext, AgentRoot } from '../types.ts';

const YAML_SECRET_LINE = String.raw`^\s*[\w-]*(api[_-]?key|token|secret|password)[\w-]*\s*:\s*['"]?[^\s'"#]`;
const OAUTH_SECRETS = ['secrets.yaml', '**/*oauth*', '**/*oauth*/**', '**/*token*.json', '**/*credentials*'];

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
        secrets: OAUTH_SECRETS,
        appendOnly: ['history.txt'],
        sharedLogs: ['history.txt'],
        syncable: ['history.txt'],
        contentRules: [
          {
            kind: 'skip-if-match',
            glob: 'config.yaml',
            pattern: YAML_SECRET_LINE,
            why: 'extension `envs` in config.yaml can hold literal API keys; YAML is not rewritten, so such a file stays local',
          },
        ],
      },
      {
        label: 'goose/data',
        path: data,
        kind: 'dir',
        exclude: ['logs', '**/*.log'],
        secrets: OAUTH_SECRETS,
        sqlite: ['**/*.db'],
        appendOnly: ['sessions/*.jsonl'],
        syncable: ['sessions/*.jsonl'],
        sessions: ['sessions/*.jsonl'],
        sessionQueries: [{ kind: 'sqlite', glob: 'sessions/sessions.db', sql: 'SELECT count(*) FROM sessions' }],
      },
    ];
    if (state) {
      roots.push({ label: 'goose/state', path: state, kind: 'dir', exclude: ['logs', '**/*.log'], secrets: OAUTH_SECRETS });
    }
    return roots;
  },
};

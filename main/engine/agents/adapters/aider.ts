// Aider keeps its state beside each repository: the chat transcript, the input history, the LLM
// request log and the per-repository config. `prepareContext` finds the repositories (no
// configuration needed, see discovery.ts) and the history files moved with
// `--chat-history-file` / AIDER_CHAT_HISTORY_FILE / `chat-history-file:` in `.aider.conf.yml`
// (and the same for the input and LLM histories). Verified at aider.chat/docs/config/
// aider_conf.html, options.html and dotenv.html (file names, `.env` holding keys,
// `.aider.conf.yml` accepting `openai-api-key`, `anthropic-api-key`, `api-key`, `set-env`).

import { createHash } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';
import type { AgentAdapter, AgentContext, AgentRoot, ContentRule } from '../types.ts';

export const AIDER_CHAT = '.aider.chat.history.md';
export const AIDER_INPUT = '.aider.input.history';
export const AIDER_LLM = '.aider.llm.history';
export const AIDER_CONF = '.aider.conf.yml';

const DEFAULT_FILES = [AIDER_CHAT, AIDER_INPUT, AIDER_LLM, AIDER_CONF, '.aider.model.settings.yml', '.aider.model.metadata.json'];

/** Every place Aider keeps a credential, relative to a repository. */
export const AIDER_CREDENTIALS = {
  files: ['.env', '**/.env'],
  config: {
    kind: 'skip-if-keys',
    glob: AIDER_CONF,
    format: 'yaml',
    paths: ['*api-key*', '*api_key*', 'set-env'],
    why: '.aider.conf.yml holds API keys (api-key, *-api-key, set-env); YAML is not rewritten, so it stays local',
  },
} as const satisfies { files: readonly string[]; config: ContentRule };

/** A label-safe name for a repository path: `/home/alice/src/app` -> `home-alice-src-app`. */
export function pathSlug(path: string): string {
  return path.replace(/[^A-Za-z0-9._]+/g, '-').replace(/^-+|-+$/g, '') || 'root';
}

/** Labels unique per path: `/a/b-c` and `/a/b/c` share a slug, so those get a hash of the path. */
function labeler(prefix: string, paths: readonly string[]): (path: string) => string {
  const slugs = paths.map(pathSlug);
  return (path) => {
    const slug = pathSlug(path);
    const shared = slugs.filter((s) => s === slug).length > 1;
    return `${prefix}${slug}${shared ? `-${createHash('sha256').update(path).digest('hex').slice(0, 8)}` : ''}`;
  };
}

export const aiderAdapter: AgentAdapter = {
  id: 'aider',
  displayName: 'Aider',
  roots(ctx: AgentContext): AgentRoot[] {
    const repos = [...new Set((ctx.aiderRepos ?? []).map((r) => resolve(r)))].sort();
    const label = labeler('aider/', repos);
    const roots: AgentRoot[] = repos.map((repo) => ({
      label: label(repo),
      path: repo,
      kind: 'dir',
      // Only the repository's own top-level Aider files: never its source tree.
      maxDepth: 0,
      include: DEFAULT_FILES,
      secrets: AIDER_CREDENTIALS.files,
      appendOnly: [AIDER_CHAT, AIDER_INPUT],
      sharedLogs: [AIDER_INPUT],
      syncable: [AIDER_CHAT, AIDER_INPUT],
      sessionQueries: [{ kind: 'lines', glob: AIDER_CHAT, prefix: '# aider chat started at' }],
      contentRules: [AIDER_CREDENTIALS.config],
      presence: 'files',
    }));
    // History files moved out of the repository: each is a root of its own.
    const covered = (f: string): boolean => DEFAULT_FILES.includes(basename(f)) && repos.includes(dirname(f));
    const files = [...new Set((ctx.aiderHistoryFiles ?? []).map((f) => resolve(f)))].filter((f) => !covered(f)).sort();
    const fileLabel = labeler('aider/file-', files);
    for (const file of files) {
      roots.push({
        label: fileLabel(file),
        path: file,
        kind: 'file',
        appendOnly: [basename(file)],
        sessionQueries: [{ kind: 'lines', glob: basename(file), prefix: '# aider chat started at' }],
      });
    }
    return roots;
  },
};

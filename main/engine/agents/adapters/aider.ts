// Aider keeps its state beside each repository: the chat transcript, the input history and the
// per-repository config. The user lists repositories, or folders that `prepareContext` scans.
// Verified at aider.chat/docs/config/aider_conf.html and dotenv.html (file names, `.env`
// holding keys, `.aider.conf.yml` accepting `openai-api-key`, `anthropic-api-key`, `api-key`).

import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { AgentAdapter, AgentContext, AgentRoot } from '../types.ts';

const CHAT = '.aider.chat.history.md';
const INPUT = '.aider.input.history';

/** A YAML key naming a credential (with any value, including a list on the next lines), or set-env. */
const AIDER_CONF_SECRET = String.raw`^\s*[\w-]*(api[_-]?key|token|secret|password)[\w-]*\s*:|^\s*set-env\s*:`;

/** A label-safe name for a repository path: `/home/alice/src/app` -> `home-alice-src-app`. */
export function pathSlug(path: string): string {
  return path.replace(/[^A-Za-z0-9._]+/g, '-').replace(/^-+|-+$/g, '') || 'root';
}

export const aiderAdapter: AgentAdapter = {
  id: 'aider',
  displayName: 'Aider',
  roots(ctx: AgentContext): AgentRoot[] {
    const repos = [...new Set((ctx.aiderRepos ?? []).map((r) => resolve(r)))].sort();
    const slugs = repos.map(pathSlug);
    // `/a/b-c` and `/a/b/c` share a slug: such labels get a hash of their path to stay distinct.
    const label = (repo: string, i: number): string => {
      const slug = slugs[i] ?? pathSlug(repo);
      const shared = slugs.filter((s) => s === slug).length > 1;
      return `aider/${slug}${shared ? `-${createHash('sha256').update(repo).digest('hex').slice(0, 8)}` : ''}`;
    };
    return repos.map((repo, i) => ({
      label: label(repo, i),
      path: repo,
      kind: 'dir',
      // Only the repository's own top-level Aider files: never its source tree.
      maxDepth: 0,
      include: [CHAT, INPUT, '.aider.conf.yml', '.aider.model.settings.yml', '.aider.model.metadata.json'],
      secrets: ['.env'],
      appendOnly: [CHAT, INPUT],
      sharedLogs: [INPUT],
      syncable: [CHAT, INPUT],
      sessionQueries: [{ kind: 'lines', glob: CHAT, prefix: '# aider chat started at' }],
      contentRules: [
        {
          kind: 'skip-if-match',
          glob: '.aider.conf.yml',
          pattern: AIDER_CONF_SECRET,
          why: '.aider.conf.yml can hold API keys; YAML is not rewritten, so such a file stays local',
        },
      ],
      presence: 'files',
    }));
  },
};

// Path mapping between machines: a session recorded under /home/alice on Linux should land
// where the agent on a Mac looks for it, under /Users/alice. Claude Code names a project's
// folder after its absolute path with every non-alphanumeric character turned into '-'
// (`/home/alice/src/app` -> `-home-alice-src-app`), so the mapping applies to those names too.

import type { PathMapping } from '../../../shared/models.ts';

export function claudeSlug(absPath: string): string {
  return absPath.replace(/[^a-zA-Z0-9]/g, '-');
}

/** Maps each `/`-separated segment of a relative path from the other device's form to ours. */
export function mapRelativePath(rel: string, mappings: readonly PathMapping[]): string {
  if (mappings.length === 0) return rel;
  const slugs = mappings.map((m) => ({ from: claudeSlug(m.from.replace(/[\\/]+$/, '')), to: claudeSlug(m.to.replace(/[\\/]+$/, '')) }));
  return rel
    .split('/')
    .map((segment) => {
      for (const { from, to } of slugs) {
        if (segment === from || segment.startsWith(`${from}-`)) return to + segment.slice(from.length);
      }
      return segment;
    })
    .join('/');
}

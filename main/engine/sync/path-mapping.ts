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
  return rel
    .split('/')
    .map((segment) => {
      for (const m of mappings) {
        const from = claudeSlug(m.from.replace(/[\\/]+$/, ''));
        const to = claudeSlug(m.to.replace(/[\\/]+$/, ''));
        if (segment === from || segment.startsWith(`${from}-`)) return to + segment.slice(from.length);
      }
      return segment;
    })
    .join('/');
}

/** Maps an absolute path from the other device's form to ours (first matching rule wins). */
export function mapAbsolutePath(path: string, mappings: readonly PathMapping[]): string {
  for (const m of mappings) {
    const from = m.from.replace(/[\\/]+$/, '');
    if (path === from || path.startsWith(`${from}/`) || path.startsWith(`${from}\\`)) return m.to.replace(/[\\/]+$/, '') + path.slice(from.length);
  }
  return path;
}

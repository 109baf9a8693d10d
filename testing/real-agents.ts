// Where the real agent samples are (`../shared/real-agents` beside the repository; SOURCES.md
// there says what each file is). Tests read them in place and never copy them into the project;
// when the folder is absent they skip and print why.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The samples' `home` folder, or undefined. CAIRN_REAL_AGENTS overrides the location. */
export function realAgentsHome(): string | undefined {
  const candidates = [
    process.env.CAIRN_REAL_AGENTS,
    join(repoRoot, '..', 'shared', 'real-agents'),
    // A git worktree sits one level deeper (…/wt/<name>) than the main checkout.
    join(repoRoot, '..', '..', 'shared', 'real-agents'),
  ];
  for (const c of candidates) if (c && existsSync(join(c, 'home'))) return join(c, 'home');
  return undefined;
}

export const REAL_AGENTS_MISSING = 'real agent samples not found at ../shared/real-agents (set CAIRN_REAL_AGENTS): skipped';

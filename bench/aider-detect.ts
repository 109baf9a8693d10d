// How long Aider discovery takes with no configuration, on a home with 200 git repositories and
// about 100,000 files (node_modules trees, .git objects, nested sources), 20 of the repositories
// used with Aider. Prints the time of `prepareContext` (the discovery alone) and of a full
// `detectAgents`, first run and warm, and checks that every Aider repository was found.
//
//   node bench/aider-detect.ts [--repos 200] [--files 100000]

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectAgents, prepareContext } from '../main/engine/agents/index.ts';
import { fixtureContext } from '../main/engine/agents/fixtures.ts';
import { benchArgs } from './args.ts';

const { repos: REPOS, files: FILES } = benchArgs({ numbers: { repos: 200, files: 100_000 } });
const PARENTS = ['src', 'code', 'projects', 'work', 'Documents', join('src', 'github.com', 'alice'), join('dev', 'clients', 'acme')];

function generate(home: string): { files: number; aider: string[] } {
  let files = 0;
  const aider: string[] = [];
  const perRepo = Math.floor(FILES / REPOS);
  for (let r = 0; r < REPOS; r++) {
    const repo = join(home, PARENTS[r % PARENTS.length] as string, `repo-${r}`);
    // A third of each repository's files in .git, a third in node_modules, a third in sources.
    const parts: Array<[string, number]> = [
      [join(repo, '.git', 'objects'), Math.floor(perRepo / 3)],
      [join(repo, 'node_modules'), Math.floor(perRepo / 3)],
      [join(repo, 'src'), perRepo - 2 * Math.floor(perRepo / 3)],
    ];
    for (const [base, n] of parts) {
      for (let i = 0; i < n; i++) {
        const dir = join(base, `d${i % 20}`, `e${i % 7}`);
        if (i < 140) mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `f${i}.txt`), 'x');
        files++;
      }
    }
    writeFileSync(join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    if (r % 10 === 0) {
      writeFileSync(join(repo, '.aider.chat.history.md'), '# aider chat started at 2026-11-30 09:00:00\n\n#### hi\n');
      aider.push(repo);
    }
  }
  return { files, aider };
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return [value, Number(process.hrtime.bigint() - start) / 1e6];
}

const home = mkdtempSync(join(tmpdir(), 'cairn-aider-bench-'));
try {
  const [{ files, aider }, genMs] = await time(async () => generate(home));
  console.log(`generated ${REPOS} git repositories, ${files.toLocaleString('en-US')} files (${aider.length} with Aider) in ${(genMs / 1000).toFixed(1)} s`);
  const ctx = fixtureContext(home, 'linux');
  const runs: number[] = [];
  let found: readonly string[] = [];
  for (let i = 0; i < 4; i++) {
    const [prepared, ms] = await time(() => prepareContext(ctx));
    found = prepared.aiderRepos ?? [];
    runs.push(ms);
  }
  const [infos, detectMs] = await time(() => detectAgents(ctx));
  const aiderInfo = infos.find((i) => i.id === 'aider');
  const missing = aider.filter((r) => !found.includes(r));
  console.log(`discovery (prepareContext): first ${runs[0]?.toFixed(0)} ms, warm ${runs.slice(1).map((m) => m.toFixed(0)).join(' / ')} ms`);
  console.log(`detectAgents (discovery + every adapter): ${detectMs.toFixed(0)} ms; Aider: ${aiderInfo?.roots.length ?? 0} repositories, ${aiderInfo?.sessions ?? 0} sessions`);
  console.log(missing.length === 0 ? `all ${aider.length} Aider repositories found` : `MISSED ${missing.length}: ${missing.join(', ')}`);
  if (missing.length > 0) process.exitCode = 1;
} finally {
  rmSync(home, { recursive: true, force: true });
}

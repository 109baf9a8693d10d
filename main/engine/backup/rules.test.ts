import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../agents/registry.ts';
import { fixtureContext } from '../agents/fixtures.ts';
import { compileRules, globMatcher } from './rules.ts';
import { ALWAYS_EXCLUDED_GLOBS, DEFAULT_SECRET_GLOBS } from './source.ts';

// globMatcher compiles a list of globs into one regular expression; it must agree with picomatch
// on every glob Cairn ships.
const roots = (['linux', 'darwin', 'win32'] as const).flatMap((platform) => ADAPTERS.flatMap((a) => a.roots(fixtureContext('/home/alice', platform, { aiderRepos: ['/home/alice/src/app'] }))));
const globLists = [
  ALWAYS_EXCLUDED_GLOBS,
  DEFAULT_SECRET_GLOBS,
  ...roots.flatMap((r) => [r.include, r.exclude, r.secrets, r.sqlite, r.appendOnly, r.syncable].filter((l) => l !== undefined)),
];
const paths = [
  ...new Set([
    ...globLists.flat().map((g) => g.replace(/^!/, '').replace(/\*\*\//g, 'a/b/').replace(/\*\*/g, 'x/y').replace(/\*/g, 'abc').replace(/\?/g, 'q').replace(/[{}[\]]/g, '')),
    'projects/-home-alice/1b2c.jsonl',
    'projects/-home-alice/1b2c/subagents/agent-1.jsonl',
    '.credentials.json',
    'nested/.env',
    'nested/.env.local',
    'state_5.sqlite',
    'state_5.sqlite-wal',
    'sessions/2026/11/21/rollout-1.jsonl.zst',
    'User/globalStorage/state.vscdb',
    'checkpoints/abc/HEAD',
    '.hidden/dir/file',
    'plain.txt',
  ]),
];

describe('globMatcher', () => {
  it(`agrees with picomatch on every shipped glob list (${globLists.length} lists, ${paths.length} paths)`, () => {
    let compared = 0;
    for (const globs of globLists) {
      const positive = globs.filter((g) => !g.startsWith('!'));
      const negative = globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
      const ours = globMatcher(globs);
      for (const path of paths) {
        const expected = positive.length > 0 && picomatch.isMatch(path, positive, { dot: true }) && !(negative.length > 0 && picomatch.isMatch(path, negative, { dot: true }));
        expect(ours(path), `${JSON.stringify(globs)} on ${path}`).toBe(expected);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('matches case-insensitively when asked, and never with no globs', () => {
    expect(globMatcher(['**/*.SQLITE'], { nocase: true })('a/b.sqlite')).toBe(true);
    expect(globMatcher(['**/*.SQLITE'])('a/b.sqlite')).toBe(false);
    expect(globMatcher([])('anything')).toBe(false);
    expect(globMatcher(['!a'])('b')).toBe(false);
  });

  it('treats a path as a whole, not a prefix or a suffix', () => {
    const m = globMatcher(['auth.json', 'logs/**']);
    expect(m('auth.json')).toBe(true);
    expect(m('x/auth.json')).toBe(false);
    expect(m('auth.json.bak')).toBe(false);
    expect(m('logs/a/b')).toBe(true);
    expect(m('catalogs/a')).toBe(false);
  });
});

describe('compileRules', () => {
  it('classifies a path by its own rule set: rules compiled again give the same classes, other rules their own', () => {
    const path = 'projects/app/notes.md';
    const plain = compileRules({});
    expect(plain.classify(path)).toBe('included');
    expect(plain.classify('.env')).toBe('secret');
    // The same path under rules that exclude it, then that only include JSON: never the class remembered for other rules.
    expect(compileRules({ exclude: ['**/*.md'] }).classify(path)).toBe('excluded');
    expect(compileRules({ include: ['**/*.json'] }).classify(path)).toBe('not-included');
    expect(compileRules({ secrets: ['projects/app/*'] }).classify(path)).toBe('secret');
    expect(compileRules({}).classify(path)).toBe('included');
    expect(compileRules({ exclude: ['**/*.md'] }).classify(path)).toBe('excluded');
  });

  it("never uploads Cairn's own temporary files, which a killed pull or restore leaves in an agent's folder", () => {
    const rules = compileRules({ include: ['**/*.jsonl', '**/*.tmp', '**/*'] });
    // Names as sync.ts, restore.ts and atomic-file.ts make them.
    expect(rules.classify('projects/-app/.s1.jsonl.cairn-sync-a395c558.tmp')).toBe('sidecar');
    expect(rules.classify('projects/-app/.s1.jsonl.cairn-3fa9c201.tmp')).toBe('sidecar');
    expect(rules.classify('.config.json.cairn-tmp-0123456789ab')).toBe('sidecar');
    // Files of the agent's that only look alike are kept.
    expect(rules.classify('projects/-app/s1.jsonl.cairn-sync-a395c558.tmp')).toBe('included');
    expect(rules.classify('projects/-app/.s1.jsonl.cairn-notes.tmp')).toBe('included');
    expect(rules.classify('projects/-app/s1.jsonl')).toBe('included');
  });
});

import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempHome } from './fixtures.ts';
import { compileRules } from '../backup/index.ts';
import type { SkipReason } from './walk.ts';
import { listIncludedFiles } from './walk.ts';

let base: string;
let root: string;

function put(rel: string, content = 'x'): string {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

async function walk(source: Parameters<typeof listIncludedFiles>[0]): Promise<{ files: string[]; skipped: Array<[string, SkipReason]> }> {
  const files: string[] = [];
  const skipped: Array<[string, SkipReason]> = [];
  for await (const f of listIncludedFiles(source, { onSkip: (p, r) => skipped.push([p, r]) })) files.push(f.relPath);
  return { files, skipped };
}

beforeEach(() => {
  base = makeTempHome('cairn-walk-');
  root = join(base, 'root');
  mkdirSync(root);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('listIncludedFiles', () => {
  it('lets secret rules win over any include rule', async () => {
    put('auth.json');
    put('deep/nested/.credentials.json');
    put('keys/server.pem');
    put('.env.local');
    put('notes.json');
    const { files, skipped } = await walk({ path: root, include: ['**'], secrets: ['keys/**'] });
    expect(files).toEqual(['notes.json']);
    expect(skipped).toEqual(
      expect.arrayContaining([
        ['auth.json', 'secret'],
        ['.env.local', 'secret'],
        ['deep/nested/.credentials.json', 'secret'],
        ['keys', 'secret'],
      ]),
    );
  });

  it('never lists SQLite sidecars, even when included, and flags databases', async () => {
    put('state.db');
    put('state.db-wal');
    put('state.db-shm');
    put('old.db-journal');
    const seen: Array<[string, boolean]> = [];
    for await (const f of listIncludedFiles({ path: root, include: ['**'], sqlite: ['*.db'] })) seen.push([f.relPath, f.sqlite]);
    expect(seen).toEqual([['state.db', true]]);
  });

  it('does not follow symbolic links, so it never leaves the root', async () => {
    const outside = join(base, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'private.txt'), 'secret');
    put('inside.txt');
    symlinkSync(outside, join(root, 'linked-dir'));
    symlinkSync(join(outside, 'private.txt'), join(root, 'linked-file.txt'));
    const { files, skipped } = await walk({ path: root });
    expect(files).toEqual(['inside.txt']);
    expect(skipped).toEqual(expect.arrayContaining([['linked-dir', 'symlink'], ['linked-file.txt', 'symlink']]));
  });

  it('skips excluded folders whole and reports excluded files', async () => {
    put('cache/a/b.bin');
    put('keep/a.txt');
    put('keep/debug.log');
    const { files, skipped } = await walk({ path: root, exclude: ['cache', '**/*.log'] });
    expect(files).toEqual(['keep/a.txt']);
    expect(skipped).toEqual([['cache', 'excluded'], ['keep/debug.log', 'excluded']]);
  });

  it('walks in name order, files before subfolders', async () => {
    put('b/2.txt');
    put('a/1.txt');
    put('z.txt');
    put('a.txt');
    expect((await walk({ path: root })).files).toEqual(['a.txt', 'z.txt', 'a/1.txt', 'b/2.txt']);
  });

  it('honours maxDepth', async () => {
    put('.aider.chat.history.md');
    put('src/.aider.chat.history.md');
    expect((await walk({ path: root, maxDepth: 0 })).files).toEqual(['.aider.chat.history.md']);
  });

  it('lists a single-file source by its name', async () => {
    const file = put('.claude.json', '{}');
    const all = [];
    for await (const f of listIncludedFiles({ path: file })) all.push(f);
    expect(all.map((f) => [f.relPath, f.absPath, f.stat.size])).toEqual([['.claude.json', file, 2]]);
  });

  it('yields nothing for a missing root', async () => {
    expect((await walk({ path: join(base, 'missing') })).files).toEqual([]);
  });

  it('can be stopped with an AbortSignal', async () => {
    for (let i = 0; i < 5; i++) put(`d${i}/f.txt`);
    const controller = new AbortController();
    const seen: string[] = [];
    await expect(async () => {
      for await (const f of listIncludedFiles({ path: root }, { signal: controller.signal })) {
        seen.push(f.relPath);
        controller.abort();
      }
    }).rejects.toThrow();
    expect(seen).toHaveLength(1);
  });
});

describe('compileRules', () => {
  it('never reads folders no include rule can reach', () => {
    const rules = compileRules({ include: ['globalStorage/{a.ext,b.ext}/**', 'profiles/*/globalStorage/{a.ext,b.ext}/**', 'settings.json'] });
    expect(rules.skipDir('History')).toBe('unreachable');
    expect(rules.skipDir('globalStorage/other.ext')).toBe('unreachable');
    expect(rules.skipDir('globalStorage')).toBeUndefined();
    expect(rules.skipDir('globalStorage/a.ext/tasks')).toBeUndefined();
    expect(rules.skipDir('profiles/p1/globalStorage/b.ext')).toBeUndefined();
    expect(rules.skipDir('profiles/p1/workspaceStorage')).toBe('unreachable');
  });

  it('classifies sidecars before secrets before excludes before includes', () => {
    const rules = compileRules({ include: ['*.json', '*.db*'], exclude: ['auth.json', 'big.json'] });
    expect(rules.classify('x.db-wal')).toBe('sidecar');
    expect(rules.classify('auth.json')).toBe('secret');
    expect(rules.classify('big.json')).toBe('excluded');
    expect(rules.classify('ok.json')).toBe('included');
    expect(rules.classify('notes.md')).toBe('not-included');
  });
});

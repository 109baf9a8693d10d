import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RestoreStep, StepsInput } from './restore-steps.ts';
import { restoreSteps } from './restore-steps.ts';

const roots = [
  { label: 'claude-code', path: '/home/alice/.claude' },
  { label: 'codex', path: '/home/alice/.codex' },
];
const base: StepsInput = { destination: { kind: 'original' }, paths: [], roots, own: true, mappings: [], selected: [], localRoots: new Map() };
const claude = (path: string) => ({ label: 'claude-code', path });

const cases: { name: string; input: Partial<StepsInput>; steps: RestoreStep[] }[] = [
  {
    name: 'into a folder: the paths as they are, one step, the folder as base',
    input: { destination: { kind: 'folder', path: '/tmp/out' }, paths: ['claude-code/projects', 'codex'] },
    steps: [{ target: '/tmp/out', paths: ['claude-code/projects', 'codex'], base: { label: 'out', path: '/tmp/out' } }],
  },
  {
    name: 'into the file-system root: base label "root"',
    input: { destination: { kind: 'folder', path: '/' }, paths: [] },
    steps: [{ target: '/', paths: [], base: { label: 'root', path: '/' } }],
  },
  {
    name: 'a whole root in place: its entries into its folder',
    input: { selected: [{ requested: 'claude-code', path: 'claude-code', children: ['claude-code/projects', 'claude-code/settings.json'] }] },
    steps: [{ target: '/home/alice/.claude', paths: ['claude-code/projects', 'claude-code/settings.json'], base: claude('/home/alice/.claude') }],
  },
  {
    name: 'an empty root: no step',
    input: { selected: [{ requested: 'codex', path: 'codex', children: [] }] },
    steps: [],
  },
  {
    name: 'a file in place: into its parent folder',
    input: { selected: [{ requested: 'claude-code/projects/a/s.jsonl', path: 'claude-code/projects/a/s.jsonl' }] },
    steps: [{ target: join('/home/alice/.claude', 'projects', 'a'), paths: ['claude-code/projects/a/s.jsonl'], base: claude('/home/alice/.claude') }],
  },
  {
    name: "another device's root: this device's folder for its label, paths mapped",
    input: {
      own: false,
      localRoots: new Map([['claude-code', '/Users/alice/.claude']]),
      mappings: [{ from: '/home/alice', to: '/Users/alice' }],
      selected: [{ requested: 'claude-code/projects/-home-alice-src-app/s.jsonl', path: 'claude-code/projects/-home-alice-src-app/s.jsonl' }],
    },
    steps: [{ target: join('/Users/alice/.claude', 'projects', '-Users-alice-src-app'), paths: ['claude-code/projects/-home-alice-src-app/s.jsonl'], base: claude('/Users/alice/.claude') }],
  },
  {
    name: "another device's root this device has no folder for: the recorded path",
    input: { own: false, selected: [{ requested: 'codex/config.toml', path: 'codex/config.toml' }] },
    steps: [{ target: '/home/alice/.codex', paths: ['codex/config.toml'], base: { label: 'codex', path: '/home/alice/.codex' } }],
  },
  {
    name: "another device's root this device has no folder for (an Aider project): the recorded path, mapped",
    input: { own: false, mappings: [{ from: '/home/alice', to: '/Users/bob' }], selected: [{ requested: 'codex/config.toml', path: 'codex/config.toml' }] },
    steps: [{ target: '/Users/bob/.codex', paths: ['codex/config.toml'], base: { label: 'codex', path: '/Users/bob/.codex' } }],
  },
  {
    name: 'own snapshot: mappings do not apply',
    input: { mappings: [{ from: '/home/alice', to: '/Users/alice' }], selected: [{ requested: 'claude-code/projects/-home-alice-x', path: 'claude-code/projects/-home-alice-x' }] },
    steps: [{ target: join('/home/alice/.claude', 'projects'), paths: ['claude-code/projects/-home-alice-x'], base: claude('/home/alice/.claude') }],
  },
  {
    name: "own snapshot: this machine's folder for the agent where it has one (the agent's folder moved)",
    input: { localRoots: new Map([['claude-code', '/data/claude']]), selected: [{ requested: 'claude-code/projects/x.jsonl', path: 'claude-code/projects/x.jsonl' }] },
    steps: [{ target: join('/data/claude', 'projects'), paths: ['claude-code/projects/x.jsonl'], base: claude('/data/claude') }],
  },
  {
    name: 'a label that is a prefix of another is not its root',
    input: { roots: [{ label: 'code', path: '/c' }, { label: 'codex', path: '/x' }], selected: [{ requested: 'codex/a', path: 'codex/a' }] },
    steps: [{ target: '/x', paths: ['codex/a'], base: { label: 'codex', path: '/x' } }],
  },
];

describe('restoreSteps', () => {
  for (const c of cases) it(c.name, () => expect(restoreSteps({ ...base, ...c.input })).toEqual(c.steps));

  it('refuses, into a folder, two selected entries of one name: the second would be written over the first', () => {
    const paths = ['claude-code/projects/-home-alice-src-app/memory/MEMORY.md', 'claude-code/projects/-home-alice-src-lib/memory/MEMORY.md'];
    expect(() => restoreSteps({ ...base, destination: { kind: 'folder', path: '/tmp/out' }, paths })).toThrow(expect.objectContaining({ code: 'config', message: expect.stringContaining("are both named 'MEMORY.md'") }));
    expect(() => restoreSteps({ ...base, destination: { kind: 'folder', path: '/tmp/out' }, paths: ['claude-code/a/memory', 'codex/memory/'] })).toThrow(expect.objectContaining({ code: 'config' }));
  });

  it('restores a path inside another selected one once, with the one that holds it, and the same path twice once', () => {
    const folder = { ...base, destination: { kind: 'folder', path: '/tmp/out' } as const };
    const into = (paths: string[]) => [{ target: '/tmp/out', paths, base: { label: 'out', path: '/tmp/out' } }];
    expect(restoreSteps({ ...folder, paths: ['claude-code/projects/-app', 'claude-code/projects/'] })).toEqual(into(['claude-code/projects/']));
    expect(restoreSteps({ ...folder, paths: ['claude-code/projects', './claude-code/projects/', 'claude-code/projects-old'] })).toEqual(into(['claude-code/projects', 'claude-code/projects-old']));
    const inPlace = { ...base, roots: [{ label: 'claude-code', path: '/h/.claude' }] };
    const p = { requested: 'claude-code/p', path: 'claude-code/p' };
    const step = [{ target: '/h/.claude', paths: ['claude-code/p'], base: { label: 'claude-code', path: '/h/.claude' } }];
    expect(restoreSteps({ ...inPlace, selected: [{ requested: 'claude-code/p/-app/x', path: 'claude-code/p/-app/x' }, p] })).toEqual(step);
    expect(restoreSteps({ ...inPlace, selected: [p, { requested: 'claude-code/p/', path: 'claude-code/p' }] })).toEqual(step);
  });

  it('refuses, in place, a path outside every backed-up folder, naming it as requested', () => {
    expect(() => restoreSteps({ ...base, selected: [{ requested: 'claude-code', path: 'claude-code', children: ['claude-code/a'] }, { requested: './elsewhere', path: 'elsewhere' }] })).toThrow(
      expect.objectContaining({ code: 'config', message: "'./elsewhere' is not inside a backed-up folder, so it has no original place." }),
    );
  });
});

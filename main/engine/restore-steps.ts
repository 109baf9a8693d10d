// Which restore calls a request becomes, as a pure function (after scheduler/next-run.ts): the
// facts are read first (restore-request.ts resolves the selected paths in the snapshot, lists a
// selected root's children, asks for this device's folder of another device's root), then
// `restoreSteps` decides where each selection lands. Table tests: restore-steps.test.ts.

import { basename, dirname, join } from 'node:path';
import type { PathMapping } from '../../shared/models.ts';
import { ConfigError } from '../../shared/errors.ts';
import { mapAbsolutePath } from './catalog/index.ts';
import { mapRelativePath } from './sync/index.ts';

export type RestoreDestination = { kind: 'folder'; path: string } | { kind: 'original' };

/** One restore call: these snapshot paths land in `target`; `base` is the folder their files belong to. */
export interface RestoreStep {
  target: string;
  paths: string[];
  base: { label: string; path: string };
}

/** A selected path as read from the snapshot. */
export interface SelectedPath {
  /** As the request named it (for messages). */
  requested: string;
  /** Its path in the snapshot (TreeReader.resolve). */
  path: string;
  /** When it is a root itself: the paths of the entries in it. */
  children?: string[];
}

export interface StepsInput {
  destination: RestoreDestination;
  /** The request's paths (a folder destination restores them as they are). */
  paths: readonly string[];
  /** The snapshot's roots: label and the folder they were backed up from. */
  roots: readonly { label: string; path: string }[];
  /** This machine made the snapshot: the paths of its roots that no agent's folder here takes are their places here. */
  own: boolean;
  /** Path rules for another device's snapshot restored to its place here. */
  mappings: readonly PathMapping[];
  /** The selection, in order (every root when the request named none); read up to the first path outside every root. */
  selected: readonly SelectedPath[];
  /** This machine's folder per root label (its agents' folders), when it has one. */
  localRoots: ReadonlyMap<string, string | undefined>;
}

/** The root a snapshot path is in, if any. */
export function rootOf<R extends { label: string }>(roots: readonly R[], path: string): R | undefined {
  return roots.find((x) => path === x.label || path.startsWith(`${x.label}/`));
}

/** A snapshot path as typed, for comparing: no `./` before it, no `/` after it. */
const bare = (path: string): string => path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');

/**
 * The selected paths, each once, without those inside another selected one: that one restores
 * them already. Before, a path inside another was restored twice (into a folder, a second copy
 * beside the first: `--path …/projects --path …/projects/-app` wrote -app's files twice, 437 MiB
 * for 218; a folder and a file in it ticked in the snapshot browser, the same).
 */
function outermost<T>(items: readonly T[], path: (item: T) => string): T[] {
  const seen = new Set<string>();
  const unique = items.filter((item) => !seen.has(bare(path(item))) && Boolean(seen.add(bare(path(item)))));
  return unique.filter((item) => !unique.some((other) => bare(path(item)).startsWith(`${bare(path(other))}/`)));
}

export function restoreSteps(input: StepsInput): RestoreStep[] {
  if (input.destination.kind === 'folder') {
    const paths = outermost(input.paths, (p) => p);
    const target = input.destination.path;
    // Each selected entry lands in the folder under its own name: two of one name would land on
    // the same path, the second written over the first.
    const byName = new Map<string, string>();
    for (const path of paths) {
      const name = path.replace(/\/+$/, '').split('/').pop() ?? path;
      const other = byName.get(name);
      if (other !== undefined) throw new ConfigError(`'${other}' and '${path}' are both named '${name}', so restored into one folder the second would be written over the first. Restore them one at a time, or restore the folder that holds both.`);
      byName.set(name, path);
    }
    return [{ target, paths, base: { label: basename(target) || 'root', path: target } }];
  }
  const selected = outermost(input.selected, (s) => s.path);
  const out: RestoreStep[] = [];
  for (const s of selected) {
    const root = rootOf(input.roots, s.path);
    if (!root) throw new ConfigError(`'${s.requested}' is not inside a backed-up folder, so it has no original place.`);
    // A root lands where this machine keeps the same agent's files (its own snapshot: the same
    // folders, unless the agent's folder moved). Where it has none (an Aider project's folder, a
    // folder named to \`cairn backup\`): its path, and another machine's path mapped (sync's rule).
    const local = input.localRoots.get(root.label) ?? (input.own ? root.path : mapAbsolutePath(root.path, input.mappings));
    const base = { label: root.label, path: local };
    const rest = s.path.slice(root.label.length + 1);
    const mappedRest = input.own ? rest : mapRelativePath(rest, input.mappings);
    if (!rest) {
      const children = s.children ?? [];
      if (children.length > 0) out.push({ target: local, paths: children, base });
    } else {
      out.push({ target: dirname(join(local, ...mappedRest.split('/'))), paths: [s.path], base });
    }
  }
  return out;
}

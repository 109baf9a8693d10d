// Bad input caught before any work starts, each with a message that says what is wrong and what
// to do, and its documented exit status (docs/CLI.md): an endpoint that isn't a URL, a state
// folder or restore target that is a file, can't be written or sits on a read-only disk, a
// backup source that doesn't exist. Plus the safety net: a file-system error that still gets
// through is described with its path instead of reaching the user as "Unexpected error".

import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigError, NotFoundError, describeFileError } from '../../shared/errors.ts';
import type { ErrorRecord } from '../../shared/errors.ts';
import type { PathMapping, VaultLocation } from '../../shared/models.ts';
import { literalGlob } from '../engine/backup/index.ts';
import type { BackupSource } from '../engine/backup/index.ts';
import { nearestFolder, unwritable } from '../engine/local-folder.ts';
import { makeDirsSync } from '../engine/make-dirs.ts';

const errnoOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/** An S3 endpoint must be an http(s) URL: `https://host[:port]`. */
export function checkEndpoint(location: VaultLocation): void {
  const endpoint = location.endpoint;
  if (endpoint === undefined || endpoint === '') return;
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') {
    throw new ConfigError(`The endpoint '${endpoint}' is not a valid URL. Give it as https://HOST or http://HOST:PORT (e.g. https://<account>.r2.cloudflarestorage.com), with --endpoint or CAIRN_ENDPOINT.`);
  }
}

/**
 * Cairn's state folder must be a folder it can write: created when missing, refused with a
 * ConfigError (exit 2) when it is a file, lies under a file, or can't be written.
 */
export function ensureStateDir(dir: string): void {
  const fix = 'Point --state-dir (or CAIRN_STATE_DIR) at a folder Cairn may write.';
  const folder = nearestFolder(dir, (file) => new ConfigError(file === dir ? `Cairn's state folder ${dir} is a file, not a folder. ${fix}` : `Cairn's state folder ${dir} can't be made: ${file} is a file, not a folder. ${fix}`));
  const why = unwritable(folder);
  if (why) throw new ConfigError(`Cairn can't write its state folder ${folder === dir ? dir : `${dir} (in ${folder})`}: ${why}. ${fix}`);
  if (folder !== dir) makeDirsSync(dir, 0o700);
}

/**
 * A restore target must be a folder (made if missing) that Cairn may write; refused with a
 * ConfigError (exit 2) before the vault is even opened.
 */
export function checkRestoreTarget(target: string): void {
  const folder = nearestFolder(target, (file) =>
    new ConfigError(file === target ? `The restore target ${target} is a file. Give a folder with --target (it is created if missing).` : `The restore target ${target} can't be made: ${file} is a file, not a folder.`),
  );
  const why = unwritable(folder);
  if (why) throw new ConfigError(`Cairn can't restore into ${target}${folder === target ? '' : ` (in ${folder})`}: ${why}. Choose a --target folder you can write.`);
}

/** Every backup source must exist: a missing one fails the backup (exit 4) before anything is saved. */
export function checkSources(paths: readonly string[]): void {
  const missing = paths.filter((p) => {
    try {
      statSync(p);
      return false;
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return true;
      throw error;
    }
  });
  if (missing.length > 0) {
    throw new NotFoundError(`${missing.length === 1 ? `${missing[0]} does not exist` : `These don't exist: ${missing.join(', ')}`} (or is a broken link). Nothing was backed up; check the path.`);
  }
}

/**
 * A file-system or URL error that reached the CLI unclassified, described with its path (see
 * describeFileError). Undefined for anything else (a real bug stays "Unexpected error", exit 1).
 */
export function describeSystemError(error: unknown): ErrorRecord | undefined {
  const e = error as (NodeJS.ErrnoException & { input?: string }) | undefined;
  if (!e || typeof e !== 'object') return undefined;
  if (e.code === 'ERR_INVALID_URL') return { code: 'config', message: `'${e.input ?? '?'}' is not a valid URL. Check --endpoint, CAIRN_ENDPOINT and --repo.`, retryable: false };
  return describeFileError(error);
}

/** An absolute path of any platform's (THEIRS may be another machine's): `/…`, `C:\…` or `C:/…`, `\\server\…`. */
const absoluteAnywhere = (path: string): boolean => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(path);

/**
 * `--map THEIRS=MINE`, as Settings → Path mappings takes them: two different absolute paths. An
 * empty MINE mapped every project below THEIRS to the top of the disk (`/a=`: `/a/app` → `/app`).
 */
export function parseMappings(values: readonly string[] | undefined): PathMapping[] {
  return (values ?? []).map((v) => {
    const at = v.indexOf('=');
    const from = v.slice(0, Math.max(at, 0)).trim();
    const to = v.slice(at + 1).trim();
    if (at <= 0 || !absoluteAnywhere(from) || !absoluteAnywhere(to) || from === to) {
      throw new ConfigError(`A path mapping is THEIRS=MINE, two different absolute paths, e.g. /home/alice=/Users/alice; got '${v}'.`);
    }
    return { from, to };
  });
}

/**
 * `--exclude`: a glob matched against the paths inside each folder backed up (all `.log` files,
 * `projects/-home-alice-scratch`), or — as people type them — an absolute path, which becomes that
 * folder's exclude for the source it is in. An absolute path used to be taken as a glob that
 * matches nothing: what was meant to stay out was uploaded. Returns the globs for every source,
 * the sources with their own excludes added, and a warning for a path inside none of them.
 */
export function resolveExcludes(excludes: readonly string[] | undefined, sources: readonly BackupSource[]): { globs: string[]; sources: BackupSource[]; unmatched: string[] } {
  const globs: string[] = [];
  const unmatched: string[] = [];
  const own = new Map<BackupSource, string[]>();
  for (const given of excludes ?? []) {
    if (given.trim() === '') throw new ConfigError("--exclude takes a glob (say '**/*.log') or a path inside a folder backed up; got an empty one.");
    if (!isAbsolute(given)) {
      globs.push(given);
      continue;
    }
    const path = resolve(given);
    const inside = sources.filter((s) => {
      const rel = relative(s.path, path);
      return rel !== '' && rel.split(sep)[0] !== '..' && !isAbsolute(rel);
    });
    const whole = sources.find((s) => resolve(s.path) === path);
    if (whole) throw new ConfigError(`--exclude ${given} is a whole folder this backup reads (${whole.label}): leave it out of the folders named (or the agent, with --agent) instead.`);
    if (inside.length === 0) unmatched.push(given);
    for (const s of inside) own.set(s, [...(own.get(s) ?? []), literalGlob(relative(s.path, path).split(sep).join('/'))]);
  }
  return { globs, sources: sources.map((s) => (own.has(s) ? { ...s, exclude: [...(s.exclude ?? []), ...(own.get(s) ?? [])] } : s)), unmatched };
}

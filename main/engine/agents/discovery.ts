// What only the disk can tell the adapters, read once per run by `prepareContext`: where Aider
// has been used (no configuration: the project folders other agents name, plus a bounded scan
// of the usual project folders), where Codex's `sqlite_home` and Roo's `customStoragePath` point,
// and where Aider's histories were moved. Every read is best effort: a file that is missing or
// doesn't parse contributes nothing. Nothing here opens a database (that would leave -wal/-shm
// files in the agent's folder).

import { lstat, open, readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { envPath, vscodeUserDir } from './context.ts';
import type { AgentContext } from './types.ts';

/** VS Code-family editors whose settings may move Roo's storage. */
const VSCODE_PRODUCTS = ['Code', 'Code - Insiders', 'VSCodium', 'Cursor', 'Windsurf'];

/** The usual homes of a user's projects, relative to the home folder. */
export const COMMON_PROJECT_FOLDERS: readonly string[] = ['src', 'code', 'projects', 'dev', 'work', 'git', 'repos', 'Documents'];
export const DEFAULT_SCAN_DEPTH = 4;
/** Folders never worth descending into when looking for repositories. */
const SCAN_SKIP = new Set(['node_modules', '.git', '.hg', '.svn', '.venv', 'venv', '__pycache__', 'target', 'dist', 'build', 'out', '.cache', '.next', '.gradle', '.idea', 'vendor', 'Pods', 'Library', 'AppData']);
export const AIDER_MARKERS: readonly string[] = ['.aider.chat.history.md', '.aider.input.history', '.aider.llm.history', '.aider.conf.yml'];
/** Folders read at once while scanning: enough to hide disk latency, few enough for any fd limit. */
const SCAN_CONCURRENCY = 32;
/** Session files read for their working directory, newest first, per agent. */
const MAX_SESSION_FILES = 400;
/** Bytes read from the start of a session file to find its working directory. */
const HEAD_BYTES = 64 * 1024;

function under(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : `${folder}${sep}`);
}

function ignoredBy(ignored: readonly string[]): (path: string) => boolean {
  const folders = ignored.map((f) => resolve(f));
  return (path) => folders.some((f) => under(path, f));
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** The file's first `bytes` bytes as text: one read (a read stream was ~10 calls and a concat per file). */
async function readHead(path: string, bytes = HEAD_BYTES): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(bytes);
    let length = 0;
    while (length < bytes) {
      const { bytesRead } = await file.read(buffer, length, bytes - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    await file.close();
  }
}

async function listDir(path: string): Promise<import('node:fs').Dirent[]> {
  return readdir(path, { withFileTypes: true }).catch(() => []);
}

/** Runs `work` over a growing queue with at most `limit` tasks at once. */
async function drain<T>(initial: readonly T[], limit: number, work: (item: T, push: (next: T) => void) => Promise<void>): Promise<void> {
  const queue = [...initial];
  let active = 0;
  await new Promise<void>((done) => {
    const pump = (): void => {
      if (queue.length === 0 && active === 0) return done();
      while (active < limit && queue.length > 0) {
        const item = queue.shift() as T;
        active++;
        void work(item, (next) => queue.push(next))
          .catch(() => undefined)
          .finally(() => {
            active--;
            pump();
          });
      }
    };
    pump();
  });
}

/**
 * Folders holding Aider state below `folders`, at most `depth` levels down, without following
 * symbolic links. A git repository is looked at but not descended into: Aider writes its files at
 * the repository's root. Missing or unreadable folders are skipped.
 */
export async function findAiderRepos(folders: readonly string[], depth = DEFAULT_SCAN_DEPTH, ignored: readonly string[] = []): Promise<string[]> {
  const skip = ignoredBy(ignored);
  const found = new Set<string>();
  await drain(
    folders.filter((f) => !skip(f)).map((dir) => ({ dir, level: 0 })),
    SCAN_CONCURRENCY,
    async ({ dir, level }, push) => {
      const entries = await listDir(dir);
      if (entries.some((e) => e.isFile() && AIDER_MARKERS.includes(e.name))) found.add(dir);
      if (level >= depth || entries.some((e) => e.name === '.git')) return;
      for (const e of entries) {
        if (!e.isDirectory() || SCAN_SKIP.has(e.name)) continue;
        const child = join(dir, e.name);
        if (!skip(child)) push({ dir: child, level: level + 1 });
      }
    },
  );
  return [...found].sort();
}

/** The working directory recorded near the start of a session file (`"cwd":"..."`). */
function cwdIn(text: string): string | undefined {
  const match = /"cwd"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(text);
  if (!match?.[1]) return undefined;
  try {
    const value = JSON.parse(match[1]) as unknown;
    return typeof value === 'string' && isAbsolute(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Files below `root` matching `accept`, newest names first (session files are named by date). */
async function sessionFiles(root: string, accept: (name: string) => boolean, maxDepth: number): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, level: number): Promise<void> => {
    const entries = (await listDir(dir)).sort((a, b) => (a.name < b.name ? 1 : -1));
    for (const e of entries) {
      if (out.length >= MAX_SESSION_FILES) return;
      const path = join(dir, e.name);
      if (e.isFile() && accept(e.name)) out.push(path);
      else if (e.isDirectory() && level < maxDepth) await walk(path, level + 1);
    }
  };
  await walk(root, 0);
  return out;
}

/**
 * Project folders the other agents name: Claude Code's `~/.claude.json` projects and its
 * transcripts' `cwd`, Codex rollouts' `cwd`, Gemini CLI's projects.json and `.project_root`
 * files, Cursor's and VS Code's workspace folders.
 */
export async function projectFoldersFromAgents(ctx: AgentContext): Promise<string[]> {
  const folders = new Set<string>();
  const add = (path: string | undefined): void => {
    if (path && isAbsolute(path)) folders.add(resolve(path));
  };
  const claudeDir = envPath(ctx, 'CLAUDE_CONFIG_DIR') ?? join(ctx.home, '.claude');
  const claudeState = envPath(ctx, 'CLAUDE_CONFIG_DIR') ? join(claudeDir, '.claude.json') : join(ctx.home, '.claude.json');
  const jobs: Promise<void>[] = [];
  jobs.push(
    (async () => {
      const text = await readText(claudeState);
      if (!text) return;
      const state = JSON.parse(text) as { projects?: Record<string, unknown> };
      for (const key of Object.keys(state.projects ?? {})) add(key);
    })().catch(() => undefined),
  );
  jobs.push(
    (async () => {
      // One transcript per project folder is enough: they all share the project's cwd.
      for (const project of await listDir(join(claudeDir, 'projects'))) {
        if (!project.isDirectory()) continue;
        const dir = join(claudeDir, 'projects', project.name);
        const first = (await listDir(dir)).find((e) => e.isFile() && e.name.endsWith('.jsonl'));
        if (first) add(cwdIn(await readHead(join(dir, first.name)).catch(() => '')));
      }
    })().catch(() => undefined),
  );
  jobs.push(
    (async () => {
      const codexHome = envPath(ctx, 'CODEX_HOME') ?? join(ctx.home, '.codex');
      for (const file of await sessionFiles(join(codexHome, 'sessions'), (n) => n.startsWith('rollout-') && n.endsWith('.jsonl'), 3)) {
        const head = await readHead(file, 16 * 1024).catch(() => '');
        add(cwdIn(head.split('\n', 1)[0] ?? ''));
      }
    })().catch(() => undefined),
  );
  jobs.push(
    (async () => {
      const gemini = join(envPath(ctx, 'GEMINI_CLI_HOME') ?? ctx.home, '.gemini');
      const registry = await readText(join(gemini, 'projects.json'));
      if (registry) for (const key of Object.keys((JSON.parse(registry) as { projects?: Record<string, unknown> }).projects ?? {})) add(key);
      for (const project of await listDir(join(gemini, 'tmp'))) {
        if (project.isDirectory()) add((await readText(join(gemini, 'tmp', project.name, '.project_root')))?.trim());
      }
    })().catch(() => undefined),
  );
  for (const product of VSCODE_PRODUCTS) {
    jobs.push(
      (async () => {
        const storage = join(vscodeUserDir(ctx, product), 'workspaceStorage');
        for (const ws of await listDir(storage)) {
          const text = await readText(join(storage, ws.name, 'workspace.json'));
          const folder = text ? (JSON.parse(text) as { folder?: unknown }).folder : undefined;
          if (typeof folder === 'string' && folder.startsWith('file://')) add(fileURLToPath(folder));
        }
      })().catch(() => undefined),
    );
  }
  await Promise.all(jobs);
  return [...folders].sort();
}

/** The repository root of a folder: the nearest ancestor (or itself) holding `.git`, within `stop`. */
async function gitRoot(folder: string, stop: string): Promise<string | undefined> {
  let dir = folder;
  for (;;) {
    if (await lstat(join(dir, '.git')).then(() => true, () => false)) return dir;
    const parent = dirname(dir);
    if (parent === dir || !under(parent, stop)) return undefined;
    dir = parent;
  }
}

/** Project folders (and their repository roots) that hold Aider state. */
async function aiderReposIn(folders: readonly string[], home: string, ignored: (path: string) => boolean): Promise<string[]> {
  const candidates = new Set<string>();
  for (const folder of folders) {
    if (ignored(folder)) continue;
    candidates.add(folder);
    const root = await gitRoot(folder, home);
    if (root && !ignored(root)) candidates.add(root);
  }
  const found: string[] = [];
  await Promise.all(
    [...candidates].map(async (dir) => {
      const entries = await listDir(dir);
      if (entries.some((e) => e.isFile() && AIDER_MARKERS.includes(e.name))) found.push(dir);
    }),
  );
  return found;
}

const HISTORY_KEYS = ['chat-history-file', 'input-history-file', 'llm-history-file'] as const;
const HISTORY_ENV = ['AIDER_CHAT_HISTORY_FILE', 'AIDER_INPUT_HISTORY_FILE', 'AIDER_LLM_HISTORY_FILE'] as const;

function expandHome(path: string, home: string): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** History paths set in an `.aider.conf.yml`, read with a YAML parser. */
async function historyPathsIn(confPath: string): Promise<string[]> {
  const text = await readText(confPath);
  if (!text) return [];
  try {
    const conf = parseYaml(text) as Record<string, unknown> | null;
    return HISTORY_KEYS.map((k) => conf?.[k]).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  } catch {
    return [];
  }
}

/**
 * Aider history files moved with `--chat-history-file` and friends: from the environment and
 * from the home's and each repository's `.aider.conf.yml`. Aider resolves a relative path from
 * where it runs (the repository); one in the home's config applies to every repository.
 */
export async function aiderHistoryFiles(ctx: AgentContext, repos: readonly string[]): Promise<string[]> {
  const files = new Set<string>();
  const place = (path: string, repo: string | undefined): void => {
    const expanded = expandHome(path, ctx.home);
    if (isAbsolute(expanded)) files.add(resolve(expanded));
    else if (repo) files.add(resolve(repo, expanded));
  };
  const global = [...HISTORY_ENV.map((name) => ctx.env[name]).filter((v): v is string => typeof v === 'string' && v !== ''), ...(await historyPathsIn(join(ctx.home, '.aider.conf.yml')))];
  for (const path of global) {
    if (isAbsolute(expandHome(path, ctx.home))) place(path, undefined);
    else for (const repo of repos) place(path, repo);
  }
  for (const repo of repos) for (const path of await historyPathsIn(join(repo, '.aider.conf.yml'))) place(path, repo);
  // Only files that exist: a setting pointing nowhere is no session.
  const existing = await Promise.all([...files].map(async (f) => ((await lstat(f).then((s) => s.isFile(), () => false)) ? f : undefined)));
  return existing.filter((f): f is string => f !== undefined).sort();
}

/** `sqlite_home` from Codex's config.toml, when it names a folder. */
export async function codexSqliteHome(ctx: AgentContext): Promise<string | undefined> {
  const codexHome = envPath(ctx, 'CODEX_HOME') ?? join(ctx.home, '.codex');
  const text = await readText(join(codexHome, 'config.toml'));
  if (!text) return undefined;
  try {
    const value = (parseToml(text) as { sqlite_home?: unknown }).sqlite_home;
    if (typeof value !== 'string' || value === '') return undefined;
    const expanded = expandHome(value, ctx.home);
    return isAbsolute(expanded) ? expanded : resolve(codexHome, expanded);
  } catch {
    return undefined;
  }
}

/** Roo Code's `roo-cline.customStoragePath` in each VS Code-family editor's user settings (JSONC). */
export async function rooStoragePaths(ctx: AgentContext, products: readonly string[]): Promise<string[]> {
  const paths = new Set<string>();
  for (const product of products) {
    const text = await readText(join(vscodeUserDir(ctx, product), 'settings.json'));
    if (!text) continue;
    const settings = parseJsonc(text, [], { allowTrailingComma: true }) as Record<string, unknown> | undefined;
    const value = settings?.['roo-cline.customStoragePath'];
    if (typeof value === 'string' && isAbsolute(value.trim())) paths.add(value.trim());
  }
  return [...paths].sort();
}

/** The folders an Aider scan covers: the common project folders and the user's own, minus the removed ones. */
export function scanFoldersOf(ctx: AgentContext): string[] {
  const base = ctx.scanFolders ?? COMMON_PROJECT_FOLDERS.map((f) => join(ctx.home, f));
  return [...new Set([...base, ...(ctx.extraFolders ?? [])].map((f) => resolve(f)))];
}

/** Everything above, for one context. */
export async function discover(ctx: AgentContext, products: readonly string[]): Promise<Pick<AgentContext, 'aiderRepos' | 'aiderHistoryFiles' | 'codexSqliteHome' | 'rooStoragePaths' | 'knownProjects'>> {
  const ignored = ignoredBy(ctx.ignoredFolders ?? []);
  const projects = projectFoldersFromAgents(ctx);
  const [scanned, named, sqliteHome, roo, knownProjects] = await Promise.all([
    findAiderRepos(scanFoldersOf(ctx), ctx.scanDepth, ctx.ignoredFolders ?? []),
    projects.then((folders) => aiderReposIn(folders, ctx.home, ignored)),
    codexSqliteHome(ctx),
    rooStoragePaths(ctx, products),
    projects,
  ]);
  const repos = [...new Set([...(ctx.aiderRepos ?? []), ...scanned, ...named])].filter((r) => !ignored(resolve(r))).sort();
  const files = [...new Set([...(ctx.aiderHistoryFiles ?? []), ...(await aiderHistoryFiles(ctx, repos))])].filter((f) => !ignored(f)).sort();
  return {
    aiderRepos: repos,
    aiderHistoryFiles: files,
    ...(ctx.codexSqliteHome ?? sqliteHome ? { codexSqliteHome: ctx.codexSqliteHome ?? sqliteHome } : {}),
    rooStoragePaths: [...new Set([...(ctx.rooStoragePaths ?? []), ...roo])].sort(),
    knownProjects: [...new Set([...(ctx.knownProjects ?? []), ...knownProjects])].sort(),
  };
}

/**
 * Completes a context with what can only be known from the disk (see `discover`). Idempotent;
 * detection and `toBackupSources` call it themselves.
 */
export async function prepareContext(ctx: AgentContext): Promise<AgentContext> {
  if (ctx.prepared) return ctx;
  return { ...ctx, ...(await discover(ctx, VSCODE_PRODUCTS)), prepared: true };
}

// Agent folders watched with chokidar, reduced to "something changed at <path>" for the
// scheduler's quiet-period debounce. Cairn's own state folder and SQLite side files are ignored so
// that a backup never re-triggers itself.

import { watch, type FSWatcher } from 'chokidar';
import { sep } from 'node:path';
import type { ChangeFeed } from './scheduler.ts';

export interface AgentFileWatcherOptions {
  /** Folders never to report (Cairn's own state folder). */
  ignoreUnder?: readonly string[];
  /** How deep under each root to watch (agents nest sessions a few levels deep). */
  depth?: number;
  onError?(error: unknown): void;
}

const NOISE = /(?:-wal|-shm|-journal|\.lock|\.tmp|~)$/;

export function isIgnoredChange(path: string, ignoreUnder: readonly string[]): boolean {
  if (NOISE.test(path)) return true;
  return ignoreUnder.some((folder) => path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep));
}

export class AgentFileWatcher implements ChangeFeed {
  private readonly watcher: FSWatcher;
  private readonly listeners = new Set<(path: string) => void>();
  private readonly ignoreUnder: readonly string[];
  private paths: Set<string>;

  constructor(paths: readonly string[], options: AgentFileWatcherOptions = {}) {
    this.ignoreUnder = options.ignoreUnder ?? [];
    this.paths = new Set(paths);
    this.watcher = watch([...this.paths], {
      ignoreInitial: true,
      persistent: true,
      depth: options.depth ?? 6,
      ignorePermissionErrors: true,
      ignored: (path: string) => isIgnoredChange(path, this.ignoreUnder),
    });
    this.watcher.on('all', (_event, path) => {
      for (const listener of this.listeners) listener(path);
    });
    this.watcher.on('error', (error) => options.onError?.(error));
  }

  onChange(listener: (path: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the initial scan is done and changes are being reported. */
  ready(): Promise<void> {
    return new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  /** Watches exactly these roots from now on (agents enabled or disabled in settings). */
  setPaths(paths: readonly string[]): void {
    const next = new Set(paths);
    const removed = [...this.paths].filter((path) => !next.has(path));
    const added = [...next].filter((path) => !this.paths.has(path));
    if (removed.length > 0) this.watcher.unwatch(removed);
    if (added.length > 0) this.watcher.add(added);
    this.paths = next;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.watcher.close();
  }
}

// Quitting: the app holds the quit until a last sync has saved the latest changes, bounded in
// time (a slow network must not make "Quit" hang), then closes the service and really quits.

import type { App } from 'electron';

export interface QuitFlowLog {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface QuitFlowOptions {
  app: Pick<App, 'on' | 'quit' | 'exit'>;
  /** Called once when quitting starts (e.g. let the window close for real). */
  onQuitting?(): void;
  /** The last sync; must resolve within its own bound (Scheduler.quit does). */
  finalSync(): Promise<string>;
  /** Stops the service, watchers, tray. */
  shutdown(): Promise<void>;
  /** Longest the shutdown may take before the app exits anyway. */
  shutdownTimeoutMs: number;
  log: QuitFlowLog;
  setTimeout?(callback: () => void, ms: number): unknown;
}

export interface QuitFlow {
  readonly phase: 'running' | 'saving' | 'done';
}

export function installQuitFlow(options: QuitFlowOptions): QuitFlow {
  let phase: QuitFlow['phase'] = 'running';
  const later = options.setTimeout ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));

  async function saveAndQuit(): Promise<void> {
    options.onQuitting?.();
    try {
      const outcome = await options.finalSync();
      options.log.info('quit: final sync', { outcome });
    } catch (error) {
      options.log.error('quit: final sync failed', { error });
    }
    let finished = false;
    later(() => {
      if (!finished) {
        options.log.error('quit: shutdown did not finish in time; exiting');
        options.app.exit(0);
      }
    }, options.shutdownTimeoutMs);
    try {
      await options.shutdown();
    } catch (error) {
      options.log.error('quit: shutdown failed', { error });
    }
    finished = true;
    phase = 'done';
    options.app.quit();
  }

  options.app.on('before-quit', (event) => {
    if (phase === 'done') return;
    event.preventDefault();
    if (phase === 'saving') return;
    phase = 'saving';
    void saveAndQuit();
  });

  return {
    get phase() {
      return phase;
    },
  };
}

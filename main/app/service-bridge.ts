// Between the service and the shell: the app watches the handler results that change what it must
// do (new settings → schedule policy and watched folders; a vault set up → start watching).
// Everything passes through unchanged.

import type { Handlers } from '../../shared/ipc/contract.ts';
import type { Settings } from '../../shared/models.ts';

export interface ServiceObserver {
  settings(settings: Settings): void;
  /** A vault was created, joined or unlocked. */
  configured(): void;
}

export function observeHandlers(handlers: Handlers, observer: ServiceObserver): Handlers {
  return {
    ...handlers,
    'settings.set': async (request) => {
      const settings = await handlers['settings.set'](request);
      observer.settings(settings);
      return settings;
    },
    'setup.createVault': async (request) => {
      const result = await handlers['setup.createVault'](request);
      observer.configured();
      return result;
    },
    'setup.joinVault': async (request) => {
      const result = await handlers['setup.joinVault'](request);
      observer.configured();
      return result;
    },
    'setup.unlock': async (request) => {
      const result = await handlers['setup.unlock'](request);
      observer.configured();
      return result;
    },
  };
}

/**
 * Calls `report` with the latest value at most once per `intervalMs` (leading and trailing), so
 * that a burst of file changes moving the next run doesn't become a burst of status events.
 */
export function throttleLatest<T>(report: (value: T) => void, intervalMs: number, timers: { setTimeout(callback: () => void, ms: number): unknown; now(): number }): (value: T) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let pending: { value: T } | undefined;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending === undefined) return;
    const { value } = pending;
    pending = undefined;
    lastAt = timers.now();
    report(value);
  };
  return (value: T) => {
    pending = { value };
    if (scheduled) return;
    const wait = lastAt + intervalMs - timers.now();
    if (wait <= 0) flush();
    else {
      scheduled = true;
      timers.setTimeout(flush, wait);
    }
  };
}

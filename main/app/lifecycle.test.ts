import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { installQuitFlow } from './lifecycle.ts';

function fakeApp() {
  const emitter = new EventEmitter();
  const calls: string[] = [];
  const app = {
    on: (event: string, listener: (...args: unknown[]) => void) => {
      emitter.on(event, listener);
      return app;
    },
    quit: vi.fn(() => {
      calls.push('quit');
      // Electron emits before-quit again on every app.quit().
      const event = { defaultPrevented: false, preventDefault: () => (event.defaultPrevented = true) };
      emitter.emit('before-quit', event);
      if (!event.defaultPrevented) calls.push('quit-allowed');
    }),
    exit: vi.fn(() => calls.push('exit')),
  };
  return { app, calls };
}

const log = { info: vi.fn(), error: vi.fn() };

describe('installQuitFlow', () => {
  it('holds the quit for one final sync and the shutdown, then quits for real', async () => {
    const { app, calls } = fakeApp();
    let finishSync: (outcome: string) => void = () => {};
    const finalSync = vi.fn(() => new Promise<string>((resolve) => (finishSync = resolve)));
    const shutdown = vi.fn(async () => {
      calls.push('shutdown');
    });
    const onQuitting = vi.fn();
    const flow = installQuitFlow({ app: app as never, finalSync, shutdown, onQuitting, shutdownTimeoutMs: 5_000, log });

    app.quit();
    app.quit(); // a second Quit while saving changes nothing
    expect(flow.phase).toBe('saving');
    expect(finalSync).toHaveBeenCalledTimes(1);
    expect(onQuitting).toHaveBeenCalledTimes(1);
    expect(calls).toEqual(['quit', 'quit']);

    finishSync('done');
    await vi.waitFor(() => expect(flow.phase).toBe('done'));
    expect(calls).toEqual(['quit', 'quit', 'shutdown', 'quit', 'quit-allowed']);
    expect(log.info).toHaveBeenCalledWith('quit: final sync', { outcome: 'done' });
  });

  it('still quits when the final sync throws, and exits if the shutdown hangs', async () => {
    const { app, calls } = fakeApp();
    const timers: Array<() => void> = [];
    installQuitFlow({
      app: app as never,
      finalSync: async () => {
        throw new Error('boom');
      },
      shutdown: () => new Promise<void>(() => {}),
      shutdownTimeoutMs: 5_000,
      log,
      setTimeout: (callback) => timers.push(callback),
    });
    app.quit();
    await vi.waitFor(() => expect(timers).toHaveLength(1));
    expect(log.error).toHaveBeenCalledWith('quit: final sync failed', expect.anything());
    timers[0]?.();
    expect(calls).toContain('exit');
  });
});

import type { IpcMainInvokeEvent } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, EVENT_NAMES, type EventName, type Events } from '../../shared/ipc/contract.ts';
import { bindRouterToIpcMain, forwardEvents, senderInfoOf } from './electron-ipc.ts';
import type { Router, SenderInfo } from './router.ts';

type Listener = (event: IpcMainInvokeEvent, payload: unknown) => unknown;

function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  return {
    handlers,
    handle: vi.fn((channel: string, listener: Listener) => {
      handlers.set(channel, listener);
    }),
    removeHandler: vi.fn((channel: string) => {
      handlers.delete(channel);
    }),
  };
}

interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
  isDestroyed(): boolean;
}

function invokeEvent(frame: FakeFrame | null, webContentsId = 1): IpcMainInvokeEvent {
  return { senderFrame: frame, sender: { id: webContentsId } } as unknown as IpcMainInvokeEvent;
}

const top: FakeFrame = { url: 'app://cairn/index.html', parent: null, isDestroyed: () => false };

describe('senderInfoOf', () => {
  it('reads the frame’s URL and whether it is the top frame', () => {
    expect(senderInfoOf(invokeEvent(top))).toEqual({ url: 'app://cairn/index.html', isMainFrame: true });
    const child: FakeFrame = { url: 'app://cairn/embed.html', parent: top, isDestroyed: () => false };
    expect(senderInfoOf(invokeEvent(child))).toEqual({ url: 'app://cairn/embed.html', isMainFrame: false });
    expect(senderInfoOf(invokeEvent(null))).toEqual({ url: undefined, isMainFrame: false });
    expect(senderInfoOf(invokeEvent({ ...top, isDestroyed: () => true }))).toEqual({ url: undefined, isMainFrame: false });
  });
});

describe('bindRouterToIpcMain', () => {
  it('registers exactly the contract channels, routes through the router, and unbinds', async () => {
    const ipcMain = fakeIpcMain();
    const seen: Array<[string, unknown, SenderInfo]> = [];
    const router: Router = {
      channels: CHANNELS,
      handle: async (channel, payload, sender) => {
        seen.push([channel, payload, sender]);
        return { ok: true, value: { jobId: 'j1' } };
      },
    };
    const unbind = bindRouterToIpcMain(ipcMain, router, { isKnownWebContents: (id) => id === 1 });
    expect([...ipcMain.handlers.keys()]).toEqual(CHANNELS);

    const listener = ipcMain.handlers.get('sync.now');
    expect(listener).toBeDefined();
    await expect(listener?.(invokeEvent(top), {})).resolves.toEqual({ ok: true, value: { jobId: 'j1' } });
    await listener?.(invokeEvent(top, 7), {});
    expect(seen).toEqual([
      ['sync.now', {}, { url: 'app://cairn/index.html', isMainFrame: true }],
      // A webContents that isn't the app's window is marked untrusted before the router sees it.
      ['sync.now', {}, { url: 'app://cairn/index.html', isMainFrame: false }],
    ]);

    unbind();
    expect(ipcMain.handlers.size).toBe(0);
  });
});

describe('forwardEvents', () => {
  it('sends every contract event to the current window, skipping a destroyed one', () => {
    const listeners = new Map<EventName, (payload: unknown) => void>();
    const source = {
      on<E extends EventName>(event: E, listener: (payload: Events[E]) => void) {
        listeners.set(event, listener as (payload: unknown) => void);
        return () => listeners.delete(event);
      },
    };
    const send = vi.fn();
    let destroyed = false;
    const stop = forwardEvents(source, () => ({ send, isDestroyed: () => destroyed }));
    expect([...listeners.keys()]).toEqual(EVENT_NAMES);
    listeners.get('snapshots.changed')?.({ deviceId: 'd' });
    expect(send).toHaveBeenCalledWith('snapshots.changed', { deviceId: 'd' });
    destroyed = true;
    listeners.get('status.changed')?.({ state: 'idle', outboxCount: 0 });
    expect(send).toHaveBeenCalledTimes(1);
    stop();
    expect(listeners.size).toBe(0);
  });
});

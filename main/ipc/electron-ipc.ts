// The router bound to Electron: one ipcMain.handle per contract channel (nothing generic), the
// sender taken from the frame Electron reports, and service events forwarded to the window.
// Electron is only used through types here, so this file is tested with fakes.

import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { EVENT_NAMES, type EventName, type Events } from '../../shared/ipc/contract.ts';
import type { Router, SenderInfo } from './router.ts';

export function senderInfoOf(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): SenderInfo {
  const frame = event.senderFrame;
  // A frame that navigated away or was destroyed has no usable identity: untrusted.
  if (frame === null || frame.isDestroyed()) return { url: undefined, isMainFrame: false };
  return { url: frame.url, isMainFrame: frame.parent === null };
}

export interface BindIpcOptions {
  /** Only these webContents may call (the main window's); checked before the router's own checks. */
  isKnownWebContents?(webContentsId: number): boolean;
}

/** Registers a handler per channel; returns a function that removes them all. */
export function bindRouterToIpcMain(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, router: Router, options: BindIpcOptions = {}): () => void {
  for (const channel of router.channels) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, payload: unknown) => {
      const sender = senderInfoOf(event);
      const known = options.isKnownWebContents?.(event.sender.id) ?? true;
      return router.handle(channel, payload, known ? sender : { ...sender, isMainFrame: false });
    });
  }
  return () => {
    for (const channel of router.channels) ipcMain.removeHandler(channel);
  };
}

export interface EventSource {
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

/** Pushes every contract event from the service to whichever window is current. */
export function forwardEvents(source: EventSource, target: () => Pick<WebContents, 'send' | 'isDestroyed'> | undefined): () => void {
  const unsubscribes = EVENT_NAMES.map((name) =>
    source.on(name, (payload) => {
      const contents = target();
      if (contents !== undefined && !contents.isDestroyed()) contents.send(name, payload);
    }),
  );
  return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
}

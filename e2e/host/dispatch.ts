// Runs one request exactly as the app does: through the IPC router from main/ipc (channel in the
// contract, trusted sender, payload valid against the channel's schema, thrown errors turned into
// records). The sender is the bridge connection, already checked for origin and token.

import type { Handlers, Result } from '../../shared/ipc/contract.ts';
import { createRouter, type SenderInfo } from '../../main/ipc/router.ts';

export type Dispatch = (channel: string, request: unknown, sender: SenderInfo) => Promise<Result<unknown>>;

/** Trusts the top frame of pages served by the host at `origin`. */
export function createDispatch(handlers: Handlers, origin: () => string): Dispatch {
  const router = createRouter(handlers, {
    isTrustedSender: (sender) => {
      if (!sender.isMainFrame || !sender.url) return false;
      try {
        return new URL(sender.url).origin === origin();
      } catch {
        return false;
      }
    },
    log: {
      warn: (message, fields) => console.warn(`[e2e host] ${message}`, fields ?? ''),
      error: (message, fields) => console.error(`[e2e host] ${message}`, fields ?? ''),
    },
  });
  return (channel, request, sender) => router.handle(channel, request, sender);
}

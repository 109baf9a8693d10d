// `window.cairn` is the only way the renderer reaches the app: defined by the preload script in
// Electron (contextBridge) and by the test host's bridge in e2e runs. Only store actions use it.

import type { CairnApi } from '../shared/ipc/contract.ts';

declare global {
  interface Window {
    cairn: CairnApi;
  }
}

export {};

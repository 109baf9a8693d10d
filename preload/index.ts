// The preload script: the only code that touches ipcRenderer. Runs sandboxed with context
// isolation, so it is bundled to CommonJS (scripts/build-preload.mjs) and exposes exactly one
// frozen object, `window.cairn`, through the context bridge.

import { contextBridge, ipcRenderer } from 'electron';
import { API_GLOBAL } from './api-type.ts';
import { buildCairnApi } from './build-api.ts';

contextBridge.exposeInMainWorld(API_GLOBAL, buildCairnApi(ipcRenderer));

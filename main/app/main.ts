// Electron's entry point (package.json "main" → dist/main/app/main.js). Kept tiny on purpose:
// the wiring lives in cairn-app.ts, each role in its own file.

import { runCairnApp } from './cairn-app.ts';

void runCairnApp();

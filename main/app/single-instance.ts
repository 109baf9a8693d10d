// One Cairn per user: a second launch focuses the first one's window and exits.

import type { App } from 'electron';

/** True when this process is the only instance; otherwise it quits and returns false. */
export function acquireSingleInstance(app: Pick<App, 'requestSingleInstanceLock' | 'quit' | 'on'>, onSecondInstance: (argv: string[]) => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', (_event, argv) => onSecondInstance(argv));
  return true;
}

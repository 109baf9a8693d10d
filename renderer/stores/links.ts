// Links out of the app: opened by the system browser through main (which accepts http(s) only),
// never in the app's own window.

import { call } from '../api.ts';

export async function openExternal(url: string): Promise<boolean> {
  const result = await call('app.openExternal', { url });
  return result.ok && result.value.opened;
}

// Where Cairn keeps its own state on each OS. Never inside an agent's folder.

import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultStateDir(env: Record<string, string | undefined> = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.CAIRN_STATE_DIR) return env.CAIRN_STATE_DIR;
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Cairn');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Cairn');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'cairn');
}

/** A vault location as a file name in Cairn's state folder (cached headers, outboxes). */
export function locationKey(location: string): string {
  return createHash('sha256').update(location).digest('hex').slice(0, 24);
}

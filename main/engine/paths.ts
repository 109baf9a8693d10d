// Where Cairn keeps its own state and data on each OS. Never inside an agent's folder.

import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, posix, win32 } from 'node:path';
import { ConfigError } from '../../shared/errors.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A base folder from the environment (XDG_CONFIG_HOME, APPDATA, …), or `fallback`. The XDG spec
 * says an empty or relative value is to be ignored: login shells and service units often set
 * XDG_CONFIG_HOME to '' and a relative base would put state wherever the command was run from.
 */
export function envDir(env: Env, name: string, fallback: string, platform: NodeJS.Platform = process.platform): string {
  const value = env[name];
  const absolute = platform === 'win32' ? win32.isAbsolute : posix.isAbsolute;
  return value !== undefined && value !== '' && absolute(value) ? value : fallback;
}

/**
 * Cairn's state folder (configuration, state DBs, caches, outboxes): CAIRN_STATE_DIR when set,
 * else the OS's place for application settings. The app and the CLI share it, so on one machine
 * they are one device of the vault.
 */
export function defaultStateDir(env: Env = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  const explicit = env.CAIRN_STATE_DIR;
  if (explicit !== undefined && explicit !== '') {
    const absolute = platform === 'win32' ? win32.isAbsolute : posix.isAbsolute;
    if (!absolute(explicit)) {
      throw new ConfigError(`CAIRN_STATE_DIR must be an absolute path, not '${explicit}': a relative one would put Cairn's state wherever the command runs. Give the full path (e.g. "$PWD/${explicit}").`);
    }
    return explicit;
  }
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Cairn');
  if (platform === 'win32') return join(envDir(env, 'APPDATA', join(home, 'AppData', 'Roaming'), platform), 'Cairn');
  return join(envDir(env, 'XDG_CONFIG_HOME', join(home, '.config'), platform), 'cairn');
}

/**
 * Cairn's data folder, where the default local vault lives when none is configured: inside
 * CAIRN_STATE_DIR when that is set (a test or a portable set-up keeps everything in one place),
 * else the OS's place for application data.
 */
export function defaultDataDir(env: Env = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  const explicit = env.CAIRN_STATE_DIR;
  if (explicit !== undefined && explicit !== '') return join(defaultStateDir(env, platform, home), 'data');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Cairn');
  if (platform === 'win32') return join(envDir(env, 'LOCALAPPDATA', join(home, 'AppData', 'Local'), platform), 'Cairn');
  return join(envDir(env, 'XDG_DATA_HOME', join(home, '.local', 'share'), platform), 'cairn');
}

/** A vault location as a file name in Cairn's state folder (cached headers, outboxes). */
export function locationKey(location: string): string {
  return createHash('sha256').update(location).digest('hex').slice(0, 24);
}

/**
 * Where Cairn keeps a vault's unlock secret when there is no keychain (0600, in the state folder):
 * the CLI writes it for the default vault; the CLI and the app both read it. `location` as
 * formatLocation writes it.
 */
export function unlockKeyFile(stateDir: string, location: string): string {
  return join(stateDir, 'keys', `${locationKey(location)}.key`);
}

/**
 * `~` and `~/…` (or `~\…`) typed for a folder, in `home`; every other path unchanged. `~user/…`
 * is not expanded (it is refused later as not absolute, rather than guessed at).
 */
export function expandHomePath(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(home, path.slice(2));
  return path;
}

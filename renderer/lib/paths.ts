// Paths the user types (a local vault folder, a restore target), checked before they reach main.

/** An absolute path on any desktop platform: `/…`, `C:\…` or `C:/…`, or a `\\server\share` path. */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

/** `~` or `~/…` (`~\…` on Windows): a path in the user's home folder, expanded by the app. */
export function isHomePath(path: string): boolean {
  return path === '~' || path.startsWith('~/') || path.startsWith('~\\');
}

/** A path the app accepts for a folder: absolute, or in the home folder (`~/…`). */
export function isFullPath(path: string): boolean {
  return isAbsolutePath(path) || isHomePath(path);
}

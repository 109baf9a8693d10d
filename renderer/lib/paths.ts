// Paths the user types (a local vault folder, a restore target), checked before they reach main.

/** An absolute path on any desktop platform: `/…`, `C:\…` or `C:/…`, or a `\\server\share` path. */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

// Restore: plan reads per pack, verify every blob, write files atomically; path safety.
export { damagedFilesError, deniedFilesError, restore } from './restore.ts';
export type { RestoreOptions, RestoreResult } from './restore.ts';
export { ContentComparisons } from './same-content.ts';
export type { StoredForm } from './same-content.ts';
export { conflictName, intendedName, NameClashes, probeNameFolding, restoreNamer } from './name-clashes.ts';
export { restoredName } from './path-safety.ts';
export type { MapName, NameFolding } from './name-clashes.ts';

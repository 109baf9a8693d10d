// Local state for one vault (SQLite): file cache, index cache, sync bases, conflicts, history.
export { StateDb } from './state-db.ts';
export type { BlobLocation, BlobType, FileCacheChange, FileCacheEntry } from './state-db.ts';
export { backupTempPrefix, isAlive, makeStateDirPrivate, sweepTemporaryFiles } from './private-dir.ts';

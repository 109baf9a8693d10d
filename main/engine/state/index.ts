// Local state for one vault (SQLite): file cache, index cache, sync bases, conflicts, history.
export { StateDb } from './state-db.ts';
export type { FileCacheEntry } from './state-db.ts';

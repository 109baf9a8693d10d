// Restore: plan reads per pack, verify every blob, write files atomically; path safety.
export { restore } from './restore.ts';
export type { RestoreOptions, RestoreResult } from './restore.ts';
export { ContentComparisons, holdsEntry } from './same-content.ts';

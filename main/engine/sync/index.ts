// Sync across devices: pull other devices' sessions with three-way rules, conflicts kept both
// and recorded, append-aware merges, and path mapping between machines.
export { pull, mergeRule, listConflicts, resolveConflict, readTheirsTail, conflictName, contentHash, CONFLICT_MARK } from './sync.ts';
export type { PullOptions, SyncResult, SyncChange, SyncAction, ResolveOptions } from './sync.ts';
export { readFileTail } from './conflict-file.ts';
export type { FileTail } from './conflict-file.ts';
export { mapRelativePath, claudeSlug } from './path-mapping.ts';
export { unionLines, isPrefix } from './merge.ts';
export { decideSync } from './decide.ts';
export type { SyncFacts, SyncDecision, SkipReason, MergeRule } from './decide.ts';

// Backup: walk sources, skip unchanged files, chunk, dedupe, seal, pack, upload; then trees,
// index and the snapshot record, written last.
export { backup, continueFrom, DEFAULT_BACKUP_LOCK_WAIT_MS, hasParent, lastBackupOf, PrunedWhileScanningError, SharedDeviceError, startNewHistory } from './backup.ts';
export type { LeftSharedDevice } from './backup.ts';
export type { BackupOptions, BackupResult, BackupWarning, BackupDevice, CatalogInput, CatalogReads } from './backup.ts';
export { compileRules, globMatcher, literalGlob } from './rules.ts';
export { leaveOutOwnFolders } from './own-folders.ts';
export type { CompiledRules, FileClass } from './rules.ts';
export { holdsSqliteCredentials, planUpload, redactJson, rulesFor, scrubSqliteCopy } from './scrub.ts';
export type { ScrubResult, UploadPlan } from './scrub.ts';
export { ALWAYS_EXCLUDED_GLOBS, DEFAULT_SECRET_GLOBS } from './source.ts';
export type { BackupSource, ContentRule } from './source.ts';

// The session catalog and search: each snapshot's sealed catalog of the sessions it holds (so any
// device lists every device's sessions from metadata alone), this device's list of them in the
// state database, and the full-text index over their text. Readers live in ../sessions.

export type { CatalogEntry } from './entry.ts';
export { decodePage, encodePage, sessionDigest, sessionKey } from './entry.ts';
export { catalogPages, PAGE_TARGET, pageDigits, pageNameOf, writeCatalog } from './catalog-tree.ts';
export type { CatalogPage, CatalogStore } from './catalog-tree.ts';
export { readCatalog, refreshCatalogs } from './refresh.ts';
export type { RefreshResult } from './refresh.ts';
export { CHUNK_CHARS, ftsQuery, SessionDb, TextChunker } from './session-db.ts';
export type { CatalogRow, SearchHit, SessionFilter, SessionInFolder, SnippetPart } from './session-db.ts';
export { buildCatalog, entryOf, indexLocalSessions, indexSessionText, timeSeconds } from './build.ts';
export { itemText, readFileSessions } from './read.ts';
export type { FileSessions } from './read.ts';
export type { BuildOptions, BuildStats, BuiltCatalog, IndexLocalOptions } from './build.ts';
export { findSession, indexFromVault, itemMarkdown, markdownHeader, openSession, refreshSessions, sessionMarkdown, sessionPage, snapshotFiles } from './access.ts';
export type { OpenedSession } from './access.ts';
export { continueSession, resumeHint } from './continue.ts';
export { mapAbsolutePath, pullFolderRenames } from './project-folders.ts';
export type { ContinueOptions, ContinueResult, ResumeHint } from './continue.ts';
export { CatalogPrefetch, META_WORKER_URL, readHere, readMetasHere } from './prefetch.ts';
export type { SessionSource } from './prefetch.ts';
export { upgradeSessionIndex } from './upgrade.ts';

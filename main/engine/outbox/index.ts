// The outbox: backups taken while the vault can't be reached wait in Cairn's own folder, and upload in order when it is back.
export { behindOutbox, findOutbox, OutboxBlobStore, outboxDir, requireOutbox } from './outbox-blob-store.ts';
export type { OutboxBatch, OutboxBlobStoreOptions, OutboxEntry, OutboxMode } from './outbox-blob-store.ts';
export { flushOutbox } from './flush.ts';
export type { DroppedSnapshot, DropReason, FlushOptions, FlushProgress, FlushResult, RepairedSnapshot, WaitingSnapshot } from './flush.ts';

// A BlobStore in front of the vault's store that can hold writes back while the vault can't be
// reached. Online, every call goes to the remote store. Spooling (one offline backup at a time),
// the vault's objects are written into a folder of Cairn's own instead (atomically, through
// LocalBlobStore) and recorded in an ordered journal, both flushed to the disk before put()
// returns: a snapshot that a spooling backup reported done survives the app quitting. Reads
// while spooling see the spool first, then the remote. flushOutbox() uploads the spool later.

import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { BlobStore, ByteRange, CallOptions, ObjectInfo } from '../storage/index.ts';
import { assertValidKey, assertValidPrefix, ForwardingBlobStore, LocalBlobStore, throwIfAborted } from '../storage/index.ts';
import { locationKey } from '../paths.ts';
import { keys } from '../vault/index.ts';
import { CairnError } from '../../../shared/errors.ts';
import { appendJournal, readJournal, rewriteJournal } from './journal.ts';
import type { BatchRecord, JournalRecord } from './journal.ts';
import { makeDirs } from '../make-dirs.ts';

export type OutboxMode = 'online' | 'spool';

export interface OutboxBlobStoreOptions {
  /** Cairn's own folder for this vault's outbox (spooled objects and the journal). */
  dir: string;
  /** Flush spooled objects and journal lines to the disk before put() returns. Default true. */
  fsync?: boolean;
  /**
   * Which keys are held back while spooling; the others (locks, key slots, vault.json) always go
   * to the remote store. Default: packs, index files, snapshots and device records.
   */
  spools?: (key: string) => boolean;
  now?: () => number;
}

/** One offline backup's worth of spooled objects. */
export interface OutboxBatch {
  id: string;
  vaultId: string;
  /** Index files the backup relied on: the local index cache when spooling started. */
  indexIds: readonly string[];
  startedAt: string;
  /** A journal line of this batch could not be read: only its packs are safe to upload. */
  damaged: boolean;
}

/** A journaled object, in upload order. `spooled` is false once it was uploaded (or dropped). */
export interface OutboxEntry {
  key: string;
  batch: string;
  size: number;
  spooled: boolean;
}

const VAULT_OBJECTS = /^(data|index|snapshots|devices)\//;

export class OutboxBlobStore extends ForwardingBlobStore {
  readonly remote: BlobStore;
  readonly dir: string;
  readonly #spool: LocalBlobStore;
  readonly #journalFile: string;
  readonly #fsync: boolean;
  readonly #spools: (key: string) => boolean;
  readonly #now: () => number;
  #mode: OutboxMode = 'online';
  #batch: BatchRecord | undefined;
  /** Whether the current batch's line is in the journal (written with its first put). */
  #batchJournaled = false;
  readonly #batches = new Map<string, OutboxBatch>();
  /** Journaled keys in upload order (a key put again after its upload moves to the end). */
  #entries = new Map<string, { batch: string; size: number }>();
  /** Keys whose object is in the spool now. */
  readonly #spooled = new Set<string>();
  /** Serializes journal writes so lines land in the order puts finished. */
  #journalQueue: Promise<void> = Promise.resolve();

  /** Opens the outbox in `options.dir`, reading what a previous run left there. */
  constructor(remote: BlobStore, options: OutboxBlobStoreOptions) {
    // Online, every call (the conditional writes of locks and vault.json always) goes to the vault:
    // the forwarding base passes them, and the optional methods, through.
    super(remote);
    this.remote = remote;
    this.dir = options.dir;
    this.#spool = new LocalBlobStore(join(options.dir, 'objects'), { fsync: options.fsync ?? true });
    this.#journalFile = join(options.dir, 'journal.jsonl');
    this.#fsync = options.fsync ?? true;
    this.#spools = options.spools ?? ((key) => VAULT_OBJECTS.test(key));
    this.#now = options.now ?? Date.now;
    this.#load();
  }

  get mode(): OutboxMode {
    return this.#mode;
  }

  /**
   * Starts holding the vault's writes back: a new batch (one offline backup). `indexIds` are the
   * index files the backup will count as stored (StateDb.knownIndexIds()); the flush checks that
   * they still exist before it uploads the batch's snapshot.
   */
  async startSpooling(batch: { vaultId: string; indexIds: Iterable<string> }): Promise<void> {
    await makeDirs(join(this.dir, 'objects'));
    const record: BatchRecord = { type: 'batch', id: randomBytes(8).toString('hex'), vault: batch.vaultId, indexIds: [...batch.indexIds].sort(), at: new Date(this.#now()).toISOString() };
    this.#batches.set(record.id, { id: record.id, vaultId: record.vault, indexIds: record.indexIds, startedAt: record.at, damaged: false });
    this.#batch = record;
    // The line is written with the batch's first put: a backup that finds nothing changed leaves no trace.
    this.#batchJournaled = false;
    this.#mode = 'spool';
  }

  /** Back to passing every call through. What is spooled stays until flushOutbox uploads it. */
  stopSpooling(): void {
    if (this.#batch && !this.#batchJournaled) this.#batches.delete(this.#batch.id);
    this.#mode = 'online';
    this.#batch = undefined;
  }

  hasPending(): boolean {
    return this.#spooled.size > 0;
  }

  /** Snapshots waiting in the outbox. */
  pendingSnapshots(): number {
    let n = 0;
    for (const key of this.#spooled) if (key.startsWith(keys.snapshotsPrefix())) n++;
    return n;
  }

  /** Bytes waiting in the outbox. */
  pendingBytes(): number {
    let n = 0;
    for (const key of this.#spooled) n += this.#entries.get(key)?.size ?? 0;
    return n;
  }

  /** Every journaled object, in upload order. */
  entries(): OutboxEntry[] {
    return [...this.#entries].map(([key, e]) => ({ key, batch: e.batch, size: e.size, spooled: this.#spooled.has(key) }));
  }

  batches(): OutboxBatch[] {
    return [...this.#batches.values()];
  }

  /** The spooled bytes of `key`. */
  readSpooled(key: string): Promise<Uint8Array> {
    return this.#spool.get(key);
  }

  /** Removes `key` from the spool: it was uploaded, or must never be. */
  async removeSpooled(key: string): Promise<void> {
    await this.#spool.delete(key);
    this.#spooled.delete(key);
  }

  /**
   * Rewrites the journal without the batches that left the spool completely (a batch partly
   * uploaded keeps all its lines: the flush checks its uploaded packs are still there), and
   * removes the outbox's files when it is empty.
   */
  async compact(): Promise<void> {
    await this.#queue(async () => {
      const live = new Set<string>();
      for (const key of this.#spooled) {
        const batch = this.#entries.get(key)?.batch;
        if (batch !== undefined) live.add(batch);
      }
      if (this.#batch && this.#batchJournaled) live.add(this.#batch.id);
      const records: JournalRecord[] = [];
      const written = new Set<string>();
      const writeBatch = (id: string) => {
        const batch = this.#batches.get(id);
        if (!batch || written.has(id)) return;
        written.add(id);
        records.push({ type: 'batch', id, vault: batch.vaultId, indexIds: [...batch.indexIds], at: batch.startedAt });
      };
      for (const [key, e] of this.#entries) {
        if (!live.has(e.batch)) continue;
        writeBatch(e.batch);
        records.push({ type: 'put', key, batch: e.batch, size: e.size });
      }
      for (const id of live) writeBatch(id);
      await rewriteJournal(this.#journalFile, records, this.#fsync);
      this.#entries = new Map([...this.#entries].filter(([, e]) => live.has(e.batch)));
      for (const id of [...this.#batches.keys()]) if (!live.has(id)) this.#batches.delete(id);
      if (this.#mode !== 'online') return;
      if (this.#spooled.size === 0) await rm(join(this.dir, 'objects'), { recursive: true, force: true });
      else this.#removeStrays();
    });
  }

  // BlobStore ---------------------------------------------------------------------------------

  override async put(key: string, data: Uint8Array, options?: CallOptions): Promise<void> {
    throwIfAborted(options?.signal, this.location);
    const batch = this.#batch;
    if (this.#mode !== 'spool' || !batch || !this.#spools(key)) return this.remote.put(key, data, options);
    assertValidKey(key);
    await this.#spool.put(key, data, options);
    const known = this.#entries.get(key);
    if (known && this.#spooled.has(key)) {
      // Rewritten while waiting (a pinned snapshot): it keeps its place in the queue.
      if (known.size !== data.length) {
        await this.#append([{ type: 'put', key, batch: known.batch, size: data.length }]);
        known.size = data.length;
      }
    } else {
      const put: JournalRecord = { type: 'put', key, batch: batch.id, size: data.length };
      if (this.#batchJournaled) await this.#append([put]);
      else {
        this.#batchJournaled = true;
        await this.#append([batch, put]);
      }
      this.#entries.delete(key);
      this.#entries.set(key, { batch: batch.id, size: data.length });
    }
    this.#spooled.add(key);
  }

  override async get(key: string, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    throwIfAborted(options?.signal, this.location);
    if (this.#mode === 'spool' && this.#spooled.has(key)) return this.#spool.get(key, range, options);
    return this.remote.get(key, range, options);
  }

  override async stat(key: string, options?: CallOptions): Promise<ObjectInfo | undefined> {
    throwIfAborted(options?.signal, this.location);
    if (this.#mode === 'spool' && this.#spooled.has(key)) return this.#spool.stat(key, options);
    return this.remote.stat(key, options);
  }

  override async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    throwIfAborted(options?.signal, this.location);
    if (this.#mode !== 'spool') {
      yield* this.remote.list(prefix, options);
      return;
    }
    assertValidPrefix(prefix);
    const seen = new Set<string>();
    for (const key of [...this.#spooled]) {
      if (!key.startsWith(prefix)) continue;
      seen.add(key);
      // The spool's file time stands in for the store's until the object is flushed.
      const spooled = await this.#spool.stat(key).catch(() => undefined);
      yield { key, size: this.#entries.get(key)?.size ?? 0, ...(spooled?.modifiedAt === undefined ? {} : { modifiedAt: spooled.modifiedAt }) };
    }
    for await (const info of this.remote.list(prefix, options)) if (!seen.has(info.key)) yield info;
  }

  override async delete(key: string, options?: CallOptions): Promise<void> {
    throwIfAborted(options?.signal, this.location);
    if (this.#mode === 'spool' && this.#spooled.has(key)) return this.removeSpooled(key);
    return this.remote.delete(key, options);
  }

  override async close(): Promise<void> {
    await this.#journalQueue;
    await this.remote.close();
  }

  // Internals ---------------------------------------------------------------------------------

  #append(records: JournalRecord[]): Promise<void> {
    return this.#queue(() => appendJournal(this.#journalFile, records, this.#fsync));
  }

  #queue(task: () => Promise<void>): Promise<void> {
    const run = this.#journalQueue.then(task);
    this.#journalQueue = run.catch(() => undefined);
    return run;
  }

  /** Reads the journal and reconciles it with the spool folder (after a crash, either may be ahead). */
  #load(): void {
    const { records, damagedBatches } = readJournal(this.#journalFile);
    for (const r of records) {
      if (r.type === 'batch') {
        this.#batches.set(r.id, { id: r.id, vaultId: r.vault, indexIds: r.indexIds, startedAt: r.at, damaged: damagedBatches.has(r.id) });
        continue;
      }
      const known = this.#entries.get(r.key);
      // A second line for a key either updates its size in place (same batch) or, after the
      // first copy was uploaded, queues it again at the end.
      if (known && known.batch === r.batch) known.size = r.size;
      else {
        this.#entries.delete(r.key);
        this.#entries.set(r.key, { batch: r.batch, size: r.size });
      }
    }
    for (const id of damagedBatches) {
      const batch = this.#batches.get(id);
      if (batch) batch.damaged = true;
    }
    // Files without a journal line (a put that never returned) are ignored here and removed by
    // compact(); a journaled key whose file is gone was uploaded.
    const root = join(this.dir, 'objects');
    for (const file of listFiles(root)) {
      const key = relative(root, file).split(sep).join('/');
      const entry = this.#entries.get(key);
      if (!entry) continue;
      entry.size = statSync(file).size;
      this.#spooled.add(key);
    }
  }

  /** Deletes spool files that no journal line accounts for. */
  #removeStrays(): void {
    const root = join(this.dir, 'objects');
    for (const file of listFiles(root)) {
      const key = relative(root, file).split(sep).join('/');
      if (!this.#spooled.has(key)) rmSync(file, { force: true });
    }
  }
}

function listFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

/** The outbox folder for a vault location, in Cairn's state folder (one per location; the app and the CLI share it). */
export function outboxDir(stateDir: string, location: string): string {
  return join(stateDir, 'outbox', locationKey(location));
}

/**
 * The vault's store behind its outbox in Cairn's state folder: the one wiring the CLI and the
 * app share, so a backup either of them spooled is found and uploaded by the other.
 */
export function behindOutbox(remote: BlobStore, stateDir: string, options: Omit<OutboxBlobStoreOptions, 'dir'> = {}): OutboxBlobStore {
  return new OutboxBlobStore(remote, { ...options, dir: outboxDir(stateDir, remote.location) });
}

/** The outbox in front of a vault's store, if it was opened behind one. */
export function findOutbox(store: BlobStore): OutboxBlobStore | undefined {
  return store instanceof OutboxBlobStore ? store : undefined;
}

/** The outbox in front of a vault's store; a store opened for a backup or sync without one is a bug. */
export function requireOutbox(store: BlobStore): OutboxBlobStore {
  const outbox = findOutbox(store);
  if (!outbox) throw new CairnError('internal', 'The vault was opened without its outbox. This is a bug in Cairn.');
  return outbox;
}

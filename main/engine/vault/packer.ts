// Collects sealed blobs into packs, uploads full packs with bounded concurrency, and writes an
// index file every few packs so an interrupted run can reuse what it already uploaded. Blobs
// become "known" in the state DB only once an index file that lists them is stored.

import { randomBytes } from 'node:crypto';
import type { BlobId, PackId } from '../../../shared/ids.ts';
import type { StateDb } from '../state/index.ts';
import { encodeIndex, encodePackHeader, keys, kinds, PACK_TRAILER_MAGIC, PACK_TRAILER_SIZE, packIdOf } from './format.ts';
import type { BlobLocation, BlobType } from './format.ts';
import type { Vault } from './vault.ts';

export interface SealedBlob {
  id: BlobId;
  type: BlobType;
  rawLength: number;
  sealed: Uint8Array;
}

export interface PackerOptions {
  packSize: number;
  /** Packs uploading at once; also bounds memory at about packSize × (concurrency + 1). */
  concurrency: number;
  /** An index file is written after this many uploaded packs. */
  indexEvery: number;
  onUploaded?: (bytes: number) => void;
  /** Called before the first upload, e.g. to take the vault lock lazily. */
  beforeFirstUpload?: () => Promise<void>;
  /** Called when the first blob is added (this run will upload something), not waited for. */
  onFirstBlob?: () => void;
  /** Called when a pack is stored, with where its blobs are. */
  onPackStored?: (entries: readonly BlobLocation[]) => void;
}

export class Packer {
  private readonly vault: Vault;
  private readonly db: StateDb;
  private readonly options: PackerOptions;
  private readonly seen = new Set<string>();
  private current: SealedBlob[] = [];
  private currentSize = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private uploadedUnindexed = new Map<PackId, BlobLocation[]>();
  private readonly buffers: PackBuffers;
  private started: Promise<void> | undefined;
  private failure: unknown;
  uploadedBytes = 0;
  /** Bytes of packs being uploaded now, or waiting for a slot to be. */
  private inFlightBytes = 0;
  packCount = 0;
  blobCount = 0;

  constructor(vault: Vault, db: StateDb, options: PackerOptions) {
    this.vault = vault;
    this.db = db;
    this.options = options;
    this.buffers = new PackBuffers(options.packSize, options.concurrency + 1);
  }

  /** True when the blob was added in this run (no state-database lookup). */
  added(id: BlobId): boolean {
    return this.seen.has(id);
  }

  /** True when the blob is stored already or was added in this run. */
  has(id: BlobId): boolean {
    return this.added(id) || this.db.hasBlob(id);
  }

  /** has() of each id, the database's answers from one read transaction (~1 µs a lookup there, ~7.5 µs alone). */
  hasMany(ids: readonly BlobId[]): boolean[] {
    const unknown = ids.filter((id) => !this.added(id));
    const stored = unknown.length === 0 ? new Set<BlobId>() : new Set(this.db.reading(() => unknown.filter((id) => this.db.hasBlob(id))));
    return ids.map((id) => this.added(id) || stored.has(id));
  }

  /** Bytes added but not stored yet: the pack being filled and the packs being uploaded (progress). */
  get pendingBytes(): number {
    return this.currentSize + this.inFlightBytes;
  }

  get addedAny(): boolean {
    return this.blobCount > 0;
  }

  async add(blob: SealedBlob): Promise<void> {
    this.throwIfFailed();
    if (this.seen.has(blob.id)) return;
    this.seen.add(blob.id);
    if (this.blobCount++ === 0) this.options.onFirstBlob?.();
    this.current.push(blob);
    this.currentSize += blob.sealed.length;
    if (this.currentSize >= this.options.packSize) await this.finishPack();
  }

  /** Uploads what's pending, waits for every upload and (unless told not to) writes the last index file. */
  async flush(options: { writeIndex?: boolean } = {}): Promise<void> {
    if (this.current.length > 0) await this.finishPack();
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    if (options.writeIndex !== false) await this.writeIndex();
  }

  /** Stores one index file listing `packs`; returns its id. */
  static async writeIndexFile(vault: Vault, packs: ReadonlyMap<PackId, readonly BlobLocation[]>): Promise<{ id: string; size: number }> {
    const id = randomBytes(16).toString('hex');
    const size = await vault.putSealedBytes(keys.index(id), kinds.index, id, encodeIndex(packs));
    return { id, size };
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async finishPack(): Promise<void> {
    const blobs = this.current;
    this.current = [];
    this.currentSize = 0;
    const entries: Omit<BlobLocation, 'pack'>[] = [];
    let offset = 0;
    for (const b of blobs) {
      entries.push({ id: b.id, type: b.type, offset, length: b.sealed.length, rawLength: b.rawLength });
      offset += b.sealed.length;
    }
    // The header is sealed with an empty name: the pack id isn't known until the pack is built.
    const header = this.vault.seal(kinds.packHeader, '', encodePackHeader(entries));
    const trailer = Buffer.alloc(PACK_TRAILER_SIZE);
    trailer.writeUInt32LE(header.length, 0);
    PACK_TRAILER_MAGIC.copy(trailer, 4);
    // The blobs where their entries say, then the header and the trailer.
    const bytes = this.buffers.take(offset + header.length + trailer.length);
    blobs.forEach((b, i) => bytes.set(b.sealed, entries[i]!.offset));
    bytes.set(header, offset);
    bytes.set(trailer, offset + header.length);
    const pack = packIdOf(bytes);
    const located = entries.map((e) => ({ ...e, pack }));

    // Pending from here: a pack waiting for an upload slot is no more stored than one uploading.
    this.inFlightBytes += bytes.length;
    try {
      while (this.inFlight.size >= this.options.concurrency) await Promise.race(this.inFlight);
      this.throwIfFailed();
      if (this.options.beforeFirstUpload && !this.started) this.started = this.options.beforeFirstUpload();
      await this.started;
    } catch (error) {
      this.inFlightBytes -= bytes.length;
      this.buffers.give(bytes);
      throw error;
    }
    const upload = this.vault.store
      .put(keys.pack(pack), bytes)
      .then(async () => {
        // Only a stored pack's buffer is reused: a failed put's request might, in principle,
        // still be reading it.
        this.buffers.give(bytes);
        this.uploadedBytes += bytes.length;
        this.packCount++;
        this.options.onUploaded?.(bytes.length);
        this.options.onPackStored?.(located);
        this.uploadedUnindexed.set(pack, located);
        if (this.uploadedUnindexed.size >= this.options.indexEvery) await this.writeIndex();
      })
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.inFlightBytes -= bytes.length;
        this.inFlight.delete(upload);
      });
    this.inFlight.add(upload);
  }

  private async writeIndex(): Promise<void> {
    if (this.uploadedUnindexed.size === 0) return;
    const packs = this.uploadedUnindexed;
    this.uploadedUnindexed = new Map();
    const { id, size } = await Packer.writeIndexFile(this.vault, packs);
    this.uploadedBytes += size;
    this.options.onUploaded?.(size);
    this.db.addIndex(id, [...packs.values()].flat());
  }
}

/**
 * The buffers packs are built in, reused from one pack to the next for as long as the packer
 * lives (a backup run): a pack copied into fresh memory pays for first touching every page
 * (~0.3 s of main-thread CPU per 94 MB on this project's VMs, docs/BENCHMARKS.md), a reused one
 * doesn't. At most `limit` are kept, enough for the packs uploading and the one being built.
 */
class PackBuffers {
  private readonly free: ArrayBuffer[] = [];
  private readonly capacity: number;
  private readonly limit: number;

  constructor(packSize: number, limit: number) {
    // A pack passes packSize by its last blob and the header: room for that without a new buffer.
    this.capacity = packSize + Math.ceil(packSize / 4);
    this.limit = limit;
  }

  /** A view of `size` bytes, in a kept buffer when one is large enough. */
  take(size: number): Uint8Array {
    const i = this.free.findIndex((b) => b.byteLength >= size);
    const buffer = i >= 0 ? this.free.splice(i, 1)[0]! : new ArrayBuffer(Math.max(size, this.capacity));
    return new Uint8Array(buffer, 0, size);
  }

  /** Keeps `bytes`' buffer for a later pack; the caller must not use `bytes` after this. */
  give(bytes: Uint8Array): void {
    if (this.free.length < this.limit) this.free.push(bytes.buffer as ArrayBuffer);
  }
}

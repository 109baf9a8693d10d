// Vault format v1: object keys, pack layout and the binary index encoding. docs/FORMAT.md
// describes the same thing byte by byte; change both together.

import { createHash } from 'node:crypto';
import { IntegrityError } from '../../../shared/errors.ts';
import type { BlobId, DeviceId, PackId, SnapshotId } from '../../../shared/ids.ts';
import type { BlobLocation, BlobType } from '../state/index.ts';

export const FORMAT_VERSION = 1;

export const keys = {
  config: 'vault.json',
  keySlot: (slotId: string) => `keys/${slotId}`,
  keysPrefix: 'keys/',
  pack: (id: PackId) => `data/${id.slice(0, 2)}/${id}`,
  packsPrefix: 'data/',
  index: (id: string) => `index/${id}`,
  indexPrefix: 'index/',
  snapshot: (device: DeviceId, id: SnapshotId) => `snapshots/${device}/${id}`,
  snapshotsPrefix: (device?: DeviceId) => (device ? `snapshots/${device}/` : 'snapshots/'),
  device: (id: DeviceId) => `devices/${id}`,
  devicesPrefix: 'devices/',
  lock: (id: string) => `locks/${id}`,
  locksPrefix: 'locks/',
  /** Packs a prune found unreferenced and the time it did: deleted by a later prune after the margin. */
  pruneMarks: 'prune/marks',
  /** Folder listings (trees) a repair found lost with their missing pack: prune skips them. */
  repairLost: 'repair/lost',
} as const;

/** Associated-data kinds: an object sealed as one kind can't be opened as another. */
export const kinds = {
  blob: 'blob',
  packHeader: 'pack-header',
  index: 'index',
  snapshot: 'snapshot',
  device: 'device',
  lock: 'lock',
  pruneMarks: 'prune-marks',
  repairLost: 'repair-lost',
} as const;

// The index entry's shape is defined by the state DB that caches it (a lower layer); the format
// below encodes it.
export type { BlobLocation, BlobType } from '../state/index.ts';
const BLOB_TYPE_CODE: Record<BlobType, number> = { data: 0, tree: 1 };
const BLOB_TYPE_BY_CODE: readonly BlobType[] = ['data', 'tree'];


export const PACK_TRAILER_MAGIC = Buffer.from('CPK1', 'ascii');
export const PACK_TRAILER_SIZE = 8; // u32 LE header length + 4-byte magic

/**
 * Where a pack's sealed header is, from the pack's size and its last PACK_TRAILER_SIZE bytes
 * (u32 LE header length, then the magic); undefined when those are not a trailer.
 */
export function packHeaderRange(packSize: number, trailer: Uint8Array): { offset: number; length: number } | undefined {
  const buf = Buffer.from(trailer.buffer, trailer.byteOffset, trailer.byteLength);
  if (buf.length !== PACK_TRAILER_SIZE || !buf.subarray(4).equals(PACK_TRAILER_MAGIC)) return undefined;
  const length = buf.readUInt32LE(0);
  const offset = packSize - PACK_TRAILER_SIZE - length;
  return offset >= 0 ? { offset, length } : undefined;
}

export function packIdOf(bytes: Uint8Array): PackId {
  return createHash('sha256').update(bytes).digest('hex') as PackId;
}

const ENTRY_SIZE = 32 + 1 + 4 + 4 + 4; // id, type, offset, length, rawLength

/**
 * Pack header (sealed at the end of each pack, so an index can be rebuilt from packs alone):
 * u32 count, then per blob: id (32 bytes), type (u8), offset, length, rawLength (u32 LE each).
 */
export function encodePackHeader(entries: readonly Omit<BlobLocation, 'pack'>[]): Buffer {
  const out = Buffer.alloc(4 + entries.length * ENTRY_SIZE);
  out.writeUInt32LE(entries.length, 0);
  let at = 4;
  for (const e of entries) at = writeEntry(out, at, e);
  return out;
}

export function decodePackHeader(bytes: Uint8Array, pack: PackId): BlobLocation[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4) throw new IntegrityError(`The header of pack ${pack} is truncated.`);
  const count = buf.readUInt32LE(0);
  if (buf.length !== 4 + count * ENTRY_SIZE) throw new IntegrityError(`The header of pack ${pack} has the wrong length.`);
  const out: BlobLocation[] = [];
  let at = 4;
  for (let i = 0; i < count; i++, at += ENTRY_SIZE) out.push({ ...readEntry(buf, at, pack), pack });
  return out;
}

function writeEntry(out: Buffer, at: number, e: Omit<BlobLocation, 'pack'>): number {
  out.write(e.id, at, 32, 'hex');
  out.writeUInt8(BLOB_TYPE_CODE[e.type], at + 32);
  out.writeUInt32LE(e.offset, at + 33);
  out.writeUInt32LE(e.length, at + 37);
  out.writeUInt32LE(e.rawLength, at + 41);
  return at + ENTRY_SIZE;
}

function readEntry(buf: Buffer, at: number, where: string): Omit<BlobLocation, 'pack'> {
  const type = BLOB_TYPE_BY_CODE[buf.readUInt8(at + 32)];
  if (!type) throw new IntegrityError(`An entry of ${where} has an unknown blob type.`);
  return {
    id: buf.toString('hex', at, at + 32) as BlobId,
    type,
    offset: buf.readUInt32LE(at + 33),
    length: buf.readUInt32LE(at + 37),
    rawLength: buf.readUInt32LE(at + 41),
  };
}

/**
 * Index file plaintext: magic "CIX1", u32 pack count, then per pack: pack id (32 bytes), u32
 * entry count, entries as in the pack header. Packs listed in an index file are complete.
 */
export function encodeIndex(packs: ReadonlyMap<PackId, readonly BlobLocation[]>): Buffer {
  let size = 8;
  for (const entries of packs.values()) size += 36 + entries.length * ENTRY_SIZE;
  const out = Buffer.alloc(size);
  out.write('CIX1', 0, 'ascii');
  out.writeUInt32LE(packs.size, 4);
  let at = 8;
  for (const [pack, entries] of packs) {
    out.write(pack, at, 32, 'hex');
    out.writeUInt32LE(entries.length, at + 32);
    at += 36;
    for (const e of entries) at = writeEntry(out, at, e);
  }
  return out;
}

export function decodeIndex(bytes: Uint8Array, name: string): BlobLocation[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string) => new IntegrityError(`Index ${name} is malformed (${why}). Run 'cairn check'.`);
  if (buf.length < 8 || buf.toString('ascii', 0, 4) !== 'CIX1') throw fail('bad magic');
  const packCount = buf.readUInt32LE(4);
  const out: BlobLocation[] = [];
  let at = 8;
  for (let p = 0; p < packCount; p++) {
    if (at + 36 > buf.length) throw fail('truncated');
    const pack = buf.toString('hex', at, at + 32) as PackId;
    const count = buf.readUInt32LE(at + 32);
    at += 36;
    if (at + count * ENTRY_SIZE > buf.length) throw fail('truncated');
    for (let i = 0; i < count; i++, at += ENTRY_SIZE) out.push({ ...readEntry(buf, at, `index ${name}`), pack });
  }
  if (at !== buf.length) throw fail('trailing bytes');
  return out;
}

// The gear table: 256 random 32-bit values, one per byte value, that drive the rolling hash.
// Each vault derives its own from its chunker seed, so the same file cut in two vaults gets
// different boundaries and chunk sizes can't be used to recognise known content in a bucket.

import { hkdfSync } from 'node:crypto';
import { CairnError } from '../../../shared/errors.ts';

/** 256 signed 32-bit entries (Int32Array: V8 keeps them as small integers in the hot loop). */
export type GearTable = Int32Array;

export const GEAR_INFO = 'cairn/v1/gear';

/** Table = HKDF-SHA256(chunkerSeed, salt = empty, info = "cairn/v1/gear", 1024 bytes), read as 256 little-endian int32. */
export function createGearTable(chunkerSeed: Uint8Array): GearTable {
  if (chunkerSeed.length !== 32) throw new CairnError('internal', `A chunker seed must be 32 bytes, got ${chunkerSeed.length}.`);
  const bytes = new Uint8Array(hkdfSync('sha256', chunkerSeed, new Uint8Array(0), GEAR_INFO, 1024));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) table[i] = view.getInt32(i * 4, true);
  return table;
}

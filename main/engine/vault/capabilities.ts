// What a vault's store can do, decided once and recorded, so that every device runs the same
// lock protocol: whether it honours conditional writes (If-None-Match: *; AWS, R2, Ceph and MinIO
// do, Swift's s3api answers 501, some servers silently ignore it), probed at init and written
// into vault.json; and how long its listings may lag (the store's own bound, or a default).

import { randomBytes } from 'node:crypto';
import type { BlobStore } from '../storage/index.ts';
import { keys } from './format.ts';
import type { Vault } from './vault.ts';

/** Listing lag assumed for stores that don't state a bound (S3 providers). */
export const DEFAULT_LISTING_LAG_MS = 10_000;

export function listingLagOf(store: BlobStore): number {
  return store.listingLagMs ?? DEFAULT_LISTING_LAG_MS;
}

/**
 * Writes a probe key twice with putIfAbsent: honoured only when the first write succeeds and
 * the second is refused. Refusals (501), absent support and servers that ignore the header all
 * count as "no"; the probe object is removed.
 */
export async function probeConditionalWrites(store: BlobStore): Promise<boolean> {
  if (!store.putIfAbsent) return false;
  const key = keys.lock(`probe-${randomBytes(8).toString('hex')}`);
  try {
    const first = await store.putIfAbsent(key, Uint8Array.of(1));
    const second = await store.putIfAbsent(key, Uint8Array.of(2));
    return first && !second;
  } catch (error) {
    if ((error as Error).name === 'ConditionUnsupportedError') return false;
    throw error;
  } finally {
    await store.delete(key).catch(() => undefined);
  }
}

/**
 * Whether this vault's devices use conditional writes for locks: what init recorded. Vaults made
 * before it was recorded use the listing protocol, which is right on every store.
 */
export async function conditionalWrites(vault: Vault): Promise<boolean> {
  return vault.config.conditionalWrites === true && vault.store.putIfAbsent !== undefined;
}

// Branded identifiers: a DeviceId can't be passed where a SnapshotId is expected.

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** 64 lowercase hex characters: HMAC-SHA256 of a blob's plaintext under the vault's id key. */
export type BlobId = Brand<string, 'BlobId'>;
/** 64 lowercase hex characters: SHA-256 of a pack file's bytes. */
export type PackId = Brand<string, 'PackId'>;
/** 16 lowercase hex characters, random. */
export type DeviceId = Brand<string, 'DeviceId'>;
/** 64 lowercase hex characters, random. */
export type SnapshotId = Brand<string, 'SnapshotId'>;
/** 32 lowercase hex characters, random. */
export type VaultId = Brand<string, 'VaultId'>;

const HEX64 = /^[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

export const isBlobId = (s: string): s is BlobId => HEX64.test(s);
export const isPackId = (s: string): s is PackId => HEX64.test(s);
export const isSnapshotId = (s: string): s is SnapshotId => HEX64.test(s);
export const isDeviceId = (s: string): s is DeviceId => HEX16.test(s);
export const isVaultId = (s: string): s is VaultId => HEX32.test(s);

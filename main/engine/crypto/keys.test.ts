import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blobId, deriveSubkeys, fingerprint, generateMasterKey, mac, verifyMac } from './keys.ts';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const MASTER = Uint8Array.from({ length: 64 }, (_, i) => i);

describe('HKDF primitive', () => {
  it('matches RFC 5869 test case 3 (SHA-256, empty salt and info)', () => {
    const okm = hkdfSync('sha256', hex('0b'.repeat(22)), new Uint8Array(0), new Uint8Array(0), 42);
    expect(toHex(new Uint8Array(okm))).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  });
});

describe('deriveSubkeys', () => {
  // Computed independently with OpenSSL 3.0:
  //   openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:000102…3f -kdfopt info:cairn/v1/enc HKDF
  it('matches known answers for master key 00 01 … 3f', () => {
    const keys = deriveSubkeys(MASTER);
    expect(toHex(keys.encKey)).toBe('3e81d9f945888beabb48045b62143afe7aa35b99f532a1c23a5fa4385bae87a1');
    expect(toHex(keys.idKey)).toBe('4cbcdd453c85acdd173d6ad4a6d3f5af555ce5a906c46e229241146601040534');
    expect(toHex(keys.macKey)).toBe('856c813da375068ec1cb4bc67300b0afb4dd0e47fcfd34b0ae28f0eef9d7310d');
    expect(toHex(keys.chunkerSeed)).toBe('4c827a10e20739de059bf8092e3dc687242b5d8b0e5167bc6d74442dbcccf98c');
  });

  it('gives four distinct 32-byte keys', () => {
    const keys = deriveSubkeys(generateMasterKey());
    const all = [keys.encKey, keys.idKey, keys.macKey, keys.chunkerSeed].map(toHex);
    expect(new Set(all).size).toBe(4);
    for (const key of all) expect(key).toHaveLength(64);
  });

  it('refuses a master key of the wrong size', () => {
    expect(() => deriveSubkeys(new Uint8Array(32))).toThrow(/master key must be 64 bytes/);
  });
});

describe('blobId', () => {
  // openssl dgst -sha256 -mac HMAC -macopt hexkey:<idKey>
  it('is hex HMAC-SHA256 under the id key', () => {
    const { idKey } = deriveSubkeys(MASTER);
    expect(blobId(idKey, new TextEncoder().encode('hello, cairn\n'))).toBe('19be3545929d289039a7d45b61b60b86185b9cb00451a9354ef27d57a0259533');
    expect(blobId(idKey, new Uint8Array(0))).toBe('a546cf9fab8bd8acae64cc0d660926d6a0d10a8962e89b7f97075f82f1f5fcda');
  });

  it('depends on the key, so two vaults give the same content different ids', () => {
    const content = new TextEncoder().encode('same content');
    const a = blobId(deriveSubkeys(generateMasterKey()).idKey, content);
    const b = blobId(deriveSubkeys(generateMasterKey()).idKey, content);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
  });
});

describe('mac', () => {
  it('is HMAC-SHA256 under the MAC key and verifies in constant time', () => {
    const { macKey } = deriveSubkeys(MASTER);
    const body = new TextEncoder().encode('{"version":1}');
    const tag = mac(macKey, body);
    expect(toHex(tag)).toBe('988a4cd8303c153e1f70f68455a7d58a92289872991bdd5d7e285be587de8d3c');
    expect(verifyMac(macKey, body, tag)).toBe(true);
    const altered = tag.slice();
    altered[0]! ^= 1;
    expect(verifyMac(macKey, body, altered)).toBe(false);
    expect(verifyMac(macKey, body, tag.subarray(0, 16))).toBe(false);
    expect(verifyMac(macKey, new TextEncoder().encode('{"version":2}'), tag)).toBe(false);
  });
});

describe('fingerprint', () => {
  it('is stable: HKDF(master, info "cairn/v1/fingerprint") first 4 bytes, as hex', () => {
    // openssl kdf -keylen 4 -kdfopt digest:SHA256 -kdfopt hexkey:000102…3f -kdfopt info:cairn/v1/fingerprint HKDF
    expect(fingerprint(MASTER)).toBe('177619ab');
    expect(fingerprint(MASTER)).toBe(fingerprint(MASTER.slice()));
  });

  it('is 8 lowercase hex characters and differs between master keys', () => {
    const a = fingerprint(generateMasterKey());
    const b = fingerprint(generateMasterKey());
    expect(a).toMatch(/^[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });
});

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CairnError, IntegrityError } from '../../../shared/errors.ts';
import { open, seal, SEAL_OVERHEAD, sealWithNonce } from './seal.ts';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// The encryption subkey of the KAT master key 00 01 … 3f (see keys.test.ts).
const KEY = hex('3e81d9f945888beabb48045b62143afe7aa35b99f532a1c23a5fa4385bae87a1');
const NONCE = hex('a0a1a2a3a4a5a6a7a8a9aaab');

describe('seal / open', () => {
  // Expected bytes computed independently with Python `cryptography` (AESGCM), AD = b"CR\x01" +
  // UTF-8(kind + "\0" + name), output = header + nonce + ciphertext + tag.
  const vectors = [
    {
      ad: { kind: 'blob', name: 'ab'.repeat(32) },
      plaintext: new TextEncoder().encode('hello, cairn\n'),
      sealed: '435201a0a1a2a3a4a5a6a7a8a9aaab2fe07f3b4bd3068fe4078f1eddcf64e9dcfd5faa27ee06584499409bf1',
    },
    {
      ad: { kind: 'snapshot', name: 'été' },
      plaintext: new Uint8Array(0),
      sealed: '435201a0a1a2a3a4a5a6a7a8a9aaabb6e69d7d8a957659c5cf248065c2f2ff',
    },
    {
      ad: { kind: 'keyslot', name: 'passphrase' },
      plaintext: Uint8Array.from({ length: 64 }, (_, i) => i),
      sealed:
        '435201a0a1a2a3a4a5a6a7a8a9aaab4784115420fa20eb8d67f77bdbf9880674f3be466847812f186a9420889e80d62c553e1affadb40186e7bbf96756bdd2a5e7b33b8049de581e99ce4e6c918f018331b82791355dd201b5a9509537a04e',
    },
  ];

  it.each(vectors)('matches the known answer for $ad.kind', ({ ad, plaintext, sealed }) => {
    expect(toHex(sealWithNonce(KEY, ad, plaintext, NONCE))).toBe(sealed);
    expect(open(KEY, ad, hex(sealed))).toEqual(plaintext);
  });

  it('adds exactly SEAL_OVERHEAD (31) bytes and uses a fresh nonce each time', () => {
    expect(SEAL_OVERHEAD).toBe(31);
    const plaintext = randomBytes(1000);
    const a = seal(KEY, { kind: 'blob', name: 'x' }, plaintext);
    const b = seal(KEY, { kind: 'blob', name: 'x' }, plaintext);
    expect(a.length).toBe(1000 + 31);
    expect(toHex(a.subarray(3, 15))).not.toBe(toHex(b.subarray(3, 15)));
    expect(open(KEY, { kind: 'blob', name: 'x' }, a)).toEqual(new Uint8Array(plaintext));
  });

  it('returns arrays that own their whole buffer (transferable between threads)', () => {
    const sealed = seal(KEY, { kind: 'blob', name: 'x' }, randomBytes(100));
    expect(sealed.byteOffset).toBe(0);
    expect(sealed.buffer.byteLength).toBe(sealed.length);
    const opened = open(KEY, { kind: 'blob', name: 'x' }, sealed);
    expect(opened.buffer.byteLength).toBe(opened.length);
  });

  describe('tampering', () => {
    const ad = { kind: 'blob', name: 'cd'.repeat(32) };
    const plaintext = new Uint8Array(randomBytes(64));
    const sealed = seal(KEY, ad, plaintext);
    const positions = {
      'magic byte 0': 0,
      'magic byte 1': 1,
      version: 2,
      'nonce start': 3,
      'nonce end': 14,
      'ciphertext start': 15,
      'ciphertext middle': 15 + 32,
      'ciphertext end': 15 + 63,
      'tag start': sealed.length - 16,
      'tag end': sealed.length - 1,
    };

    it.each(Object.entries(positions))('detects a flipped bit in the %s', (_, position) => {
      const altered = sealed.slice();
      altered[position]! ^= 0x01;
      expect(() => open(KEY, ad, altered)).toThrow(IntegrityError);
      expect(() => open(KEY, ad, altered)).toThrow(`The object blob/${ad.name} failed authentication: it is corrupt or was tampered with`);
    });

    it('detects a flip at every single byte position', () => {
      for (let i = 0; i < sealed.length; i++) {
        const altered = sealed.slice();
        altered[i]! ^= 0x80;
        expect(() => open(KEY, ad, altered), `byte ${i}`).toThrow(IntegrityError);
      }
    });

    it('says which header check failed', () => {
      const badMagic = sealed.slice();
      badMagic[0] = 0x58;
      expect(() => open(KEY, ad, badMagic)).toThrow(/does not start with the sealed-object marker/);
      const badVersion = sealed.slice();
      badVersion[2] = 0x02;
      expect(() => open(KEY, ad, badVersion)).toThrow(/unknown format version 2/);
    });

    it('detects truncation at any length, and appended bytes', () => {
      for (let length = 0; length < sealed.length; length++) {
        expect(() => open(KEY, ad, sealed.subarray(0, length)), `length ${length}`).toThrow(IntegrityError);
      }
      expect(() => open(KEY, ad, sealed.subarray(0, 10))).toThrow(/10 bytes is shorter than the 31-byte minimum/);
      const longer = new Uint8Array(sealed.length + 1);
      longer.set(sealed);
      expect(() => open(KEY, ad, longer)).toThrow(IntegrityError);
    });

    it('rejects the wrong key', () => {
      const other = new Uint8Array(randomBytes(32));
      expect(() => open(other, ad, sealed)).toThrow(IntegrityError);
    });

    it('rejects the wrong kind or name (an object moved to another place)', () => {
      expect(() => open(KEY, { kind: 'index', name: ad.name }, sealed)).toThrow(IntegrityError);
      expect(() => open(KEY, { kind: 'blob', name: 'ef'.repeat(32) }, sealed)).toThrow(IntegrityError);
      // The separator keeps (kind, name) pairs apart: "blob" + "\0" + "x" is not "blo" + "\0" + "bx".
      const s = seal(KEY, { kind: 'blob', name: 'x' }, plaintext);
      expect(() => open(KEY, { kind: 'blobx', name: '' }, s)).toThrow(IntegrityError);
    });

    it('does not return partially decrypted bytes on failure', () => {
      const altered = sealed.slice();
      altered[sealed.length - 1]! ^= 1;
      let thrown: unknown;
      try {
        open(KEY, ad, altered);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(IntegrityError);
      expect((thrown as IntegrityError).code).toBe('integrity');
    });
  });

  it('refuses keys of the wrong size and kinds containing NUL', () => {
    expect(() => seal(new Uint8Array(16), { kind: 'blob', name: 'x' }, new Uint8Array(1))).toThrow(CairnError);
    expect(() => seal(KEY, { kind: 'bl\0ob', name: 'x' }, new Uint8Array(1))).toThrow(/Invalid sealed-object kind/);
    expect(() => seal(KEY, { kind: '', name: 'x' }, new Uint8Array(1))).toThrow(/Invalid sealed-object kind/);
    expect(() => sealWithNonce(KEY, { kind: 'blob', name: 'x' }, new Uint8Array(1), new Uint8Array(8))).toThrow(/nonce must be 12 bytes/);
  });
});

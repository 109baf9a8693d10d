import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Compressor } from 'zstd-napi';
import { CairnError, IntegrityError } from '../../../shared/errors.ts';
import { CODEC_RAW, CODEC_ZSTD, compressWithHeader, decompressWithHeader, MAX_BLOB_SIZE } from './compress.ts';

const encoder = new TextEncoder();
const transcript = encoder.encode(
  Array.from({ length: 400 }, (_, i) => JSON.stringify({ type: i % 2 ? 'assistant' : 'user', uuid: `id-${i}`, message: { role: 'user', content: `line ${i}: the quick brown fox ${i * 7}` } })).join('\n'),
);

function zstdFrame(data: Uint8Array, contentSize: boolean): Uint8Array {
  const compressor = new Compressor();
  compressor.setParameters({ compressionLevel: 3, contentSizeFlag: contentSize });
  const frame = compressor.compress(data);
  const out = new Uint8Array(1 + frame.length);
  out[0] = CODEC_ZSTD;
  out.set(frame, 1);
  return out;
}

describe('compressWithHeader / decompressWithHeader', () => {
  it('compresses JSONL with zstd and round-trips', () => {
    const packed = compressWithHeader(transcript);
    expect(packed[0]).toBe(CODEC_ZSTD);
    expect(packed.length).toBeLessThan(transcript.length / 3);
    expect(decompressWithHeader(packed, transcript.length)).toEqual(transcript);
  });

  it('stores incompressible data raw (codec 0, one byte of overhead)', () => {
    const noise = new Uint8Array(randomBytes(64 * 1024));
    const packed = compressWithHeader(noise);
    expect(packed[0]).toBe(CODEC_RAW);
    expect(packed.length).toBe(noise.length + 1);
    expect(decompressWithHeader(packed, noise.length)).toEqual(noise);
  });

  it('stores data raw when compression saves less than 3%', () => {
    // 98% noise + 2% zeros: zstd saves about 2%.
    const mixed = new Uint8Array(100_000);
    mixed.set(randomBytes(98_000));
    expect(compressWithHeader(mixed)[0]).toBe(CODEC_RAW);
    // 90% noise + 10% zeros: worth compressing.
    const better = new Uint8Array(100_000);
    better.set(randomBytes(90_000));
    expect(compressWithHeader(better)[0]).toBe(CODEC_ZSTD);
  });

  it('handles empty and tiny inputs', () => {
    for (const data of [new Uint8Array(0), new Uint8Array([42])]) {
      const packed = compressWithHeader(data);
      expect(packed[0]).toBe(CODEC_RAW);
      expect(decompressWithHeader(packed, data.length)).toEqual(data);
    }
  });

  it('works across levels and with inputs larger than the reused scratch buffer', () => {
    const big = new Uint8Array(6 * 2 ** 20);
    for (let at = 0; at < big.length; at += transcript.length) big.set(transcript.subarray(0, Math.min(transcript.length, big.length - at)), at);
    for (const level of [1, 3, 6, 19]) expect(decompressWithHeader(compressWithHeader(transcript, level), transcript.length)).toEqual(transcript);
    expect(Buffer.compare(decompressWithHeader(compressWithHeader(big), big.length), big)).toBe(0);
    expect(decompressWithHeader(compressWithHeader(transcript), transcript.length)).toEqual(transcript);
  });

  it('with view, gives the same bytes in one reused scratch buffer', () => {
    const noise = new Uint8Array(randomBytes(64 * 1024));
    const owned = [compressWithHeader(transcript), compressWithHeader(noise)];
    const a = compressWithHeader(transcript, 3, { view: true });
    expect(Buffer.from(a).equals(Buffer.from(owned[0]!))).toBe(true);
    const buffer = a.buffer;
    const b = compressWithHeader(noise, 3, { view: true });
    expect(b[0]).toBe(CODEC_RAW);
    expect(Buffer.from(b).equals(Buffer.from(owned[1]!))).toBe(true);
    expect(b.buffer).toBe(buffer);
    // A blob larger than the scratch buffer still gets an array of its own.
    const big = new Uint8Array(6 * 2 ** 20);
    expect(compressWithHeader(big, 3, { view: true }).buffer).not.toBe(buffer);
  });

  it('returns arrays that own their whole ArrayBuffer', () => {
    const packed = compressWithHeader(transcript);
    expect(packed.buffer.byteLength).toBe(packed.length);
    const raw = compressWithHeader(new Uint8Array(randomBytes(1000)));
    expect(raw.buffer.byteLength).toBe(raw.length);
    const out = decompressWithHeader(raw, 1000);
    expect(out.buffer.byteLength).toBe(out.length);
  });

  it('rejects an invalid level', () => {
    expect(() => compressWithHeader(transcript, 99)).toThrow(CairnError);
    expect(() => compressWithHeader(transcript, 2.5)).toThrow(/Invalid zstd level/);
  });

  describe('hostile or corrupt input', () => {
    it('refuses a size other than expected, for both codecs', () => {
      expect(() => decompressWithHeader(compressWithHeader(transcript), transcript.length - 1)).toThrow(IntegrityError);
      expect(() => decompressWithHeader(compressWithHeader(transcript), transcript.length + 1)).toThrow(IntegrityError);
      const raw = compressWithHeader(new Uint8Array(randomBytes(100)));
      expect(() => decompressWithHeader(raw, 99)).toThrow(/decompresses to 100 bytes where 99 were expected/);
    });

    it('does not expand a bomb: a frame declaring 1 GiB fails before allocating it', () => {
      const bomb = zstdFrame(new Uint8Array(2 ** 30), true); // ~40 KiB on disk
      expect(bomb.length).toBeLessThan(100_000);
      expect(() => decompressWithHeader(bomb, 1000)).toThrow(/decompresses to 1073741824 bytes where 1000 were expected/);
    });

    it('stops a frame without a declared size at the expected size', () => {
      const data = new Uint8Array(2 ** 20).fill(1);
      const frame = zstdFrame(data, false);
      expect(() => decompressWithHeader(frame, 1000)).toThrow(IntegrityError);
      expect(Buffer.compare(decompressWithHeader(frame, data.length), data)).toBe(0);
    });

    it('refuses an expected size beyond the blob limit', () => {
      expect(() => decompressWithHeader(compressWithHeader(transcript), MAX_BLOB_SIZE + 1)).toThrow(/outside 0…/);
      expect(() => decompressWithHeader(compressWithHeader(transcript), -1)).toThrow(IntegrityError);
    });

    it('refuses unknown codecs, empty input and damaged frames', () => {
      const packed = compressWithHeader(transcript);
      const unknown = packed.slice();
      unknown[0] = 7;
      expect(() => decompressWithHeader(unknown, transcript.length)).toThrow(/unknown codec 7/);
      expect(() => decompressWithHeader(new Uint8Array(0), 0)).toThrow(/lacks its codec byte/);
      expect(() => decompressWithHeader(packed.subarray(0, packed.length - 10), transcript.length)).toThrow(IntegrityError);
      expect(() => decompressWithHeader(packed.subarray(0, 3), transcript.length)).toThrow(IntegrityError);
      const garbage = new Uint8Array(randomBytes(200));
      garbage[0] = CODEC_ZSTD;
      expect(() => decompressWithHeader(garbage, 1000)).toThrow(IntegrityError);
    });
  });
});

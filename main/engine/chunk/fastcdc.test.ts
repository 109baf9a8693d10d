import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { chunkBuffer, chunkMasks, chunkStream, createChunker } from './fastcdc.ts';
import type { ChunkParams } from './fastcdc.ts';
import { createGearTable } from './gear.ts';
import type { GearTable } from './gear.ts';

const SEED = new Uint8Array(32).fill(7);
const GEAR = createGearTable(SEED);
const SMALL: ChunkParams = { min: 1024, avg: 4096, max: 16384 };

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
function pseudoRandom(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** JSONL-like text: lines of varied length with repeated keys, as agent transcripts are. */
function jsonl(lines: number, seed = 1): Uint8Array {
  const random = pseudoRandom(lines * 4, seed);
  const words = ['the', 'file', 'function', 'returns', 'error', 'test', 'import', 'const', 'value', 'cairn', 'chunk', 'append'];
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) {
    const count = 10 + ((random[i * 4]! << 8) | random[i * 4 + 1]!) % 400;
    const text = Array.from({ length: count }, (_, j) => words[(random[i * 4 + 2]! + j * random[i * 4 + 3]!) % words.length]).join(' ');
    parts.push(JSON.stringify({ type: i % 2 ? 'assistant' : 'user', uuid: `${seed}-${i}`, message: { content: text } }));
  }
  return new TextEncoder().encode(`${parts.join('\n')}\n`);
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const lengths = (chunks: readonly Uint8Array[]): number[] => chunks.map((c) => c.length);
const digest = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * Independent, deliberately plain reference: FastCDC's cut-point function over a whole buffer,
 * as the paper's pseudo-code gives it. The streaming chunker must agree with it exactly.
 */
function referenceCutPoints(data: Uint8Array, params: ChunkParams, gear: GearTable): number[] {
  const { maskS, maskL } = chunkMasks(params.avg);
  const cuts: number[] = [];
  let start = 0;
  while (start < data.length) {
    const remaining = data.length - start;
    let length = remaining;
    if (remaining > params.min) {
      const limit = Math.min(remaining, params.max);
      const normal = Math.min(limit, params.avg);
      let h = 0;
      let i = params.min;
      length = limit;
      for (; i < normal; i++) {
        h = ((h << 1) + gear[data[start + i]!]!) | 0;
        if ((h & maskS) === 0) break;
      }
      if (i < normal) length = i + 1;
      else {
        for (; i < limit; i++) {
          h = ((h << 1) + gear[data[start + i]!]!) | 0;
          if ((h & maskL) === 0) break;
        }
        if (i < limit) length = i + 1;
      }
    }
    start += length;
    cuts.push(start);
  }
  return cuts;
}

function cutPoints(chunks: readonly Uint8Array[]): number[] {
  let at = 0;
  return chunks.map((c) => (at += c.length));
}

describe('gear table', () => {
  it('is HKDF-SHA256(seed, info "cairn/v1/gear") as little-endian int32 (known answer from openssl kdf)', () => {
    expect(GEAR).toHaveLength(256);
    expect(GEAR[0]).toBe(107304056);
    expect(GEAR[1]).toBe(-904880357);
    expect(GEAR[255]).toBe(617084293);
  });

  it('depends on the seed', () => {
    const other = createGearTable(new Uint8Array(32).fill(8));
    expect(Array.from(other)).not.toEqual(Array.from(GEAR));
  });
});

describe('masks', () => {
  it('use the top bits, normalization level 2', () => {
    const { maskS, maskL } = chunkMasks(65536);
    expect(maskS >>> 0).toBe(0xffffc000); // 18 bits
    expect(maskL >>> 0).toBe(0xfffc0000); // 14 bits
  });
});

describe('FastCDC chunker', () => {
  const data = pseudoRandom(1_000_000);

  it('agrees with the plain reference implementation', () => {
    for (const params of [SMALL, { min: 64, avg: 256, max: 1024 }, { min: 16384, avg: 65536, max: 262144 }, { min: 4096, avg: 4096, max: 4096 }]) {
      expect(cutPoints(chunkBuffer(data, params, GEAR)), JSON.stringify(params)).toEqual(referenceCutPoints(data, params, GEAR));
    }
    const text = jsonl(3000);
    expect(cutPoints(chunkBuffer(text, SMALL, GEAR))).toEqual(referenceCutPoints(text, SMALL, GEAR));
  });

  it('is deterministic and loses no byte', () => {
    const a = chunkBuffer(data, SMALL, GEAR);
    const b = chunkBuffer(data.slice(), SMALL, createGearTable(SEED));
    expect(lengths(a)).toEqual(lengths(b));
    expect(digest(concat(a))).toBe(digest(data));
  });

  it('keeps a pinned boundary layout (changing it would change every vault\u2019s blobs)', () => {
    const chunks = chunkBuffer(data, SMALL, GEAR);
    expect(chunks.length).toBe(212);
    expect(lengths(chunks).slice(0, 8)).toEqual([4254, 4340, 5466, 1438, 6374, 4718, 4655, 4154]);
    expect(digest(new Uint8Array(new Uint32Array(lengths(chunks)).buffer))).toBe('336ef8b2f6ad1d0b606eeb1120250b2040c2b6940d4b5be752f9f9c600ad9edf');
  });

  it('respects min and max; only the last chunk may be shorter than min', () => {
    for (const input of [data, jsonl(2000), new Uint8Array(200_000)]) {
      const chunks = chunkBuffer(input, SMALL, GEAR);
      chunks.forEach((c, i) => {
        expect(c.length).toBeLessThanOrEqual(SMALL.max);
        if (i < chunks.length - 1) expect(c.length).toBeGreaterThanOrEqual(SMALL.min);
        else expect(c.length).toBeGreaterThan(0);
      });
    }
    // Zeros never match the mask condition's randomness: every chunk is cut at max.
    expect(new Set(lengths(chunkBuffer(new Uint8Array(100_000), SMALL, GEAR).slice(0, -1)))).toEqual(new Set([SMALL.max]));
  });

  it('averages near avg on random data', () => {
    const chunks = chunkBuffer(pseudoRandom(4_000_000, 3), SMALL, GEAR);
    const mean = 4_000_000 / chunks.length;
    expect(mean).toBeGreaterThan(SMALL.avg * 0.75);
    expect(mean).toBeLessThan(SMALL.avg * 1.5);
  });

  it('finds the same boundaries however the input is split into pushes', () => {
    const data = pseudoRandom(300_000, 5);
    const expected = lengths(chunkBuffer(data, SMALL, GEAR));
    const random = pseudoRandom(4000, 99);
    for (let trial = 0; trial < 20; trial++) {
      const chunker = createChunker(SMALL, GEAR);
      const chunks: Uint8Array[] = [];
      let at = 0;
      let r = trial * 100;
      while (at < data.length) {
        // Mix of tiny pushes, pushes around min/avg/max and large ones.
        const kind = random[r++ % random.length]! % 4;
        const size = [1 + (random[r++ % random.length]! % 7), 1 + random[r++ % random.length]! * 64, SMALL.max - 1 + (random[r++ % random.length]! % 3), 100_000][kind]!;
        chunks.push(...chunker.push(data.subarray(at, at + size)));
        at += size;
      }
      const last = chunker.finish();
      if (last) chunks.push(last);
      expect(lengths(chunks)).toEqual(expected);
      expect(digest(concat(chunks))).toBe(digest(data));
    }
  });

  it('matches byte-at-a-time pushes', () => {
    const small = data.subarray(0, 60_000);
    const chunker = createChunker(SMALL, GEAR);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < small.length; i++) chunks.push(...chunker.push(small.subarray(i, i + 1)));
    const last = chunker.finish();
    if (last) chunks.push(last);
    expect(lengths(chunks)).toEqual(lengths(chunkBuffer(small, SMALL, GEAR)));
  });

  it('does not keep references to pushed buffers (callers may reuse them)', () => {
    const chunker = createChunker(SMALL, GEAR);
    const buffer = new Uint8Array(3000);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < data.length; at += buffer.length) {
      const piece = data.subarray(at, at + buffer.length);
      buffer.set(piece);
      chunks.push(...chunker.push(buffer.subarray(0, piece.length)));
      buffer.fill(0xee);
    }
    const last = chunker.finish();
    if (last) chunks.push(last);
    expect(digest(concat(chunks))).toBe(digest(data));
  });

  it('returns chunks that own their whole ArrayBuffer', () => {
    for (const chunk of chunkBuffer(data.subarray(0, 100_000), SMALL, GEAR)) {
      expect(chunk.byteOffset).toBe(0);
      expect(chunk.buffer.byteLength).toBe(chunk.length);
    }
  });

  it('with views, gives the same chunks as views of its input or of one reused buffer, however the input is pushed', () => {
    const data = pseudoRandom(300_000, 7);
    const expected = chunkBuffer(data, SMALL, GEAR).map(digest);
    for (const size of [1000, SMALL.max - 1, 65_536, 100_000]) {
      const chunker = createChunker(SMALL, GEAR, { views: true });
      const buffer = new Uint8Array(size);
      const seen: string[] = [];
      const owners = new Set<ArrayBufferLike>();
      const consume = (chunk: Uint8Array): void => {
        seen.push(digest(chunk)); // consumed at once, as the worker seals each chunk
        owners.add(chunk.buffer);
      };
      for (let at = 0; at < data.length; at += size) {
        const piece = data.subarray(at, at + size);
        buffer.set(piece);
        for (const chunk of chunker.push(buffer.subarray(0, piece.length))) consume(chunk);
        buffer.fill(0xee); // the caller reuses its buffer
      }
      const last = chunker.finish();
      if (last) consume(last);
      expect(seen, `pushes of ${size}`).toEqual(expected);
      // No copy per chunk: the caller's buffer, the joining buffer and the pending bytes at most.
      expect(owners.size, `pushes of ${size}`).toBeLessThanOrEqual(3);
    }
  });

  it('changes only the last chunk or two when a file is appended to', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const before = jsonl(1500, seed);
      const appended = concat([before, jsonl(5, seed + 100)]);
      const old = new Set(chunkBuffer(before, SMALL, GEAR).map(digest));
      const after = chunkBuffer(appended, SMALL, GEAR);
      const fresh = after.filter((c) => !old.has(digest(c)));
      expect(fresh.length).toBeLessThanOrEqual(2);
      // Everything but the new chunks is a prefix of the old file: they sit at the end.
      expect(after.slice(0, after.length - fresh.length).every((c) => old.has(digest(c)))).toBe(true);
    }
  });

  it('re-synchronises after an insertion in the middle', () => {
    const before = jsonl(3000, 7);
    const middle = before.length >> 1;
    const edited = concat([before.subarray(0, middle), new TextEncoder().encode('{"inserted":true}\n'), before.subarray(middle)]);
    const old = new Set(chunkBuffer(before, SMALL, GEAR).map(digest));
    const fresh = chunkBuffer(edited, SMALL, GEAR).filter((c) => !old.has(digest(c)));
    expect(fresh.length).toBeLessThanOrEqual(3);
  });

  it('handles empty input and inputs around min and max', () => {
    expect(chunkBuffer(new Uint8Array(0), SMALL, GEAR)).toEqual([]);
    const chunker = createChunker(SMALL, GEAR);
    expect(chunker.push(new Uint8Array(0))).toEqual([]);
    expect(chunker.finish()).toBeUndefined();
    expect(lengths(chunkBuffer(data.subarray(0, 1), SMALL, GEAR))).toEqual([1]);
    expect(lengths(chunkBuffer(data.subarray(0, SMALL.min), SMALL, GEAR))).toEqual([SMALL.min]);
    expect(lengths(chunkBuffer(new Uint8Array(SMALL.max), SMALL, GEAR))).toEqual([SMALL.max]);
    expect(lengths(chunkBuffer(new Uint8Array(SMALL.max + 1), SMALL, GEAR))).toEqual([SMALL.max, 1]);
  });

  it('can be reused after finish()', () => {
    const chunker = createChunker(SMALL, GEAR);
    const first = [...chunker.push(data.subarray(0, 50_000)), chunker.finish()];
    const second = [...chunker.push(data.subarray(0, 50_000)), chunker.finish()];
    expect(second.map((c) => c?.length)).toEqual(first.map((c) => c?.length));
  });

  it('gives different boundaries with a different seed', () => {
    const other = createGearTable(new Uint8Array(32).fill(9));
    const a = cutPoints(chunkBuffer(data, SMALL, GEAR));
    const b = cutPoints(chunkBuffer(data, SMALL, other));
    const shared = a.filter((cut) => b.includes(cut));
    expect(shared.length).toBeLessThan(a.length / 10);
  });

  it('chunkStream() over an async iterable gives the same chunks', async () => {
    async function* pieces(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < data.length; at += 65_537) yield data.subarray(at, at + 65_537);
    }
    const streamed: Uint8Array[] = [];
    for await (const chunk of chunkStream(pieces(), SMALL, GEAR)) streamed.push(chunk);
    expect(lengths(streamed)).toEqual(lengths(chunkBuffer(data, SMALL, GEAR)));
  });

  it('rejects invalid parameters with ConfigError', () => {
    for (const params of [
      { min: 1024, avg: 3000, max: 16384 },
      { min: 8192, avg: 4096, max: 16384 },
      { min: 1024, avg: 4096, max: 2048 },
      { min: 0, avg: 4096, max: 16384 },
      { min: 1024, avg: 4096, max: 2 ** 30 },
      { min: 1.5, avg: 4096, max: 16384 },
    ]) {
      expect(() => createChunker(params, GEAR), JSON.stringify(params)).toThrow(ConfigError);
    }
    expect(() => createChunker(SMALL, new Int32Array(10))).toThrow(ConfigError);
  });
});

// The schema-less wire-format reader: fields of every wire type in order, and anything that isn't
// exactly a sequence of well-formed fields refused (so arbitrary bytes are never taken for a node).

import { describe, expect, it } from 'vitest';
import { decodeWire, wireText } from './protobuf-wire.ts';

describe('decodeWire', () => {
  it('splits a message into its fields, nested messages left as bytes', () => {
    // 1: varint 150, 2: "hi", 3: fixed64, 4: fixed32, 2000: varint 1 (a two-byte key), 5: nested {1: "x"}
    const buf = Buffer.from([0x08, 0x96, 0x01, 0x12, 0x02, 0x68, 0x69, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x25, 9, 9, 9, 9, 0x80, 0x7d, 0x01, 0x2a, 0x03, 0x0a, 0x01, 0x78]);
    const fields = decodeWire(buf)!;
    expect(fields.map((f) => [f.no, f.wire])).toEqual([[1, 0], [2, 2], [3, 1], [4, 5], [2000, 0], [5, 2]]);
    expect(fields[0]!.value).toBe(150n);
    expect(wireText(fields[1]!.value as Buffer)).toBe('hi');
    expect(decodeWire(fields[5]!.value as Buffer)?.map((f) => f.no)).toEqual([1]);
  });

  it('refuses what is not a message: truncated, overlong, groups, field 0, empty', () => {
    expect(decodeWire(Buffer.from([0x12, 0x05, 0x68]))).toBeUndefined(); // length past the end
    expect(decodeWire(Buffer.from([0x08]))).toBeUndefined(); // varint missing
    expect(decodeWire(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBeUndefined(); // 11-byte varint
    expect(decodeWire(Buffer.from([0x0b, 0x0c]))).toBeUndefined(); // start/end group
    expect(decodeWire(Buffer.from([0x02, 0x00]))).toBeUndefined(); // field number 0
    expect(decodeWire(Buffer.from('{"role":"user"}'))).toBeUndefined(); // JSON is not a message
    expect(decodeWire(Buffer.alloc(0))).toBeUndefined();
  });

  it('takes as text only valid UTF-8 without control characters', () => {
    expect(wireText(Buffer.from('line one\nline two\té'))).toBe('line one\nline two\té');
    expect(wireText(Buffer.from([0xc3, 0x28]))).toBeUndefined();
    expect(wireText(Buffer.from([0x0a, 0x20, 0x00, 0x01]))).toBeUndefined();
  });
});

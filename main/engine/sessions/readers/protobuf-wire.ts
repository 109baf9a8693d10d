// A Protocol Buffers wire-format reader, for records whose schema is unpublished (Cursor CLI's
// chat store). It splits a message into its fields without a schema
// (https://protobuf.dev/programming-guides/encoding/): each field is a varint key
// (field number << 3 | wire type) and a value — a varint (0), 8 bytes (1), a length-delimited
// byte string (2: a string, bytes or a nested message; only its reader can tell), or 4 bytes (5).
// Groups (3, 4) are deprecated and not accepted. What a length-delimited value is, is decided by
// the caller. A buffer that isn't exactly a sequence of well-formed fields is not a message.

export type WireField = { no: number; wire: 0; value: bigint } | { no: number; wire: 1 | 5; value: Buffer } | { no: number; wire: 2; value: Buffer };

/** Largest field number the format allows (2^29 - 1). */
const MAX_FIELD = 0x1fffffff;

function varint(buf: Buffer, at: number): { value: bigint; next: number } | undefined {
  let value = 0n;
  for (let i = 0; i < 10; i += 1) {
    const byte = buf[at + i];
    if (byte === undefined) return undefined;
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return undefined;
}

/** The fields of a message in order, or undefined when `buf` is not one (or is empty). */
export function decodeWire(buf: Buffer): WireField[] | undefined {
  if (buf.length === 0) return undefined;
  const fields: WireField[] = [];
  let at = 0;
  while (at < buf.length) {
    const key = varint(buf, at);
    if (!key) return undefined;
    const no = Number(key.value >> 3n);
    const wire = Number(key.value & 7n);
    if (no < 1 || no > MAX_FIELD) return undefined;
    at = key.next;
    if (wire === 0) {
      const v = varint(buf, at);
      if (!v) return undefined;
      fields.push({ no, wire: 0, value: v.value });
      at = v.next;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (at + size > buf.length) return undefined;
      fields.push({ no, wire, value: buf.subarray(at, at + size) });
      at += size;
    } else if (wire === 2) {
      const len = varint(buf, at);
      if (!len || len.value > BigInt(buf.length - len.next)) return undefined;
      const end = len.next + Number(len.value);
      fields.push({ no, wire: 2, value: buf.subarray(len.next, end) });
      at = end;
    } else {
      return undefined;
    }
  }
  return fields;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A length-delimited value as text, when it is valid UTF-8 without control characters (but tab, newline, CR). */
export function wireText(value: Buffer): string | undefined {
  let text: string;
  try {
    text = decoder.decode(value);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? undefined : text;
}

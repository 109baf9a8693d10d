// The messages of a JSON document that is one list of them (Cline's and Roo's task histories:
// `[…]`, or Roo's `{"version": …, "messages": […]}`), one at a time as the file streams, so
// memory holds one message, not the document (a long task's history is tens of MB, and parsed
// it is several times that). Only the list's structure is scanned here (strings, escapes and
// nesting, byte by byte: UTF-8's multi-byte sequences never contain an ASCII byte); each element
// is then parsed with JSON.parse, so what it accepts is exactly JSON.

import type { Json } from './json.ts';
import { MAX_LINE_BYTES } from './lines.ts';

export type ElementEvent =
  /** One element of the list, parsed, or why it couldn't be. */
  | { type: 'element'; index: number; value: Json; raw?: undefined; error?: undefined }
  | { type: 'element'; index: number; value?: undefined; raw: string; error: string }
  /** The document isn't such a list (then no element came), or ends damaged after the elements that came. */
  | { type: 'damaged'; error: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * The elements of the top-level list in `chunks`, or of the list under `key` when the document is
 * an object. Ends with a `damaged` event when the document is cut off, isn't such a list, or has
 * anything but whitespace after it.
 */
export async function* jsonListElements(chunks: AsyncIterable<Uint8Array>, key = 'messages'): AsyncGenerator<ElementEvent> {
  const scanner = new ListScanner(key);
  for await (const chunk of chunks) {
    yield* scanner.scan(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (scanner.failed) return;
  }
  const last = scanner.end();
  if (last) yield last;
}

class ListScanner {
  private readonly wantedKey: Buffer;
  private readonly notAList: string;
  /** Nesting depth (0: top level). */
  private depth = 0;
  /** The depth of the list's elements once it is found; 0 once it is read. */
  private listDepth = -1;
  private inString = false;
  private escaped = false;
  private started = false;
  private ended = false;
  failed = false;
  /** In the top-level object: the key being read (its bytes, quotes included). */
  private keyParts: Buffer[] | undefined;
  private keyIsOurs = false;
  /** In the top-level object: a key's colon was read, its value is next. */
  private afterColon = false;
  /** The element being read: its bytes so far. */
  private parts: Buffer[] = [];
  private partBytes = 0;
  private inElement = false;
  private index = 0;
  /** Where the element, and the key, being read start in the current chunk. */
  private elementStart = 0;
  private keyStart = 0;

  constructor(key: string) {
    this.wantedKey = Buffer.from(JSON.stringify(key));
    this.notAList = `neither a list of messages nor an object holding "${key}"`;
  }

  scan(chunk: Buffer): ElementEvent[] {
    const out: ElementEvent[] = [];
    this.elementStart = 0;
    this.keyStart = 0;
    for (let i = 0; i < chunk.length && !this.failed; i++) {
      const byte = chunk[i] as number;
      if (!this.started) this.begin(byte, out);
      else if (this.ended) {
        if (!isSpace(byte)) this.fail('more after the end of the document', out);
      } else if (this.inString) this.stringByte(chunk, i, byte);
      else this.structure(chunk, i, byte, out);
    }
    if (this.inElement) this.keep(chunk.subarray(this.elementStart), true);
    if (this.keyParts) this.keyParts.push(Buffer.from(chunk.subarray(this.keyStart)));
    return out;
  }

  end(): ElementEvent | undefined {
    if (this.failed) return undefined;
    if (!this.started) return { type: 'damaged', error: 'empty' };
    if (!this.ended) return { type: 'damaged', error: 'cut off before its end' };
    return this.listDepth !== 0 ? { type: 'damaged', error: this.notAList } : undefined;
  }

  private fail(error: string, out: ElementEvent[]): void {
    this.failed = true;
    out.push({ type: 'damaged', error });
  }

  private begin(byte: number, out: ElementEvent[]): void {
    if (isSpace(byte) || byte === 0xef || byte === 0xbb || byte === 0xbf) return; // whitespace, a UTF-8 BOM
    if (byte !== OPEN_ARRAY && byte !== OPEN_OBJECT) return this.fail(this.notAList, out);
    this.started = true;
    this.depth = 1;
    if (byte === OPEN_ARRAY) this.listDepth = 1;
  }

  private stringByte(chunk: Buffer, i: number, byte: number): void {
    if (this.escaped) this.escaped = false;
    else if (byte === BACKSLASH) this.escaped = true;
    else if (byte === QUOTE) {
      this.inString = false;
      if (this.keyParts) {
        this.keyParts.push(chunk.subarray(this.keyStart, i + 1));
        this.keyIsOurs = Buffer.concat(this.keyParts).equals(this.wantedKey);
        this.keyParts = undefined;
      }
    }
  }

  private structure(chunk: Buffer, i: number, byte: number, out: ElementEvent[]): void {
    if (this.depth === this.listDepth && !this.inElement && !isSpace(byte) && byte !== COMMA && byte !== CLOSE_ARRAY) {
      this.inElement = true;
      this.elementStart = i;
    }
    switch (byte) {
      case QUOTE:
        this.inString = true;
        if (this.listDepth < 0 && this.depth === 1 && !this.afterColon) {
          this.keyParts = [];
          this.keyStart = i;
        }
        return;
      case COLON:
        if (this.depth === 1) this.afterColon = true;
        return;
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        this.depth++;
        if (byte === OPEN_ARRAY && this.depth === 2 && this.listDepth < 0 && this.afterColon && this.keyIsOurs) this.listDepth = 2;
        if (this.depth === 2) this.afterColon = false;
        return;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        if (this.depth === this.listDepth) {
          if (this.inElement) out.push(this.element(chunk, i));
          this.listDepth = 0; // read: nothing after it is an element
        }
        this.depth--;
        if (this.depth === 0) this.ended = true;
        return;
      case COMMA:
        if (this.depth === this.listDepth && this.inElement) out.push(this.element(chunk, i));
        if (this.depth === 1) this.afterColon = false;
        return;
    }
  }

  /** Keeps bytes of the element being read (a copy when the chunk's buffer may be reused). */
  private keep(bytes: Buffer, copy: boolean): void {
    if (this.partBytes + bytes.length <= MAX_LINE_BYTES) this.parts.push(copy ? Buffer.from(bytes) : bytes);
    this.partBytes += bytes.length;
  }

  /** The element that ends at `end` in `chunk`, parsed. */
  private element(chunk: Buffer, end: number): ElementEvent {
    this.keep(chunk.subarray(this.elementStart, end), false);
    const tooLong = this.partBytes > MAX_LINE_BYTES;
    const text = tooLong ? '' : Buffer.concat(this.parts).toString('utf8').trim();
    this.parts = [];
    this.partBytes = 0;
    this.inElement = false;
    const index = this.index++;
    if (tooLong) return { type: 'element', index, raw: '', error: 'longer than can be read' };
    try {
      return { type: 'element', index, value: JSON.parse(text) as Json };
    } catch {
      return { type: 'element', index, raw: text, error: 'not valid JSON' };
    }
  }
}

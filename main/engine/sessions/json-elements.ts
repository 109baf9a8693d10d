// The messages of a JSON document that is one list of them (Cline's and Roo's task histories:
// `[…]`, or Roo's `{"version": …, "messages": […]}`), one at a time as the file streams, so
// memory holds one message, not the document (a long task's history is tens of MB, and parsed
// it is several times that). Only the list's structure is scanned here (strings, escapes and
// nesting, byte by byte: UTF-8's multi-byte sequences never contain an ASCII byte); each element
// is then parsed with JSON.parse, so what it accepts is exactly JSON. In an object, its other
// members come too, each parsed on its own (Gemini CLI's legacy chat: metadata beside `messages`).

import type { Json } from './json.ts';
import { MAX_LINE_BYTES } from './lines.ts';

export type ElementEvent =
  /** One element of the list, parsed, or why it couldn't be. */
  | { type: 'element'; index: number; value: Json; raw?: undefined; error?: undefined }
  | { type: 'element'; index: number; value?: undefined; raw: string; error: string }
  /** Another member of the top-level object, parsed (not its `key` list). */
  | { type: 'member'; key: string; value: Json }
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
  private readonly wantedKey: string;
  private readonly notAList: string;
  /** Nesting depth (0: top level). */
  private depth = 0;
  /** The depth of the list's elements once it is found; 0 once it is read. */
  private listDepth = -1;
  /** The document is an object: its members are read at depth 1. */
  private inObject = false;
  private inString = false;
  private escaped = false;
  private started = false;
  private ended = false;
  failed = false;
  /** In the top-level object: the key being read (its bytes, quotes included), and the last one read. */
  private keyParts: Buffer[] | undefined;
  private key = '';
  /** In the top-level object: a key's colon was read, its value is next. */
  private afterColon = false;
  /** What is being read (an element of the list, or a member's value) and its bytes so far. */
  private capturing: 'element' | 'member' | undefined;
  private parts: Buffer[] = [];
  private partBytes = 0;
  private index = 0;
  /** Where what is captured, and the key being read, start in the current chunk. */
  private captureStart = 0;
  private keyStart = 0;

  constructor(key: string) {
    this.wantedKey = key;
    this.notAList = `neither a list of messages nor an object holding "${key}"`;
  }

  scan(chunk: Buffer): ElementEvent[] {
    const out: ElementEvent[] = [];
    this.captureStart = 0;
    this.keyStart = 0;
    for (let i = 0; i < chunk.length && !this.failed; i++) {
      const byte = chunk[i] as number;
      if (!this.started) this.begin(byte, out);
      else if (this.ended) {
        if (!isSpace(byte)) this.fail('more after the end of the document', out);
      } else if (this.inString) this.stringByte(chunk, i, byte);
      else this.structure(chunk, i, byte, out);
    }
    if (this.capturing) this.keep(chunk.subarray(this.captureStart), true);
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
    else this.inObject = true;
  }

  private stringByte(chunk: Buffer, i: number, byte: number): void {
    if (this.escaped) this.escaped = false;
    else if (byte === BACKSLASH) this.escaped = true;
    else if (byte === QUOTE) {
      this.inString = false;
      if (this.keyParts) {
        this.keyParts.push(chunk.subarray(this.keyStart, i + 1));
        try {
          this.key = JSON.parse(Buffer.concat(this.keyParts).toString('utf8')) as string;
        } catch {
          this.key = '';
        }
        this.keyParts = undefined;
      }
    }
  }

  private structure(chunk: Buffer, i: number, byte: number, out: ElementEvent[]): void {
    if (!this.capturing && !isSpace(byte)) this.startCapture(i, byte);
    switch (byte) {
      case QUOTE:
        this.inString = true;
        if (this.inObject && this.depth === 1 && !this.afterColon && !this.capturing) {
          this.keyParts = [];
          this.keyStart = i;
        }
        return;
      case COLON:
        if (this.inObject && this.depth === 1) this.afterColon = true;
        return;
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        this.depth++;
        return;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        if (this.depth === this.listDepth) {
          if (this.capturing) out.push(this.captured(chunk, i));
          this.listDepth = 0; // read: nothing after it is an element
        } else if (this.depth === 1 && this.capturing) out.push(this.captured(chunk, i));
        this.depth--;
        if (this.depth === 0) this.ended = true;
        return;
      case COMMA:
        if ((this.depth === this.listDepth || this.depth === 1) && this.capturing) out.push(this.captured(chunk, i));
        return;
    }
  }

  /** An element of the list starts here, or (in the object) a member's value, or the list itself. */
  private startCapture(i: number, byte: number): void {
    if (this.depth === this.listDepth && byte !== COMMA && byte !== CLOSE_ARRAY) this.capturing = 'element';
    else if (this.inObject && this.depth === 1 && this.afterColon) {
      this.afterColon = false;
      if (byte === OPEN_ARRAY && this.listDepth < 0 && this.key === this.wantedKey) {
        this.listDepth = 2;
        return;
      }
      this.capturing = 'member';
    } else return;
    this.captureStart = i;
  }

  /** Keeps bytes of what is being captured (a copy when the chunk's buffer may be reused). */
  private keep(bytes: Buffer, copy: boolean): void {
    if (this.partBytes + bytes.length <= MAX_LINE_BYTES) this.parts.push(copy ? Buffer.from(bytes) : bytes);
    this.partBytes += bytes.length;
  }

  /** The element, or member, that ends at `end` in `chunk`, parsed. */
  private captured(chunk: Buffer, end: number): ElementEvent {
    this.keep(chunk.subarray(this.captureStart, end), false);
    const kind = this.capturing;
    const tooLong = this.partBytes > MAX_LINE_BYTES;
    const text = tooLong ? '' : Buffer.concat(this.parts).toString('utf8').trim();
    this.parts = [];
    this.partBytes = 0;
    this.capturing = undefined;
    let parsed: { value: Json } | { error: string };
    if (tooLong) parsed = { error: 'longer than can be read' };
    else {
      try {
        parsed = { value: JSON.parse(text) as Json };
      } catch {
        parsed = { error: 'not valid JSON' };
      }
    }
    if (kind === 'member') return 'value' in parsed ? { type: 'member', key: this.key, value: parsed.value } : { type: 'member', key: this.key, value: null };
    const index = this.index++;
    return 'value' in parsed ? { type: 'element', index, value: parsed.value } : { type: 'element', index, raw: text, error: parsed.error };
  }
}

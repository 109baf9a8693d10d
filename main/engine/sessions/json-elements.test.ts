import { describe, expect, it } from 'vitest';
import { jsonListElements, type ElementEvent } from './json-elements.ts';

/** `text` as chunks of the given sizes (cycled), as a file stream would give them. */
async function* chunked(text: string | Buffer, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] as number;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function events(text: string | Buffer, sizes: readonly number[] = [1 << 20], key?: string): Promise<ElementEvent[]> {
  const out: ElementEvent[] = [];
  for await (const e of jsonListElements(chunked(text, sizes), key)) out.push(e);
  return out;
}

function values(list: ElementEvent[]): unknown[] {
  return list.map((e) => (e.type === 'element' ? (e.error ? { error: e.error, raw: e.raw } : e.value) : e.type === 'member' ? { member: e.key, value: e.value } : { damaged: e.error }));
}

/** A deterministic random JSON value: strings with quotes, escapes, brackets and multi-byte text. */
function randomValue(seed: { n: number }, depth = 0): unknown {
  const next = () => (seed.n = (seed.n * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const r = next();
  if (depth > 3 || r < 0.3) {
    const pick = Math.floor(next() * 6);
    return [() => Math.floor(next() * 1e6) - 5e5, () => next() < 0.5, () => null, () => `q"uo\\te ] , } { [ ${'é中😀'.repeat(Math.floor(next() * 3))}\n`, () => '', () => 1.5e-7][pick]!();
  }
  if (r < 0.65) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(seed, depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, (_, i) => [`k${i}"]`, randomValue(seed, depth + 1)]));
}

describe('jsonListElements', () => {
  it('gives the elements of a top-level list as JSON.parse does, however the file is cut into chunks', async () => {
    for (let trial = 0; trial < 30; trial++) {
      const list = Array.from({ length: 1 + (trial % 9) }, (_, i) => randomValue({ n: trial * 100 + i + 1 }));
      const text = trial % 2 ? JSON.stringify(list, null, 2) : JSON.stringify(list);
      for (const sizes of [[1 << 20], [1], [3, 7], [64, 1, 5]]) {
        expect(values(await events(text, sizes)), `trial ${trial}, chunks ${sizes.join('/')}`).toEqual(list);
      }
    }
  });

  it("gives the list under a key of a top-level object (Roo's {version, messages}), and each other member whole", async () => {
    const messages = [{ role: 'user', content: 'hi "messages": [1]' }, { role: 'assistant', content: [{ type: 'text', text: 'yes' }] }];
    const doc = { version: 2, note: { messages: ['not this one'] }, 'messages\\"': [0], messages, after: [{ messages: [] }], title: 'a "title", {with} [brackets]' };
    const expected = [{ member: 'version', value: 2 }, { member: 'note', value: doc.note }, { member: 'messages\\"', value: [0] }, ...messages, { member: 'after', value: doc.after }, { member: 'title', value: doc.title }];
    for (const sizes of [[1 << 20], [1], [5, 2]]) {
      for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 1)]) expect(values(await events(text, sizes))).toEqual(expected);
    }
    expect(values(await events(JSON.stringify({ messages: [] })))).toEqual([]);
  });

  it('reads a leading byte-order mark and whitespace, and an empty list', async () => {
    expect(values(await events(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(' \n[1, "two" ,{"three":3}]\n ')]), [2]))).toEqual([1, 'two', { three: 3 }]);
    expect(values(await events('[]'))).toEqual([]);
  });

  it('says what is wrong with a document that is not such a list, after the elements it could read', async () => {
    expect(values(await events('[{"a":1},{"b":'))).toEqual([{ a: 1 }, { damaged: 'cut off before its end' }]);
    expect(values(await events('[{"a":1},{"b":}]'))).toEqual([{ a: 1 }, { error: 'not valid JSON', raw: '{"b":}' }]);
    expect(values(await events('{"version":1}'))).toEqual([{ member: 'version', value: 1 }, { damaged: 'neither a list of messages nor an object holding "messages"' }]);
    expect(values(await events('{"messages":"no list"}'))).toEqual([{ member: 'messages', value: 'no list' }, { damaged: 'neither a list of messages nor an object holding "messages"' }]);
    expect(values(await events('"text"'))).toEqual([{ damaged: 'neither a list of messages nor an object holding "messages"' }]);
    expect(values(await events('[1] [2]'))).toEqual([1, { damaged: 'more after the end of the document' }]);
    expect(values(await events(''))).toEqual([{ damaged: 'empty' }]);
  });
});

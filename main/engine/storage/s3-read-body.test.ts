// Reading a GET's body into one buffer as it arrives: exactly the bytes sent, in order, whether
// the server announced the right length, none, or a wrong one (the caller's check then says so).

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody } from './s3-blob-store.ts';

const body = (...pieces: string[]) => Readable.from(pieces.map((p) => Buffer.from(p)));

describe('readBody', () => {
  it('writes the pieces into one buffer of the announced length', async () => {
    const out = await readBody(body('hello ', 'pack ', 'bytes'), 16);
    expect(Buffer.from(out).toString()).toBe('hello pack bytes');
    expect(out.byteLength).toBe(16);
  });

  it('joins the pieces when no length was announced', async () => {
    expect(Buffer.from(await readBody(body('a', 'bc', 'def'), undefined)).toString()).toBe('abcdef');
    expect((await readBody(body(), undefined)).byteLength).toBe(0);
  });

  it('returns what came when it is shorter or longer than announced', async () => {
    expect(Buffer.from(await readBody(body('abc', 'de'), 10)).toString()).toBe('abcde');
    expect(Buffer.from(await readBody(body('abc', 'def', 'gh'), 4)).toString()).toBe('abcdefgh');
    expect(Buffer.from(await readBody(body('abcd', 'ef'), 4)).toString()).toBe('abcdef');
  });

  it('passes a broken stream’s error on', async () => {
    const broken = new Readable({ read() {} });
    broken.push(Buffer.from('abc'));
    setImmediate(() => broken.destroy(new Error('socket hang up')));
    await expect(readBody(broken, 10)).rejects.toThrow('socket hang up');
  });
});

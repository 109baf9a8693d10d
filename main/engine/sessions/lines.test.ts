import { describe, expect, it } from 'vitest';
import type { SessionFiles } from './files.ts';
import { linesStartingWith, readLines } from './lines.ts';

/** One file served in chunks of `size` bytes (every chunk boundary a real read could have). */
function chunked(bytes: Buffer, size: number): SessionFiles {
  return {
    stat: async () => ({ size: bytes.length, mtimeMs: 0 }),
    read: async () => bytes,
    open: (_path, start = 0) =>
      (async function* () {
        for (let i = start; i < bytes.length; i += size) yield bytes.subarray(i, Math.min(bytes.length, i + size));
      })(),
    sqlitePath: async () => '',
    list: async () => [],
  };
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('linesStartingWith', () => {
  it('finds exactly the lines readLines gives that begin with the prefix, at the same positions, however the file is cut', async () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = ['# aider chat started at 2026-01-01 10:00:00', '# aider', '# aide', '#', '', 'plain text', '  # aider not at the start', '#### user', 'é # aider', '# aider chat started at ünïcode ✓', `# aider ${'long '.repeat(200)}`, 'x'.repeat(300)];
    for (let round = 0; round < 40; round++) {
      const lines = Array.from({ length: 30 }, () => pieces[Math.floor(next() * pieces.length)] as string);
      const eol = round % 3 === 0 ? '\r\n' : '\n';
      let text = lines.join(eol) + (round % 2 === 0 ? eol : '');
      if (round % 5 === 0) text = `\ufeff${text}`;
      const bytes = Buffer.from(text, 'utf8');
      const expected = (await all(readLines(chunked(bytes, 1 << 16), 'h.md'))).filter((l) => l.text.startsWith('# aider'));
      for (const size of [1, 2, 3, 5, 8, 13, 64, 1 << 16]) {
        expect(await all(linesStartingWith(chunked(bytes, size), 'h.md', '# aider')), `round ${round}, chunks of ${size}`).toEqual(expected);
      }
    }
  });
});

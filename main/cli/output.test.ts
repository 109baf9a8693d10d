import { describe, expect, it } from 'vitest';
import { warningText } from './output.ts';

describe('a warning on the command line', () => {
  it('names the file once: the message where it names it, else the path before it', () => {
    // A file the backup left out: its message names it.
    expect(warningText({ path: '/home/a/.codex/locked.json', message: "/home/a/.codex/locked.json can't be read (permission denied); the next backup tries again." })).toBe(
      "/home/a/.codex/locked.json can't be read (permission denied); the next backup tries again.",
    );
    // A file whose sessions couldn't be read: the message doesn't, and without the path the line said nothing of which file.
    expect(warningText({ path: '/home/a/.claude/projects/p/s.jsonl', message: 'Its sessions are not in the catalog: database or disk is full' })).toBe(
      '/home/a/.claude/projects/p/s.jsonl: Its sessions are not in the catalog: database or disk is full',
    );
    expect(warningText({ path: '', message: 'Something about the run.' })).toBe('Something about the run.');
  });
});

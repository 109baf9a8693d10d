import { describe, expect, it, vi } from 'vitest';
import { cliMessage, warningText } from './output.ts';

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

describe('a failure no one waited for', () => {
  it('is said as any error is, with its exit status, not as a stack trace', async () => {
    const { unhandledFailure } = await import('./program.ts');
    const { EXIT } = await import('./output.ts');
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const status = unhandledFailure(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), ['backup', '--state-dir', '/home/a/cairn-state']);
      expect(status).toBe(EXIT.disk_full);
      expect(written.join('')).toBe("cairn: The disk holding Cairn's state folder (/home/a/cairn-state) is full: its database could not grow. Free some space and try again.\n");
      written.length = 0;
      // A failing disk under the state database (measured on a FUSE disk answering EIO: "Unexpected error: disk I/O error", exit 1).
      expect(unhandledFailure(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_SHMSIZE' }), ['backup', '--state-dir', '/home/a/cairn-state'])).toBe(EXIT.storage);
      expect(written.join('')).toBe('cairn: Cairn could not read or write its local database (in /home/a/cairn-state): the disk reported an input/output error (SQLITE_IOERR_SHMSIZE). The disk may be failing: copy what you can off it soon. The vault is not affected.\n');
    } finally {
      spy.mockRestore();
    }
  });
});

describe('an error as the CLI says it', () => {
  it("drops the app's promise to try again, and keeps a path's '..' as it is", () => {
    const say = (message: string, retryable = false) => cliMessage({ code: 'storage', message, retryable });
    expect(say('The upload failed. Cairn will try again.', true)).toBe('The upload failed. Run the command again later.');
    expect(say('The provider is throttling; Cairn will try again.', true)).toBe('The provider is throttling. Run the command again later.');
    // Before: "'././etc' is not in snapshot 98da021b."
    expect(say("'../../etc' is not in snapshot 98da021b. Use 'cairn ls' to see what it holds.")).toBe("'../../etc' is not in snapshot 98da021b. Use 'cairn ls' to see what it holds.");
  });
});

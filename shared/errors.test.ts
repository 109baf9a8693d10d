// toErrorRecord: what the app and the CLI say for an error that is not one of Cairn's own.

import { describe, expect, it } from 'vitest';
import { toErrorRecord } from './errors.ts';

const fsError = (code: string, syscall: string, path: string) => Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });

describe('toErrorRecord', () => {
  it('describes a file-system error with its path, for the app as for the CLI, instead of "Unexpected error"', () => {
    expect(toErrorRecord(fsError('EROFS', 'mkdir', '/home/a/.claude/projects/-repo'))).toEqual({
      code: 'config',
      message: '/home/a/.claude/projects/-repo is on a read-only file system. Choose a place Cairn may write.',
      retryable: false,
    });
    expect(toErrorRecord(fsError('EACCES', 'open', '/restore/x')).message).toBe('Cairn may not read /restore/x: permission denied. Fix its permissions, or choose another place.');
    expect(toErrorRecord(fsError('EACCES', 'rename', '/restore/x')).message).toContain('Cairn may not write /restore/x');
    // Creating a temporary file to write is an open too (it was said as "may not read").
    // Both of Cairn's temporary names are named by their folder (continue's was "may not read …cairn-tmp-…").
    expect(toErrorRecord(fsError('EACCES', 'open', '/home/a/.claude/projects/-repo/.s1.jsonl.cairn-sync-4a3f321d.tmp')).message).toBe('Cairn may not write into /home/a/.claude/projects/-repo: permission denied. Fix its permissions, or choose another place.');
    expect(toErrorRecord(fsError('EACCES', 'open', '/home/a/.claude/projects/-repo/.s1.jsonl.cairn-tmp-073c44b01543')).message).toBe('Cairn may not write into /home/a/.claude/projects/-repo: permission denied. Fix its permissions, or choose another place.');
    expect(toErrorRecord(fsError('ENOENT', 'open', '/gone')).code).toBe('not_found');
    // A restore into a folder deep enough that the snapshot's paths don't fit (was "Unexpected error: ENAMETOOLONG", exit 1).
    const deep = `/restore/${'d'.repeat(250)}/${'e'.repeat(250)}/x.jsonl`;
    expect(toErrorRecord(fsError('ENAMETOOLONG', 'lstat', deep))).toEqual({
      code: 'config',
      message: `A path is too long for this file system (${deep.length} characters, or a name in it over 255 bytes): ${deep.slice(0, 70)}…${deep.slice(-70)}. Use a folder with a shorter path.`,
      retryable: false,
    });
  });

  it('keeps the full disk and a damaged state database as they were, and anything else as unexpected', () => {
    expect(toErrorRecord(fsError('ENOSPC', 'write', '/x')).code).toBe('disk_full');
    expect(toErrorRecord(Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' })).code).toBe('integrity');
    expect(toErrorRecord(new Error('boom'))).toEqual({ code: 'internal', message: 'Unexpected error: boom', retryable: false });
    expect(toErrorRecord(fsError('EBUSY', 'rmdir', '/x')).code).toBe('internal');
  });

  it('says which file a failing disk (EIO) would not give or take, by its final name, not "Unexpected error: EIO"', () => {
    expect(toErrorRecord(fsError('EIO', 'write', '/restore/out/.s1.jsonl.cairn-0a1b2c3d.tmp'))).toEqual({
      code: 'storage',
      message: 'Could not write /restore/out/s1.jsonl: the disk reported an input/output error (EIO). The disk may be failing: copy what you can off it soon, and use another disk.',
      retryable: false,
    });
    expect(toErrorRecord(fsError('EIO', 'read', '/vault/config')).message).toMatch(/^Could not read \/vault\/config: the disk reported/);
    // Cairn's state database on that disk (was "Unexpected error: disk I/O error", exit 1).
    expect(toErrorRecord(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }), { stateDir: '/home/a/.config/cairn' })).toEqual({
      code: 'storage',
      message: 'Cairn could not read or write its local database (in /home/a/.config/cairn): the disk reported an input/output error (SQLITE_IOERR_WRITE). The disk may be failing: copy what you can off it soon. The vault is not affected.',
      retryable: false,
    });
    expect(toErrorRecord(fsError('EREMOTEIO', 'write', '/mnt/share/state.json.cairn-tmp-073c44b01543')).message).toMatch(/^Could not write \/mnt\/share\/state\.json: .*\(EREMOTEIO\)/);
  });

  it('says which disk is full: the file Cairn could not write, or the state folder whose database could not grow', () => {
    const copy = Object.assign(fsError('ENOSPC', 'copyfile', '/home/a/.local/share/opencode/opencode.db'), { dest: '/state/vaults/v1/tmp/b/x.sqlite.tmp' });
    expect(toErrorRecord(copy)).toEqual({ code: 'disk_full', message: 'The disk is full: Cairn could not write /state/vaults/v1/tmp/b/x.sqlite.tmp. Free some space and try again.', retryable: false });
    const sqlite = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    expect(toErrorRecord(sqlite, { stateDir: '/home/a/.config/cairn' }).message).toBe("The disk holding Cairn's state folder (/home/a/.config/cairn) is full: its database could not grow. Free some space and try again.");
    expect(toErrorRecord(sqlite).message).toBe("The disk holding Cairn's state folder is full: its database could not grow. Free some space and try again.");
    expect(toErrorRecord(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' })).message).toBe('The disk is full. Free some space and try again.');
  });
});

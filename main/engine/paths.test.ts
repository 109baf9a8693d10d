import { describe, expect, it } from 'vitest';
import { isCairnError } from '../../shared/errors.ts';
import { defaultDataDir, defaultStateDir, envDir, expandHomePath } from './paths.ts';

const home = '/home/alice';

describe('defaultStateDir', () => {
  it.each([
    ['unset', {}, '/home/alice/.config/cairn'],
    ['empty (login shells, service units)', { XDG_CONFIG_HOME: '' }, '/home/alice/.config/cairn'],
    ['relative (the XDG spec says: ignore it)', { XDG_CONFIG_HOME: 'cfg' }, '/home/alice/.config/cairn'],
    ['absolute', { XDG_CONFIG_HOME: '/srv/cfg' }, '/srv/cfg/cairn'],
  ])('on Linux, XDG_CONFIG_HOME %s', (_label, env, expected) => {
    expect(defaultStateDir(env, 'linux', home)).toBe(expected);
  });

  it('on Windows ignores an empty or relative APPDATA', () => {
    expect(defaultStateDir({ APPDATA: '' }, 'win32', 'C:\\Users\\alice')).toContain('AppData');
    expect(defaultStateDir({ APPDATA: 'Roaming' }, 'win32', 'C:\\Users\\alice')).toContain('AppData');
    expect(defaultStateDir({ APPDATA: 'D:\\Profiles\\alice' }, 'win32', 'C:\\Users\\alice')).toMatch(/^D:\\Profiles\\alice.Cairn$/);
  });

  it('takes an absolute CAIRN_STATE_DIR as it is, and treats an empty one as unset', () => {
    expect(defaultStateDir({ CAIRN_STATE_DIR: '/var/lib/cairn' }, 'linux', home)).toBe('/var/lib/cairn');
    expect(defaultStateDir({ CAIRN_STATE_DIR: '' }, 'linux', home)).toBe('/home/alice/.config/cairn');
  });

  it('refuses a relative CAIRN_STATE_DIR with an error that names it', () => {
    let caught: unknown;
    try {
      defaultStateDir({ CAIRN_STATE_DIR: 'state' }, 'linux', home);
    } catch (error) {
      caught = error;
    }
    expect(isCairnError(caught) && caught.code).toBe('config');
    expect((caught as Error).message).toContain("CAIRN_STATE_DIR must be an absolute path, not 'state'");
  });
});

describe('defaultDataDir', () => {
  it('follows XDG_DATA_HOME only when it is absolute', () => {
    expect(defaultDataDir({}, 'linux', home)).toBe('/home/alice/.local/share/cairn');
    expect(defaultDataDir({ XDG_DATA_HOME: '' }, 'linux', home)).toBe('/home/alice/.local/share/cairn');
    expect(defaultDataDir({ XDG_DATA_HOME: 'rel' }, 'linux', home)).toBe('/home/alice/.local/share/cairn');
    expect(defaultDataDir({ XDG_DATA_HOME: '/d' }, 'linux', home)).toBe('/d/cairn');
  });

  it('lives inside CAIRN_STATE_DIR when that is set', () => {
    expect(defaultDataDir({ CAIRN_STATE_DIR: '/t/state' }, 'linux', home)).toBe('/t/state/data');
  });
});

describe('envDir', () => {
  it('uses the Windows notion of absolute for Windows', () => {
    expect(envDir({ X: 'C:\\x' }, 'X', 'fb', 'win32')).toBe('C:\\x');
    expect(envDir({ X: 'x' }, 'X', 'fb', 'win32')).toBe('fb');
    expect(envDir({ X: '/x' }, 'X', 'fb', 'linux')).toBe('/x');
  });
});

describe('expandHomePath', () => {
  it('expands ~ and ~/… into the home folder and leaves other paths alone', () => {
    expect(expandHomePath('~', '/home/alice')).toBe('/home/alice');
    expect(expandHomePath('~/Backups/cairn', '/home/alice')).toBe('/home/alice/Backups/cairn');
    expect(expandHomePath('/srv/cairn', '/home/alice')).toBe('/srv/cairn');
    expect(expandHomePath('~bob/x', '/home/alice')).toBe('~bob/x');
    expect(expandHomePath('a/~/b', '/home/alice')).toBe('a/~/b');
  });
});

import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, type Handlers } from '../../shared/ipc/contract.ts';
import { CairnError, StorageError } from '../../shared/errors.ts';
import type { EngineStatus } from '../../shared/models.ts';
import { createRouter, isAppSender, type SenderInfo } from './router.ts';

const trusted: SenderInfo = { url: 'app://cairn/index.html', isMainFrame: true };
const status: EngineStatus = { state: 'idle', outboxCount: 0, lastSyncAt: '2025-01-01T00:00:00.000Z' };

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  const all = Object.fromEntries(
    CHANNELS.map((channel) => [
      channel,
      async () => {
        throw new Error(`${channel} not stubbed`);
      },
    ]),
  );
  return { ...all, ...overrides } as unknown as Handlers;
}

function quietLog() {
  return { warn: vi.fn(), error: vi.fn() };
}

describe('createRouter', () => {
  it('answers a valid request from the app window with the handler’s value', async () => {
    const pause = vi.fn(async ({ minutes }: { minutes: number }) => ({ ...status, state: 'paused' as const, pausedUntil: `in ${minutes}` }));
    const router = createRouter(handlers({ 'status.get': async () => status, 'sync.pause': pause }));
    expect(await router.handle('status.get', {}, trusted)).toEqual({ ok: true, value: status });
    expect(await router.handle('sync.pause', { minutes: 60 }, trusted)).toEqual({ ok: true, value: { ...status, state: 'paused', pausedUntil: 'in 60' } });
    expect(pause).toHaveBeenCalledWith({ minutes: 60 });
  });

  it('passes the parsed request (schema defaults applied) to the handler', async () => {
    const testConnection = vi.fn(async () => ({ ok: true, steps: [], vaultExists: false }));
    const router = createRouter(handlers({ 'setup.testConnection': testConnection }));
    const result = await router.handle('setup.testConnection', { location: { provider: 'local', path: '/backups' } }, trusted);
    expect(result.ok).toBe(true);
    expect(testConnection).toHaveBeenCalledWith({ location: { provider: 'local', path: '/backups', prefix: 'cairn' } });
  });

  it('refuses an unknown channel without calling anything', async () => {
    const log = quietLog();
    const router = createRouter(handlers(), { log });
    for (const channel of ['shell.exec', '__proto__', 'constructor', 'status.get ', '']) {
      const result = await router.handle(channel, {}, trusted);
      expect(result).toMatchObject({ ok: false, error: { code: 'ipc', retryable: false } });
      if (!result.ok) expect(result.error.message).toMatch(/^Unknown request/);
    }
    expect(log.warn).toHaveBeenCalledTimes(5);
  });

  it('refuses a payload that fails the schema, summarising what is wrong without echoing values', async () => {
    const pause = vi.fn();
    const router = createRouter(handlers({ 'sync.pause': pause }), { log: quietLog() });
    const cases: Array<[string, unknown, RegExp]> = [
      ['sync.pause', { minutes: 'sixty' }, /^Invalid request 'sync.pause': minutes: /],
      ['sync.pause', { minutes: 0 }, /minutes: /],
      ['sync.pause', {}, /minutes: /],
      ['sync.pause', undefined, /^Invalid request 'sync.pause'/],
      ['sync.pause', { minutes: 5, extra: true }, /extra/],
      ['snapshots.tree', { snapshotId: '../../etc', path: 'a' }, /snapshotId: a snapshot id/],
      ['status.get', { sneaky: 1 }, /sneaky/],
    ];
    for (const [channel, payload, message] of cases) {
      const result = await router.handle(channel, payload, trusted);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.error.code).toBe('ipc');
      expect(result.error.message).toMatch(message);
    }
    expect(pause).not.toHaveBeenCalled();
    const secret = await router.handle('key.changePassphrase', { current: 'hunter2-secret', next: 'short' }, trusted);
    expect(secret.ok).toBe(false);
    if (!secret.ok) expect(secret.error.message).not.toContain('hunter2');
  });

  it('refuses untrusted senders: other origins, iframes, unknown frames', async () => {
    const get = vi.fn(async () => status);
    const router = createRouter(handlers({ 'status.get': get }), { log: quietLog() });
    const senders: SenderInfo[] = [
      { url: 'https://evil.example/', isMainFrame: true },
      { url: 'file:///home/a/index.html', isMainFrame: true },
      { url: 'app://cairn.evil/index.html', isMainFrame: true },
      { url: 'app://other/index.html', isMainFrame: true },
      { url: 'app://user:pw@cairn/index.html', isMainFrame: true },
      { url: 'app://cairn/index.html', isMainFrame: false },
      { url: undefined, isMainFrame: true },
      { url: '', isMainFrame: true },
      { url: 'not a url', isMainFrame: true },
    ];
    for (const sender of senders) {
      const result = await router.handle('status.get', {}, sender);
      expect(result).toMatchObject({ ok: false, error: { code: 'ipc' } });
    }
    expect(get).not.toHaveBeenCalled();
  });

  it('accepts a custom sender check', async () => {
    const router = createRouter(handlers({ 'status.get': async () => status }), { isTrustedSender: (sender) => sender.url === 'http://127.0.0.1:5000/' });
    expect((await router.handle('status.get', {}, { url: 'http://127.0.0.1:5000/', isMainFrame: true })).ok).toBe(true);
    expect((await router.handle('status.get', {}, trusted)).ok).toBe(false);
  });

  it('maps thrown errors to records: code, message and retryable, never a stack', async () => {
    const log = quietLog();
    const router = createRouter(
      handlers({
        'vault.stats': async () => {
          throw new StorageError('bucket_not_found', "The bucket 'x' does not exist at https://r2. Create it or fix the name.");
        },
        'jobs.list': async () => {
          throw new CairnError('locked', 'Another device is pruning. Try again in a minute.', { retryable: true });
        },
        'devices.list': async () => {
          throw new TypeError("Cannot read properties of undefined (reading 'id')");
        },
        'agents.list': async () => {
          throw Object.assign(new Error('write failed'), { code: 'ENOSPC' });
        },
        'sessions.list': async () => {
          throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        },
        'sessions.search': async () => {
          throw Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
        },
      }),
      { log, stateDir: '/home/a/.config/Cairn' },
    );
    expect(await router.handle('vault.stats', {}, trusted)).toEqual({
      ok: false,
      error: { code: 'bucket_not_found', message: "The bucket 'x' does not exist at https://r2. Create it or fix the name.", retryable: false },
    });
    expect(await router.handle('jobs.list', {}, trusted)).toEqual({ ok: false, error: { code: 'locked', message: 'Another device is pruning. Try again in a minute.', retryable: true } });
    const internal = await router.handle('devices.list', {}, trusted);
    expect(internal).toEqual({ ok: false, error: { code: 'internal', message: "Unexpected error: Cannot read properties of undefined (reading 'id')", retryable: false } });
    expect(JSON.stringify(internal)).not.toMatch(/\bat .*\.ts:\d+/);
    expect(log.error).toHaveBeenCalledTimes(1);
    expect(await router.handle('agents.list', {}, trusted)).toMatchObject({ ok: false, error: { code: 'disk_full' } });
    // The state database on a full disk: SQLite's way of saying the same.
    expect(await router.handle('sessions.list', {}, trusted)).toEqual({ ok: false, error: { code: 'disk_full', message: "The disk holding Cairn's state folder (/home/a/.config/Cairn) is full: its database could not grow. Free some space and try again.", retryable: false } });
    // Cairn's own database damaged on this disk: said so, with what to do, not as a bug.
    const damaged = await router.handle('sessions.search', { text: 'x' }, trusted);
    expect(damaged).toMatchObject({ ok: false, error: { code: 'integrity', message: expect.stringMatching(/^Cairn's local state database is damaged \(database disk image is malformed\); the vault is not\. Move the file state\.db/) } });
  });

  it('lists every contract channel', () => {
    expect(createRouter(handlers()).channels).toEqual(CHANNELS);
  });
});

describe('isAppSender', () => {
  it('trusts only the main frame of app://cairn', () => {
    expect(isAppSender({ url: 'app://cairn/', isMainFrame: true })).toBe(true);
    expect(isAppSender({ url: 'app://cairn/index.html#/snapshots', isMainFrame: true })).toBe(true);
    expect(isAppSender({ url: 'app://cairn/', isMainFrame: false })).toBe(false);
    expect(isAppSender({ url: 'app://cairn:8080/', isMainFrame: true })).toBe(false);
  });
});

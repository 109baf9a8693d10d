import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS, type Handlers } from '../../shared/ipc/contract.ts';
import type { Settings } from '../../shared/models.ts';
import { observeHandlers, throttleLatest } from './service-bridge.ts';

const settings = { intervalMinutes: 15, syncOnAgentQuiet: true, quietSeconds: 30 } as Settings;

function handlers(): Handlers {
  const all = Object.fromEntries(CHANNELS.map((channel) => [channel, vi.fn(async () => ({ channel }))]));
  return { ...all, 'settings.set': vi.fn(async () => settings) } as unknown as Handlers;
}

describe('observeHandlers', () => {
  it('reports new settings and set-up vaults, and passes every result through', async () => {
    const observer = { settings: vi.fn(), configured: vi.fn() };
    const observed = observeHandlers(handlers(), observer);
    expect(Object.keys(observed).sort()).toEqual([...CHANNELS].sort());
    expect(await observed['settings.set']({ intervalMinutes: 15 })).toBe(settings);
    expect(observer.settings).toHaveBeenCalledWith(settings);
    await observed['setup.unlock']({ secret: { passphrase: 'p' } });
    expect(observer.configured).toHaveBeenCalledTimes(1);
    expect(await observed['status.get']({})).toEqual({ channel: 'status.get' });
  });

  it('does not report a failed call', async () => {
    const base = handlers();
    base['setup.joinVault'] = async () => {
      throw new Error('wrong key');
    };
    const observer = { settings: vi.fn(), configured: vi.fn() };
    await expect(observeHandlers(base, observer)['setup.joinVault']({ location: { provider: 'local', path: '/v', prefix: 'cairn' }, secret: { passphrase: 'x' } })).rejects.toThrow('wrong key');
    expect(observer.configured).not.toHaveBeenCalled();
  });
});

describe('throttleLatest', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports the first value at once and the latest of a burst once per interval', async () => {
    const reported: number[] = [];
    const report = throttleLatest<number>((value) => reported.push(value), 1_000, { setTimeout: (callback, ms) => setTimeout(callback, ms), now: () => Date.now() });
    report(1);
    for (let i = 2; i <= 50; i += 1) {
      await vi.advanceTimersByTimeAsync(10);
      report(i);
    }
    expect(reported).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reported).toEqual([1, 50]);
    await vi.advanceTimersByTimeAsync(5_000);
    report(51);
    expect(reported).toEqual([1, 50, 51]);
  });
});

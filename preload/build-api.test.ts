import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, EVENT_NAMES, type EventName } from '../shared/ipc/contract.ts';
import { buildCairnApi, type IpcRendererLike } from './build-api.ts';

function fakeIpc() {
  const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  const ipc: IpcRendererLike & { emit(channel: string, payload: unknown): void; count(channel: string): number } = {
    invoke: vi.fn(async (channel: string, payload: unknown) => ({ ok: true, value: { channel, payload } })),
    on: (channel, listener) => {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
    },
    removeListener: (channel, listener) => {
      listeners.get(channel)?.delete(listener);
    },
    emit: (channel, payload) => listeners.get(channel)?.forEach((listener) => listener({ sender: 'ipc event with internals' }, payload)),
    count: (channel) => listeners.get(channel)?.size ?? 0,
  };
  return ipc;
}

describe('buildCairnApi', () => {
  it('has one method per contract channel plus on, and nothing else', () => {
    const api = buildCairnApi(fakeIpc());
    expect(Object.keys(api).sort()).toEqual([...CHANNELS, 'on'].sort());
    expect(Object.isFrozen(api)).toBe(true);
    expect('send' in api).toBe(false);
    expect('invoke' in api).toBe(false);
  });

  it('invokes the channel of the method called, with the request', async () => {
    const ipc = fakeIpc();
    const api = buildCairnApi(ipc);
    await expect(api['sync.pause']({ minutes: 60 })).resolves.toEqual({ ok: true, value: { channel: 'sync.pause', payload: { minutes: 60 } } });
    await api['status.get']({});
    expect(ipc.invoke).toHaveBeenCalledWith('status.get', {});
  });

  it('delivers only the payload of contract events, and unsubscribes', () => {
    const ipc = fakeIpc();
    const api = buildCairnApi(ipc);
    const received: unknown[] = [];
    const off = api.on('snapshots.changed', (payload) => received.push(payload));
    ipc.emit('snapshots.changed', { deviceId: 'd1' });
    expect(received).toEqual([{ deviceId: 'd1' }]);
    off();
    expect(ipc.count('snapshots.changed')).toBe(0);
    ipc.emit('snapshots.changed', { deviceId: 'd2' });
    expect(received).toHaveLength(1);
  });

  it('refuses to subscribe to anything that is not a contract event', () => {
    const api = buildCairnApi(fakeIpc());
    for (const name of ['sync.now', 'ELECTRON_BROWSER_REQUIRE', 'status.changed ']) {
      expect(() => api.on(name as EventName, () => {})).toThrow(/Unknown event/);
    }
    expect(EVENT_NAMES.length).toBeGreaterThan(0);
  });
});

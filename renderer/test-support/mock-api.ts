// A scripted `window.cairn` for store and component tests: each channel answers from the given
// handlers (or with an `internal` error saying it isn't scripted), every call is recorded, and
// events can be pushed with `emit`. Test-only: nothing in the app imports this.

import type { CairnApi, Channel, EventName, Events, RequestOf, ResponseOf, Result } from '../../shared/ipc/contract.ts';
import { CHANNELS } from '../../shared/ipc/contract.ts';
import type { ErrorCode } from '../../shared/errors.ts';

export type Script = { [C in Channel]?: (request: RequestOf<C>) => Result<ResponseOf<C>> | Promise<Result<ResponseOf<C>>> };

export interface MockApi {
  api: CairnApi;
  calls: { channel: Channel; request: unknown }[];
  callsTo(channel: Channel): unknown[];
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  script: Script;
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message = `failed: ${code}`, retryable = false): Result<never> => ({ ok: false, error: { code, message, retryable } });

export function installMockApi(script: Script = {}): MockApi {
  const calls: { channel: Channel; request: unknown }[] = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const api = { on: (event: EventName, listener: (payload: unknown) => void) => {
    const set = listeners.get(event) ?? new Set();
    listeners.set(event, set);
    set.add(listener);
    return () => set.delete(listener);
  } } as Record<string, unknown>;
  for (const channel of CHANNELS) {
    api[channel] = async (request: unknown) => {
      calls.push({ channel, request });
      const handler = script[channel] as ((r: unknown) => Result<unknown> | Promise<Result<unknown>>) | undefined;
      return handler ? handler(request) : fail('internal', `${channel} is not scripted in this test`);
    };
  }
  Object.defineProperty(window, 'cairn', { value: api, configurable: true, writable: true });
  return {
    api: api as unknown as CairnApi,
    calls,
    callsTo: (channel) => calls.filter((c) => c.channel === channel).map((c) => c.request),
    emit: (event, payload) => {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
    script,
  };
}

export function removeMockApi(): void {
  Reflect.deleteProperty(window, 'cairn');
}

// The renderer's whole API, built one method per contract channel (Bitwarden desktop style) so
// that it can't drift from the contract, plus `on` for the contract's events. There is no generic
// send or invoke: a channel that isn't in the contract has no method.

import { CHANNELS, EVENT_NAMES, type Channel, type EventName, type Events, type RequestOf, type ResponseOf, type Result } from '../shared/ipc/contract.ts';

/** The two ipcRenderer calls the API needs; the event object never reaches the renderer. */
export interface IpcRendererLike {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

/** What the preload makes of one channel: ipcRenderer.invoke's answer, the router's Result. */
type PreloadMethod<C extends Channel> = (request: RequestOf<C>) => Promise<Result<ResponseOf<C>>>;
type PreloadMethods = { [C in (typeof CHANNELS)[number]]: PreloadMethod<C> };

const eventSet: ReadonlySet<string> = new Set(EVENT_NAMES);

/**
 * Its type is what it builds, not the contract's CairnApi: api-type.ts proves the two the same,
 * so a method or an `on` that drifts from the contract fails to compile there.
 */
export function buildCairnApi(ipc: IpcRendererLike) {
  const methods: Partial<Record<Channel, (request: unknown) => Promise<unknown>>> = {};
  for (const channel of CHANNELS) {
    methods[channel] = (request: unknown) => ipc.invoke(channel, request ?? {});
  }
  function on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    if (!eventSet.has(event)) throw new Error(`Unknown event '${String(event)}'.`);
    if (typeof listener !== 'function') throw new Error('An event listener must be a function.');
    const wrapped = (_event: unknown, payload: unknown): void => listener(payload as Events[E]);
    ipc.on(event, wrapped);
    return () => {
      ipc.removeListener(event, wrapped);
    };
  }
  return Object.freeze({ ...(methods as PreloadMethods), on });
}

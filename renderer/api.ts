// The one door to `window.cairn`. Store actions call `call()`; components never do. A missing
// bridge or a thrown transport error becomes an `ipc` error record instead of an exception, so
// every caller handles exactly one shape: `{ ok: true, value } | { ok: false, error }`.

import type { CairnApi, Channel, EventName, Events, RequestOf, ResponseOf, Result } from '../shared/ipc/contract.ts';

type Method<C extends Channel> = (request: RequestOf<C>) => Promise<Result<ResponseOf<C>>>;

function bridge(): CairnApi | undefined {
  return typeof window === 'undefined' ? undefined : (window.cairn as CairnApi | undefined);
}

export async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>> {
  const cairn = bridge();
  if (!cairn) {
    return { ok: false, error: { code: 'ipc', message: 'The connection to Cairn is not available. Restart the app.', retryable: false } };
  }
  try {
    const method = cairn[channel] as Method<C>;
    return await method(request);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { code: 'ipc', message: `The request could not reach Cairn: ${message}`, retryable: true } };
  }
}

export function subscribe<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
  const cairn = bridge();
  if (!cairn) return () => {};
  return cairn.on(event, listener);
}

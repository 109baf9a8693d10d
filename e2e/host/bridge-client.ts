// CAIRN_E2E_BRIDGE — test host only. Defines `window.cairn` over a WebSocket to the e2e host,
// standing in for the Electron preload. The host injects this script into the served
// index.html; it is never part of the renderer bundle (a test greps dist/renderer for the marker
// above). The per-run token arrives in the URL fragment, is kept in sessionStorage for reloads,
// and is removed from the address bar.

interface Pending {
  resolve: (value: unknown) => void;
}

type ServerMessage = { id: number; result: unknown } | { event: string; payload: unknown };

(() => {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromHash = fragment.get('token');
  if (fromHash) {
    sessionStorage.setItem('cairn-e2e-token', fromHash);
    history.replaceState(null, '', location.pathname + location.search);
  }
  const token = sessionStorage.getItem('cairn-e2e-token') ?? '';
  const socketUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/bridge?token=${encodeURIComponent(token)}`;

  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const queue: string[] = [];
  let socket: WebSocket | undefined;
  let open = false;

  const fail = (message: string): { ok: false; error: { code: 'ipc'; message: string; retryable: boolean } } => ({ ok: false, error: { code: 'ipc', message, retryable: true } });

  const connect = (): void => {
    socket = new WebSocket(socketUrl);
    socket.addEventListener('open', () => {
      open = true;
      for (const frame of queue.splice(0)) socket?.send(frame);
    });
    socket.addEventListener('message', (e: MessageEvent<string>) => {
      const message = JSON.parse(e.data) as ServerMessage;
      if ('id' in message) {
        pending.get(message.id)?.resolve(message.result);
        pending.delete(message.id);
      } else {
        for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
      }
    });
    socket.addEventListener('close', () => {
      open = false;
      for (const [id, p] of pending) {
        p.resolve(fail('The connection to the test host closed.'));
        pending.delete(id);
      }
    });
  };
  connect();

  const request = (channel: string, payload: unknown): Promise<unknown> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, { resolve });
      const frame = JSON.stringify({ id, channel, request: payload ?? {} });
      if (open && socket?.readyState === WebSocket.OPEN) socket.send(frame);
      else if (socket?.readyState === WebSocket.CLOSED || socket?.readyState === WebSocket.CLOSING) {
        pending.delete(id);
        resolve(fail('The connection to the test host is closed.'));
      } else queue.push(frame);
    });

  const on = (event: string, listener: (payload: unknown) => void): (() => void) => {
    let set = listeners.get(event);
    if (!set) {
      set = new Set();
      listeners.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  };

  const api = new Proxy({ on } as Record<string, unknown>, {
    get(target, name) {
      if (typeof name !== 'string') return undefined;
      if (name in target) return target[name];
      return (payload: unknown) => request(name, payload);
    },
  });
  Object.defineProperty(window, 'cairn', { value: Object.freeze(api), configurable: false, writable: false });
})();

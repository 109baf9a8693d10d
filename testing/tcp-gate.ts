// A TCP forwarder on a fixed 127.0.0.1 port, for simulating an outage of a server that must keep
// its data (the test S3 server deletes everything when stopped). Open, it forwards every
// connection to the target; closed, nothing listens on the port (clients get ECONNREFUSED, as
// when an endpoint is down) and live connections are cut; stalled, it accepts connections and
// never answers (a black-holed network). Reopening listens on the same port again.

import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export type TcpGateState = 'open' | 'closed' | 'stalled';

export interface TcpGate {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly state: TcpGateState;
  /** Forward connections again (listening on the same port). */
  open(): Promise<void>;
  /** Stop listening and cut every live connection: clients get ECONNREFUSED. */
  close(): Promise<void>;
  /** Accept connections but never forward or answer; live forwarded connections are cut. */
  stall(): Promise<void>;
  /** Closes for good. */
  stop(): Promise<void>;
}

/** Starts an open gate in front of `target` (e.g. `http://127.0.0.1:8080` or `{ host, port }`). */
export async function startTcpGate(target: string | { host: string; port: number }, options: { port?: number } = {}): Promise<TcpGate> {
  const to = typeof target === 'string' ? parseTarget(target) : target;
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let state: TcpGateState = 'closed';
  let port = options.port ?? 0;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // a cut connection is the point, not a failure
  };

  const onConnection = (client: Socket) => {
    track(client);
    if (state !== 'open') return; // stalled: hold the connection, say nothing
    const upstream = createConnection(to);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };

  const cutAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  const listen = async () => {
    if (server) return;
    const next = createServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
        next.off('error', reject);
        resolve();
      });
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };

  const unlisten = async () => {
    const current = server;
    server = undefined;
    if (!current) return;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    cutAll();
    await closed;
  };

  await listen();
  state = 'open';

  return {
    get port() {
      return port;
    },
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    get state() {
      return state;
    },
    async open() {
      state = 'open';
      cutAll(); // connections held while stalled never got an upstream
      await listen();
    },
    async close() {
      state = 'closed';
      await unlisten();
    },
    async stall() {
      state = 'stalled';
      cutAll();
      await listen();
    },
    async stop() {
      state = 'closed';
      await unlisten();
    },
  };
}

function parseTarget(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)) };
}

// The e2e test host: serves the built renderer on 127.0.0.1 and carries the typed IPC contract
// over a loopback WebSocket to the same application service the Electron app runs. It stands in
// for Electron's main process and preload so that the real UI can be driven by Playwright in
// Debian's Chromium against the real engine.
//
// Guarding: the WebSocket is refused unless it comes from the host's own origin and presents
// the per-run random token (given to the page in the URL fragment, which is never sent to the
// server in HTTP requests). The bridge script is injected into index.html here and only here.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { WebSocketServer, type WebSocket } from 'ws';
import { EVENT_NAMES, type EventName, type Events, type Handlers, type Result } from '../../shared/ipc/contract.ts';
import { createDispatch } from './dispatch.ts';

export const BRIDGE_PATH = '/cairn-e2e-bridge.js';
export const BRIDGE_MARKER = 'CAIRN_E2E_BRIDGE';

export interface EventSource {
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

/** What the host serves: the application service's handlers and events. */
export interface HostedService extends EventSource {
  handlers: Handlers;
}

export interface HostOptions {
  /** Folder with the built renderer (index.html, assets/). */
  rendererDir: string;
  service: HostedService;
  /** Fixed port for manual runs; 0 (default) picks a free one. */
  port?: number;
  /** Called for each request, for test assertions and debugging. */
  onRequest?: (channel: string, result: Result<unknown>) => void;
}

export interface Host {
  /** The page to open, token included. */
  url: string;
  origin: string;
  token: string;
  /** Open bridge connections. */
  connections(): number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

const here = fileURLToPath(new URL('.', import.meta.url));

async function bridgeScript(): Promise<string> {
  const source = await readFile(join(here, 'bridge-client.ts'), 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'iife', target: 'chrome120', legalComments: 'inline' });
  return `/* ${BRIDGE_MARKER} */\n${code}`;
}

/** Puts the bridge before the app's module script: classic scripts run first. */
export function injectBridge(html: string): string {
  const tag = `<script src=".${BRIDGE_PATH}"></script>`;
  const meta = html.match(/<meta[^>]+Content-Security-Policy[^>]*>/i);
  if (meta?.index !== undefined) {
    const at = meta.index + meta[0].length;
    return `${html.slice(0, at)}\n    ${tag}${html.slice(at)}`;
  }
  return html.replace(/<head>/i, `<head>\n    ${tag}`);
}

function sameToken(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startHost(options: HostOptions): Promise<Host> {
  const token = randomBytes(24).toString('hex');
  const root = resolve(options.rendererDir);
  const indexHtml = injectBridge(await readFile(join(root, 'index.html'), 'utf8'));
  const bridge = await bridgeScript();
  let origin = '';
  const dispatch = createDispatch(options.service.handlers, () => origin);

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end();
      return;
    }
    const path = decodeURIComponent(new URL(req.url ?? '/', origin).pathname);
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES['.html'] }).end(indexHtml);
      return;
    }
    if (path === BRIDGE_PATH) {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES['.js'] }).end(bridge);
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep)) {
      res.writeHead(403, headers).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404, headers).end();
    }
  };

  const server = createServer((req, res) => {
    serve(req, res).catch(() => res.writeHead(500).end());
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 32 * 1024 * 1024 });

  const refuse = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== '/bridge') return refuse(socket, '404 Not Found');
    if (req.headers.origin !== origin) return refuse(socket, '403 Forbidden');
    if (!sameToken(url.searchParams.get('token'), token)) return refuse(socket, '401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, req.headers.origin ?? ''));
  });

  const attach = (ws: WebSocket, pageOrigin: string): void => {
    const sender = { url: `${pageOrigin}/`, isMainFrame: true };
    const unsubscribes = EVENT_NAMES.map((event) =>
      options.service.on(event, (payload: unknown) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
      }),
    );
    ws.on('message', (data) => {
      void (async () => {
        let id: unknown;
        let result: Result<unknown>;
        try {
          const frame = JSON.parse(String(data)) as { id?: unknown; channel?: unknown; request?: unknown };
          id = frame.id;
          if (typeof frame.id !== 'number' || typeof frame.channel !== 'string') throw new Error('bad frame');
          result = await dispatch(frame.channel, frame.request, sender);
          options.onRequest?.(frame.channel, result);
        } catch {
          result = { ok: false, error: { code: 'ipc', message: 'Malformed request frame.', retryable: false } };
        }
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result }));
      })();
    });
    ws.on('close', () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
    });
  };

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    connections: () => wss.clients.size,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

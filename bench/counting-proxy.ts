// A TLS reverse proxy in front of the test S3 server that counts requests and bytes, so Cairn
// and restic are measured the same way. restic needs TLS here anyway (on plain HTTP its S3 client
// streams aws-chunked bodies, which Swift refuses). The Host header is passed through unchanged,
// so SigV4 signatures made for the proxy's address still verify at the server.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface Counters {
  requests: number;
  bytesUp: number;
  bytesDown: number;
  byMethod: Record<string, number>;
}

export interface CountingProxy {
  endpoint: string;
  caFile: string;
  counters(): Counters;
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string, dir: string): Promise<CountingProxy> {
  const keyFile = join(dir, 'proxy-key.pem');
  const caFile = join(dir, 'proxy-cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let c: Counters = { requests: 0, bytesUp: 0, bytesDown: 0, byMethod: {} };
  // BENCH_LOG_REQUESTS=1 prints each request with its status, sizes and duration (to stderr).
  const log = process.env.BENCH_LOG_REQUESTS === '1';
  const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (req, res) => {
    c.requests++;
    if (log) {
      const started = performance.now();
      let up = 0;
      req.on('data', (chunk: Buffer) => (up += chunk.length));
      res.on('finish', () => process.stderr.write(`  ${req.method} ${req.url} → ${res.statusCode} up ${up} B, ${(performance.now() - started).toFixed(1)} ms\n`));
    }
    c.byMethod[req.method ?? '?'] = (c.byMethod[req.method ?? '?'] ?? 0) + 1;
    const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.on('data', (chunk: Buffer) => (c.bytesDown += chunk.length));
      upRes.pipe(res);
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.on('data', (chunk: Buffer) => (c.bytesUp += chunk.length));
    req.pipe(up);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `https://127.0.0.1:${port}`,
    caFile,
    counters: () => ({ ...c, byMethod: { ...c.byMethod } }),
    reset: () => {
      c = { requests: 0, bytesUp: 0, bytesDown: 0, byMethod: {} };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
